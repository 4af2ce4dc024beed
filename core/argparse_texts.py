"""Every text of Python's argparse (3.11), marked for the catalogue so that its errors and help speak the
user's language.

argparse translates its texts with the ``_``/``ngettext`` it imported from :mod:`gettext` at module level;
:func:`install` points those two names at :mod:`core.i18n` (done when :mod:`core.cli` is imported), and the
lists below put argparse's own msgids into our catalogue (``scripts/i18n.py`` extracts ``N_`` and
``ngettext`` calls). Keep them equal to argparse's source: ``tests/core/test_cli_language.py`` compares them
with the ``_()``/``ngettext()`` literals of the running Python's argparse.py.
"""

from __future__ import annotations

import argparse

from core import i18n
from core.i18n import N_, ngettext

#: the ``_()`` texts of argparse.py (Python 3.11); ``%s``/``%(name)s`` are filled by argparse
TEXTS: tuple[str, ...] = (
    N_("usage: "),
    N_("argument %(argument_name)s: %(message)s"),
    N_(".__call__() not defined"),
    N_("conflicting subparser: %s"),
    N_("conflicting subparser alias: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_('argument "-" with mode %r'),
    N_("can't open '%(filename)s': %(error)s"),
    N_("cannot merge actions - two groups are named %r"),
    N_("'required' is an invalid argument for positionals"),
    N_("invalid option string %(option)r: must start with a character %(prefix_chars)r"),
    N_("dest= is required for options like %r"),
    N_("invalid conflict_resolution value: %r"),
    N_("mutually exclusive arguments must be optional"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("cannot have multiple subparser arguments"),
    N_("subcommands"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("%r is not callable"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
)


def plural_texts(n: int) -> tuple[str, ...]:
    """The ``ngettext()`` texts of argparse.py, in the current language, for a count ``n``."""
    return (
        ngettext("conflicting option string: %s", "conflicting option strings: %s", n),
        ngettext("expected %s argument", "expected %s arguments", n),
    )


#: the (singular, plural) pairs of :func:`plural_texts`, in English
PLURALS: tuple[tuple[str, str], ...] = (
    ("conflicting option string: %s", "conflicting option strings: %s"),
    ("expected %s argument", "expected %s arguments"),
)


def _gettext(message: str) -> str:
    # argparse also calls _() on None (a sub-parsers group without a description)
    return i18n._(message) if isinstance(message, str) and message else message


def install() -> None:
    """Make argparse translate its texts with the program's catalogue (in the language current when a
    parser formats or reports, so a language chosen after import applies)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]

"""The ``contact-uploader`` console script: a CLI subcommand runs headless, anything else opens the window.

This module imports neither PySide6 nor the window code until it knows the window is wanted, so
``contact-uploader upload ...`` on a server without a display never loads Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

SUBCOMMANDS = frozenset({"providers", "add", "upload", "credentials"})
# top-level flags that belong to the command line tool rather than the window
CLI_FLAGS = frozenset({"-h", "--help", "--version"})
# window options that take a value, so the value is not mistaken for a subcommand
_VALUE_OPTIONS = frozenset({"--provider", "--profile", "--lang"})


def wants_cli(argv: Sequence[str]) -> bool:
    """True when ``argv`` names a CLI subcommand (or asks for the CLI's help/version)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return False
        if arg in CLI_FLAGS:
            return True
        if arg.startswith("-"):
            skip = arg in _VALUE_OPTIONS
            continue
        return arg in SUBCOMMANDS
    return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(args):
        from core.cli import main as cli_main

        return int(cli_main(args) or 0)
    try:
        from gui.app import main as gui_main

        return gui_main(args)
    except Exception as exc:  # a bug before or after the event loop: one sentence and 70, no traceback
        import logging

        from core.cli import EXIT_INTERNAL, internal_error_sentence

        logging.getLogger(__name__).exception("the window failed")
        sys.stderr.write(internal_error_sentence(exc) + "\n")
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""The program's languages: one gettext catalogue for core and gui, numbers and durations per locale.

Every text a user sees goes through :func:`_` (or :func:`ngettext` for a count, :func:`pgettext` when the
same English words need two translations). The catalogues are
``resources/locale/<lang>/LC_MESSAGES/contact_uploader.mo``, compiled with Babel from the ``.po`` files beside
them (``python scripts/i18n.py``, checked in CI). Qt's own texts (standard buttons, file dialogs) come from
Qt's ``qtbase_<lang>.qm``, loaded by the window.

Texts defined at import time (tables of labels) are marked with :func:`N_` and translated where shown,
so a language chosen later still applies.

The language (:func:`choose_language`): ``--lang``, else ``CONTACT_UPLOADER_LANG``, else the one chosen in the
window (settings), else the operating system's (the Windows UI language, macOS preferred languages,
``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``), else English. ``qps`` is a pseudo-locale for tests: every
text accented, lengthened and bracketed, so a text that skipped translation shows.

Machine-readable values never go through here: report ``status`` values, column names, field ids, exit
statuses.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

DOMAIN = "contact_uploader"
LANGUAGES: tuple[str, ...] = ("en", "tr", "fr", "es")
#: what each language is called in itself (the window's language menu)
NATIVE_NAMES: Mapping[str, str] = {"en": "English", "tr": "Türkçe", "fr": "Français", "es": "Español"}
DEFAULT = "en"
PSEUDO = "qps"  # pseudo-locale (tests only): every text transformed so an untranslated one stands out
ENV_LANG = "CONTACT_UPLOADER_LANG"

_lock = threading.Lock()
_lang = DEFAULT
_current: _gettext.NullTranslations = _gettext.NullTranslations()


def locale_dir() -> Path:
    from core.resources import resource_path

    return resource_path("locale")


class _Pseudo(_gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


_ACCENTS = str.maketrans(
    "aceinorsuyzACEGINORSUYZ", "àçéîñöřšüýžÅÇÉĞÎÑÖŘŠÜÝŽ"
)
# kept as they are: format fields ({name}, {0:,}), %-formats, markup tags, entities, URLs
_KEEP = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|<[^<>]*>|&[a-z]+;|https?://\S+")
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def pseudo(message: str) -> str:
    """``message`` accented and about 40 % longer between ⟦ ⟧, its placeholders and tags untouched."""
    if not message:
        return message
    out: list[str] = []
    pos = 0
    for m in _KEEP.finditer(message):
        out.append(message[pos:m.start()].translate(_ACCENTS))
        out.append(m.group(0))
        pos = m.end()
    out.append(message[pos:].translate(_ACCENTS))
    body = "".join(out)
    letters = sum(ch.isalpha() for ch in message)
    pad = "~" * max(1, (letters * 2) // 5)
    return f"{PSEUDO_OPEN}{body}{pad}{PSEUDO_CLOSE}"


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == PSEUDO:
        return _Pseudo()
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, str(locale_dir()), languages=[lang])
    except OSError:  # no catalogue (a broken install): English rather than nothing
        return _gettext.NullTranslations()


def translation(lang: str | None = None) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` (the current language when None; English for one the program lacks)."""
    if lang is None:
        return _current
    return _translations(normalise(lang) or DEFAULT)


def normalise(value: str | None) -> str | None:
    """``"tr_TR.UTF-8"`` → ``"tr"``; None for a language the program does not speak."""
    if not value:
        return None
    code = value.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    if code == PSEUDO or code in LANGUAGES:
        return code
    return None


def set_language(lang: str | None) -> str:
    """Speak ``lang`` from now on (any spelling :func:`normalise` knows, else English); returns the code."""
    global _lang, _current
    code = normalise(lang) or DEFAULT
    with _lock:
        _lang = code
        _current = _translations(code)
    return code


def language() -> str:
    return _lang


def _(message: str) -> str:
    """``message`` in the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The right plural form of a sentence about ``n`` things (format ``n`` in with :func:`number`)."""
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _current.npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it now (translate it with :func:`_` when shown)."""
    return message


# ---------------------------------------------------------------- which language
def os_languages(environ: Mapping[str, str] | None = None) -> list[str]:
    """The operating system's preferred languages, best first (may be empty)."""
    env = os.environ if environ is None else environ
    found: list[str] = []
    # LANGUAGE is a priority list (GNU); the first of LC_ALL / LC_MESSAGES / LANG that is set decides
    found += [part for part in env.get("LANGUAGE", "").split(":") if part]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            if value.upper() not in ("C", "POSIX") and not value.upper().startswith("C."):
                found.append(value)
            break
    if environ is None:
        found += _system_ui_languages()
    return found


@cache
def _system_ui_languages() -> list[str]:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import ctypes
            import locale

            lcid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
            name = locale.windows_locale.get(int(lcid))
            return [name] if name else []
        except (OSError, AttributeError, ValueError):
            return []
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        try:
            out = subprocess.run(["defaults", "read", "-g", "AppleLanguages"], capture_output=True, text=True,
                                 timeout=2, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return re.findall(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*", out)
    return []


def choose_language(given: str | None = None, *, saved: str | None = None,
                    system: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` (``given``), else ``CONTACT_UPLOADER_LANG``, else ``saved`` (the window's choice), else the
    system's languages (``system``, or :func:`os_languages`), else English."""
    env = os.environ if environ is None else environ
    for value in (given, env.get(ENV_LANG), saved):
        code = normalise(value)
        if code:
            return code
    for value in (os_languages(environ) if system is None else system):
        code = normalise(value)
        if code and code != PSEUDO:
            return code
    return DEFAULT


def option_value(argv: Sequence[str], *names: str) -> str | None:
    """The value of ``NAME X`` / ``NAME=X`` for the first of ``names`` in ``argv`` (None after ``--``)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(name + "="):
                return arg[len(name) + 1:]
    return None


def lang_from_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--lang X`` / ``--lang=X`` anywhere in ``argv`` (before the parser, which speaks it)."""
    return option_value(argv, "--lang")


# ---------------------------------------------------------------- numbers, times, durations
def _babel_locale() -> str:
    return DEFAULT if _lang == PSEUDO else _lang


def warm_up() -> None:
    """Load the current language's number data now. Babel unpickles its locale data the first time a
    number is formatted: single C calls of 50-200 ms that hold the GIL on whichever thread gets there
    first — a worker mid-import stalls the window as much as the GUI thread. The window calls this
    before it is shown; later numbers take a fraction of a millisecond."""
    number(0)


def number(value: float, decimals: int | None = None) -> str:
    """``value`` with the locale's grouping: 1,196 (en), 1.196 (tr, es), 1 196 (fr)."""
    from babel.numbers import format_decimal

    if decimals is None:
        return str(format_decimal(value, locale=_babel_locale(), group_separator=True))
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=fmt, locale=_babel_locale()))


def percent(fraction: float) -> str:
    from babel.numbers import format_percent

    return str(format_percent(fraction, locale=_babel_locale()))


def duration(seconds: float) -> str:
    """A short duration: "2 min", "45 sec", "3 hr" (in the locale's words)."""
    from babel.dates import format_timedelta

    return str(format_timedelta(timedelta(seconds=max(0.0, seconds)), threshold=1.1, format="short",
                                locale=_babel_locale()))


def clock(moment: datetime) -> str:
    """The time of day as the locale writes it (14:02, 2:02 PM)."""
    from babel.dates import format_time

    return str(format_time(moment, format="short", locale=_babel_locale()))


def date_time(moment: datetime) -> str:
    from babel.dates import format_datetime

    return str(format_datetime(moment, format="short", locale=_babel_locale()))

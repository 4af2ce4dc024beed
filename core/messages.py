"""Readable messages: provider codes and network problems turned into plain advice.

The sentences live in data, one table in ``resources/messages/en.json`` (SPEC §4: one table per provider)::

    {"<provider or 'network'>": {"codes": {"<code>": "sentence with {placeholders}"},
                                   "fallback": "Octopush answered code {code}: {text}"}}

Their Turkish, French and Spanish texts are in the program's one gettext catalogue (:mod:`core.i18n`), each
under the context ``messages/<section>.codes.<code>`` (``messages/<section>.fallback``), extracted from this
table by ``scripts/i18n.py``. A code nobody documented gets the table's fallback; a sentence without a
translation stays English.
Placeholders always available: ``{code}``, ``{text}`` (the provider's own text), plus whatever the
caller passes (``{column}``, ``{provider}``, ``{status}``, …). Missing placeholders are left readable.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from core import i18n
from core.resources import resource_path

DEFAULT_LANG = "en"
#: the catalogue context of a sentence of the table: ``messages/<section>.codes.<code>`` (scripts/i18n.py)
CONTEXT = "messages/"
#: A provider's own text quoted inside a sentence is cut to this many characters (the full excerpt is kept
#: separately as the row's raw text), so a 10 MB error page never becomes a 10 MB sentence.
TEXT_IN_SENTENCE = 300


def set_language(lang: str) -> None:
    """Same as :func:`core.i18n.set_language` (one language for the whole program)."""
    i18n.set_language(lang)


def language() -> str:
    return i18n.language()


@cache
def table(lang: str = DEFAULT_LANG) -> dict[str, Any]:
    path = resource_path("messages", f"{lang}.json")
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# a sentence's own full stop right after a provider text that already ends one ("…does not exist.. Check"),
# or after "?"/"!"; an ellipsis ("...") is left alone
_DOUBLED = re.compile(r"(?<!\.)([.!?。])\.(?!\.)")


def tidy(sentence: str) -> str:
    """``sentence`` without the doubled full stop a provider text ending in one would leave."""
    return _DOUBLED.sub(r"\1", sentence)


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _english(section: str, key: str) -> str | None:
    sec = table(DEFAULT_LANG).get(section) or {}
    value = sec.get(key) if key == "fallback" else (sec.get("codes") or {}).get(key)
    return str(value) if value else None


def _lookup(section: str, code: str, lang: str) -> str | None:
    english = _english(section, code)
    if english is None:
        return None
    context = CONTEXT + section + ".codes." + code
    return str(i18n.translation(lang).pgettext(context, english))


def _fallback(section: str, lang: str) -> str:
    english = _english(section, "fallback")
    if english is None:
        return str(i18n.translation(lang).gettext("{provider} answered code {code}: {text}"))
    context = CONTEXT + section + ".fallback"
    return str(i18n.translation(lang).pgettext(context, english))


def known(section: str, code: str) -> bool:
    """Whether ``code`` has its own sentence (in English) for ``section``."""
    return _lookup(section, code, DEFAULT_LANG) is not None


def describe(section: str, code: str, text: str = "", *, lang: str | None = None, **params: str) -> str:
    """The readable sentence for ``code`` of ``section`` (a provider name or ``network``)."""
    lg = lang or i18n.language()
    sentence = _lookup(section, code, lg) or _fallback(section, lg)
    quoted = " ".join((text or "")[: 4 * TEXT_IN_SENTENCE].split())
    if len(quoted) > TEXT_IN_SENTENCE:
        quoted = quoted[: TEXT_IN_SENTENCE - 4].rstrip() + " […]"
    values = _Keep(code=code, text=quoted or str(i18n.translation(lg).gettext("(no text)")), **params)
    values.setdefault("provider", str((table(DEFAULT_LANG).get(section) or {}).get("title", section)))
    return tidy(sentence.format_map(values).strip())


def text(section: str, key: str, *, lang: str | None = None, **params: str) -> str:
    """A fixed sentence (not a provider code), e.g. ``text('netcore', 'no_check')``."""
    return describe(section, key, lang=lang, **params)

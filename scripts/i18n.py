"""The translation catalogue: extract, update, compile and check (Babel).

    python scripts/i18n.py update     extract every text from core/ and gui/ (and the provider message
                                      tables in resources/messages/en.json) into
                                      resources/locale/contact_uploader.pot, merge it into each language's
                                      .po (new texts empty, vanished ones dropped), compile
    python scripts/i18n.py compile    the .po files into the .mo files the program reads
    python scripts/i18n.py check      CI: fails when a language misses a text, keeps a stale one, changes a
                                      text's {placeholders}, or when a .mo is not the compilation of its .po
    python scripts/i18n.py todo LANG  the untranslated texts of LANG as JSON (for translators)
    python scripts/i18n.py fill LANG FILE.json   put translations from FILE.json ({"ctx\\x04msgid": "…"} or
                                      {msgid: "…"} / {msgid: ["one", "other"]}) into LANG's .po

Texts are found by their calls: ``_``, ``N_``, ``ngettext``, ``pgettext``, ``npgettext`` (core/i18n.py). A
provider's sentence in resources/messages/en.json gets the context ``messages/<section>.<key>`` (its code), so
two codes with the same English words can be translated apart.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
POT = LOCALE / "contact_uploader.pot"
DOMAIN = "contact_uploader"
LANGUAGES = ("tr", "fr", "es")  # English is the source
# the classic gettext forms (numbers are written in digits, so CLDR's French/Spanish "many" is not needed)
PLURAL_FORMS = {"tr": (2, "(n != 1)"), "fr": (2, "(n > 1)"), "es": (2, "(n != 1)")}
SOURCES = ("core", "gui")
KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                            "npgettext": ((1, "c"), 2, 3)}
MESSAGE_CONTEXT = "messages/"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
_FIELD = re.compile(r"(?<!\{)\{([^{}:!]*)(?:[:!][^{}]*)?\}(?!\})")


def _flatten(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value


def message_table_entries() -> Iterator[tuple[str, str]]:
    """(context, English sentence) of every provider/engine sentence in resources/messages/en.json."""
    data = json.loads((ROOT / "resources" / "messages" / "en.json").read_text(encoding="utf-8"))
    for key, sentence in _flatten(data):
        if key.endswith(".title"):
            continue  # provider names ("Octopush") are names, not sentences
        yield MESSAGE_CONTEXT + key, sentence


def extract() -> Catalog:
    template = Catalog(domain=DOMAIN, project="Contact Uploader", fuzzy=False, creation_date=FIXED_DATE,
                       revision_date=FIXED_DATE)
    for folder in SOURCES:
        found = extract_from_dir(ROOT / folder, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                                 strip_comment_tags=True)
        for filename, lineno, message, comments, context in found:
            path = f"{folder}/{filename}"
            msgid: str | tuple[str, ...] = message
            if isinstance(message, tuple):
                if not all(message):
                    continue  # ngettext(variable, …): nothing literal to translate
                msgid = message
            elif not message:
                continue
            template.add(msgid, locations=[(path, lineno)], auto_comments=comments, context=context)
    for context, sentence in message_table_entries():
        template.add(sentence, locations=[("resources/messages/en.json", 0)], context=context)
    return template


def _po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _mo_path(lang: str) -> Path:
    return _po_path(lang).with_suffix(".mo")


def _read(lang: str) -> Catalog:
    path = _po_path(lang)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, project="Contact Uploader", fuzzy=False)
    # fixed dates: the files (and the .mo's header) must not change with the clock
    catalog.creation_date = FIXED_DATE
    catalog.revision_date = FIXED_DATE
    nplurals, expr = PLURAL_FORMS[lang]
    catalog._num_plurals = nplurals  # Babel has no public setter for Plural-Forms
    catalog._plural_expr = expr
    return catalog


def _po_bytes(catalog: Catalog, *, template: bool = False) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, ignore_obsolete=True, include_lineno=False,
             sort_output=True)
    data = buf.getvalue()
    # the creation/revision dates change on every run: keep the files stable
    data = re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"\\]*\\n"\n', b"", data)
    return data


def _mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def update() -> None:
    template = extract()
    _write(POT, _po_bytes(template, template=True))
    for lang in LANGUAGES:
        catalog = _read(lang)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False,
                       update_creation_date=False)
        catalog.obsolete.clear()
        _write(_po_path(lang), _po_bytes(catalog))
    compile_all()


def compile_all() -> None:
    for lang in LANGUAGES:
        _write(_mo_path(lang), _mo_bytes(_read(lang)))


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, (tuple, list)):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """What is wrong with ``lang``'s catalogue (empty when it is complete and current)."""
    template = template or extract()
    catalog = _read(lang)
    wanted = {_key(m) for m in template if m.id}
    have = {_key(m): m for m in catalog if m.id}
    out: list[str] = []
    for key in sorted(wanted - have.keys(), key=str):
        out.append(f"{lang}: missing {key[1]!r}" + (f" (context {key[0]})" if key[0] else ""))
    for key in sorted(have.keys() - wanted, key=str):
        out.append(f"{lang}: stale {key[1]!r} (no longer in the program: run scripts/i18n.py update)")
    for key, message in have.items():
        if key not in wanted:
            continue
        strings = _strings(message)
        if message.fuzzy or not all(s.strip() for s in strings):
            out.append(f"{lang}: untranslated {key[1]!r}")
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        expected = set().union(*(set(_FIELD.findall(i)) for i in ids))
        for s in strings:
            found = set(_FIELD.findall(s))
            if found - expected:
                out.append(f"{lang}: {key[1]!r} translation has unknown placeholders "
                           f"{sorted(found - expected)}")
            # a single-form sentence must keep every field; plural forms may drop the count ("one row")
            if not isinstance(message.id, tuple) and expected - found:
                out.append(f"{lang}: {key[1]!r} translation lost placeholders {sorted(expected - found)}")
    if _mo_path(lang).exists() and _mo_path(lang).read_bytes() != _mo_bytes(catalog):
        out.append(f"{lang}: {_mo_path(lang).name} is not the compilation of its .po "
                   "(run scripts/i18n.py compile)")
    elif not _mo_path(lang).exists():
        out.append(f"{lang}: {_mo_path(lang)} missing (run scripts/i18n.py compile)")
    return out


def check() -> int:
    template = extract()
    found: list[str] = []
    if not POT.exists() or POT.read_bytes() != _po_bytes(template, template=True):
        found.append("contact_uploader.pot is not the extraction of the sources (run scripts/i18n.py update)")
    for lang in LANGUAGES:
        found += problems(lang, template)
    for line in found[:200]:
        print(line)  # noqa: T201
    if found:
        print(f"{len(found)} catalogue problems", file=sys.stderr)  # noqa: T201
        return 1
    print(f"catalogue complete: {len(template)} texts in {', '.join(LANGUAGES)} besides English")  # noqa: T201
    return 0


def todo(lang: str) -> dict[str, Any]:
    catalog = _read(lang)
    out: dict[str, Any] = {}
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy or not all(s.strip() for s in _strings(message)):
            key = (message.context + "\x04" if message.context else "")
            if isinstance(message.id, tuple):
                out[key + message.id[0]] = {"plural": message.id[1],
                                            "where": [f"{p}" for p, _ in message.locations][:3]}
            else:
                out[key + message.id] = {"where": [f"{p}" for p, _ in message.locations][:3]}
    return out


def fill(lang: str, source: Path) -> int:
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    catalog = _read(lang)
    by_key = {((m.context + "\x04") if m.context else "") + (m.id if isinstance(m.id, str) else m.id[0]): m
              for m in catalog if m.id}
    done = 0
    for key, value in data.items():
        message = by_key.get(key)
        if message is None:
            continue
        if isinstance(message.id, tuple):
            forms = value if isinstance(value, list) else [value, value]
            message.string = tuple(str(f) for f in forms[: PLURAL_FORMS[lang][0]])
        else:
            message.string = str(value[0] if isinstance(value, list) else value)
        message.flags.discard("fuzzy")
        done += 1
    _write(_po_path(lang), _po_bytes(catalog))
    _write(_mo_path(lang), _mo_bytes(_read(lang)))
    return done


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return check()
    if command == "compile":
        compile_all()
        return 0
    if command == "check":
        return check()
    if command == "todo" and len(argv) == 2:
        print(json.dumps(todo(argv[1]), ensure_ascii=False, indent=1))  # noqa: T201
        return 0
    if command == "fill" and len(argv) == 3:
        print(f"{fill(argv[1], Path(argv[2]))} texts filled")  # noqa: T201
        return 0
    print(__doc__)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

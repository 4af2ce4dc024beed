"""Write resources/countries.json: the name of every country phonenumbers knows, in en, tr, fr and es.

Used by phone-number messages ("not a valid phone number for Mexico (+52)"). The names come from the
iso-codes package (Debian: ``apt-get install iso-codes``; ISO 3166-1 names and their translations, LGPL-2.1),
the three regions phonenumbers has and ISO 3166-1 lacks are named below. Run it again when either
changes:  python scripts/make_countries.py
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import phonenumbers

ISO = Path("/usr/share/iso-codes/json/iso_3166-1.json")
LOCALES = Path("/usr/share/locale")
OUT = Path(__file__).resolve().parents[1] / "resources" / "countries.json"
LANGUAGES = ("en", "tr", "fr", "es")
NOT_IN_ISO = {
    "AC": ("Ascension Island", "Ascension Adası", "Île de l'Ascension", "Isla Ascensión"),
    "TA": ("Tristan da Cunha", "Tristan da Cunha", "Tristan da Cunha", "Tristán de Acuña"),
    "XK": ("Kosovo", "Kosova", "Kosovo", "Kosovo"),
}


def main() -> None:
    entries = {e["alpha_2"]: e for e in json.loads(ISO.read_text(encoding="utf-8"))["3166-1"]}
    translations = {lang: gettext.translation("iso_3166-1", LOCALES, languages=[lang])
                    for lang in LANGUAGES[1:]}
    names: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        entry = entries.get(region)
        for n, lang in enumerate(LANGUAGES):
            if entry is None:
                name = NOT_IN_ISO[region][n]
            elif lang == "en":
                name = entry.get("common_name", entry["name"])
            else:
                name = translations[lang].gettext(entry["name"])
            names[lang][region] = name
    data = {"about": "Country names by ISO 3166-1 code, from the iso-codes package and phonenumbers; "
                     "written by scripts/make_countries.py.", **names}
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(names['en'])} countries)")  # noqa: T201 - a script


if __name__ == "__main__":
    main()

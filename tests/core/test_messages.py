"""The message tables: every documented code of SPEC 2 has its own readable sentence (SPEC 4)."""

from __future__ import annotations

import json
import re
import string

import pytest

from core import messages
from core.resources import resource_path

# every code / key of SPEC 2 and section 4 that the providers and the client look up, per table
DOCUMENTED: dict[str, list[str]] = {
    "netcore": ["302", "invalid_key", "accepted", "no_check", "added", "exists", "unreadable"],
    "iletimerkezi": [
        "200", "400", "401", "402", "404", "422", "463", "466", "472", "473", "503", "check_ok", "unreadable",
        "added",
    ],
    "aptania": ["auth", "exists", "added", "no_check", "unreadable"],
    "octopush": [
        "101", "104", "113", "117", "300", "301", "302", "303", "304", "305", "401", "403",
        "missing", "check_ok", "added", "updated", "skipped", "unknown_status", "unreadable",
    ],
    "network": [
        "dns", "refused", "tls", "timeout", "dropped", "http_429", "http_5xx", "other", "gave_up", "proxy",
    ],
}  # fmt: skip
OUTCOMES = ["added", "updated", "exists", "skipped", "failed"]
PARAMS = {
    "column": "Cep Telefonu",
    "provider": "Octopush",
    "status": "503",
    "host": "api.example.com",
    "amount": "12.5",
    "unit": "euros",
    "sms": "4210",
    "attempts": "6",
    "reason": "timeout",
}
FALLBACK_PREFIX = re.compile(r"^.+ answered (HTTP status|code) ")


def _placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


@pytest.mark.parametrize(
    ("section", "code"), [(s, c) for s, codes in DOCUMENTED.items() for c in codes] + [
        (s, o) for s in ("netcore", "iletimerkezi", "aptania", "octopush") for o in OUTCOMES
    ],
)  # fmt: skip
def test_every_documented_code_has_its_own_sentence(section: str, code: str) -> None:
    assert messages.known(section, code), f"{section} has no sentence for {code}"
    sentence = messages.describe(section, code, "their text", lang="en", **PARAMS)
    assert not FALLBACK_PREFIX.match(sentence), sentence
    assert "{" not in sentence  # every placeholder filled
    assert sentence[0].isupper()
    if section != "network" and code.isdigit() and code not in ("401", "403"):  # Octopush 401/403 are HTTP
        assert f"(code {code})" in sentence, sentence


def test_specific_sentences() -> None:
    assert messages.describe("iletimerkezi", "401") == (
        "İleti Merkezi rejected the credentials. Check the API key and hash, and that 'Allow API access' "
        "is on in the panel (Settings → Security); a fixed-IP restriction on the account also causes this "
        "(code 401)."
    )
    assert "accepted, not verified" in messages.describe("netcore", "accepted")
    assert "Cep Telefonu" in messages.describe("iletimerkezi", "466", column="Cep Telefonu")
    assert "HTTP 418" in messages.describe("aptania", "auth", status="418")


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("octopush", "Octopush answered code 999: Quelque chose. Octopush does not document this code for "
         "adding contacts: check this row's values, and if it keeps happening, send this message to Octopush "
         "support."),
        ("netcore", "Netcore answered code 999: Quelque chose"),
        ("iletimerkezi", "İleti Merkezi answered code 999: Quelque chose"),
    ],
)
def test_undocumented_code_gets_the_fallback(section: str, expected: str) -> None:
    assert not messages.known(section, "999")
    assert messages.describe(section, "999", "  Quelque chose ") == expected


def test_aptania_fallback_names_the_code_and_empty_text_is_readable() -> None:
    sentence = messages.describe("aptania", "500", "")
    assert sentence.startswith("Aptania answered code 500: (no text).")
    by_status = messages.describe("aptania", "http_status", "", status="502")
    assert by_status.startswith("Aptania answered HTTP status 502: (no text).")


def test_the_table_is_english_and_every_language_is_in_the_catalogue() -> None:
    """One table in data (SPEC §4); its other languages come from the gettext catalogue (core.i18n)."""
    folder = resource_path("messages")
    assert sorted(p.name for p in folder.glob("*.json")) == ["en.json"]
    english = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    for section, body in english.items():
        for code, sentence in body.get("codes", {}).items():
            assert sentence, (section, code)
            english_left = set(re.findall(r"\{\w+\}", messages.describe(
                section, code, "x", lang="en", **PARAMS, header="Tel", field="gsm")))
            for lang in ("tr", "fr", "es"):
                translated = messages.describe(section, code, "x", lang=lang, **PARAMS, header="Tel",
                                               field="gsm")
                left = set(re.findall(r"\{\w+\}", translated))
                assert left <= english_left, (lang, section, code, translated)


def test_other_language_falls_back_to_english_for_a_missing_sentence() -> None:
    assert messages.describe("octopush", "104", lang="xx") == messages.describe("octopush", "104", lang="en")


@pytest.mark.parametrize("lang", ["tr", "fr", "es"])
def test_network_problems_are_translated(lang: str) -> None:
    for code in DOCUMENTED["network"]:
        sentence = messages.describe("network", code, "x", lang=lang, **PARAMS)
        assert sentence != messages.describe("network", code, "x", lang="en", **PARAMS), (lang, code)
        assert "{" not in sentence


DOUBLED = re.compile(r"(?<!\.)[.!?:;,]\s*[.,;:](?!\.)|\.\.(?!\.)")


@pytest.mark.parametrize("lang", ["en", "tr", "fr", "es"])
@pytest.mark.parametrize("text", ["contactProfileID '7' does not exist.", "Bad request!", "no stop", ""])
def test_no_rendered_message_doubles_its_punctuation(lang: str, text: str) -> None:
    """Every sentence of every table, in every language, with a provider text that ends in a full stop
    (or not): never "exist.. Check", "!." or ". ," — an ellipsis ("...") is allowed."""
    folder = resource_path("messages")
    english = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    rendered = 0
    for section, body in english.items():
        keys = [*body.get("codes", {}), "no-such-code"]
        for code in dict.fromkeys(keys):
            sentence = messages.describe(section, code, text, lang=lang, **PARAMS, header="Tel", field="gsm")
            assert not DOUBLED.search(sentence), (lang, section, code, sentence)
            rendered += 1
    assert rendered > 90


def test_the_issue_sample_keeps_one_full_stop() -> None:
    sentence = messages.describe("aptania", "400", "contactProfileID '7' does not exist.")
    assert "does not exist. Check" in sentence
    assert messages.tidy("Wait... what.. now?.") == "Wait... what. now?"


def test_octopush_keeps_only_codes_contact_create_can_answer_each_with_advice() -> None:
    english = json.loads((resource_path("messages") / "en.json").read_text(encoding="utf-8"))
    codes = english["octopush"]["codes"]
    numeric = {c for c in codes if c.isdigit()}
    # SMS-campaign codes of the legacy table are gone (text, sender, campaign, signature, transfer …)
    assert not numeric & {"102", "106", "107", "112", "115", "119", "121", "122", "126", "131", "133", "153",
                          "204", "208", "308"}
    assert {"101", "104", "108", "109", "113", "117", "300", "301", "302", "303", "304", "305"} <= numeric
    advice = re.compile(r"\b(check|top|contact|ask|report|try|wait|set|use|choose|delete|remove|resume|"
                        r"finish|look|copy)\b", re.IGNORECASE)
    for code in numeric:
        assert advice.search(codes[code]), f"octopush {code} gives no advice: {codes[code]}"
    fallback = messages.describe("octopush", "999", "Odd.")
    assert fallback.startswith("Octopush answered code 999: Odd. Octopush does not document this code")

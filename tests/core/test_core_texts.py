"""The core's texts in the chosen language (issue 15): provider labels, help texts and choices, the reasons
beside mapping suggestions, mapping and credential errors — while ids, wire values and ``--json`` stay as
they are. The ``qps`` pseudo-locale turns every translated text into ``⟦…⟧``."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from core import i18n
from core.errors import UsageError
from core.mapping import PassedOver, Suggestion, parse_map_args, parse_set_args
from core.model import CredentialSpec, FieldKind, FieldSpec
from core.providers import PROVIDERS, get_provider

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def qps() -> Iterator[None]:
    i18n.set_language(i18n.PSEUDO)
    yield
    i18n.set_language("en")


def _specs() -> Iterator[FieldSpec | CredentialSpec]:
    for provider in PROVIDERS.values():
        yield from provider.fields()
        yield from provider.credential_fields


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_label_help_and_choice_text_is_in_the_catalogue() -> None:
    """Marked with N_ where defined, so the extractor finds them (a label left unmarked fails here)."""
    catalogue = {m.id for m in _script().extract() if m.id and not m.context}
    wanted: set[str] = set()
    for spec in _specs():
        wanted.add(spec.label_template if isinstance(spec, FieldSpec) and spec.label_template else spec.label)
        if spec.help:
            wanted.add(spec.help)
        wanted.update(label for _code, label in spec.choice_labels)
    for provider in PROVIDERS.values():
        for dynamic in provider.dynamic_fields():
            wanted.update({dynamic.label, dynamic.help} - {""})
    assert wanted - catalogue == set()


def test_labels_help_and_choices_are_shown_in_the_language(qps: None) -> None:
    for spec in _specs():
        assert spec.label_text().startswith(i18n.PSEUDO_OPEN), spec
        assert spec.help_text() == (i18n.pseudo(spec.help) if spec.help else "")
        assert not spec.label.startswith(i18n.PSEUDO_OPEN)  # the English stays where it was defined
    region = next(c for c in get_provider("netcore").credential_fields if c.id == "region")
    assert region.choice_text("in") == i18n.pseudo("India (in)")
    assert region.choice_text("xx") == "xx"  # a value without a display text is shown as it is
    assert region.choices == ("us", "in", "eu")  # what is stored and sent never changes
    assert FieldKind.ID_LIST.text() == i18n.pseudo("id list")
    assert str(FieldKind.ID_LIST) == "id list"


def test_labels_built_around_an_id_are_translated_whole(qps: None) -> None:
    custom = get_provider("iletimerkezi").field("custom_field:7")
    attr = get_provider("aptania").field("attr:12")
    param = get_provider("octopush").field("param4")
    netcore = get_provider("netcore").field("FAVOURITE_COLOUR")
    assert custom is not None
    assert attr is not None
    assert param is not None
    assert netcore is not None
    assert custom.label_text() == i18n.pseudo("Custom field {id}").format(id="7")
    assert attr.label_text() == i18n.pseudo("Attribute {id}").format(id="12")
    assert param.label_text() == i18n.pseudo("Parameter {n}").format(n="4")
    assert netcore.label_text() == "Favourite Colour"  # the attribute's own name in the user's panel
    i18n.set_language("en")
    assert (custom.label_text(), attr.label_text(), param.label_text()) == (
        "Custom field 7", "Attribute 12", "Parameter 4")
    assert custom.label == "Custom field 7"


def test_json_descriptions_stay_english(qps: None) -> None:
    octopush = get_provider("octopush")
    fields = [f.to_json() for f in octopush.fields()]
    assert fields[0]["label"] == "Mobile phone"
    assert fields[0]["kind"] == "phone"
    assert [c.to_json("octopush")["label"] for c in octopush.credential_fields] == ["API key", "Login e-mail"]


def test_suggestion_reasons_are_translated(qps: None) -> None:
    suggestion = Suggestion(0, "E-posta", "email", "same", matched="e-posta", language="tr",
                            passed_over=(PassedOver(1, "Mail 2", "weaker"), PassedOver(2, "Mail 3", "weaker"),
                                         PassedOver(3, "Eski", "empty")))
    reason = suggestion.reason
    assert reason.startswith(i18n.PSEUDO_OPEN)
    assert i18n.pseudo("Turkish") in reason
    assert i18n.pseudo("{columns} because their headers match less well").format(
        columns="'Mail 2', 'Mail 3'") in reason  # the plural form: two columns
    assert i18n.pseudo("{columns} because that column is empty").format(columns="'Eski'") in reason
    i18n.set_language("en")
    assert suggestion.reason == (
        "matched header 'E-posta' (Turkish alias); chosen over 'Mail 2', 'Mail 3' because their headers "
        "match less well; over 'Eski' because that column is empty")


def test_many_passed_over_columns_are_counted_in_the_language() -> None:
    passed = tuple(PassedOver(i, f"Tel {i}", "weaker") for i in range(1, 1206))
    reason = Suggestion(0, "GSM", "gsm", "field", matched="gsm", passed_over=passed).reason
    assert "'Tel 1', 'Tel 2', 'Tel 3' and 1,202 more because their headers match less well" in reason
    i18n.set_language("tr")  # Turkish groups thousands with a dot
    turkish = Suggestion(0, "GSM", "gsm", "field", matched="gsm", passed_over=passed).reason
    assert "'Tel 3' ve 1.202 sütun daha" in turkish


@pytest.mark.parametrize("call", [
    lambda: parse_map_args(["E-posta"], ["E-posta"], get_provider("iletimerkezi")),
    lambda: parse_map_args(["Nope=email"], ["E-posta"], get_provider("iletimerkezi")),
    lambda: parse_map_args(["E-posta=frob"], ["E-posta"], get_provider("iletimerkezi")),
    lambda: parse_map_args(["A=email", "A=gsm"], ["E-posta"], get_provider("iletimerkezi")),
    lambda: parse_set_args(["list_name"], get_provider("octopush")),
    lambda: parse_set_args(["list_name=a", "list_name=b"], get_provider("octopush")),
    lambda: get_provider("nope"),
])
def test_mapping_errors_are_translated(qps: None, call: object) -> None:
    with pytest.raises(UsageError) as caught:
        call()  # type: ignore[operator]
    assert str(caught.value).startswith(i18n.PSEUDO_OPEN), caught.value


def test_the_job_lock_says_the_time_the_language_way(tmp_path: Path) -> None:
    from core.joblock import _clock

    moment = datetime.now().replace(hour=14, minute=2, second=0, microsecond=0)
    i18n.set_language("fr")
    assert _clock(moment.timestamp()) == "14:02"
    i18n.set_language("en")
    assert _clock(moment.timestamp()).replace("\u202f", " ") == "2:02 PM"
    yesterday = moment.replace(day=1) if moment.day != 1 else moment.replace(day=2)
    assert "/" in _clock(yesterday.timestamp())  # another day: the date too


def test_credential_sentences_are_translated(qps: None) -> None:
    from core.credentials import check_profile, join_words

    with pytest.raises(UsageError) as caught:
        check_profile("a:b")
    assert str(caught.value).startswith(i18n.PSEUDO_OPEN)
    assert join_words(["A", "B", "C"]) == i18n.pseudo("{items} and {last}").format(items="A, B", last="C")

"""The shared parts of the provider interface: duplicate reporting, naming the column, shared messages."""

from __future__ import annotations

import pytest

from core import messages
from core.model import Outcome
from core.providers import PROVIDERS, get_provider
from core.providers.base import Provider, ResultMemo, column_phrase


@pytest.mark.parametrize(
    ("name", "reports"), [("netcore", True), ("aptania", True), ("octopush", True), ("iletimerkezi", False)]
)
def test_reports_duplicates_is_declared_by_each_provider(name: str, reports: bool) -> None:
    provider = get_provider(name)
    assert provider.reports_duplicates is reports
    # declared by the provider's own class, not inherited by accident from the base default
    assert "reports_duplicates" in type(provider).__dict__


def test_every_registered_provider_declares_reports_duplicates() -> None:
    for name in PROVIDERS:
        assert isinstance(get_provider(name).reports_duplicates, bool), name
    assert Provider.reports_duplicates is False  # a new provider is flagged until it says otherwise


def test_column_phrase_names_the_users_column_else_the_field() -> None:
    assert column_phrase("gsm", {"gsm": "Cep Telefonu"}) == "column 'Cep Telefonu' (gsm)"
    assert column_phrase("gsm", {"email": "E-posta"}) == "the gsm field"
    assert column_phrase("gsm") == "the gsm field"
    assert column_phrase("gsm", {"gsm": "   "}) == "the gsm field"  # a blank header names nothing
    assert column_phrase("custom_field:1,custom_field:2", {"custom_field:2": "Şehir"}) == (
        "the custom_field:1 field, column 'Şehir' (custom_field:2)"
    )


def test_result_records_the_field_and_names_it() -> None:
    ileti = get_provider("iletimerkezi")
    row = ileti.result(3, "failed", "466", "Geçersiz numara.", field="gsm")
    assert row.field == "gsm"
    assert "the mobile number in the gsm field is not valid" in row.message
    again = ileti.describe_result(row, {"gsm": "Cep Telefonu"})
    assert again == messages.describe("iletimerkezi", "466", "Geçersiz numara.",
                                      column="column 'Cep Telefonu' (gsm)")
    assert "the mobile number in column 'Cep Telefonu' (gsm) is not valid" in again
    assert again.endswith("(code 466).")


def test_a_result_without_a_field_keeps_its_message() -> None:
    ileti = get_provider("iletimerkezi")
    row = ileti.result(3, "failed", "402", "Yetersiz bakiye")
    assert row.field == ""
    assert ileti.describe_result(row, {"gsm": "Cep Telefonu"}) == row.message


def test_result_memo_renders_each_distinct_result_once() -> None:
    octopush = get_provider("octopush")
    memo = ResultMemo(octopush)
    rows = [memo.result(k, "added", 201, "added", message_key="added") for k in range(2, 202)]
    assert [r.key for r in rows] == list(range(2, 202))
    assert {r.outcome for r in rows} == {Outcome.ADDED}
    assert len({id(r.message) for r in rows}) == 1  # one sentence object shared by the whole batch
    assert rows[0] == octopush.result(2, "added", 201, "added", message_key="added")
    other = memo.result(300, "skipped", 201, "skipped", message_key="skipped")
    assert other.outcome is Outcome.SKIPPED
    assert other.message == messages.describe("octopush", "skipped", "skipped")
    missing = memo.result(301, "failed", 201, "", message_key="missing", field="phone_number")
    assert missing.field == "phone_number"
    assert missing.message != other.message

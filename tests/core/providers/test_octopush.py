"""Octopush contact/create: the seed's curl example body and its items response (SPEC 2.4)."""

from __future__ import annotations

import json

import pytest

from core.model import Contact, Outcome, ResponseKind
from core.providers import get_provider
from core.providers.octopush import BASE_URL, phone_key
from tests.core.providers.helpers import answer

OCTOPUSH = get_provider("octopush")
CREDS = {"api_key": "secret-octo-key", "api_login": "me@email.org"}
SEED_CURL_BODY = (
    '{"contacts": [{"phone_number": "+111222233334444","first_name": "Axelle", "last_name": "Durand", '
    '"param3": "Mme"}, {"phone_number": "+2222333334444555", "first_name": "John", "last_name": "Smith", '
    '"param3": "M"}],"list_name": "my_list", "tag_name":"vip"}'
)
SEED_ITEMS = {
    "items": [
        {"phone_number": "+3735555555560", "email": "[email protected]", "status": "added"},
        {"phone_number": "+3735555555561", "email": "[email protected]", "status": "updated"},
        {"phone_number": "+3735555555562", "email": "[email protected]", "status": "skipped"},
    ]
}


def test_request_matches_the_curl_example() -> None:
    contacts = [
        Contact(
            2,
            {
                "phone_number": "+111222233334444",
                "first_name": "Axelle",
                "last_name": "Durand",
                "param3": "Mme",
            },
        ),
        Contact(
            3,
            {"phone_number": "+2222333334444555", "first_name": "John", "last_name": "Smith", "param3": "M"},
        ),
    ]
    (req,) = OCTOPUSH.build_requests(contacts, {"list_name": "my_list", "tag_name": "vip"}, CREDS, BASE_URL)
    assert req.method == "POST"
    assert req.url == "https://api.octopush.com/v1/public/contact/create"
    assert req.headers["api-key"] == "secret-octo-key"
    assert req.headers["api-login"] == "me@email.org"
    assert req.headers["Content-Type"].startswith("application/json")
    assert json.loads(req.body) == json.loads(SEED_CURL_BODY)
    assert req.keys == (2, 3)
    assert "secret-octo-key" not in req.preview()


def test_boolean_options_are_json_booleans() -> None:
    (req,) = OCTOPUSH.build_requests(
        [Contact(1, {"phone_number": "+33611223344"})],
        {"auto_remove_blacklisted_numbers": "true", "do_not_overwrite": "false"},
        CREDS,
        BASE_URL,
    )
    body = json.loads(req.body)
    assert body["auto_remove_blacklisted_numbers"] is True
    assert body["do_not_overwrite"] is False


def test_batches_of_at_most_200() -> None:
    contacts = [Contact(i, {"phone_number": f"+336{i:08d}"}) for i in range(1, 451)]
    requests = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    assert [len(r.keys) for r in requests] == [200, 200, 50]
    assert [len(json.loads(r.body)["contacts"]) for r in requests] == [200, 200, 50]


def test_items_are_matched_back_by_phone_including_an_omitted_row() -> None:
    # rows in another order than the answer, one written differently, and one the answer leaves out
    contacts = [
        Contact(10, {"phone_number": "+3735555555562"}),
        Contact(11, {"phone_number": "+3735555555560"}),
        Contact(12, {"phone_number": "+373 555 555 5561"}),
        Contact(13, {"phone_number": "+3735555555599"}),
    ]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, 201, SEED_ITEMS, contacts)
    outcomes = {r.key: r.outcome for r in parsed.results}
    assert outcomes == {10: Outcome.SKIPPED, 11: Outcome.ADDED, 12: Outcome.UPDATED, 13: Outcome.FAILED}
    assert [r.key for r in parsed.results] == [10, 11, 12, 13]
    missing = parsed.results[3]
    assert "did not report back" in missing.message
    assert "Check the number in the phone_number field" in missing.message
    assert missing.field == "phone_number"
    assert [r.field for r in parsed.results[:3]] == ["", "", ""]
    assert all(r.code == "201" for r in parsed.results)
    # once the mapping is known, the same sentence names the user's column
    again = OCTOPUSH.describe_result(missing, {"phone_number": "Mobile"})
    assert again == missing.message.replace("the phone_number field", "column 'Mobile' (phone_number)")


def test_a_batch_shares_one_sentence_per_distinct_result() -> None:
    contacts = [Contact(k, {"phone_number": f"+336{k:08d}"}) for k in range(2, 202)]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    items = [{"phone_number": c.fields["phone_number"], "status": "added"} for c in contacts]
    parsed = answer(OCTOPUSH, req, 201, {"items": items}, contacts)
    assert [r.key for r in parsed.results] == list(range(2, 202))
    assert {r.message for r in parsed.results} == {"Octopush added the contact."}
    assert len({id(r.message) for r in parsed.results}) == 1


@pytest.mark.parametrize(
    ("number", "key"),
    [("+33611223344", "33611223344"), ("+33 6 11 22 33 44", "33611223344"), ("33611223344", "33611223344"),
     ("(+33) 611-22", "3361122"), ("", "")],
)
def test_phone_key_keeps_the_digits_only(number: str, key: str) -> None:
    assert phone_key(number) == key


@pytest.mark.parametrize(("code", "status"), [(101, 401), ("101", 400)])
def test_wrong_login_stops_the_job(code: object, status: int) -> None:
    (req,) = OCTOPUSH.build_requests([Contact(1, {"phone_number": "+33611223344"})], {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, status, {"code": code, "message": "Incorrect login details"}, [])
    assert parsed.kind is ResponseKind.AUTH
    assert "(code 101)" in parsed.message


@pytest.mark.parametrize("code", ["104", "113", "117", "300", "301", "302", "303", "304", "305"])
def test_documented_errors_fail_every_row_of_the_batch(code: str) -> None:
    contacts = [Contact(1, {"phone_number": "+33611223344"}), Contact(2, {"phone_number": "+33611223345"})]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, 400, {"code": int(code), "message": "their text"}, contacts)
    assert [r.outcome for r in parsed.results] == [Outcome.FAILED, Outcome.FAILED]
    assert all(r.code == code and r.raw_text == "their text" for r in parsed.results)
    assert parsed.results[0].message.endswith(f"(code {code}).")
    assert "{" not in parsed.results[0].message
    # the number is at fault only for 117; its sentence names the field, the others name none
    assert {r.field for r in parsed.results} == ({"phone_number"} if code == "117" else {""})
    if code == "117":
        assert "the phone_number field" in parsed.results[0].message
        named = OCTOPUSH.describe_result(parsed.results[0], {"phone_number": "Numéro"})
        assert "Check the numbers in column 'Numéro' (phone_number)" in named
        assert named.endswith("(code 117).")


def test_undocumented_code_gets_the_fallback() -> None:
    contacts = [Contact(1, {"phone_number": "+33611223344"})]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    (row,) = answer(OCTOPUSH, req, 400, {"code": 999, "message": "Quelque chose"}, contacts).results
    assert row.message.startswith("Octopush answered code 999: Quelque chose. Octopush does not document")
    assert "support" in row.message


def test_429_retries_with_retry_after() -> None:
    contacts = [Contact(1, {"phone_number": "+33611223344"})]
    (req,) = OCTOPUSH.build_requests(contacts, {}, CREDS, BASE_URL)
    parsed = answer(OCTOPUSH, req, 429, {"code": 128, "message": "slow down"}, contacts, {"retry-after": "5"})
    assert parsed.kind is ResponseKind.RETRY
    assert parsed.retry_after == 5.0


def test_credential_check_is_check_balance() -> None:
    req = OCTOPUSH.credential_check_request(CREDS, BASE_URL)
    assert req is not None
    assert (req.method, req.url) == ("GET", "https://api.octopush.com/v1/public/wallet/check-balance")
    assert req.headers["api-key"] == "secret-octo-key"
    assert req.body == b""
    ok = OCTOPUSH.parse_credential_check(200, b'{"amount": 12.54, "unit": "euros"}')
    assert ok.ok
    assert "12.54 euros" in ok.message
    bad = OCTOPUSH.parse_credential_check(401, b'{"code": 101, "message": "Incorrect login details"}')
    assert not bad.ok
    assert bad.code == "101"

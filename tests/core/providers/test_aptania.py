"""Aptania createContact: the seed's example request and response, in strings and native types (SPEC 2.3)."""

from __future__ import annotations

import json

import pytest

from core.model import Contact, Outcome, ResponseKind
from core.providers import get_provider
from core.providers.aptania import BASE_URL
from tests.core.providers.helpers import answer

APTANIA = get_provider("aptania")
TOKEN = "aaaaaaaa-bbb-cccc-dddd-eeeeeeeeeee"
USER = "11111111-222-3333-4444-55555555555"
CREDS = {"token_uuid": TOKEN, "user_uuid": USER}
# the seed's example request; the three attributes get distinct ids (the seed writes "xxx" for each)
SEED_REQUEST = {
    "tokenUUID": TOKEN,
    "userUUID": USER,
    "contactTitle": "Mr",
    "contactFirstname": "John",
    "contactLastname": "Doe",
    "contactEmailaddress": "john.doe@example.com",
    "contactProfileID": "12",
    "contactTagID": "176,177,172",
    "contactAttr": [
        {"attrID": "101", "attrValue": "Tennis"},
        {"attrID": "102", "attrValue": "Toyoto Proace"},
        {"attrID": "103", "attrValue": "15/03/1986"},
    ],
}
JOHN = Contact(
    2,
    {
        "contactTitle": "Mr",
        "contactFirstname": "John",
        "contactLastname": "Doe",
        "contactEmailaddress": "john.doe@example.com",
        "contactProfileID": "12",
        "contactTagID": "176,177,172",
        "attr:101": "Tennis",
        "attr:102": "Toyoto Proace",
        "attr:103": "15/03/1986",
    },
)


def _request(contact: Contact = JOHN):  # type: ignore[no-untyped-def]
    (req,) = APTANIA.build_requests([contact], {}, CREDS, BASE_URL)
    return req


def test_request_matches_the_documented_example() -> None:
    req = _request()
    assert req.method == "POST"
    assert req.url == "https://api.aptania.com/services/createContact"
    body = json.loads(req.body)
    # the seed also sends empty contactTelephone/contactMobile/contactJobRole: we leave empty values out
    assert body == SEED_REQUEST
    assert all(isinstance(v, str) for k, v in body.items() if k != "contactAttr")
    assert TOKEN not in req.preview()
    assert USER not in req.preview()


@pytest.mark.parametrize(
    ("exists", "status"), [("false", "200"), (False, 200), ("False", 200.0), (None, "200")]
)
def test_documented_response_new_contact(exists: object, status: object) -> None:
    body = {"exists": exists, "contactUUID": "9f0e-uuid", "status": status}
    (row,) = answer(APTANIA, _request(), 200, body, [JOHN]).results
    assert row.outcome is Outcome.ADDED
    assert row.contact_id == "9f0e-uuid"
    assert row.code == "200"
    assert row.message == "Aptania added the contact."


@pytest.mark.parametrize(("exists", "status"), [("true", "200"), (True, 200), ("TRUE", "200")])
def test_existing_email_is_exists(exists: object, status: object) -> None:
    body = {"exists": exists, "contactUUID": "old-uuid", "status": status}
    (row,) = answer(APTANIA, _request(), 200, body, [JOHN]).results
    assert row.outcome is Outcome.EXISTS
    assert row.contact_id == "old-uuid"
    assert "already has a contact" in row.message


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_the_job(status: int) -> None:
    parsed = answer(APTANIA, _request(), status, "Unauthorized: tokenUUID and userUUID do not match.", [JOHN])
    assert parsed.kind is ResponseKind.AUTH
    assert f"HTTP {status}" in parsed.message
    assert "tokenUUID" in parsed.message


def test_error_shows_the_body_code_and_the_body_text() -> None:
    body = {"status": "400", "error": "true", "message": "contactProfileID 99 is not a known profile."}
    (row,) = answer(APTANIA, _request(), 400, body, [JOHN]).results
    assert row.outcome is Outcome.FAILED
    assert row.code == "400"
    # the code came from the body: it is not called an HTTP status, and the text's full stop is not doubled
    assert row.message.startswith(
        "Aptania answered code 400: contactProfileID 99 is not a known profile. Check"
    )


def test_error_without_a_body_code_names_the_http_status() -> None:
    body = {"error": "true", "message": "Bad things."}
    (row,) = answer(APTANIA, _request(), 422, body, [JOHN]).results
    assert row.code == "422"
    assert row.message.startswith("Aptania answered HTTP status 422: Bad things. Check")


def test_2xx_error_body_without_a_code_is_not_code_200() -> None:
    body = {"error": "true", "message": "Profile is locked"}
    (row,) = answer(APTANIA, _request(), 200, body, [JOHN]).results
    assert row.outcome is Outcome.FAILED
    assert row.code == ""
    assert "200" not in row.message
    assert row.message.startswith("Aptania answered without a status code: Profile is locked.")


def test_plain_text_error() -> None:
    (row,) = answer(APTANIA, _request(), 415, "Unsupported Media Type", [JOHN]).results
    assert row.code == "415"
    assert "Unsupported Media Type" in row.message


def test_5xx_retries() -> None:
    assert answer(APTANIA, _request(), 502, "Bad gateway", [JOHN]).kind is ResponseKind.RETRY


def test_token_check_is_get_events_with_the_token_only() -> None:
    request = APTANIA.credential_check_request(CREDS, BASE_URL)
    assert request is not None
    assert request.method == "GET"
    assert request.url.startswith("https://api.aptania.com/services/event/getEvents?tokenUUID=")
    assert CREDS["user_uuid"] not in request.url
    assert CREDS["token_uuid"] not in request.preview()
    ok = APTANIA.parse_credential_check(200, b'{"event": {"eventID": "1"}, "status": "200"}')
    assert ok.ok
    assert "checks the token only" in ok.message
    refused = APTANIA.parse_credential_check(401, b"Unauthorized")
    assert not refused.ok
    assert refused.available
    assert refused.code == "401"
    assert "tokenUUID" in refused.message

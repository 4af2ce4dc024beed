"""Netcore apiv2: the seed document's own request URL and response examples (SPEC 2.1)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from core.model import Contact, Outcome, ResponseKind
from core.providers import get_provider
from core.providers.netcore import REGIONS
from tests.core.providers.helpers import answer

NETCORE = get_provider("netcore")
KEY = "xxxxxxxxxxxxxxxxxxxxxxxxxxx"
CREDS = {"api_key": KEY, "region": "us"}
# the seed's documented request (Add Contact (Sync Mode)), sent there as one URL
SEED_URL = (
    "https://api.netcoresmartech.com/apiv2?type=contact&activity=addsync&apikey=xxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "&data=%7B%22FIRST_NAME%22%3A%22Mike%22%2C%22EMAIL%22%3A%22mike%40google.com%22%2C%22MOBILE%22%3A"
    "9999999999%2C%22CUSTOMER_ID%22%3A%2200000132%22%7D&listid=33"
)
MIKE = Contact(
    1, {"FIRST_NAME": "Mike", "EMAIL": "mike@google.com", "MOBILE": "9999999999", "CUSTOMER_ID": "00000132"}
)


def _request(contact: Contact = MIKE, **options: str):  # type: ignore[no-untyped-def]
    (req,) = NETCORE.build_requests([contact], options, CREDS, REGIONS["us"])
    return req


def test_request_matches_the_documented_example() -> None:
    seed = parse_qs(urlsplit(SEED_URL).query)
    req = _request(listid="33")
    assert req.method == "POST"
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    url = urlsplit(req.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://api.netcoresmartech.com/apiv2"
    query = parse_qs(url.query)
    for name in ("type", "activity", "apikey"):  # documented as query parameters
        assert query[name] == seed[name]
    form = parse_qs(req.body.decode("ascii"))
    assert set(form) == {"data", "listid"}  # documented as body parameters
    assert form["listid"] == seed["listid"] == ["33"]
    sent = json.loads(form["data"][0])
    documented = json.loads(seed["data"][0])
    # same attributes and values; MOBILE goes as a string so a leading 0 or + survives (SPEC 2.1)
    assert sent == {**documented, "MOBILE": str(documented["MOBILE"])}
    assert isinstance(sent["MOBILE"], str)
    assert sent["CUSTOMER_ID"] == "00000132"


def test_no_listid_and_async_activity() -> None:
    req = _request(activity="add")
    assert parse_qs(urlsplit(req.url).query)["activity"] == ["add"]
    assert "listid" not in parse_qs(req.body.decode())


def test_region_picks_the_base_url() -> None:
    assert NETCORE.default_base_url({"region": "in"}) == "https://apiin.netcoresmartech.com/apiv2"
    assert NETCORE.default_base_url({"region": "eu"}).startswith("https://jsonapi.eu-north-1")
    assert NETCORE.default_base_url({}) == REGIONS["us"]


def test_key_is_masked_in_preview_and_repr() -> None:
    req = _request(listid="33")
    assert KEY in req.url
    assert KEY not in req.preview()
    assert KEY not in repr(req)


def test_documented_success_response() -> None:
    body = {"requestid": "a" * 32, "result": "Success"}
    parsed = answer(NETCORE, _request(), 200, body, [MIKE])
    assert parsed.kind is ResponseKind.DONE
    (row,) = parsed.results
    assert row.outcome is Outcome.ADDED
    assert row.contact_id == "a" * 32  # SPEC 12: Netcore's requestid is the id
    assert row.code == "200"
    assert row.message == "Netcore added the contact."


def test_documented_duplicate_error_is_exists() -> None:
    body = {
        "status": "error",
        "error_code": 302,
        "details": "Duplicate entry 'xxxxxxxxxxxxxxxxxxxxx' for key 'uniqid'",
    }
    (row,) = answer(NETCORE, _request(), 200, body, [MIKE]).results
    assert row.outcome is Outcome.EXISTS
    assert row.code == "302"
    assert row.raw_text.startswith("Duplicate entry")
    assert "(code 302)" in row.message
    assert row.field == "EMAIL"
    assert "A contact with the e-mail in the EMAIL field already exists" in row.message
    named = NETCORE.describe_result(row, {"EMAIL": "E-posta"})
    assert "A contact with the e-mail in column 'E-posta' (EMAIL) already exists" in named
    assert named.endswith("(code 302).")


def test_bad_key_stops_the_job() -> None:
    parsed = answer(NETCORE, _request(), 200, {"result": "Invalid API key"}, [MIKE])
    assert parsed.kind is ResponseKind.AUTH
    assert "API key" in parsed.message
    assert KEY not in parsed.message


def test_async_add_is_accepted_not_verified() -> None:
    body = {"requestid": "b" * 32, "result": "Success"}
    (row,) = answer(NETCORE, _request(activity="add"), 200, body, [MIKE]).results
    assert row.outcome is Outcome.ADDED
    assert "accepted, not verified" in row.message


def test_other_error_code_uses_the_fallback_with_details() -> None:
    body = {"status": "error", "error_code": 109, "details": "EMAIL is not valid"}
    (row,) = answer(NETCORE, _request(), 200, body, [MIKE]).results
    assert row.outcome is Outcome.FAILED
    assert row.code == "109"
    assert row.message == "Netcore answered code 109: EMAIL is not valid"


@pytest.mark.parametrize("status", [429, 502, 503])
def test_temporary_http_answers_retry(status: int) -> None:
    parsed = answer(NETCORE, _request(), status, "<html>busy</html>", [MIKE], {"Retry-After": "3"})
    assert parsed.kind is ResponseKind.RETRY
    assert parsed.retry_after == 3.0
    assert parsed.code == str(status)


def test_unreadable_answer_fails_readably() -> None:
    (row,) = answer(NETCORE, _request(), 200, "<html>hello</html>", [MIKE]).results
    assert row.outcome is Outcome.FAILED
    assert "could not be read" in row.message
    assert "HTTP 200" in row.message


def test_no_credential_check() -> None:
    assert NETCORE.credential_check_request(CREDS, REGIONS["us"]) is None
    result = NETCORE.parse_credential_check(200, b"")
    assert not result.available
    assert "no connection test" in result.message


def test_error_body_without_a_code_is_not_code_200() -> None:
    body = {"status": "error", "details": "Attribute CITY is not defined."}
    (row,) = answer(NETCORE, _request(), 200, body, [MIKE]).results
    assert row.outcome is Outcome.FAILED
    assert row.code == ""
    assert "200" not in row.message
    assert row.message.startswith("Netcore refused the contact without an error code: Attribute CITY is not "
                                  "defined. Check")
    (row,) = answer(NETCORE, _request(), 400, body, [MIKE]).results
    assert row.code == "400"
    assert row.message.startswith("Netcore answered HTTP status 400: Attribute CITY is not defined. Check")
    (row,) = answer(NETCORE, _request(), 200, "<html>hello</html>", [MIKE]).results
    assert row.code == ""  # unreadable, not "code 200"

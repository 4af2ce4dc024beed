"""İleti Merkezi: the seed document's request and response bodies and every add-contact code (SPEC 2.2)."""

from __future__ import annotations

import json

import pytest

from core.model import Contact, Outcome, ResponseKind
from core.providers import get_provider
from core.providers.iletimerkezi import BASE_URL
from tests.core.providers.helpers import answer

ILETI = get_provider("iletimerkezi")
CREDS = {"api_key": "k" * 32, "api_hash": "h" * 64}
AYSE = Contact(
    3,
    {
        "name": "Ayşe",
        "surname": "Yılmaz",
        "email": "ayse@example.com.tr",
        "gsm": "+905321234567",
        "custom_field:1": "27/09/2024",
        "custom_field:2": "cip",
    },
)


def _request(contact: Contact = AYSE, **options: str):  # type: ignore[no-untyped-def]
    (req,) = ILETI.build_requests([contact], options, CREDS, BASE_URL)
    return req


def _seed_response(code: object, contact_id: object = 1234) -> dict[str, object]:
    """The seed's documented server response, with the placeholders filled in."""
    return {
        "response": {
            "status": {"code": code, "message": "İşlem başarılı"},
            "contact": {
                "id": contact_id,
                "name": "Ayşe",
                "surname": "Yılmaz",
                "gsm": "+905321234567",
                "email": "ayse@example.com.tr",
                "custom_fields": [{"id": 1, "value": "27\\/09\\/2024"}, {"id": 2, "value": "cip"}],
                "groups": [7, 12, 9],
            },
        }
    }


def test_request_body_has_the_documented_shape() -> None:
    req = _request(group_id="7")
    assert req.method == "POST"
    assert req.url == "https://api.iletimerkezi.com/v1/add-contact/json"
    assert req.headers["Content-Type"].startswith("application/json")
    assert json.loads(req.body) == {
        "request": {
            "authentication": {"key": "k" * 32, "hash": "h" * 64},
            "contact": {
                "name": "Ayşe",
                "surname": "Yılmaz",
                "email": "ayse@example.com.tr",
                "gsm": "+905321234567",
                "custom_fields": {
                    "custom_field": [{"id": "1", "value": "27/09/2024"}, {"id": "2", "value": "cip"}]
                },
                "groups": {"group": {"id": "7"}},
            },
        }
    }
    assert req.body.decode("utf-8").count("Ayşe") == 1  # UTF-8, not \\u escapes
    assert "k" * 32 not in req.preview()
    assert "h" * 64 not in req.preview()


def test_empty_fields_and_no_group_are_left_out() -> None:
    body = json.loads(_request(Contact(1, {"gsm": "+905321234567"})).body)
    assert body["request"]["contact"] == {"gsm": "+905321234567"}


@pytest.mark.parametrize(("code", "contact_id"), [(200, 1234), ("200", "1234"), (200.0, 1234.0)])
def test_documented_response_with_code_as_number_or_string(code: object, contact_id: object) -> None:
    parsed = answer(ILETI, _request(), 200, _seed_response(code, contact_id), [AYSE])
    (row,) = parsed.results
    assert row.outcome is Outcome.ADDED
    assert row.code == "200"
    assert row.contact_id == "1234"
    assert row.message == "İleti Merkezi added the contact (code 200)."


def _error(code: object, message: str) -> dict[str, object]:
    return {"response": {"status": {"code": code, "message": message}}}


FAILED_CODES = {
    "400": "İstek çözümlenemedi",
    "402": "Yetersiz bakiye",
    "404": "API istek yapılan yönteme sahip değil",
    "422": "İstekteki değerler doğrulanamadı",
    "463": "Böyle bir grup bulunamadı.",
    "466": "Geçersiz numara.",
    "472": "Ad, soyad, cep telefonu, email alanlarından en az biri dolu olmalıdır.",
    "473": "Özel alan bulunamadı.",
}


@pytest.mark.parametrize("as_int", [True, False])
@pytest.mark.parametrize(("code", "turkish"), sorted(FAILED_CODES.items()))
def test_error_codes_fail_the_row_with_a_readable_message(code: str, turkish: str, as_int: bool) -> None:
    # errors come with an HTTP status equal to the code (SPEC 12): the body must be read on 4xx too
    parsed = answer(ILETI, _request(), int(code), _error(int(code) if as_int else code, turkish), [AYSE])
    assert parsed.kind is ResponseKind.DONE
    (row,) = parsed.results
    assert row.outcome is Outcome.FAILED
    assert row.code == code
    assert row.raw_text == turkish  # kept for support
    assert row.message.endswith(f"(code {code}).")
    assert "{" not in row.message  # every placeholder filled


def test_invalid_number_names_the_field_and_custom_field_names_the_ids() -> None:
    (row,) = answer(ILETI, _request(), 466, _error(466, "Geçersiz numara."), [AYSE]).results
    assert row.field == "gsm"
    assert "the mobile number in the gsm field is not valid" in row.message
    named = ILETI.describe_result(row, {"gsm": "Cep Telefonu", "name": "Ad"})
    assert "the mobile number in column 'Cep Telefonu' (gsm) is not valid" in named
    (row,) = answer(ILETI, _request(), 473, _error("473", "Özel alan bulunamadı."), [AYSE]).results
    assert row.field == "custom_field:1,custom_field:2"
    assert "custom_field:1" in row.message
    assert "custom_field:2" in row.message
    named = ILETI.describe_result(row, {"custom_field:1": "Doğum Tarihi", "custom_field:2": "Şehir"})
    assert "column 'Doğum Tarihi' (custom_field:1), column 'Şehir' (custom_field:2)" in named
    assert named.endswith("(code 473).")


@pytest.mark.parametrize("code", ["400", "402", "404", "422", "463", "472"])
def test_codes_about_no_single_field_name_none(code: str) -> None:
    (row,) = answer(ILETI, _request(), int(code), _error(code, FAILED_CODES[code]), [AYSE]).results
    assert row.field == ""
    assert ILETI.describe_result(row, {"gsm": "Cep Telefonu"}) == row.message


@pytest.mark.parametrize("code", [401, "401"])
def test_401_stops_the_job_with_advice(code: object) -> None:
    parsed = answer(ILETI, _request(), 401, _error(code, "Üyelik bilgileri hatalı"), [AYSE])
    assert parsed.kind is ResponseKind.AUTH
    assert parsed.code == "401"
    assert "Allow API access" in parsed.message
    assert "IP" in parsed.message


def test_401_without_a_json_body_is_still_auth() -> None:
    assert answer(ILETI, _request(), 401, "Unauthorized", [AYSE]).kind is ResponseKind.AUTH


def test_503_and_429_retry() -> None:
    parsed = answer(ILETI, _request(), 503, _error("503", "Sunucu geçici olarak hizmet veremiyor"), [AYSE])
    assert parsed.kind is ResponseKind.RETRY
    assert "(code 503)" in parsed.message
    parsed = answer(ILETI, _request(), 429, _error(429, "Çok fazla istek"), [AYSE], {"Retry-After": "2"})
    assert parsed.kind is ResponseKind.RETRY
    assert parsed.retry_after == 2.0


def test_undocumented_code_gets_the_fallback() -> None:
    (row,) = answer(ILETI, _request(), 400, _error(499, "Bilinmeyen"), [AYSE]).results
    assert row.message == "İleti Merkezi answered code 499: Bilinmeyen"


def test_credential_check_is_get_balance_with_auth_only() -> None:
    req = ILETI.credential_check_request(CREDS, BASE_URL)
    assert req is not None
    assert req.url == "https://api.iletimerkezi.com/v1/get-balance/json"
    assert json.loads(req.body) == {"request": {"authentication": {"key": "k" * 32, "hash": "h" * 64}}}
    ok = ILETI.parse_credential_check(
        200,
        json.dumps(
            {
                "response": {
                    "status": {"code": "200", "message": "İşlem başarılı"},
                    "balance": {"amount": "125.50", "sms": "4210"},
                }
            }
        ).encode(),
    )
    assert ok.ok
    assert "125.50" in ok.message
    assert "4210" in ok.message
    bad = ILETI.parse_credential_check(401, json.dumps(_error(401, "Üyelik bilgileri hatalı")).encode())
    assert not bad.ok
    assert bad.code == "401"
    assert "Allow API access" in bad.message


def test_groups_read_the_plain_list_shape_too() -> None:
    body = {
        "response": {
            "status": {"code": 200, "message": ""},
            "groups": [
                {
                    "id": "1001",
                    "name": "Müşteriler",
                    "count": "0",
                    "children": [{"id": 1002, "name": "VIP", "children": []}],
                },
                {"id": 1003, "name": "Bülten", "count": 4, "children": []},
            ],
        }
    }
    groups = ILETI.parse_groups(200, json.dumps(body).encode())
    assert [(g.id, g.name, g.count, g.parent, g.depth) for g in groups] == [
        ("1001", "Müşteriler", 0, "", 0), ("1002", "VIP", None, "1001", 1), ("1003", "Bülten", 4, "", 0)
    ]




def test_a_2xx_body_without_a_code_is_not_code_200() -> None:
    contacts = [Contact(2, {"name": "Ayşe"})]
    (req,) = ILETI.build_requests(contacts, {}, {"api_key": "k", "api_hash": "h"}, "https://x.test/v1")
    (row,) = answer(ILETI, req, 200, {"response": {"contact": {"id": 1}}}, contacts).results
    assert row.outcome is Outcome.FAILED
    assert row.code == ""
    assert "code 200" not in row.message
    check = ILETI.parse_credential_check(200, b"<html>maintenance</html>")
    assert not check.ok
    assert check.code == ""

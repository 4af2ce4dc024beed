"""The sandbox over real loopback sockets, driven by plain httpx (never by core.providers)."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

import core.sandbox.server as sandbox_server
from core.sandbox import DEMO_CREDENTIALS, PROVIDERS, Faults, Sandbox

ROOT = Path(__file__).resolve().parents[2]
NETCORE_KEY = DEMO_CREDENTIALS["netcore"]["api_key"]
ILETI_AUTH = {
    "key": DEMO_CREDENTIALS["iletimerkezi"]["api_key"],
    "hash": DEMO_CREDENTIALS["iletimerkezi"]["api_hash"],
}
APTANIA_AUTH = {
    "tokenUUID": DEMO_CREDENTIALS["aptania"]["token_uuid"],
    "userUUID": DEMO_CREDENTIALS["aptania"]["user_uuid"],
}
MSG_472 = "Ad, soyad, cep telefonu, email alanlarından en az biri dolu olmalıdır."
MSG_473 = "Özel alan bulunamadı."
OCTOPUSH_HEADERS = {
    "api-key": DEMO_CREDENTIALS["octopush"]["api_key"],
    "api-login": DEMO_CREDENTIALS["octopush"]["api_login"],
}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox
        assert sandbox.errors() == []  # no simulator bug surfaced during the test


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as http:
        yield http


# ---------------------------------------------------------------------------------------------- helpers
def netcore_add(
    client: httpx.Client, sb: Sandbox, attributes: Any, *, activity: str = "addsync", key: str = NETCORE_KEY,
    listid: str | None = None, raw_data: str | None = None,
) -> httpx.Response:
    form = {"data": raw_data if raw_data is not None else json.dumps(attributes)}
    if listid is not None:
        form["listid"] = listid
    params = {"type": "contact", "activity": activity, "apikey": key}
    return client.post(sb.base_url("netcore"), params=params, data=form)


def ileti(client: httpx.Client, sb: Sandbox, endpoint: str, request: dict[str, Any]) -> httpx.Response:
    return client.post(f"{sb.base_url('iletimerkezi')}/{endpoint}/json", json={"request": request})


def ileti_add(client: httpx.Client, sb: Sandbox, contact: dict[str, Any], auth: Any = None) -> httpx.Response:
    return ileti(client, sb, "add-contact", {"authentication": auth or ILETI_AUTH, "contact": contact})


def ileti_status(response: httpx.Response) -> tuple[int, str]:
    status = response.json()["response"]["status"]
    return int(status["code"]), status["message"]


def aptania_add(client: httpx.Client, sb: Sandbox, **fields: Any) -> httpx.Response:
    body = {**APTANIA_AUTH, "contactEmailaddress": "jane@example.com", "contactProfileID": "1", **fields}
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(f"{sb.base_url('aptania')}/createContact", json=body)


def octopush_create(
    client: httpx.Client, sb: Sandbox, contacts: list[Any], headers: dict[str, str] | None = None,
    **options: Any,
) -> httpx.Response:
    return client.post(
        f"{sb.base_url('octopush')}/contact/create",
        headers=OCTOPUSH_HEADERS if headers is None else headers,
        json={"contacts": contacts, **options},
    )


def as_bool(value: Any) -> bool:
    return value is True or value == "true"


# ---------------------------------------------------------------------------------------------- addresses
def test_base_urls_and_unknown_provider(sb: Sandbox) -> None:
    root = sb.root_url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", root)
    assert sb.base_url("netcore") == f"{root}/netcore/apiv2"
    assert sb.base_url("iletimerkezi") == f"{root}/iletimerkezi/v1"
    assert sb.base_url("aptania") == f"{root}/aptania/services"
    assert sb.base_url("octopush") == f"{root}/octopush/v1/public"
    assert set(PROVIDERS) == set(DEMO_CREDENTIALS) == {"netcore", "iletimerkezi", "aptania", "octopush"}
    with pytest.raises(ValueError, match="unknown provider"):
        sb.base_url("mailchimp")
    with pytest.raises(ValueError, match="unknown provider"):
        sb.contacts("mailchimp")


def test_unknown_root_path_is_404(sb: Sandbox, client: httpx.Client) -> None:
    assert client.get(f"{sb.root_url}/nowhere").status_code == 404


# ---------------------------------------------------------------------------------------------- Netcore
def test_netcore_addsync_stores_and_answers_success(sb: Sandbox, client: httpx.Client) -> None:
    response = netcore_add(client, sb, {"EMAIL": "Mike@Example.com", "MOBILE": "+919999999999"}, listid="33")
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == "Success"
    assert re.fullmatch(r"[0-9a-f]{32}", body["requestid"])
    assert sb.contacts("netcore") == [{"EMAIL": "Mike@Example.com", "MOBILE": "+919999999999", "listid": 33}]
    assert sb.create_requests("netcore") == 1


def test_netcore_addsync_duplicate_is_302_case_insensitive(sb: Sandbox, client: httpx.Client) -> None:
    netcore_add(client, sb, {"EMAIL": "mike@example.com", "CITY": "Pune"})
    response = netcore_add(client, sb, {"EMAIL": "MIKE@example.com", "CITY": "Mumbai"})
    assert response.json() == {
        "status": "error",
        "error_code": 302,
        "details": "Duplicate entry 'MIKE@example.com' for key 'uniqid'",
    }
    assert sb.contacts("netcore") == [{"EMAIL": "mike@example.com", "CITY": "Pune"}]
    assert sb.create_requests("netcore") == 2


def test_netcore_async_add_upserts(sb: Sandbox, client: httpx.Client) -> None:
    netcore_add(client, sb, {"EMAIL": "mike@example.com", "CITY": "Pune", "AGE": "24"})
    response = netcore_add(client, sb, {"EMAIL": "Mike@example.com", "CITY": "Mumbai"}, activity="add")
    assert response.json()["result"] == "Success"
    assert sb.contacts("netcore") == [{"EMAIL": "Mike@example.com", "CITY": "Mumbai", "AGE": "24"}]


def test_netcore_async_add_only_checks_the_key(sb: Sandbox, client: httpx.Client) -> None:
    response = netcore_add(client, sb, {"EMAIL": "not-an-email"}, activity="add")
    assert response.json()["result"] == "Success"  # accepted, not verified
    assert sb.contacts("netcore") == []
    bad_key = netcore_add(client, sb, {"EMAIL": "a@example.com"}, activity="add", key="wrong")
    assert bad_key.json() == {"result": "Invalid API key"}


@pytest.mark.parametrize("key", ["wrong-key", ""])
def test_netcore_bad_key(sb: Sandbox, client: httpx.Client, key: str) -> None:
    response = netcore_add(client, sb, {"EMAIL": "a@example.com"}, key=key)
    assert response.json() == {"result": "Invalid API key"}
    assert sb.contacts("netcore") == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"params": {"type": "list"}}, 101),
        ({"params": {"activity": "delete"}}, 102),
        ({"json": True}, 103),
        ({"form": {"listid": "3"}}, 104),
        ({"form": {"data": "{not json"}}, 105),
        ({"form": {"data": '["EMAIL"]'}}, 105),
        ({"form": {"data": '{"EMAIL": "a@example.com", "city": "Pune"}'}}, 106),
        ({"form": {"data": '{"EMAIL": "a@example.com", "MOBILE": 9999999999}'}}, 107),
        ({"form": {"data": '{"NAME": "Mike"}'}}, 108),
        ({"form": {"data": '{"EMAIL": "mike at example.com"}'}}, 109),
        ({"form": {"data": '{"EMAIL": "a@example.com"}', "listid": "vip"}}, 110),
    ],
)
def test_netcore_errors(sb: Sandbox, client: httpx.Client, change: dict[str, Any], code: int) -> None:
    params = {"type": "contact", "activity": "addsync", "apikey": NETCORE_KEY, **change.get("params", {})}
    if change.get("json"):
        as_json = {"data": {"EMAIL": "a@example.com"}}
        response = client.post(sb.base_url("netcore"), params=params, json=as_json)
    else:
        response = client.post(sb.base_url("netcore"), params=params, data=change.get("form", {}))
    assert response.status_code == 200  # Netcore: decide from the body
    body = response.json()
    assert body["status"] == "error"
    assert body["error_code"] == code
    assert isinstance(body["details"], str)
    assert body["details"]
    assert sb.contacts("netcore") == []


def test_netcore_method_and_path(sb: Sandbox, client: httpx.Client) -> None:
    params = {"type": "contact", "activity": "addsync", "apikey": NETCORE_KEY}
    get = client.get(sb.base_url("netcore"), params=params)
    assert get.status_code == 405
    assert get.json()["error_code"] == 405
    other = client.post(sb.base_url("netcore") + "/contacts", params=params)
    assert other.status_code == 404
    assert other.json()["status"] == "error"


# ---------------------------------------------------------------------------------------------- İleti Merkezi
def test_iletimerkezi_add_success(sb: Sandbox, client: httpx.Client) -> None:
    contact = {
        "name": "Ayşe", "surname": "Yılmaz", "email": "ayse@example.com", "gsm": "+905321234567",
        "custom_fields": {"custom_field": [{"id": "1", "value": "27/09/1990"}, {"id": 2, "value": "İzmir"}]},
        "groups": {"group": {"id": "1002"}},
    }
    response = ileti_add(client, sb, contact)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert ileti_status(response) == (200, "İşlem başarılı")
    echoed = response.json()["response"]["contact"]
    assert int(echoed["id"]) > 0
    assert {k: echoed[k] for k in ("name", "surname", "gsm", "email")} == {
        "name": "Ayşe", "surname": "Yılmaz", "gsm": "+905321234567", "email": "ayse@example.com",
    }
    assert echoed["custom_fields"] == [{"id": 1, "value": "27/09/1990"}, {"id": 2, "value": "İzmir"}]
    assert echoed["groups"] == [1002]
    [stored] = sb.contacts("iletimerkezi")
    assert stored["id"] == int(echoed["id"])
    assert stored["groups"] == [1002]
    assert stored["name"] == "Ayşe"
    assert sb.create_requests("iletimerkezi") == 1


def test_iletimerkezi_code_alternates_between_number_and_string(sb: Sandbox, client: httpx.Client) -> None:
    codes = [ileti_add(client, sb, {"name": f"N{i}"}).json()["response"]["status"]["code"] for i in range(4)]
    assert [type(c) for c in codes] == [int, str, int, str]
    assert [int(c) for c in codes] == [200] * 4
    errors = [ileti_add(client, sb, {}) for _ in range(2)]
    assert {type(e.json()["response"]["status"]["code"]) for e in errors} == {int, str}


@pytest.mark.parametrize(
    ("contact", "code", "message"),
    [
        ({}, 472, MSG_472),
        ({"name": "", "gsm": "  "}, 472, MSG_472),
        ({"gsm": "05321234567"}, 466, None),
        ({"gsm": "905321234567"}, 466, None),
        ({"gsm": "+902121234567"}, 466, None),  # a landline
        ({"name": "A", "groups": {"group": {"id": "999"}}}, 463, "Böyle bir grup bulunamadı."),
        ({"name": "A", "groups": {"group": {}}}, 463, "Böyle bir grup bulunamadı."),
        ({"name": "A", "custom_fields": {"custom_field": [{"id": "42", "value": "x"}]}}, 473, MSG_473),
        ({"name": 5}, 422, None),
        ({"name": "A", "email": "not-an-email"}, 422, None),
        ({"name": "A", "groups": [{"id": "1001"}]}, 400, None),
    ],
)
def test_iletimerkezi_add_errors(
    sb: Sandbox, client: httpx.Client, contact: dict[str, Any], code: int, message: str | None
) -> None:
    response = ileti_add(client, sb, contact)
    assert response.status_code == code  # HTTP status equals the body code
    body_code, body_message = ileti_status(response)
    assert body_code == code
    if message is not None:
        assert body_message == message
    assert set(response.json()["response"]) == {"status"}
    assert sb.contacts("iletimerkezi") == []


def test_iletimerkezi_request_level_errors(sb: Sandbox, client: httpx.Client) -> None:
    base = sb.base_url("iletimerkezi")
    unknown = client.post(f"{base}/add-contacts/json", json={"request": {"authentication": ILETI_AUTH}})
    assert unknown.status_code == 404
    assert ileti_status(unknown) == (404, "API istek yapılan yönteme sahip değil")
    assert client.get(f"{base}/get-balance/json").status_code == 404
    garbled = client.post(
        f"{base}/add-contact/json", content=b'{"request": {', headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 400
    assert ileti_status(garbled) == (400, "İstek çözümlenemedi")
    no_request = client.post(f"{base}/add-contact/json", json={"contact": {"name": "A"}})
    assert ileti_status(no_request)[0] == 400


@pytest.mark.parametrize(
    "auth",
    [
        {"key": ILETI_AUTH["key"], "hash": "wrong"},
        {"key": "wrong", "hash": ILETI_AUTH["hash"]},
        {"key": ILETI_AUTH["key"]},
        "not-an-object",
    ],
)
def test_iletimerkezi_bad_credentials(sb: Sandbox, client: httpx.Client, auth: Any) -> None:
    response = ileti_add(client, sb, {"name": "A"}, auth=auth)
    assert response.status_code == 401
    assert ileti_status(response) == (401, "Üyelik bilgileri hatalı")
    balance = ileti(client, sb, "get-balance", {"authentication": auth})
    assert balance.status_code == 401
    assert sb.contacts("iletimerkezi") == []


def test_iletimerkezi_balance_and_groups(sb: Sandbox, client: httpx.Client) -> None:
    first = ileti(client, sb, "get-balance", {"authentication": ILETI_AUTH}).json()["response"]
    second = ileti(client, sb, "get-balance", {"authentication": ILETI_AUTH}).json()["response"]
    assert float(first["balance"]["amount"]) == float(second["balance"]["amount"]) == 125.5
    assert {type(first["balance"]["sms"]), type(second["balance"]["sms"])} == {int, str}
    ileti_add(client, sb, {"name": "A", "groups": {"group": {"id": 1002}}})
    sb.add_iletimerkezi_group(2000, "Yeni Grup")
    sb.add_iletimerkezi_group(2001, "Alt Grup", parent=1002, count=7)
    groups = ileti(client, sb, "get-groups", {"authentication": ILETI_AUTH}).json()["response"]["groups"]
    # the documented shape: groups.group[] of main groups, children.child[] below them
    by_id = {int(g["id"]): g for g in groups["group"]}
    assert set(by_id) == {1001, 1003, 2000}
    assert by_id[2000]["name"] == "Yeni Grup"
    assert "children" not in by_id[2000]
    [child] = by_id[1001]["children"]["child"]
    assert int(child["id"]) == 1002
    assert int(child["count"]) == 1
    [grandchild] = child["children"]["child"]
    assert (int(grandchild["id"]), grandchild["name"], int(grandchild["count"])) == (2001, "Alt Grup", 7)


def test_iletimerkezi_configured_custom_field_and_group(sb: Sandbox, client: httpx.Client) -> None:
    contact = {"name": "A", "custom_fields": {"custom_field": [{"id": "77", "value": "x"}]},
               "groups": {"group": {"id": "88"}}}
    assert ileti_add(client, sb, contact).status_code == 463  # the group is checked first
    sb.add_iletimerkezi_group(88, "Seksen sekiz")
    assert ileti_add(client, sb, contact).status_code == 473
    sb.add_iletimerkezi_custom_field(77, "Segment")
    assert ileti_add(client, sb, contact).status_code == 200


def test_iletimerkezi_no_duplicate_check(sb: Sandbox, client: httpx.Client) -> None:
    answers = [ileti_add(client, sb, {"gsm": "+905321234567"}).json() for _ in range(2)]
    ids = {a["response"]["contact"]["id"] for a in answers}
    assert len({int(i) for i in ids}) == 2
    assert len(sb.contacts("iletimerkezi")) == 2


# ---------------------------------------------------------------------------------------------- Aptania
def test_aptania_create_then_exists(sb: Sandbox, client: httpx.Client) -> None:
    created = aptania_add(
        client, sb, contactFirstname="Jane", contactMobile="+447700900123", contactTagID="176,177",
        contactAttr=[{"attrID": "12", "attrValue": "Tennis"}],
    )
    assert created.status_code == 200
    body = created.json()
    assert not as_bool(body["exists"])
    assert str(body["status"]) == "200"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["contactUUID"])
    again = aptania_add(client, sb, contactEmailaddress="JANE@example.com")
    again_body = again.json()
    assert as_bool(again_body["exists"])
    assert again_body["contactUUID"] == body["contactUUID"]
    assert str(again_body["status"]) == "200"
    # the two answers use different types: strings first, then native values
    assert (body["exists"], body["status"]) == ("false", "200")
    assert (again_body["exists"], again_body["status"]) == (True, 200)
    [stored] = sb.contacts("aptania")
    assert stored["contactFirstname"] == "Jane"
    assert stored["contactUUID"] == body["contactUUID"]
    assert stored["contactAttr"] == [{"attrID": "12", "attrValue": "Tennis"}]
    assert "tokenUUID" not in stored
    assert sb.create_requests("aptania") == 2


@pytest.mark.parametrize(
    "fields",
    [{"tokenUUID": "wrong"}, {"userUUID": "wrong"}, {"tokenUUID": None}],
)
def test_aptania_bad_credentials(sb: Sandbox, client: httpx.Client, fields: dict[str, Any]) -> None:
    response = aptania_add(client, sb, **fields)
    assert response.status_code == 401
    assert "tokenUUID" in response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert sb.contacts("aptania") == []


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"contactProfileID": 1}, "must be a string"),
        ({"contactEmailaddress": None}, "contactEmailaddress is required"),
        ({"contactEmailaddress": "jane.example.com"}, "not a valid e-mail"),
        ({"contactProfileID": None}, "contactProfileID is required"),
        ({"contactProfileID": "99"}, "does not exist"),
        ({"contactTagID": "176;177"}, "comma-separated"),
        ({"contactAttr": {"attrID": "1", "attrValue": "x"}}, "JSON array"),
        ({"contactAttr": [{"attrID": "1", "value": "x"}]}, "attrID and attrValue"),
        ({"contactAttr": [{"attrID": 1, "attrValue": "x"}]}, "must be strings"),
        ({"contactMobile": "07700900123"}, "international number"),
        ({"contactEmail": "x@example.com"}, "Unknown parameter"),
    ],
)
def test_aptania_validation_errors(
    sb: Sandbox, client: httpx.Client, fields: dict[str, Any], fragment: str
) -> None:
    response = aptania_add(client, sb, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "400"
    assert fragment in body["message"]
    assert sb.contacts("aptania") == []


def test_aptania_configured_profile_and_http_errors(sb: Sandbox, client: httpx.Client) -> None:
    assert aptania_add(client, sb, contactProfileID="77").status_code == 400
    sb.add_aptania_profile("77")
    assert aptania_add(client, sb, contactProfileID="77").status_code == 200
    base = sb.base_url("aptania")
    assert client.post(f"{base}/getContact", json=APTANIA_AUTH).status_code == 404
    assert client.get(f"{base}/createContact").status_code == 405
    assert client.post(f"{base}/createContact", data=APTANIA_AUTH).status_code == 415
    json_type = {"Content-Type": "application/json"}
    not_json = client.post(f"{base}/createContact", content=b"{", headers=json_type)
    assert not_json.status_code == 400


# ---------------------------------------------------------------------------------------------- Octopush
def test_octopush_added_updated_skipped(sb: Sandbox, client: httpx.Client) -> None:
    first = octopush_create(
        client, sb, [{"phone_number": "+33611223344", "first_name": "Axelle", "param3": "Mme"}],
        list_name="clients", tag_name="vip",
    )
    assert first.status_code == 201
    assert first.json() == {"items": [{"phone_number": "+33611223344", "email": None, "status": "added"}]}
    second = octopush_create(client, sb, [{"phone_number": "+33611223344", "last_name": "Durand"}],
                             list_name="newsletter")
    assert second.json()["items"][0]["status"] == "updated"
    kept = octopush_create(client, sb, [{"phone_number": "+33611223344", "first_name": "Other"}],
                           do_not_overwrite=True)
    assert kept.status_code == 201
    assert kept.json()["items"][0]["status"] == "skipped"
    [stored] = sb.contacts("octopush")
    assert stored["first_name"] == "Axelle"
    assert stored["last_name"] == "Durand"
    assert stored["param3"] == "Mme"
    assert stored["lists"] == ["clients", "newsletter"]
    assert stored["tags"] == ["vip"]
    assert sb.create_requests("octopush") == 3


def test_octopush_blacklist(sb: Sandbox, client: httpx.Client) -> None:
    sb.add_octopush_blacklist("+33600000001")
    contacts = [{"phone_number": "+33600000001"}, {"phone_number": "+33600000002"}]
    removed = octopush_create(client, sb, contacts, auto_remove_blacklisted_numbers=True)
    assert [i["status"] for i in removed.json()["items"]] == ["skipped", "added"]
    assert [c["phone_number"] for c in sb.contacts("octopush")] == ["+33600000002"]
    kept = octopush_create(client, sb, contacts[:1])
    assert kept.json()["items"][0]["status"] == "added"


def test_octopush_batch_limits_and_numbers(sb: Sandbox, client: httpx.Client) -> None:
    batch = [{"phone_number": f"+336{i:08d}"} for i in range(200)]
    assert octopush_create(client, sb, batch).status_code == 201
    assert len(sb.contacts("octopush")) == 200
    too_many = octopush_create(client, sb, [*batch, {"phone_number": "+33699999999"}])
    assert too_many.status_code == 400
    assert too_many.json()["code"] == 305
    empty = octopush_create(client, sb, [])
    assert empty.status_code == 400
    assert empty.json()["code"] == 110
    none_valid = octopush_create(client, sb, [{"phone_number": "0611223344"}, {"phone_number": 33611223344}])
    assert none_valid.status_code == 400
    assert none_valid.json()["code"] == 117
    assert isinstance(none_valid.json()["message"], str)
    mixed = octopush_create(client, sb, [{"phone_number": "0611223344"}, {"phone_number": "+32470123456"}])
    assert [i["phone_number"] for i in mixed.json()["items"]] == ["+32470123456"]
    assert len(sb.contacts("octopush")) == 201


@pytest.mark.parametrize(
    "options",
    [
        {"list_name": "x" * 31},
        {"tag_name": "x" * 21},
        {"list_name": 5},
        {"auto_remove_blacklisted_numbers": "true"},
        {"do_not_overwrite": 1},
    ],
)
def test_octopush_option_errors(sb: Sandbox, client: httpx.Client, options: dict[str, Any]) -> None:
    response = octopush_create(client, sb, [{"phone_number": "+33611223344"}], **options)
    assert response.status_code == 400
    assert response.json()["code"] == 125
    assert next(iter(options)) in response.json()["message"]
    assert sb.contacts("octopush") == []


def test_octopush_option_limits_inclusive(sb: Sandbox, client: httpx.Client) -> None:
    response = octopush_create(
        client, sb, [{"phone_number": "+33611223344"}], list_name="x" * 30, tag_name="y" * 20,
        auto_remove_blacklisted_numbers=False, do_not_overwrite=False,
    )
    assert response.status_code == 201


def test_octopush_contact_field_types(sb: Sandbox, client: httpx.Client) -> None:
    response = octopush_create(client, sb, [{"phone_number": "+33611223344", "param1": 7}])
    assert response.status_code == 400
    assert response.json()["code"] == 125
    assert octopush_create(client, sb, ["+33611223344"]).json()["code"] == 125


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"api-key": "wrong", "api-login": OCTOPUSH_HEADERS["api-login"]}, 401, 101),
        ({"api-key": OCTOPUSH_HEADERS["api-key"], "api-login": "other@example.com"}, 401, 101),
        ({"api-key": OCTOPUSH_HEADERS["api-key"]}, 400, 108),  # login missing
        ({"api-key": OCTOPUSH_HEADERS["api-key"], "api-login": ""}, 400, 108),
        ({"api-login": OCTOPUSH_HEADERS["api-login"]}, 400, 109),  # key ("password") missing
        ({}, 400, 108),
    ],
)
def test_octopush_bad_credentials(
    sb: Sandbox, client: httpx.Client, headers: dict[str, str], status: int, code: int
) -> None:
    response = octopush_create(client, sb, [{"phone_number": "+33611223344"}], headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    balance = client.get(f"{sb.base_url('octopush')}/wallet/check-balance", headers=headers)
    assert balance.status_code == status
    assert balance.json()["code"] == code
    assert sb.contacts("octopush") == []


def test_octopush_balance_and_http_errors(sb: Sandbox, client: httpx.Client) -> None:
    base = sb.base_url("octopush")
    balance = client.get(f"{base}/wallet/check-balance", headers=OCTOPUSH_HEADERS)
    assert balance.status_code == 200
    assert balance.json() == {"amount": 250.0, "unit": "euros"}
    post_balance = client.post(f"{base}/wallet/check-balance", headers=OCTOPUSH_HEADERS)
    assert post_balance.status_code == 405
    assert post_balance.json()["code"] == 306
    unknown = client.post(f"{base}/contact/add", headers=OCTOPUSH_HEADERS, json={})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == 306
    form = client.post(f"{base}/contact/create", headers=OCTOPUSH_HEADERS, data={"contacts": "+33611223344"})
    assert form.status_code == 400
    assert form.json()["code"] == 100


# ---------------------------------------------------------------------------------------------- credentials
def test_set_credentials_changes_what_is_accepted(sb: Sandbox, client: httpx.Client) -> None:
    sb.set_credentials("octopush", api_key="rotated")
    assert octopush_create(client, sb, [{"phone_number": "+33611223344"}]).status_code == 401
    rotated = {**OCTOPUSH_HEADERS, "api-key": "rotated"}
    assert octopush_create(client, sb, [{"phone_number": "+33611223344"}], headers=rotated).status_code == 201
    assert sb.credentials["octopush"]["api_key"] == "rotated"
    assert DEMO_CREDENTIALS["octopush"]["api_key"] != "rotated"


# ---------------------------------------------------------------------------------------------- faults
def _one_request(client: httpx.Client, sb: Sandbox, provider: str) -> httpx.Response:
    if provider == "netcore":
        return netcore_add(client, sb, {"EMAIL": "f@example.com"})
    if provider == "iletimerkezi":
        return ileti_add(client, sb, {"name": "F"})
    if provider == "aptania":
        return aptania_add(client, sb, contactEmailaddress="f@example.com")
    return octopush_create(client, sb, [{"phone_number": "+33611223344"}])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_503(sb: Sandbox, client: httpx.Client, provider: str) -> None:
    sb.faults = Faults(p_503=1.0)
    response = _one_request(client, sb, provider)
    assert response.status_code == 503
    if provider == "iletimerkezi":
        assert ileti_status(response)[0] == 503
    assert sb.contacts(provider) == []
    assert sb.create_requests(provider) == 0
    assert [r.fault for r in sb.received(provider)] == ["503"]
    sb.faults = Faults()
    assert _one_request(client, sb, provider).status_code in (200, 201)
    assert len(sb.contacts(provider)) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_429_with_retry_after(sb: Sandbox, client: httpx.Client, provider: str) -> None:
    sb.faults = Faults(p_429=1.0, retry_after=2.0)
    response = _one_request(client, sb, provider)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    sb.faults.retry_after = 0.25  # live change of the same object
    assert _one_request(client, sb, provider).headers["Retry-After"] == "0.25"
    assert sb.contacts(provider) == []
    assert sb.create_requests(provider) == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_drop_before_stores_nothing(sb: Sandbox, client: httpx.Client, provider: str) -> None:
    sb.faults = Faults(p_drop_before=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        _one_request(client, sb, provider)
    assert sb.contacts(provider) == []
    assert sb.create_requests(provider) == 0
    assert [r.fault for r in sb.received(provider)] == ["drop_before"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_drop_after_stores_but_never_answers(sb: Sandbox, client: httpx.Client, provider: str) -> None:
    sb.faults = Faults(p_drop_after=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        _one_request(client, sb, provider)
    assert len(sb.contacts(provider)) == 1
    assert sb.create_requests(provider) == 1
    sb.faults = Faults()
    retry = _one_request(client, sb, provider)  # the retry of an answered-never request meets the contact
    if provider == "netcore":
        assert retry.json()["error_code"] == 302
    elif provider == "aptania":
        assert as_bool(retry.json()["exists"])
    elif provider == "octopush":
        assert retry.json()["items"][0]["status"] == "updated"


def _statuses(seed: int, n: int) -> list[int]:
    with Sandbox(seed=seed) as sandbox, httpx.Client() as http:
        sandbox.faults = Faults(p_503=0.5)
        url = f"{sandbox.base_url('octopush')}/wallet/check-balance"
        return [http.get(url, headers=OCTOPUSH_HEADERS).status_code for _ in range(n)]


def test_faults_are_seeded_and_probabilistic() -> None:
    first, second = _statuses(3, 40), _statuses(3, 40)
    assert first == second
    assert set(first) == {200, 503}


def test_faults_reject_bad_probabilities() -> None:
    with pytest.raises(ValueError, match="p_503"):
        Faults(p_503=1.5)
    with pytest.raises(ValueError, match="retry_after"):
        Faults(retry_after=-1)


def test_seeded_ids_repeat() -> None:
    def ids() -> list[str]:
        with Sandbox(seed=11) as sandbox, httpx.Client() as http:
            answers = [netcore_add(http, sandbox, {"EMAIL": f"{i}@example.com"}) for i in range(3)]
            return [a.json()["requestid"] for a in answers]

    assert ids() == ids()


# ---------------------------------------------------------------------------------------------- latency
def test_latency_applies_per_request_and_overlaps(sb: Sandbox) -> None:
    url = f"{sb.base_url('octopush')}/wallet/check-balance"
    sb.latency = 0.3
    with httpx.Client() as http:
        started = time.monotonic()
        assert http.get(url, headers=OCTOPUSH_HEADERS).status_code == 200
        assert time.monotonic() - started >= 0.29

    def fetch(_: int) -> int:
        with httpx.Client() as http:
            return http.get(url, headers=OCTOPUSH_HEADERS).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(fetch, range(8))) == [200] * 8
    # eight requests in sequence would need 2.4 s; overlapping they take about 0.3 s (generous bound)
    assert time.monotonic() - started < 2.0
    with pytest.raises(ValueError, match="latency"):
        sb.latency = -1


# ---------------------------------------------------------------------------------------------- inspection
def test_received_records_requests(sb: Sandbox, client: httpx.Client) -> None:
    netcore_add(client, sb, {"EMAIL": "a@example.com"}, listid="5")
    [received] = sb.received("netcore")
    assert received.method == "POST"
    assert received.path == "/netcore/apiv2"
    assert received.query == {"type": "contact", "activity": "addsync", "apikey": NETCORE_KEY}
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    assert received.form() == {"data": '{"EMAIL": "a@example.com"}', "listid": "5"}
    assert received.fault is None
    octopush_create(client, sb, [{"phone_number": "+33611223344"}])
    [octo] = sb.received("octopush")
    assert octo.headers["api-login"] == "demo@example.com"
    assert octo.json()["contacts"] == [{"phone_number": "+33611223344"}]
    assert sb.received("aptania") == []


def test_received_is_bounded(monkeypatch: pytest.MonkeyPatch, sb: Sandbox, client: httpx.Client) -> None:
    monkeypatch.setattr(sandbox_server, "RECEIVED_LIMIT", 3)
    sb.reset()
    for i in range(5):
        netcore_add(client, sb, {"EMAIL": f"{i}@example.com"})
    assert [r.form()["data"] for r in sb.received("netcore")] == [
        json.dumps({"EMAIL": f"{i}@example.com"}) for i in (2, 3, 4)
    ]
    assert sb.create_requests("netcore") == 5


def test_contacts_are_copies(sb: Sandbox, client: httpx.Client) -> None:
    octopush_create(client, sb, [{"phone_number": "+33611223344"}], list_name="a")
    copy = sb.contacts("octopush")
    copy[0]["lists"].append("tampered")
    copy[0]["first_name"] = "tampered"
    assert sb.contacts("octopush")[0]["lists"] == ["a"]
    assert sb.contacts("octopush")[0]["first_name"] is None


def test_reset_restores_a_fresh_sandbox(sb: Sandbox, client: httpx.Client) -> None:
    netcore_add(client, sb, {"EMAIL": "a@example.com"})
    sb.add_aptania_profile("77")
    sb.set_credentials("netcore", api_key="other")
    sb.faults = Faults(p_503=1.0)
    sb.latency = 0.5
    sb.reset()
    assert sb.contacts("netcore") == []
    assert sb.create_requests("netcore") == 0
    assert sb.received("netcore") == []
    assert sb.faults == Faults()
    assert sb.latency == 0.0
    assert sb.credentials == DEMO_CREDENTIALS
    assert aptania_add(client, sb, contactProfileID="77").status_code == 400
    assert netcore_add(client, sb, {"EMAIL": "a@example.com"}).json()["result"] == "Success"


def test_concurrent_requests_are_all_stored(sb: Sandbox, client: httpx.Client) -> None:
    def add(i: int) -> str:
        return str(netcore_add(client, sb, {"EMAIL": f"c{i}@example.com"}).json()["result"])

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(add, range(200))) == {"Success"}
    assert len(sb.contacts("netcore")) == 200
    assert sb.create_requests("netcore") == 200


# ---------------------------------------------------------------------------------------------- HTTP plumbing
def _raw_exchange(sock: socket.socket, request: bytes) -> tuple[str, bytes]:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    while len(rest) < length:
        rest += sock.recv(65536)
    return head.decode("latin-1"), rest[:length]


def test_keep_alive_and_chunked_body(sb: Sandbox) -> None:
    host, port = "127.0.0.1", int(sb.root_url.rsplit(":", 1)[1])
    path = "/octopush/v1/public/wallet/check-balance"
    auth = "".join(f"{k}: {v}\r\n" for k, v in OCTOPUSH_HEADERS.items())
    with socket.create_connection((host, port), timeout=5) as sock:
        for _ in range(2):  # two requests on one connection: keep-alive with Content-Length
            head, body = _raw_exchange(sock, f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
            assert head.startswith("HTTP/1.1 200")
            assert json.loads(body)["unit"] == "euros"
            assert "Connection: close" not in head
        payload = json.dumps({"contacts": [{"phone_number": "+33611223344"}]}).encode()
        chunked = b"".join([b"%x\r\n%s\r\n" % (len(payload[:10]), payload[:10]),
                            b"%x\r\n%s\r\n" % (len(payload[10:]), payload[10:]), b"0\r\n\r\n"])
        request = (
            f"POST /octopush/v1/public/contact/create HTTP/1.1\r\nHost: x\r\n{auth}"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode() + chunked
        head, body = _raw_exchange(sock, request)
        assert head.startswith("HTTP/1.1 201")
        assert json.loads(body)["items"][0]["status"] == "added"


def _sandbox_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()}


def test_stop_closes_keep_alive_connections_and_joins_threads() -> None:
    before = _sandbox_threads()
    sandbox = Sandbox()
    sandbox.start()
    port = int(sandbox.root_url.rsplit(":", 1)[1])
    http = httpx.Client()  # deliberately left open with an idle keep-alive connection
    url = f"{sandbox.base_url('octopush')}/wallet/check-balance"
    assert http.get(url, headers=OCTOPUSH_HEADERS).status_code == 200
    idle = socket.create_connection(("127.0.0.1", port))  # a connection that never sends a request
    deadline = time.monotonic() + 5
    while len(_sandbox_threads() - before) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # wait until the server runs a handler for each connection
    assert len(_sandbox_threads() - before) == 3  # the serving thread and one per connection
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 5
    assert _sandbox_threads() - before == set()
    assert idle.recv(1) == b""  # the server closed it
    idle.close()
    http.close()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    sandbox.stop()  # twice is fine
    assert not sandbox.running


def test_stop_during_latency_does_not_wait_for_it() -> None:
    sandbox = Sandbox(latency=30.0).start()
    url = f"{sandbox.base_url('octopush')}/wallet/check-balance"
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            httpx.get(url, headers=OCTOPUSH_HEADERS, timeout=60)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=slow)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    sandbox.stop()
    caller.join(10)
    assert time.monotonic() - started < 5
    assert not caller.is_alive()
    assert len(errors) == 1


def test_start_twice_restart_and_address_before_start() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.root_url
    with sandbox:
        with pytest.raises(RuntimeError, match="already running"):
            sandbox.start()
        assert sandbox.running
    with sandbox:  # restartable
        assert httpx.get(f"{sandbox.base_url('octopush')}/wallet/check-balance",
                         headers=OCTOPUSH_HEADERS).status_code == 200


def test_quiet_on_stderr(sb: Sandbox, client: httpx.Client, capfd: pytest.CaptureFixture[str]) -> None:
    netcore_add(client, sb, {"EMAIL": "q@example.com"})
    client.get(f"{sb.root_url}/nowhere")
    sb.faults = Faults(p_drop_before=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        netcore_add(client, sb, {"EMAIL": "r@example.com"})
    assert capfd.readouterr().err == ""


def test_module_runs_in_the_foreground_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "core.sandbox", "--port", "0", "--latency", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not any(line.startswith("octopush:") for line in lines):
            line = process.stdout.readline()
            assert line, "the sandbox exited early"
            lines.append(line.strip())
        for _ in DEMO_CREDENTIALS["octopush"]:
            lines.append(process.stdout.readline().strip())
        text = "\n".join(lines)
        url = re.search(r"octopush: (\S+)", text).group(1)  # type: ignore[union-attr]
        for provider, _creds in DEMO_CREDENTIALS.items():
            assert f"{provider}: http://127.0.0.1:" in text
        assert f"api_login = {DEMO_CREDENTIALS['octopush']['api_login']}" in text
        response = httpx.get(f"{url}/wallet/check-balance", headers=OCTOPUSH_HEADERS, timeout=5)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


# ---------------------------------------------------------------------------------------- answer variations
def test_aptania_get_events_checks_the_token_only(sb: Sandbox, client: httpx.Client) -> None:
    url = f"{sb.base_url('aptania')}/event/getEvents"
    ok = client.get(url, params={"tokenUUID": APTANIA_AUTH["tokenUUID"]})
    assert ok.status_code == 200
    body = ok.json()
    assert body["status"] == "200"  # a string, as in get_event.jsp
    assert set(body["event"]) == {"eventID", "eventName", "eventDesc", "eventType", "eventAttr"}
    assert all(set(a) == {"attrID", "attrName"} for a in body["event"]["eventAttr"])
    for params in ({"tokenUUID": "wrong"}, {}):
        refused = client.get(url, params=params)
        assert refused.status_code == 401
        assert refused.text.startswith("Unauthorized")
    assert client.post(url, params={"tokenUUID": APTANIA_AUTH["tokenUUID"]}).status_code == 405
    assert sb.create_requests("aptania") == 0
    assert sb.contacts("aptania") == []


@pytest.mark.parametrize(
    ("echo", "french", "spanish"),
    [
        ("e164", "+33611223344", "+34612345678"),
        ("00", "0033611223344", "0034612345678"),
        ("digits", "33611223344", "34612345678"),
        ("spaces", "+33 6 11 22 33 44", "+34 6 12 34 56 78"),
        ("national", "06 11 22 33 44", "6 12 34 56 78"),
    ],
)
def test_octopush_echo_forms(sb: Sandbox, client: httpx.Client, echo: str, french: str, spanish: str) -> None:
    sb.set_octopush_answers(echo=echo)
    two = [{"phone_number": "+33611223344"}, {"phone_number": "+34612345678"}]
    response = octopush_create(client, sb, two)
    assert response.status_code == 201
    assert [i["phone_number"] for i in response.json()["items"]] == [french, spanish]
    assert [c["phone_number"] for c in sb.contacts("octopush")] == ["+33611223344", "+34612345678"]


def test_octopush_success_without_items_and_a_stricter_size_limit(sb: Sandbox, client: httpx.Client) -> None:
    sb.set_octopush_answers(items=False, max_contacts=2)
    response = octopush_create(client, sb, [{"phone_number": "+33611223344"}])
    assert response.status_code == 201
    assert response.json() == {"code": 0, "message": "success"}
    assert len(sb.contacts("octopush")) == 1
    three = [{"phone_number": f"+3361122334{i}"} for i in range(3)]
    too_many = octopush_create(client, sb, three)
    assert too_many.status_code == 400
    assert too_many.json()["code"] == 305
    with pytest.raises(ValueError, match="echo"):
        sb.set_octopush_answers(echo="roman")
    with pytest.raises(ValueError, match="max_contacts"):
        sb.set_octopush_answers(max_contacts=0)


def test_octopush_a_refused_number_sinks_its_whole_request(sb: Sandbox, client: httpx.Client) -> None:
    sb.add_octopush_refused("+33611223399", status=422, code=999, message="Contact rejected.")
    two = [{"phone_number": "+33611223344"}, {"phone_number": "+33611223399"}]
    response = octopush_create(client, sb, two)
    assert response.status_code == 422
    assert response.json() == {"code": 999, "message": "Contact rejected."}
    assert sb.contacts("octopush") == []  # nothing of the request stored
    assert octopush_create(client, sb, [{"phone_number": "+33611223344"}]).status_code == 201
    sb.reset()
    assert octopush_create(client, sb, [{"phone_number": "+33611223399"}]).status_code == 201

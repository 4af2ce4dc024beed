"""Simulated Netcore Smartech apiv2 contact add (SPEC 2.1).

``POST {base}?type=contact&activity=addsync|add&apikey=KEY`` with a form body: ``data`` = a JSON string of an
object with upper-case attribute names and string values (``EMAIL`` required), optional ``listid`` (integer).
Every answer is HTTP 200 except a wrong method (405) or path (404): the outcome is in the body.
``data`` and ``listid`` are read from the form body only (the SPEC's form fields), never from the query.

- wrong/missing key → ``{"result": "Invalid API key"}`` (checked first, for both activities)
- ``addsync``: every check below; an existing EMAIL (case-insensitive) → error 302, nothing changes;
  a new one is stored → ``{"requestid": "<32 hex>", "result": "Success"}``.
- ``add`` (async): answers Success once the key is right; a valid contact is then upserted (attributes
  merged into an existing EMAIL); an invalid request is silently dropped, as the real async API does.

Error bodies are ``{"status": "error", "error_code": N, "details": "..."}``; the codes are in
:data:`ERROR_CODES` (302 is Netcore's own, the others the sandbox's choice).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from core.sandbox.common import Platform, Request, Response, valid_email

ATTRIBUTE = re.compile(r"^[A-Z][A-Z0-9_]*$")

# error_code -> meaning (302 is Netcore's own; the rest are the sandbox's choice)
ERROR_CODES: dict[int, str] = {
    101: "type is missing or not 'contact'",
    102: "activity is missing or not one of addsync, add",
    103: "Content-Type is not application/x-www-form-urlencoded",
    104: "the form field 'data' is missing",
    105: "'data' is not a JSON object",
    106: "an attribute name is not upper-case",
    107: "an attribute value is not a string",
    108: "EMAIL is missing or empty",
    109: "EMAIL is not a valid e-mail address",
    110: "listid is not an integer",
    302: "duplicate entry: the EMAIL already exists (addsync)",
    404: "no such path",
    405: "method is not POST",
}


class _Refused(Exception):
    def __init__(self, code: int, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


def _error(code: int, details: str, status: int = 200) -> Response:
    return Response.json(status, {"status": "error", "error_code": code, "details": details})


class Netcore(Platform):
    name = "netcore"
    prefix = "/netcore/apiv2"
    add_path = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._contacts: dict[str, dict[str, Any]] = {}  # lower-case EMAIL -> contact

    def contacts(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self._contacts.values()]

    def handle(self, request: Request) -> Response:
        if request.path not in ("", "/"):
            return _error(404, f"No such resource '{request.path}'", status=404)
        if request.method != "POST":
            return _error(405, f"Method {request.method} not allowed; use POST", status=405)
        if request.query.get("apikey", "") != self.credentials.get("api_key"):
            return Response.json(200, {"result": "Invalid API key"})
        if request.query.get("type") != "contact":
            return _error(101, "Invalid type: expected type=contact")
        activity = request.query.get("activity", "")
        if activity not in ("addsync", "add"):
            return _error(102, f"Invalid activity '{activity}': expected addsync or add")
        try:
            attributes, listid = self._parse(request)
        except _Refused as refused:
            if activity == "add":
                return self._success()  # async: only the key was checked; the request is dropped later
            return _error(refused.code, refused.details)
        key = attributes["EMAIL"].lower()
        existing = self._contacts.get(key)
        if existing is not None and activity == "addsync":
            return _error(302, f"Duplicate entry '{attributes['EMAIL']}' for key 'uniqid'")
        contact = dict(existing or {})
        contact.update(attributes)
        if listid is not None:
            contact["listid"] = listid
        self._contacts[key] = contact
        return self._success()

    def _success(self) -> Response:
        return Response.json(200, {"requestid": self.ids.hex32(), "result": "Success"})

    @staticmethod
    def _parse(request: Request) -> tuple[dict[str, str], int | None]:
        if request.content_type != "application/x-www-form-urlencoded":
            raise _Refused(103, "Content-Type must be application/x-www-form-urlencoded")
        try:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise _Refused(104, "Request body is not UTF-8 form data") from None
        if "data" not in form:
            raise _Refused(104, "Missing parameter 'data'")
        try:
            data = json.loads(form["data"][0])
        except ValueError:
            raise _Refused(105, "Parameter 'data' is not valid JSON") from None
        if not isinstance(data, dict):
            raise _Refused(105, "Parameter 'data' must be a JSON object")
        for name, value in data.items():
            if not ATTRIBUTE.match(name):
                raise _Refused(106, f"Invalid attribute name '{name}': attribute names are upper-case")
            if not isinstance(value, str):
                raise _Refused(107, f"Attribute '{name}' must be a string")
        email = data.get("EMAIL", "").strip()
        if not email:
            raise _Refused(108, "EMAIL is required")
        if not valid_email(email):
            raise _Refused(109, f"Invalid EMAIL '{email}'")
        listid: int | None = None
        if "listid" in form:
            raw = form["listid"][0].strip()
            if not re.fullmatch(r"\d+", raw):
                raise _Refused(110, f"Invalid listid '{raw}': expected an integer")
            listid = int(raw)
        return dict(data), listid

"""Simulated Aptania ``createContact`` (SPEC 2.3).

``POST {base}/createContact`` with a JSON object whose values are all strings (``contactAttr`` is a list of
``{"attrID", "attrValue"}`` string pairs). Aptania publishes no error table, so errors are plain HTTP:

- unknown path → 404 text; method other than POST → 405 text; Content-Type not application/json → 415 text
- body not a JSON object → 400 JSON ``{"status": "400", "error": "true", "message": "..."}``
- ``tokenUUID``/``userUUID`` missing or wrong → 401 text/plain
  "Unauthorized: tokenUUID and userUUID do not match an API user."
- any value not a string, an unknown parameter, a missing or invalid ``contactEmailaddress``, a missing or
  unknown ``contactProfileID``, a ``contactTagID`` that is not comma-separated digits, a malformed
  ``contactAttr``, a non-empty ``contactTelephone``/``contactMobile`` not in E.164 → 400 JSON (as above)
- an e-mail already stored (case-insensitive) → 200 ``{"exists": "true", "contactUUID": <existing>,
  "status": "200"}``, nothing changes; a new one → stored, ``exists`` "false" with a new UUID.

``GET {base}/event/getEvents?tokenUUID=…`` (public doc get_event.jsp) lists the account's events; it takes
the token only (no ``userUUID``). A known token → 200 ``{"event": {"eventID", "eventName", "eventDesc",
"eventType", "eventAttr": [{"attrID", "attrName"}]}, "status": "200"}``; a missing or unknown token → 401
text/plain "Unauthorized: tokenUUID does not match an API user."; another method → 405 text.

Successful answers alternate between strings (``"false"``, ``"200"``: odd answers) and native types
(``false``, ``200``: even answers). Known profile ids by default: "1", "2", "3".
"""

from __future__ import annotations

import re
from typing import Any

from core.sandbox.common import Platform, Request, Response, parse_json, valid_e164, valid_email

PARAMETERS = (
    "tokenUUID", "userUUID", "contactTitle", "contactFirstname", "contactLastname", "contactEmailaddress",
    "contactTelephone", "contactMobile", "contactJobRole", "contactProfileID", "contactTagID", "contactAttr",
)
TAG_IDS = re.compile(r"^\d+(,\d+)*$")
UNAUTHORIZED = "Unauthorized: tokenUUID and userUUID do not match an API user."
UNAUTHORIZED_TOKEN = "Unauthorized: tokenUUID does not match an API user."
EVENTS_PATH = "/event/getEvents"
EVENT = {
    "eventID": "1",
    "eventName": "Redirect",
    "eventDesc": "Redirect to Coffee Beans store",
    "eventType": "Click",
    "eventAttr": [
        {"attrID": "101", "attrName": "Coffee store name."},
        {"attrID": "102", "attrName": "Product code"},
        {"attrID": "103", "attrName": "Product value"},
    ],
}


def _bad(message: str) -> Response:
    return Response.json(400, {"status": "400", "error": "true", "message": message})


class Aptania(Platform):
    name = "aptania"
    prefix = "/aptania/services"
    add_path = "/createContact"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles: set[str] = {"1", "2", "3"}
        self._contacts: dict[str, dict[str, Any]] = {}  # lower-case e-mail -> contact
        self._answers = 0

    def contacts(self) -> list[dict[str, Any]]:
        return [
            {**c, "contactAttr": [dict(a) for a in c.get("contactAttr", [])]} for c in self._contacts.values()
        ]

    def handle(self, request: Request) -> Response:
        if request.path == EVENTS_PATH:
            return self._events(request)
        if request.path != self.add_path:
            return Response.text(404, f"Not Found: {request.path or '/'}")
        if request.method != "POST":
            return Response.text(405, f"Method Not Allowed: use POST, not {request.method}")
        if request.content_type != "application/json":
            return Response.text(415, "Unsupported Media Type: send application/json")
        ok, body = parse_json(request.body)
        if not ok or not isinstance(body, dict):
            return _bad("The request body must be a JSON object.")
        if (
            body.get("tokenUUID") != self.credentials.get("token_uuid")
            or body.get("userUUID") != self.credentials.get("user_uuid")
        ):
            return Response.text(401, UNAUTHORIZED)
        problem = self._check(body)
        if problem:
            return _bad(problem)
        email = body["contactEmailaddress"].strip()
        existing = self._contacts.get(email.lower())
        if existing is not None:
            return self._answer(exists=True, contact_uuid=existing["contactUUID"])
        contact: dict[str, Any] = {k: v for k, v in body.items() if k not in ("tokenUUID", "userUUID")}
        contact["contactUUID"] = self.ids.uuid()
        self._contacts[email.lower()] = contact
        return self._answer(exists=False, contact_uuid=contact["contactUUID"])

    def _events(self, request: Request) -> Response:
        if request.method != "GET":
            return Response.text(405, f"Method Not Allowed: use GET, not {request.method}")
        token = request.query.get("tokenUUID", "")
        if not token or token != self.credentials.get("token_uuid"):
            return Response.text(401, UNAUTHORIZED_TOKEN)
        return Response.json(200, {"event": EVENT, "status": "200"})

    def _answer(self, *, exists: bool, contact_uuid: str) -> Response:
        self._answers += 1
        if self._answers % 2 == 1:
            return Response.json(200, {"exists": "true" if exists else "false", "contactUUID": contact_uuid,
                                       "status": "200"})
        return Response.json(200, {"exists": exists, "contactUUID": contact_uuid, "status": 200})

    def _check(self, body: dict[str, Any]) -> str:
        """The first problem with the body, or ''."""
        for name, value in body.items():
            if name not in PARAMETERS:
                return f"Unknown parameter '{name}'."
            if name != "contactAttr" and not isinstance(value, str):
                return f"'{name}' must be a string."
        email = body.get("contactEmailaddress", "").strip()
        if not email:
            return "contactEmailaddress is required."
        if not valid_email(email):
            return f"contactEmailaddress '{email}' is not a valid e-mail address."
        profile = body.get("contactProfileID", "").strip()
        if not profile:
            return "contactProfileID is required."
        if profile not in self.profiles:
            return f"contactProfileID '{profile}' does not exist."
        tags = body.get("contactTagID", "")
        if tags and not TAG_IDS.match(tags):
            return f"contactTagID '{tags}' must be comma-separated numeric ids."
        for phone in ("contactTelephone", "contactMobile"):
            number = body.get(phone, "")
            if number and not valid_e164(number):
                return f"{phone} '{number}' must be an international number starting with +."
        attrs = body.get("contactAttr")
        if attrs is not None:
            if not isinstance(attrs, list):
                return "contactAttr must be a JSON array."
            for item in attrs:
                if not isinstance(item, dict) or set(item) != {"attrID", "attrValue"}:
                    return "Each contactAttr item must be an object with attrID and attrValue."
                if not isinstance(item["attrID"], str) or not isinstance(item["attrValue"], str):
                    return "contactAttr attrID and attrValue must be strings."
                if not item["attrID"].strip():
                    return "contactAttr attrID must not be empty."
        return ""

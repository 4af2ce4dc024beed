"""Simulated Octopush API v1 (SPEC 2.4).

``POST {base}/contact/create`` and ``GET {base}/wallet/check-balance``, authenticated by the ``api-key`` and
``api-login`` headers. Errors are ``{"code": N, "message": "..."}`` with an HTTP 4xx status; the codes:

- 100 (400) Content-Type is not application/json, or the body is not a JSON object
- 101 (401) ``api-key``/``api-login`` wrong
- 108 (400) the ``api-login`` header is missing or empty (legacy table: "login missing")
- 109 (400) the ``api-key`` header is missing or empty (legacy table: "password missing")
- 110 (400) ``contacts`` missing, not a list, or empty
- 117 (400) no contact carries a valid number (E.164 with ``+``)
- 125 (400) a parameter has the wrong type or is too long (the message names it): list_name > 30,
  tag_name > 20, a non-boolean auto_remove_blacklisted_numbers/do_not_overwrite, a contact that is not an
  object or whose name/param fields are not strings
- 305 (400) more than 200 contacts in the request ("too many contacts in the query"; the limit is settable
  with ``Sandbox.set_octopush_answers(max_contacts=N)`` to play a stricter account)
- 306 (404/405) unknown path or wrong method

Success: HTTP 201 ``{"items": [{"phone_number", "email", "status"}]}`` in request order, one item per contact
with a valid number (contacts with an invalid number are left out of ``items``, as the real API drops what it
cannot use). Status: ``added`` for a new number; ``updated`` for an existing one (its non-null fields
overwritten, list and tag added); ``skipped`` when it exists and ``do_not_overwrite`` is true, or when it is
blacklisted and ``auto_remove_blacklisted_numbers`` is true (blacklisted numbers are otherwise stored).
``email`` is always null (Octopush contacts carry none). Balance: ``{"amount": 250.0, "unit": "euros"}``.
No numbers are blacklisted by default.

Answer variations (``Sandbox.set_octopush_answers``), each a shape the documentation allows:

- ``echo``: how ``items[].phone_number`` writes the number back: ``"e164"`` (default, ``+33612345678``),
  ``"00"`` (``0033612345678``), ``"digits"`` (``33612345678``), ``"spaces"`` (``+33 6 12 34 56 78``) or
  ``"national"`` (``06 12 34 56 78``; countries whose national form drops a trunk ``0`` keep their digits).
- ``items=False``: a successful create answers 201 ``{"code": 0, "message": "success"}`` (the v1 success
  shape of the OTP pages) instead of ``items``; the contacts are stored all the same.
- ``max_contacts``: the per-request limit behind code 305.

``Sandbox.add_octopush_refused(number, status=400, code=…, message=…)`` makes every create request that
carries ``number`` fail as a whole with ``{"code", "message"}`` and nothing stored (one bad contact that
sinks its batch).
"""

from __future__ import annotations

from typing import Any

from core.sandbox.common import Platform, Request, Response, parse_json, valid_e164

MAX_CONTACTS = 200
TEXT_FIELDS = ("first_name", "last_name", "param1", "param2", "param3", "param4", "param5")
LIMITS = {"list_name": 30, "tag_name": 20}
FLAGS = ("auto_remove_blacklisted_numbers", "do_not_overwrite")
ECHOES = ("e164", "00", "digits", "spaces", "national")
# calling code -> national trunk prefix, for the "national" echo (longest code first when matching)
NATIONAL_PREFIX = {
    "33": "0", "90": "0", "44": "0", "32": "0", "49": "0", "31": "0", "34": "", "39": "", "1": "",
}


def _pairs(digits: str) -> str:
    """Digits in pairs from the end, a lone digit first: "612345678" -> "6 12 34 56 78"."""
    head = len(digits) % 2
    parts = [digits[:head]] if head else []
    parts += [digits[i:i + 2] for i in range(head, len(digits), 2)]
    return " ".join(parts)


def echo_number(number: str, echo: str) -> str:
    """``number`` (E.164) written the way ``echo`` says."""
    digits = number[1:]
    if echo == "00":
        return "00" + digits
    if echo == "digits":
        return digits
    code = next((c for c in sorted(NATIONAL_PREFIX, key=len, reverse=True) if digits.startswith(c)), "")
    if echo == "spaces" and code:
        return f"+{code} {_pairs(digits[len(code):])}"
    if echo == "national" and code:
        return _pairs(NATIONAL_PREFIX[code] + digits[len(code):]).strip()
    return number


def _error(status: int, code: int, message: str) -> Response:
    return Response.json(status, {"code": code, "message": message})


class Octopush(Platform):
    name = "octopush"
    prefix = "/octopush/v1/public"
    add_path = "/contact/create"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blacklist: set[str] = set()
        self.balance = 250.0
        self._contacts: dict[str, dict[str, Any]] = {}  # phone number -> contact
        self.echo = "e164"
        self.items = True
        self.max_contacts = MAX_CONTACTS
        self.refused: dict[str, tuple[int, int, str]] = {}  # number -> (HTTP status, code, message)

    def contacts(self) -> list[dict[str, Any]]:
        return [{**c, "lists": list(c["lists"]), "tags": list(c["tags"])} for c in self._contacts.values()]

    def unavailable(self) -> Response:
        return _error(503, 501, "Service temporarily unavailable, please try again later.")

    def too_many(self, retry_after: str) -> Response:
        return Response.json(429, {"code": 128, "message": "Too many attempts, please slow down."},
                             headers=(("Retry-After", retry_after),))

    def handle(self, request: Request) -> Response:
        routes = {"/contact/create": "POST", "/wallet/check-balance": "GET"}
        if request.path not in routes:
            return _error(404, 306, f"Unknown action: {request.path or '/'}")
        if request.method != routes[request.path]:
            return _error(405, 306, f"Method {request.method} not allowed here; use {routes[request.path]}.")
        if not request.headers.get("api-login", "").strip():
            return _error(400, 108, "Login missing: send the api-login header.")
        if not request.headers.get("api-key", "").strip():
            return _error(400, 109, "Password missing: send the api-key header.")
        if (
            request.headers.get("api-key") != self.credentials.get("api_key")
            or request.headers.get("api-login") != self.credentials.get("api_login")
        ):
            return _error(401, 101, "Incorrect login details: check the api-key and api-login headers.")
        if request.path == "/wallet/check-balance":
            return Response.json(200, {"amount": self.balance, "unit": "euros"})
        return self._create(request)

    def _create(self, request: Request) -> Response:
        if request.content_type != "application/json":
            return _error(400, 100, "The request body must be JSON (Content-Type: application/json).")
        ok, body = parse_json(request.body)
        if not ok or not isinstance(body, dict):
            return _error(400, 100, "The request body must be a JSON object.")
        contacts = body.get("contacts")
        if not isinstance(contacts, list) or not contacts:
            return _error(400, 110, "contacts is missing or empty.")
        if len(contacts) > self.max_contacts:
            return _error(
                400, 305, f"Too many contacts in the query: {len(contacts)} (at most {self.max_contacts})."
            )
        options: dict[str, Any] = {}
        for name, limit in LIMITS.items():
            value = body.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                return _error(400, 125, f"{name} must be a string.")
            if len(value) > limit:
                return _error(400, 125, f"{name} is longer than {limit} characters.")
            options[name] = value
        for name in FLAGS:
            value = body.get(name)
            if value is not None and not isinstance(value, bool):
                return _error(400, 125, f"{name} must be a boolean (true or false).")
            options[name] = bool(value)
        valid: list[dict[str, Any]] = []
        for index, contact in enumerate(contacts):
            if not isinstance(contact, dict):
                return _error(400, 125, f"contacts[{index}] must be an object.")
            for name in TEXT_FIELDS:
                if contact.get(name) is not None and not isinstance(contact[name], str):
                    return _error(400, 125, f"contacts[{index}].{name} must be a string.")
            number = contact.get("phone_number")
            if isinstance(number, str) and valid_e164(number):
                valid.append(contact)
        if not valid:
            return _error(400, 117, "No valid phone number: use the international format, e.g. +33611223344.")
        for contact in valid:
            refusal = self.refused.get(contact["phone_number"])
            if refusal is not None:
                return _error(*refusal)
        items = [self._store(contact, options) for contact in valid]
        if not self.items:
            return Response.json(201, {"code": 0, "message": "success"})
        for item in items:
            item["phone_number"] = echo_number(item["phone_number"], self.echo)
        return Response.json(201, {"items": items})

    def _store(self, contact: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        number: str = contact["phone_number"]
        existing = self._contacts.get(number)
        if number in self.blacklist and options["auto_remove_blacklisted_numbers"]:
            status = "skipped"
        elif existing is not None and options["do_not_overwrite"]:
            status = "skipped"
        else:
            status = "updated" if existing is not None else "added"
            stored = existing or {
                "phone_number": number, **dict.fromkeys(TEXT_FIELDS), "lists": [], "tags": []
            }
            for name in TEXT_FIELDS:
                if contact.get(name) is not None:
                    stored[name] = contact[name]
            for option, key in (("list_name", "lists"), ("tag_name", "tags")):
                value = options.get(option)
                if value and value not in stored[key]:
                    stored[key].append(value)
            self._contacts[number] = stored
        return {"phone_number": number, "email": None, "status": status}

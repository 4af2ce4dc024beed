"""Simulated İleti Merkezi JSON API (SPEC 2.2).

``POST {base}/add-contact/json``, ``/get-balance/json`` and ``/get-groups/json``, each with a JSON body
``{"request": {"authentication": {"key", "hash"}, ...}}``. get-groups answers the documented shape
``{"groups": {"group": [{"id", "name", "count", "children": {"child": [...]}}]}}`` (``children`` only on a
group that has sub-groups; ``count`` = contacts added to the group). Every answer is
``{"response": {"status": {"code": C, "message": "<Turkish>"}, ...}}`` with HTTP status == C. ``code`` is
sent as a number on odd-numbered answers and as a string on even-numbered ones (counting every answer of
this platform since the last reset), so clients must accept both; ids and counts in the payloads follow
the same alternation.

Checks, in order: path (404) → method POST (404) → Content-Type application/json and parsable JSON with a
``request`` object (400) → authentication (401) → for add-contact: ``contact`` an object whose name,
surname, email and gsm are strings when present (422; also a bad e-mail) → at least one of them filled (472)
→ gsm in E.164 with ``+`` (Turkish numbers must be +905XXXXXXXXX) (466) → ``groups.group.id`` a known
group (463) → every ``custom_fields.custom_field[].id`` a known custom field, values strings (473 / 422).

There is no duplicate check (none is documented): each successful add stores a new contact with a new id.

Defaults (change them through the Sandbox): groups 1001 "Müşteriler" (child 1002 "VIP Müşteriler") and
1003 "Bülten Aboneleri"; custom fields 1 "Doğum tarihi", 2 "Şehir", 3 "Müşteri no";
balance 125.50 TL / 4210 SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.sandbox.common import Platform, Request, Response, parse_json, valid_e164, valid_email

MESSAGES: dict[int, str] = {
    200: "İşlem başarılı",
    400: "İstek çözümlenemedi",
    401: "Üyelik bilgileri hatalı",
    404: "API istek yapılan yönteme sahip değil",
    422: "İstekteki değerler doğrulanamadı",
    429: "Çok fazla istek gönderildi, lütfen daha sonra tekrar deneyin",
    463: "Böyle bir grup bulunamadı.",
    466: "Geçersiz numara.",
    472: "Ad, soyad, cep telefonu, email alanlarından en az biri dolu olmalıdır.",
    473: "Özel alan bulunamadı.",
    503: "Sunucu geçici olarak hizmet veremiyor.",
}

ENDPOINTS = ("/add-contact/json", "/get-balance/json", "/get-groups/json")
CONTACT_FIELDS = ("name", "surname", "email", "gsm")


@dataclass
class Group:
    id: int
    name: str
    parent: int | None = None
    members: set[int] = field(default_factory=set)
    extra: int = 0  # contacts the group holds beyond those added through the sandbox (a configured count)


class _Refused(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _as_id(value: Any) -> int | None:
    """A numeric id given as a number or a digit string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class IletiMerkezi(Platform):
    name = "iletimerkezi"
    prefix = "/iletimerkezi/v1"
    add_path = "/add-contact/json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers = 0
        self._next_id = 5001
        self._contacts: list[dict[str, Any]] = []
        self.groups: dict[int, Group] = {}
        self.custom_fields: dict[int, str] = {}
        self.balance: tuple[str, int] = ("125.50", 4210)
        for group in (
            Group(1001, "Müşteriler"), Group(1002, "VIP Müşteriler", 1001), Group(1003, "Bülten Aboneleri")
        ):
            self.groups[group.id] = group
        self.custom_fields.update({1: "Doğum tarihi", 2: "Şehir", 3: "Müşteri no"})

    # ------------------------------------------------------------------ configuration
    def add_group(self, group_id: int, name: str, parent: int | None = None, count: int = 0) -> None:
        if parent is not None and parent not in self.groups:
            raise ValueError(f"unknown parent group {parent}")
        self.groups[group_id] = Group(group_id, name, parent, extra=count)

    def add_custom_field(self, field_id: int, name: str = "") -> None:
        self.custom_fields[field_id] = name or f"Alan {field_id}"

    def contacts(self) -> list[dict[str, Any]]:
        return [
            {**c, "custom_fields": [dict(f) for f in c["custom_fields"]], "groups": list(c["groups"])}
            for c in self._contacts
        ]

    # ------------------------------------------------------------------ answers
    def _native(self) -> bool:
        """Whether the next answer carries native numbers (odd answers) or strings (even answers)."""
        return (self._answers + 1) % 2 == 1

    def _answer(
        self, code: int, payload: dict[str, Any] | None = None, detail: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        message = MESSAGES.get(code, "Hata")
        if detail:
            message = f"{message} ({detail})"
        body: dict[str, Any] = {"status": {"code": code if self._native() else str(code), "message": message}}
        body.update(payload or {})
        self._answers += 1
        return Response.json(code, {"response": body}, headers=headers)

    def unavailable(self) -> Response:
        return self._answer(503)

    def too_many(self, retry_after: str) -> Response:
        return self._answer(429, headers=(("Retry-After", retry_after),))

    def handle(self, request: Request) -> Response:
        if request.path not in ENDPOINTS or request.method != "POST":
            return self._answer(404)
        try:
            if request.content_type != "application/json":
                raise _Refused(400, "Content-Type application/json olmalı")
            ok, document = parse_json(request.body)
            if not ok or not isinstance(document, dict) or not isinstance(document.get("request"), dict):
                raise _Refused(400)
            body: dict[str, Any] = document["request"]
            auth = body.get("authentication")
            if (
                not isinstance(auth, dict)
                or auth.get("key") != self.credentials.get("api_key")
                or auth.get("hash") != self.credentials.get("api_hash")
            ):
                raise _Refused(401)
            if request.path == "/get-balance/json":
                return self._balance()
            if request.path == "/get-groups/json":
                return self._groups()
            return self._add(body.get("contact"))
        except _Refused as refused:
            return self._answer(refused.code, detail=refused.detail)

    def _balance(self) -> Response:
        amount, sms = self.balance
        native = self._native()
        balance = {"amount": float(amount), "sms": sms} if native else {"amount": amount, "sms": str(sms)}
        return self._answer(200, {"balance": balance})

    def _groups(self) -> Response:
        """The documented shape (apidocs ``contacts/group-list/json``): ``groups.group[]`` of main groups,
        each ``{id, name, count, children: {child: [...]}}``; a child carries its own ``children`` when it
        has sub-groups (the docs show one level and leave deeper ones unspecified)."""
        native = self._native()

        def render(group: Group) -> dict[str, Any]:
            count = len(group.members) + group.extra
            out: dict[str, Any] = {
                "id": group.id if native else str(group.id),
                "name": group.name,
                "count": count if native else str(count),
            }
            children = [render(g) for g in self.groups.values() if g.parent == group.id]
            if children:
                out["children"] = {"child": children}
            return out

        main = [render(g) for g in self.groups.values() if g.parent is None]
        return self._answer(200, {"groups": {"group": main}})

    def _add(self, contact: Any) -> Response:
        if contact is None:
            raise _Refused(472)
        if not isinstance(contact, dict):
            raise _Refused(400, "contact bir nesne olmalı")
        values: dict[str, str] = {}
        for name in CONTACT_FIELDS:
            value = contact.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise _Refused(422, f"{name} metin olmalı")
            values[name] = value.strip()
        if not any(values.values()):
            raise _Refused(472)
        if values.get("email") and not valid_email(values["email"]):
            raise _Refused(422, f"email geçersiz: {values['email']}")
        if values.get("gsm") and not valid_e164(values["gsm"]):
            raise _Refused(466, values["gsm"])
        group_ids = self._group_ids(contact.get("groups"))
        custom = self._custom_fields(contact.get("custom_fields"))
        native = self._native()
        contact_id = self._next_id
        self._next_id += 1
        stored: dict[str, Any] = {
            "id": contact_id,
            **{name: values.get(name, "") for name in CONTACT_FIELDS},
            "custom_fields": custom,
            "groups": group_ids,
        }
        self._contacts.append(stored)
        for group_id in group_ids:
            self.groups[group_id].members.add(contact_id)
        echo = {
            "id": contact_id if native else str(contact_id),
            "name": stored["name"],
            "surname": stored["surname"],
            "gsm": stored["gsm"],
            "email": stored["email"],
            "custom_fields": [dict(f) for f in custom],
            "groups": list(group_ids),
        }
        return self._answer(200, {"contact": echo})

    def _group_ids(self, groups: Any) -> list[int]:
        if groups is None:
            return []
        if not isinstance(groups, dict) or not isinstance(groups.get("group"), dict):
            raise _Refused(400, "groups.group bir nesne olmalı")
        group_id = _as_id(groups["group"].get("id"))
        if group_id is None or group_id not in self.groups:
            raise _Refused(463)
        return [group_id]

    def _custom_fields(self, custom_fields: Any) -> list[dict[str, Any]]:
        if custom_fields is None:
            return []
        if not isinstance(custom_fields, dict) or not isinstance(custom_fields.get("custom_field"), list):
            raise _Refused(400, "custom_fields.custom_field bir liste olmalı")
        result: list[dict[str, Any]] = []
        for item in custom_fields["custom_field"]:
            if not isinstance(item, dict):
                raise _Refused(400, "custom_field öğeleri nesne olmalı")
            field_id = _as_id(item.get("id"))
            if field_id is None or field_id not in self.custom_fields:
                raise _Refused(473)
            value = item.get("value", "")
            if not isinstance(value, str):
                raise _Refused(422, f"custom_field {field_id} değeri metin olmalı")
            result.append({"id": field_id, "value": value})
        return result

"""Octopush API v1 ``contact/create`` (SPEC 2.4).

Up to 200 contacts per request, authenticated by the ``api-key`` and ``api-login`` headers. Success is
HTTP 201 with ``items`` whose ``status`` (added/updated/skipped) is matched back to rows by phone number;
errors are 4xx with ``{"code": N, "message": "..."}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from core import messages
from core.model import (
    CheckResult,
    Contact,
    Credentials,
    CredentialSpec,
    FieldKind,
    FieldSpec,
    Options,
    Outcome,
    ParsedResponse,
    ResponseKind,
    RowResult,
    WireRequest,
)
from core.providers.base import Provider, ResultMemo, json_body, load_json

BASE_URL = "https://api.octopush.com/v1/public"
BATCH = 200
AUTH_CODES = frozenset({"101"})  # wrong login details *(unconfirmed for v1)*
ITEM_STATUSES = {"added": "added", "updated": "updated", "skipped": "skipped"}
BOOL_OPTIONS = ("auto_remove_blacklisted_numbers", "do_not_overwrite")

_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("phone_number", "Mobile phone", FieldKind.PHONE, required=True),
    FieldSpec("first_name", "First name"),
    FieldSpec("last_name", "Last name"),
    *(FieldSpec(f"param{i}", f"Parameter {i}") for i in range(1, 6)),
    FieldSpec("list_name", "List name", option=True, max_length=30, help="Created if it does not exist."),
    FieldSpec("tag_name", "Tag", option=True, max_length=20),
    FieldSpec(
        "auto_remove_blacklisted_numbers", "Leave out blacklisted numbers", FieldKind.BOOLEAN, option=True
    ),
    FieldSpec(
        "do_not_overwrite",
        "Do not overwrite existing contacts",
        FieldKind.BOOLEAN,
        option=True,
        help="An existing number is skipped instead of overwritten.",
    ),
)


_NOT_DIGIT = re.compile(r"\D")
# codes whose sentence names the phone number column: the number is at fault
PHONE_CODES = frozenset({"117", "150", "151"})
PHONE = "phone_number"


def phone_key(number: str) -> str:
    """Digits only, to match the provider's echo of a number back to our row."""
    if not number:
        return ""
    digits = number[1:] if number[0] == "+" else number
    if digits.isascii() and digits.isdigit():  # E.164 as we send it: no regex needed
        return digits
    return _NOT_DIGIT.sub("", number)


def as_bool(value: str) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes", "on", "y"}


class Octopush(Provider):
    name = "octopush"
    title = "Octopush"
    batch_size = BATCH
    default_concurrency = 2
    default_region = "FR"
    identity_fields = ("phone_number",)
    has_credential_check = True
    reports_duplicates = True  # contact/create is an upsert: a re-sent number is updated, not doubled
    credential_fields: ClassVar[tuple[CredentialSpec, ...]] = (
        CredentialSpec("api_key", "API key", help="Octopush → API & integrations → API key."),
        CredentialSpec(
            "api_login", "Login e-mail", secret=False, help="The e-mail you sign in to Octopush with."
        ),
    )

    def fields(self) -> tuple[FieldSpec, ...]:
        return _FIELDS

    def default_base_url(self, creds: Credentials) -> str:
        return BASE_URL

    def _headers(self, creds: Credentials) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "api-key": creds.get("api_key", ""),
            "api-login": creds.get("api_login", ""),
        }

    def build_requests(
        self, contacts: Sequence[Contact], options: Options, creds: Credentials, base_url: str
    ) -> list[WireRequest]:
        url = f"{base_url.rstrip('/')}/contact/create"
        extra: dict[str, Any] = {}
        for opt in ("list_name", "tag_name"):
            if options.get(opt):
                extra[opt] = options[opt]
        for opt in BOOL_OPTIONS:
            if options.get(opt, "") != "":
                extra[opt] = as_bool(options[opt])
        out = []
        for start in range(0, len(contacts), BATCH):
            chunk = contacts[start : start + BATCH]
            body = {"contacts": [dict(c.fields) for c in chunk], **extra}
            out.append(
                WireRequest(
                    method="POST",
                    url=url,
                    headers=self._headers(creds),
                    body=json_body(body),
                    keys=tuple(c.key for c in chunk),
                    secrets=self.secret_values(creds),
                )
            )
        return out

    def _error(self, status: int, body: bytes) -> tuple[str, str]:
        data = load_json(body)
        if isinstance(data, dict) and data.get("code") is not None:
            return str(data.get("code")), str(data.get("message") or "")
        return str(status), body.decode("utf-8", "replace").strip()[:500]

    def parse_response(
        self,
        request: WireRequest,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        contacts: Mapping[int, Contact],
    ) -> ParsedResponse:
        data = load_json(body)
        if 200 <= status < 300 and isinstance(data, dict) and isinstance(data.get("items"), list):
            by_phone: dict[str, list[int]] = {}
            for key in request.keys:
                contact = contacts.get(key)
                phone = phone_key(contact.fields.get(PHONE, "")) if contact is not None else ""
                by_phone.setdefault(phone, []).append(key)
            memo = ResultMemo(self)  # 200 rows, a handful of distinct sentences
            results: dict[int, RowResult] = {}
            for item in data["items"]:
                if not isinstance(item, dict):
                    continue
                keys = by_phone.get(phone_key(str(item.get(PHONE, ""))))
                if not keys:
                    continue
                key = keys.pop(0)
                st = str(item.get("status", "")).lower()
                outcome = ITEM_STATUSES.get(st)
                if outcome is None:
                    results[key] = memo.result(
                        key, "failed", status, st or str(item), message_key="unknown_status"
                    )
                else:
                    results[key] = memo.result(key, outcome, status, st, message_key=outcome)
            for key in request.keys:
                if key not in results:
                    results[key] = memo.result(key, "failed", status, "", message_key="missing", field=PHONE)
            return ParsedResponse(results=tuple(results[k] for k in request.keys))
        transient = self.transient(status, headers, body)
        if transient is not None:
            return transient
        code, text = self._error(status, body)
        if code in AUTH_CODES or status == 401 or (status == 403 and code == "403"):
            return ParsedResponse(
                kind=ResponseKind.AUTH,
                code=code,
                raw_text=text,
                message=messages.describe(self.name, code, text),
            )
        memo = ResultMemo(self)
        field = PHONE if code in PHONE_CODES else ""
        return ParsedResponse(
            results=tuple(
                memo.result(k, "failed", code, text, field=field, status=str(status)) for k in request.keys
            )
        )

    def message_key(self, result: RowResult) -> str:
        # a row a 2xx answer left out was described as "missing" under the HTTP status as its code
        if result.outcome is Outcome.FAILED and result.field and result.code[:1] == "2":
            return "missing"
        return super().message_key(result)

    def credential_check_request(self, creds: Credentials, base_url: str) -> WireRequest:
        headers = self._headers(creds)
        headers.pop("Content-Type")
        return WireRequest(
            method="GET",
            url=f"{base_url.rstrip('/')}/wallet/check-balance",
            headers=headers,
            body=b"",
            secrets=self.secret_values(creds),
        )

    def parse_credential_check(self, status: int, body: bytes) -> CheckResult:
        data = load_json(body)
        if 200 <= status < 300 and isinstance(data, dict) and "amount" in data:
            return CheckResult(
                ok=True,
                message=messages.text(
                    self.name, "check_ok", amount=str(data.get("amount")), unit=str(data.get("unit", ""))
                ),
            )
        code, text = self._error(status, body)
        return CheckResult(ok=False, code=code, message=messages.describe(self.name, code, text))

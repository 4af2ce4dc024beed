"""Aptania ``createContact`` (SPEC 2.3).

One contact per request, a JSON body of strings carrying both credentials. The answer
``{"exists": "false", "contactUUID": "...", "status": "200"}`` may use strings or native types.
No error table is published: other answers are shown with their HTTP status and body text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from core import messages
from core.model import (
    Contact,
    Credentials,
    CredentialSpec,
    FieldKind,
    FieldSpec,
    Options,
    ParsedResponse,
    ResponseKind,
    WireRequest,
)
from core.providers.base import Provider, json_body, load_json

BASE_URL = "https://api.aptania.com/services"
ATTR = re.compile(r"^attr:(.+)$")

_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("contactTitle", "Title"),
    FieldSpec("contactFirstname", "First name"),
    FieldSpec("contactLastname", "Last name"),
    FieldSpec("contactEmailaddress", "E-mail", FieldKind.EMAIL, required=True),
    FieldSpec("contactTelephone", "Telephone", FieldKind.PHONE),
    FieldSpec("contactMobile", "Mobile phone", FieldKind.PHONE),
    FieldSpec("contactJobRole", "Job role"),
    FieldSpec(
        "contactProfileID", "Profile ID", required=True, help="The Aptania profile the contact belongs to."
    ),
    FieldSpec("contactTagID", "Tag IDs", FieldKind.ID_LIST, help="Comma-separated tag ids, e.g. 176,177."),
)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes"}


def _status(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


class Aptania(Provider):
    name = "aptania"
    title = "Aptania"
    batch_size = 1
    default_concurrency = 4
    default_region = "GB"
    identity_fields = ("contactEmailaddress",)
    has_credential_check = False
    reports_duplicates = True  # createContact answers exists=true for an e-mail it holds
    credential_fields: ClassVar[tuple[CredentialSpec, ...]] = (
        CredentialSpec("token_uuid", "API token (tokenUUID)", help="The API token Aptania gave you."),
        CredentialSpec("user_uuid", "User UUID (userUUID)", help="The user identifier Aptania gave you."),
    )

    def fields(self) -> tuple[FieldSpec, ...]:
        return _FIELDS

    def field(self, field_id: str) -> FieldSpec | None:
        known = super().field(field_id)
        if known is not None:
            return known
        m = ATTR.match(field_id)
        if m and m.group(1).strip():
            return FieldSpec(field_id, f"Attribute {m.group(1)}", dynamic=True)
        return None

    def field_hint(self) -> str:
        return "Aptania also takes attributes as attr:<attrID>."

    def default_base_url(self, creds: Credentials) -> str:
        return BASE_URL

    def build_requests(
        self, contacts: Sequence[Contact], options: Options, creds: Credentials, base_url: str
    ) -> list[WireRequest]:
        url = f"{base_url.rstrip('/')}/createContact"
        out = []
        for contact in contacts:
            body: dict[str, Any] = {
                "tokenUUID": creds.get("token_uuid", ""),
                "userUUID": creds.get("user_uuid", ""),
            }
            attrs: list[dict[str, str]] = []
            for fid, value in contact.fields.items():
                m = ATTR.match(fid)
                if m:
                    attrs.append({"attrID": m.group(1), "attrValue": str(value)})
                else:
                    body[fid] = str(value)
            if attrs:
                body["contactAttr"] = attrs
            out.append(
                WireRequest(
                    method="POST",
                    url=url,
                    headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
                    body=json_body(body),
                    keys=(contact.key,),
                    secrets=self.secret_values(creds),
                )
            )
        return out

    def parse_response(
        self,
        request: WireRequest,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        contacts: Mapping[int, Contact],
    ) -> ParsedResponse:
        (key,) = request.keys
        data = load_json(body)
        raw = body.decode("utf-8", "replace").strip()[:500]
        body_status = _status(data.get("status")) if isinstance(data, dict) else ""
        if 200 <= status < 300 and isinstance(data, dict) and body_status in {"200", "201", ""}:
            uuid = str(data.get("contactUUID") or "")
            code = body_status or str(status)
            if _truthy(data.get("exists", False)):
                return ParsedResponse(
                    results=(self.result(key, "exists", code, raw, uuid, message_key="exists"),)
                )
            if uuid or body_status:
                return ParsedResponse(
                    results=(self.result(key, "added", code, raw, uuid, message_key="added"),)
                )
        transient = self.transient(status, headers, body)
        if transient is not None:
            return transient
        text = raw
        if isinstance(data, dict):
            for name in ("message", "error", "errorMessage", "statusText", "details"):
                value = data.get(name)
                if value not in (None, "", True, False):
                    text = str(value)
                    break
        if status in (401, 403) or body_status in {"401", "403"}:
            shown = body_status if body_status in {"401", "403"} else str(status)
            return ParsedResponse(
                kind=ResponseKind.AUTH,
                code=shown,
                raw_text=text,
                message=messages.describe(self.name, "auth", text, status=shown),
            )
        code = body_status if body_status not in {"", "200"} else str(status)
        return ParsedResponse(results=(self.result(key, "failed", code, text, status=str(status)),))

"""Aptania ``createContact`` (SPEC 2.3).

One contact per request, a JSON body of strings carrying both credentials. The answer
``{"exists": "false", "contactUUID": "...", "status": "200"}`` may use strings or native types.
No error table is published: other answers are shown with their code (from the body when it has one, else
the HTTP status, and said to be which) and body text.

Token check: ``GET {base}/event/getEvents?tokenUUID=…`` (public doc get_event.jsp) is read-only and answers
``{"event": …, "status": "200"}`` for a valid token. It checks the token only: ``userUUID``, which Aptania
describes as "obtained through cookies placed on the user's device", is first checked by a createContact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from core import messages
from core.i18n import N_, _
from core.model import (
    CheckResult,
    Contact,
    Credentials,
    CredentialSpec,
    DynamicField,
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
    FieldSpec("contactTitle", N_("Title")),
    FieldSpec("contactFirstname", N_("First name")),
    FieldSpec("contactLastname", N_("Last name")),
    FieldSpec("contactEmailaddress", N_("E-mail"), FieldKind.EMAIL, required=True),
    FieldSpec("contactTelephone", N_("Telephone"), FieldKind.PHONE),
    FieldSpec("contactMobile", N_("Mobile phone"), FieldKind.PHONE),
    FieldSpec("contactJobRole", N_("Job role")),
    FieldSpec(
        "contactProfileID", N_("Profile ID"), required=True,
        help=N_("The Aptania profile the contact belongs to."),
    ),
    FieldSpec("contactTagID", N_("Tag IDs"), FieldKind.ID_LIST,
              help=N_("Comma-separated tag ids, e.g. 176,177.")),
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
    has_credential_check = True  # the token only (getEvents); userUUID is checked by the first contact
    check_fields = ("token_uuid",)
    reports_duplicates = True  # createContact answers exists=true for an e-mail it holds
    credential_fields: ClassVar[tuple[CredentialSpec, ...]] = (
        CredentialSpec("token_uuid", N_("API token (tokenUUID)"), help=N_("The API token Aptania gave you.")),
        CredentialSpec(
            "user_uuid",
            N_("User UUID (userUUID)"),
            help=N_("The user UUID Aptania gave your API user. Aptania's docs describe it as coming from a "
            "cookie on the user's device; ask Aptania support for the one to use for uploads."),
        ),
    )

    def fields(self) -> tuple[FieldSpec, ...]:
        return _FIELDS

    def field(self, field_id: str) -> FieldSpec | None:
        known = super().field(field_id)
        if known is not None:
            return known
        m = ATTR.match(field_id)
        if m and m.group(1).strip():
            return FieldSpec(field_id, f"Attribute {m.group(1)}", dynamic=True,
                             label_template=N_("Attribute {id}"), label_values=(("id", m.group(1)),))
        return None

    def dynamic_fields(self) -> tuple[DynamicField, ...]:
        return (
            DynamicField(
                "attr:<attrID>", ATTR.pattern, FieldKind.TEXT, N_("Attribute <attrID>"), "attr:7",
                N_("Sent in contactAttr as {attrID, attrValue}; the attrID comes from Aptania."),
            ),
        )

    def field_hint(self) -> str:
        return _("Aptania also takes attributes as attr:<attrID>.")

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
        if body_status not in {"", "200"}:  # a code from the body: never called an HTTP status
            failed = self.result(key, "failed", body_status, text, status=str(status))
            return ParsedResponse(results=(failed,))
        if not 200 <= status < 300:
            failed = self.result(key, "failed", status, text, message_key="http_status", status=str(status))
            return ParsedResponse(results=(failed,))
        # a 2xx answer that is neither a success nor carries a code: not "code 200"
        return ParsedResponse(results=(self.result(key, "failed", "", text, message_key="no_code"),))

    # ------------------------------------------------------------------ token check
    def credential_check_request(self, creds: Credentials, base_url: str) -> WireRequest:
        token = quote(creds.get("token_uuid", ""), safe="")
        return WireRequest(
            method="GET",
            url=f"{base_url.rstrip('/')}/event/getEvents?tokenUUID={token}",
            headers={"Accept": "application/json"},
            body=b"",
            secrets=self.secret_values(creds),
        )

    def parse_credential_check(self, status: int, body: bytes) -> CheckResult:
        data = load_json(body)
        body_status = _status(data.get("status")) if isinstance(data, dict) else ""
        if 200 <= status < 300 and isinstance(data, dict) and body_status in {"200", ""} and (
            body_status == "200" or "event" in data
        ):
            return CheckResult(ok=True, code="200", message=messages.text(self.name, "check_ok"))
        raw = body.decode("utf-8", "replace").strip()[:300]
        text = raw
        if isinstance(data, dict):
            text = str(data.get("message") or data.get("error") or raw)
        if status in (401, 403) or body_status in {"401", "403"}:
            shown = body_status if body_status in {"401", "403"} else str(status)
            refused = messages.describe(self.name, "check_refused", text, status=shown)
            return CheckResult(ok=False, code=shown, message=refused)
        if body_status not in {"", "200"}:
            return CheckResult(
                ok=False, code=body_status, message=messages.describe(self.name, body_status, text)
            )
        shown = "" if 200 <= status < 300 else str(status)
        key = "no_code" if not shown else "http_status"
        message = messages.describe(self.name, key, text, status=shown)
        return CheckResult(ok=False, code=shown, message=message)

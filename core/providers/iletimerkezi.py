"""İleti Merkezi JSON contact ("rehber") API (SPEC 2.2).

One contact per request: ``POST {base}/add-contact/json`` with the credentials inside the body. The
answer's ``response.status.code`` (a number or a string) decides; errors come with a matching HTTP
status and a Turkish message, so we branch on the code and parse the body on 4xx too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from core import messages
from core.errors import CredentialsRefused, ProviderError
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

BASE_URL = "https://api.iletimerkezi.com/v1"
CUSTOM_FIELD = re.compile(r"^custom_field:(\d+)$")
RETRY_CODES = frozenset({"503"})
AUTH_CODES = frozenset({"401"})

_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", N_("First name")),
    FieldSpec("surname", N_("Last name")),
    FieldSpec("email", N_("E-mail"), FieldKind.EMAIL),
    FieldSpec("gsm", N_("Mobile phone"), FieldKind.PHONE),
    FieldSpec(
        "group_id", N_("Group"), FieldKind.INTEGER, option=True,
        help=N_("Add the contact to this group (choose it by name, or give its id)."),
    ),
)


def _code(value: Any) -> str:
    """Normalise a status code that may arrive as 200, "200" or 200.0."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class IletiMerkezi(Provider):
    name = "iletimerkezi"
    title = "İleti Merkezi"
    batch_size = 1
    default_concurrency = 4
    default_region = "TR"
    identity_fields = ("gsm", "email")
    # İleti Merkezi refuses a contact with none of these (code 472); validation checks it before sending
    at_least_one_of: ClassVar[tuple[str, ...]] = ("name", "surname", "gsm", "email")
    has_credential_check = True
    # add-contact neither reports nor merges a contact it already holds: a re-send may list it twice
    reports_duplicates = False
    credential_fields: ClassVar[tuple[CredentialSpec, ...]] = (
        CredentialSpec("api_key", N_("API key"), help=N_("Panel → Settings → Security → API Access.")),
        CredentialSpec("api_hash", N_("API hash"),
                       help=N_("Shown beside the key in the panel; copy it as it is.")),
    )

    def fields(self) -> tuple[FieldSpec, ...]:
        return _FIELDS

    def field(self, field_id: str) -> FieldSpec | None:
        known = super().field(field_id)
        if known is not None:
            return known
        m = CUSTOM_FIELD.match(field_id)
        if m:
            return FieldSpec(field_id, f"Custom field {m.group(1)}", dynamic=True,
                             label_template=N_("Custom field {id}"), label_values=(("id", m.group(1)),))
        return None

    def dynamic_fields(self) -> tuple[DynamicField, ...]:
        return (
            DynamicField(
                "custom_field:<id>", CUSTOM_FIELD.pattern, FieldKind.TEXT, N_("Custom field <id>"),
                "custom_field:12",
                N_("The numeric id of a custom field defined in your İleti Merkezi panel."),
            ),
        )

    def field_hint(self) -> str:
        return _("İleti Merkezi also takes custom fields as custom_field:<id> (the id from your panel).")

    def default_base_url(self, creds: Credentials) -> str:
        return BASE_URL

    def _auth(self, creds: Credentials) -> dict[str, str]:
        return {"key": creds.get("api_key", ""), "hash": creds.get("api_hash", "")}

    def _request(
        self, url: str, payload: dict[str, Any], creds: Credentials, keys: tuple[int, ...]
    ) -> WireRequest:
        return WireRequest(
            method="POST",
            url=url,
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
            body=json_body({"request": payload}),
            keys=keys,
            secrets=self.secret_values(creds),
        )

    def build_requests(
        self, contacts: Sequence[Contact], options: Options, creds: Credentials, base_url: str
    ) -> list[WireRequest]:
        url = f"{base_url.rstrip('/')}/add-contact/json"
        out = []
        for contact in contacts:
            body: dict[str, Any] = {}
            custom: list[dict[str, str]] = []
            for fid, value in contact.fields.items():
                m = CUSTOM_FIELD.match(fid)
                if m:
                    custom.append({"id": m.group(1), "value": value})
                else:
                    body[fid] = value
            if custom:
                body["custom_fields"] = {"custom_field": custom}
            if options.get("group_id"):
                body["groups"] = {"group": {"id": str(options["group_id"])}}
            out.append(
                self._request(
                    url, {"authentication": self._auth(creds), "contact": body}, creds, (contact.key,)
                )
            )
        return out

    @staticmethod
    def _status(body: bytes) -> tuple[str, str, dict[str, Any]] | None:
        data = load_json(body)
        if not isinstance(data, dict):
            return None
        response = data.get("response")
        if not isinstance(response, dict):
            return None
        status = response.get("status")
        if not isinstance(status, dict):
            return None
        return _code(status.get("code")), str(status.get("message") or ""), response

    def parse_response(
        self,
        request: WireRequest,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        contacts: Mapping[int, Contact],
    ) -> ParsedResponse:
        (key,) = request.keys
        parsed = self._status(body)
        raw = body.decode("utf-8", "replace").strip()[:500]
        if parsed is None or parsed[0] == "":
            if status == 401:
                return self._auth_refused("401", raw)
            transient = self.transient(status, headers, body)
            if transient is not None:
                return transient
            shown = "" if 200 <= status < 300 else status  # no code in the body: not "code 200"
            return ParsedResponse(
                results=(
                    self.result(key, "failed", shown, raw, message_key="unreadable", status=str(status)),
                )
            )
        code, text, response = parsed
        if code == "200":
            contact = response.get("contact")
            contact_id = ""
            if isinstance(contact, dict) and contact.get("id") not in (None, ""):
                contact_id = _code(contact.get("id"))
            return ParsedResponse(results=(self.result(key, "added", code, text, contact_id),))
        if code in AUTH_CODES:
            return self._auth_refused(code, text)
        if code in RETRY_CODES or status == 429:
            transient = self.transient(503 if code in RETRY_CODES else status, headers, body)
            assert transient is not None
            return ParsedResponse(
                kind=ResponseKind.RETRY,
                retry_after=transient.retry_after,
                code=code,
                raw_text=text,
                message=messages.describe(self.name, code, text),
            )
        field = ""
        if code == "466":
            field = "gsm"
        elif code == "473":
            fields = contacts[key].fields if key in contacts else {}
            field = ",".join(f for f in fields if CUSTOM_FIELD.match(f)) or "custom_field"
        return ParsedResponse(results=(self.result(key, "failed", code, text, field=field),))

    def _auth_refused(self, code: str, text: str) -> ParsedResponse:
        return ParsedResponse(
            kind=ResponseKind.AUTH, code=code, raw_text=text, message=messages.describe(self.name, code, text)
        )

    # ------------------------------------------------------------------ checks and pickers
    def credential_check_request(self, creds: Credentials, base_url: str) -> WireRequest:
        return self._request(
            f"{base_url.rstrip('/')}/get-balance/json", {"authentication": self._auth(creds)}, creds, ()
        )

    def parse_credential_check(self, status: int, body: bytes) -> CheckResult:
        parsed = self._status(body)
        if parsed is None or parsed[0] == "":
            raw = body.decode("utf-8", "replace").strip()[:300]
            key = "401" if status == 401 else "unreadable"
            return CheckResult(
                ok=False,
                code="" if 200 <= status < 300 else str(status),  # no code in the body: not "code 200"
                message=messages.describe(self.name, key, raw, status=str(status)),
            )
        code, text, response = parsed
        if code == "200":
            balance = response.get("balance") if isinstance(response.get("balance"), dict) else {}
            assert isinstance(balance, dict)
            return CheckResult(
                ok=True,
                code=code,
                message=messages.text(
                    self.name,
                    "check_ok",
                    amount=str(balance.get("amount", "?")),
                    sms=str(balance.get("sms", "?")),
                ),
            )
        return CheckResult(ok=False, code=code, message=messages.describe(self.name, code, text))

    def groups_request(self, creds: Credentials, base_url: str) -> WireRequest:
        """``get-groups`` for a group picker (no side effects, like get-balance)."""
        return self._request(
            f"{base_url.rstrip('/')}/get-groups/json", {"authentication": self._auth(creds)}, creds, ()
        )

    def parse_groups(self, status: int, body: bytes) -> list[Group]:
        """Every group of the account, each main group followed by its sub-groups (depth first).

        Reads the documented shape ``groups.group[]`` with ``children.child[]`` (apidocs group-list), and
        also a plain ``groups[]`` / ``children[]`` list (SPEC 2.2's summary); a single object where a list
        is expected counts as a list of one; ids and counts may be numbers or strings. Raises
        CredentialsRefused for 401 and ProviderError with the readable sentence for any other refusal.
        """
        parsed = self._status(body)
        if parsed is None or parsed[0] == "":
            raw = body.decode("utf-8", "replace").strip()[:300]
            if status == 401:
                raise CredentialsRefused(messages.describe(self.name, "401", raw), "401", raw)
            raise ProviderError(messages.describe(self.name, "unreadable", raw, status=str(status)))
        code, text, response = parsed
        if code in AUTH_CODES:
            raise CredentialsRefused(messages.describe(self.name, code, text), code, text)
        if code != "200":
            raise ProviderError(messages.describe(self.name, code, text))
        out: list[Group] = []

        def items(value: Any, inner: str) -> list[Any]:
            if isinstance(value, dict) and inner in value:
                value = value[inner]
            if isinstance(value, dict):
                return [value]
            return value if isinstance(value, list) else []

        def walk(value: Any, inner: str, parent: str, depth: int) -> None:
            for g in items(value, inner):
                if not isinstance(g, dict) or g.get("id") in (None, ""):
                    continue
                group_id = _code(g.get("id"))
                count_s = _code(g.get("count"))
                count = int(count_s) if count_s.isdigit() else None
                out.append(Group(group_id, str(g.get("name") or ""), count, parent, depth))
                walk(g.get("children"), "child", group_id, depth + 1)

        walk(response.get("groups"), "group", "", 0)
        return out


@dataclass(frozen=True)
class Group:
    """One İleti Merkezi group: ``parent`` is the id of the group it belongs to ("" for a main group)."""

    id: str
    name: str
    count: int | None
    parent: str = ""
    depth: int = 0

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "count": self.count, "parent_id": self.parent or None}

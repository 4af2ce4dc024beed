"""Netcore Smartech / CE / CEE, apiv2 ``type=contact`` (SPEC 2.1).

One contact per request: ``POST {base}?type=contact&activity=addsync&apikey=KEY`` with a form body whose
``data`` field is a JSON *string* of upper-case attributes (``EMAIL`` is the primary key) and an optional
integer ``listid``. The outcome is decided from the body, never from the HTTP status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

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
from core.providers.base import Provider, load_json

REGIONS: dict[str, str] = {
    "us": "https://api.netcoresmartech.com/apiv2",
    "in": "https://apiin.netcoresmartech.com/apiv2",
    "eu": "https://jsonapi.eu-north-1.eu.netcoresmartech.com/apiv2",
}
ATTRIBUTE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
ACTIVITIES = ("addsync", "add")

_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("EMAIL", N_("E-mail"), FieldKind.EMAIL, required=True, help=N_("The contact's primary key.")),
    FieldSpec("NAME", N_("Name")),
    FieldSpec("FIRST_NAME", N_("First name")),
    FieldSpec("LAST_NAME", N_("Last name")),
    FieldSpec("MOBILE", N_("Mobile phone"), FieldKind.PHONE),
    FieldSpec("CITY", N_("City")),
    FieldSpec("CUSTOMER_ID", N_("Customer ID"), help=N_("Sent as text so leading zeros survive.")),
    FieldSpec("listid", N_("List ID"), FieldKind.INTEGER, option=True,
              help=N_("Add the contact to this list.")),
    FieldSpec(
        "activity",
        N_("Mode"),
        FieldKind.CHOICE,
        option=True,
        choices=ACTIVITIES,
        choice_labels=(("addsync", N_("Check and report duplicates (addsync)")),
                       ("add", N_("Fast, results not verified (add)"))),
        default="addsync",
        help=N_("addsync checks and reports duplicates; add is asynchronous (upsert) and only "
        "acknowledges the request (results are 'accepted, not verified')."),
    ),
)


def _activity(url: str) -> str:
    """The ``activity`` query parameter of a request URL (``addsync`` or ``add``)."""
    values = parse_qs(urlsplit(url).query).get("activity") or ["addsync"]
    return values[0]


class Netcore(Provider):
    name = "netcore"
    title = "Netcore Smartech / CEE"
    batch_size = 1
    default_concurrency = 8
    default_region = "IN"
    identity_fields = ("EMAIL",)
    has_credential_check = False
    reports_duplicates = True  # addsync answers 302 for a contact it holds; add is an upsert
    credential_fields: ClassVar[tuple[CredentialSpec, ...]] = (
        CredentialSpec(
            "api_key", N_("API key"), help=N_("Admin → Sub Admin → Edit your user (API Mode must be on).")
        ),
        CredentialSpec(
            "region",
            N_("Region (data centre)"),
            secret=False,
            choices=tuple(REGIONS),
            choice_labels=(("us", N_("United States (us)")), ("in", N_("India (in)")),
                           ("eu", N_("Europe (eu)"))),
            default="us",
            help=N_("us, in (India) or eu, as your panel address shows."),
        ),
    )

    def fields(self) -> tuple[FieldSpec, ...]:
        return _FIELDS

    def field(self, field_id: str) -> FieldSpec | None:
        known = super().field(field_id)
        if known is not None:
            return known
        if ATTRIBUTE.match(field_id):
            # the attribute's own name from the user's panel: a name, not a text to translate
            return FieldSpec(field_id, field_id.replace("_", " ").title(), dynamic=True, translate=False)
        return None

    def dynamic_fields(self) -> tuple[DynamicField, ...]:
        return (
            DynamicField(
                "<ATTRIBUTE>", ATTRIBUTE.pattern, FieldKind.TEXT, N_("<Attribute>"), "COUNTRY",
                N_("Any upper-case attribute name of your Netcore panel, sent as text in data."),
            ),
        )

    def field_hint(self) -> str:
        return _("Netcore takes any upper-case attribute name of your panel (EMAIL, NAME, MOBILE, CITY, …).")

    def default_base_url(self, creds: Credentials) -> str:
        region = (creds.get("region") or "us").lower()
        return REGIONS.get(region, REGIONS["us"])

    def build_requests(
        self, contacts: Sequence[Contact], options: Options, creds: Credentials, base_url: str
    ) -> list[WireRequest]:
        activity = options.get("activity") or "addsync"
        key = creds.get("api_key", "")
        query = urlencode({"type": "contact", "activity": activity, "apikey": key})
        url = f"{base_url.rstrip('/')}?{query}"
        requests = []
        for contact in contacts:
            form = {"data": json.dumps(dict(contact.fields), ensure_ascii=False)}
            if options.get("listid"):
                form["listid"] = str(options["listid"])
            requests.append(
                WireRequest(
                    method="POST",
                    url=url,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                    body=urlencode(form).encode("ascii"),
                    keys=(contact.key,),
                    secrets=(key,) if key else (),
                )
            )
        return requests

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
        if not isinstance(data, dict):
            transient = self.transient(status, headers, body)
            if transient is not None:
                return transient
            shown = "" if 200 <= status < 300 else status  # no code in the body: not "code 200"
            return ParsedResponse(
                results=(
                    self.result(key, "failed", shown, raw, message_key="unreadable", status=str(status)),
                )
            )
        result = str(data.get("result") or "")
        if result.lower() == "success" or str(data.get("status") or "").lower() == "success":
            request_id = str(data.get("requestid") or "")
            accepted = _activity(request.url) == "add"
            return ParsedResponse(
                results=(
                    self.result(
                        key,
                        "added",
                        status,
                        result,
                        request_id,
                        message_key="accepted" if accepted else "added",
                    ),
                )
            )
        if "invalid api key" in result.lower():
            return ParsedResponse(
                kind=ResponseKind.AUTH,
                code="invalid_key",
                raw_text=result,
                message=messages.describe(self.name, "invalid_key", result),
            )
        code = data.get("error_code")
        details = str(data.get("details") or data.get("message") or result or raw)
        if code is not None and str(code).strip() == "302":
            return ParsedResponse(results=(self.result(key, "exists", "302", details, field="EMAIL"),))
        transient = self.transient(status, headers, body)
        if transient is not None:
            return transient
        code_s = str(code).strip() if code is not None else ""
        if code_s:
            return ParsedResponse(results=(self.result(key, "failed", code_s, details),))
        # an error body without a code: name the HTTP status as such, or nothing for a 2xx (never "code 200")
        if 200 <= status < 300:
            return ParsedResponse(results=(self.result(key, "failed", "", details, message_key="no_code"),))
        failed = self.result(key, "failed", status, details, message_key="http_status", status=str(status))
        return ParsedResponse(results=(failed,))

    def parse_credential_check(self, status: int, body: bytes) -> CheckResult:
        return CheckResult(ok=False, available=False, message=messages.text(self.name, "no_check"))

"""Octopush API v1 ``contact/create`` (SPEC 2.4).

Up to 200 contacts per request, authenticated by the ``api-key`` and ``api-login`` headers. Success is
HTTP 201 with ``items`` whose ``status`` (added/updated/skipped) is matched back to rows by phone number;
errors are 4xx with ``{"code": N, "message": "..."}``.

- Items are matched on numbers normalised to E.164 against the batch's own numbers, so an echo written
  ``0033…``, ``33…``, with spaces or in national form (read in the countries of the batch's numbers) still
  finds its row.
- A 2xx answer without ``items`` (``{"code": 0, "message": "success"}``, the v1 success shape of the OTP
  pages) ends every row of the batch ``added`` with the "accepted, not verified" sentence: Octopush took the
  batch without reporting per contact. ``failed`` would be untrue (nothing was refused) and would invite a
  "retry failed" of contacts that are stored; ``added`` with a sentence that says it is unverified is what
  SPEC 2.1 does for Netcore's acknowledged-only ``add``.
- 101, 108 and 109 (wrong login, login missing, key missing) stop the job as a credential problem.
- A batch refused as a whole for a reason one contact may cause (an undocumented code, 100/125, the size
  limit 305, a 4xx without a code) is answered ``SPLIT``: the engine sends it again in halves, down to
  single contacts, so one bad contact cannot sink 199 good ones. Codes about the account, the credit, the
  list or the request rate (:data:`WHOLE_BATCH_CODES`) fail the rows at once: halves would fare no better.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from core import messages
from core.i18n import N_
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
# wrong login details, login missing, key ("password") missing *(unconfirmed for v1)*
AUTH_CODES = frozenset({"101", "108", "109"})
# refusals a smaller batch cannot cure: account, credit, list, rate and "no valid number at all" (117 comes
# only when no contact of the request has a usable number, so each half would get it again)
WHOLE_BATCH_CODES = frozenset(
    {"104", "105", "113", "114", "117", "128", "201", "207", "300", "301", "302", "303", "304", "306"}
)
SUCCESS_CODES = frozenset({"", "0", "000"})
ITEM_STATUSES = {"added": "added", "updated": "updated", "skipped": "skipped"}
BOOL_OPTIONS = ("auto_remove_blacklisted_numbers", "do_not_overwrite")

_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("phone_number", N_("Mobile phone"), FieldKind.PHONE, required=True),
    FieldSpec("first_name", N_("First name")),
    FieldSpec("last_name", N_("Last name")),
    *(FieldSpec(f"param{i}", f"Parameter {i}", label_template=N_("Parameter {n}"),
                label_values=(("n", str(i)),)) for i in range(1, 6)),
    FieldSpec("list_name", N_("List name"), option=True, max_length=30,
              help=N_("Created if it does not exist.")),
    FieldSpec("tag_name", N_("Tag"), option=True, max_length=20),
    FieldSpec(
        "auto_remove_blacklisted_numbers", N_("Leave out blacklisted numbers"), FieldKind.BOOLEAN, option=True
    ),
    FieldSpec(
        "do_not_overwrite",
        N_("Do not overwrite existing contacts"),
        FieldKind.BOOLEAN,
        option=True,
        help=N_("An existing number is skipped instead of overwritten."),
    ),
)


_NOT_DIGIT = re.compile(r"\D")
# codes whose sentence names the phone number column: the number is at fault
PHONE_CODES = frozenset({"117", "150", "151"})
PHONE = "phone_number"


def phone_key(number: str) -> str:
    """Digits only (our own E.164 numbers without their ``+``): the key a batch's rows are found by."""
    if not number:
        return ""
    digits = number[1:] if number[0] == "+" else number
    if digits.isascii() and digits.isdigit():  # E.164 as we send it: no regex needed
        return digits
    return _NOT_DIGIT.sub("", number)


def _regions(keys: Mapping[str, list[int]]) -> list[str]:
    """The countries of a batch's numbers (digit keys), to read an echo written in national form."""
    import phonenumbers

    found: dict[str, None] = {}
    for digits in keys:
        for size in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
            if regions:
                found.update(dict.fromkeys(r for r in regions if r != "001"))
                break
    return list(found)


class PhoneMatcher:
    """Finds the rows of a batch that an answer's ``phone_number`` echo stands for.

    Our numbers are E.164; the echo may be E.164, ``00`` + digits, digits with the country code but no
    ``+``, any of these with spaces or punctuation, or the national form (``06 12 34 56 78``), which is read
    in each country the batch's own numbers belong to until one of them gives a number of the batch.
    """

    def __init__(self, by_digits: dict[str, list[int]]) -> None:
        self.by_digits = by_digits
        self._regions: list[str] | None = None

    def take(self, echo: str) -> int | None:
        """The next unmatched row whose number ``echo`` stands for (None when none is left)."""
        for candidate in self._candidates(echo):
            keys = self.by_digits.get(candidate)
            if keys:
                return keys.pop(0)
        return None

    def _candidates(self, echo: str) -> Iterator[str]:
        raw = echo.strip()
        digits = phone_key(raw)
        if not digits:
            return
        yield digits  # "+33612345678", "33612345678", "+33 6 12 34 56 78"
        if raw.startswith("+"):
            return
        if digits.startswith("00"):
            yield digits[2:]  # "0033612345678"
            return
        import phonenumbers

        if self._regions is None:
            self._regions = _regions(self.by_digits)
        for region in self._regions:  # national form: "06 12 34 56 78"
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            yield phone_key(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


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
        CredentialSpec("api_key", N_("API key"), help=N_("Octopush → API & integrations → API key.")),
        CredentialSpec(
            "api_login", N_("Login e-mail"), secret=False, help=N_("The e-mail you sign in to Octopush with.")
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
        """(code from the body or "", the provider's text)."""
        data = load_json(body)
        if isinstance(data, dict) and data.get("code") is not None and str(data.get("code")).strip():
            return str(data.get("code")).strip(), str(data.get("message") or "")
        return "", body.decode("utf-8", "replace").strip()[:500]

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
            return self._items(request, status, data["items"], contacts)
        if 200 <= status < 300:
            code, text = self._error(status, body)
            if code in SUCCESS_CODES:
                # taken without a per-contact report: added, said to be unverified (see the module doc)
                memo = ResultMemo(self)
                shown = code or str(status)
                return ParsedResponse(
                    results=tuple(
                        memo.result(k, "added", shown, text, message_key="accepted") for k in request.keys
                    )
                )
        transient = self.transient(status, headers, body)
        if transient is not None:
            return transient
        code, text = self._error(status, body)
        if code in AUTH_CODES or status == 401 or (status == 403 and code in ("", "403")):
            shown = code or str(status)
            return ParsedResponse(
                kind=ResponseKind.AUTH,
                code=shown,
                raw_text=text,
                message=messages.describe(self.name, shown, text),
            )
        memo = ResultMemo(self)
        field = PHONE if code in PHONE_CODES else ""
        if code:
            results = tuple(
                memo.result(k, "failed", code, text, field=field, status=str(status)) for k in request.keys
            )
        else:  # no code in the body: the HTTP status is all there is, and the sentence says so
            results = tuple(
                memo.result(k, "failed", status, text, message_key="http_status", status=str(status))
                for k in request.keys
            )
        if len(request.keys) > 1 and code not in WHOLE_BATCH_CODES and 400 <= status < 500:
            first = results[0]
            return ParsedResponse(
                kind=ResponseKind.SPLIT,
                results=results,
                code=first.code,
                raw_text=text,
                message=first.message,
            )
        return ParsedResponse(results=results)

    def _items(
        self, request: WireRequest, status: int, items: list[Any], contacts: Mapping[int, Contact]
    ) -> ParsedResponse:
        by_digits: dict[str, list[int]] = {}
        for key in request.keys:
            contact = contacts.get(key)
            phone = phone_key(contact.fields.get(PHONE, "")) if contact is not None else ""
            by_digits.setdefault(phone, []).append(key)
        matcher = PhoneMatcher(by_digits)
        memo = ResultMemo(self)  # 200 rows, a handful of distinct sentences
        results: dict[int, RowResult] = {}
        for item in items:
            if not isinstance(item, dict):
                continue
            found = matcher.take(str(item.get(PHONE) or ""))
            if found is None:
                continue
            key = found
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
        if not code:
            return CheckResult(
                ok=False,
                code=str(status),
                message=messages.describe(self.name, "http_status", text, status=str(status)),
            )
        return CheckResult(ok=False, code=code, message=messages.describe(self.name, code, text))

"""The one small interface every provider implements.

A provider does no I/O: it describes its fields and credentials, builds :class:`WireRequest`
objects for a batch of contacts, and parses a response into one :class:`RowResult` per contact.
Sending is the job of :mod:`core.client` (one contact) and :mod:`core.engine` (a whole job), so the
same request and parsing code serves the form, the CLI, the dry-run preview and the upload engine.

Adding a fifth provider touches only a new module here, its entry in ``core.providers.PROVIDERS``
and its message table in ``resources/messages/``.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar

from core import messages
from core.model import (
    CheckResult,
    Contact,
    Credentials,
    CredentialSpec,
    DynamicField,
    FieldSpec,
    Options,
    Outcome,
    ParsedResponse,
    ResponseKind,
    RowResult,
    WireRequest,
)


class Provider(ABC):
    name: ClassVar[str]  # "netcore"
    title: ClassVar[str]  # "Netcore Smartech / CEE"
    batch_size: ClassVar[int] = 1  # contacts per request
    default_concurrency: ClassVar[int] = 4  # requests in flight at once
    default_region: ClassVar[str]  # ISO 3166 country used to parse phones without a prefix
    credential_fields: ClassVar[tuple[CredentialSpec, ...]]
    # fields whose normalised value identifies a contact for duplicate detection: first non-empty wins
    identity_fields: ClassVar[tuple[str, ...]]
    has_credential_check: ClassVar[bool] = False
    # the credentials the check sends (None: all of them), so that a test asks only for what it uses
    check_fields: ClassVar[tuple[str, ...] | None] = None
    # True when sending a contact the provider already holds cannot store it twice: it answers ``exists``
    # (a duplicate error) or merges it (an upsert). The engine then re-sends rows an interrupted run left
    # in flight without a warning; otherwise it flags such rows for the user to check.
    reports_duplicates: ClassVar[bool] = False

    # ------------------------------------------------------------------ description
    @abstractmethod
    def fields(self) -> tuple[FieldSpec, ...]:
        """The known contact fields and job options, in the order a form shows them."""

    def field(self, field_id: str) -> FieldSpec | None:
        """The spec of ``field_id``, resolving dynamic ids (e.g. ``custom_field:7``); None if unknown."""
        for spec in self.fields():
            if spec.id == field_id:
                return spec
        return None

    def field_hint(self) -> str:
        """One sentence on which field ids exist beyond the fixed list (for 'unknown field' errors)."""
        return ""

    def dynamic_fields(self) -> tuple[DynamicField, ...]:
        """The families of field ids beyond the fixed list (``custom_field:<id>`` …), structured."""
        return ()

    def contact_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields() if not f.option)

    def option_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields() if f.option)

    def secret_values(self, creds: Credentials) -> tuple[str, ...]:
        secret_ids = {c.id for c in self.credential_fields if c.secret}
        return tuple(v for k, v in creds.items() if k in secret_ids and v)

    # ------------------------------------------------------------------ wire
    @abstractmethod
    def default_base_url(self, creds: Credentials) -> str:
        """The production base URL (may depend on a setting such as Netcore's region)."""

    @abstractmethod
    def build_requests(
        self, contacts: Sequence[Contact], options: Options, creds: Credentials, base_url: str
    ) -> list[WireRequest]:
        """The request(s) that add ``contacts``; each request lists the contact keys it carries."""

    @abstractmethod
    def parse_response(
        self,
        request: WireRequest,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        contacts: Mapping[int, Contact],
    ) -> ParsedResponse:
        """Turn one HTTP answer into one result per contact of ``request`` (or RETRY / AUTH)."""

    def credential_check_request(self, creds: Credentials, base_url: str) -> WireRequest | None:
        """A side-effect-free request that proves the credentials work; None where there is none."""
        return None

    def parse_credential_check(self, status: int, body: bytes) -> CheckResult:
        return CheckResult(ok=False, available=False, message=messages.text(self.name, "no_check"))

    # ------------------------------------------------------------------ shared helpers
    def result(
        self,
        key: int,
        outcome: str,
        code: str | int = "",
        raw_text: str = "",
        contact_id: str = "",
        *,
        message_key: str | None = None,
        field: str = "",
        **params: str,
    ) -> RowResult:
        """A RowResult whose readable message comes from this provider's message table.

        ``code`` is what goes to the report: the provider's own code, else the HTTP status. The sentence
        is looked up under ``message_key`` when given (e.g. ``"added"``, ``"accepted"``), else under the
        code, else under the outcome. ``field`` names the field id(s) at fault (comma-separated); the
        sentence's ``{column}`` then names that field, and :meth:`describe_result` can name the user's
        column instead once the mapping is known.
        """
        code_s = "" if code is None else str(code)
        lookup = message_key or code_s or outcome
        if field:
            params = {**params, "column": column_phrase(field)}
        return RowResult(
            key=key,
            outcome=Outcome(outcome),
            code=code_s,
            raw_text=raw_text,
            message=messages.describe(self.name, lookup, raw_text, **params),
            contact_id=contact_id,
            field=field,
        )

    def message_key(self, result: RowResult) -> str:
        """The message-table key :meth:`result` looked ``result``'s sentence up under."""
        return result.code or str(result.outcome)

    def describe_result(self, result: RowResult, columns: Mapping[str, str]) -> str:
        """``result``'s readable message naming the user's column for its field at fault.

        ``columns`` maps field ids to the column headers they were read from (the job's mapping). A
        result without a field at fault keeps its message.
        """
        if not result.field:
            return result.message
        return messages.describe(
            self.name, self.message_key(result), result.raw_text, column=column_phrase(result.field, columns)
        )

    def transient(self, status: int, headers: Mapping[str, str], body: bytes) -> ParsedResponse | None:
        """RETRY for 429 and 5xx answers (honouring Retry-After); None otherwise."""
        if status == 429 or 500 <= status <= 599:
            retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
            raw = body.decode("utf-8", "replace")[:500]
            key = "http_429" if status == 429 else "http_5xx"
            return ParsedResponse(
                kind=ResponseKind.RETRY,
                retry_after=retry_after,
                code=str(status),
                raw_text=raw,
                message=messages.describe("network", key, raw, provider=self.title, status=str(status)),
            )
        return None


class ResultMemo:
    """Results of one answer that share outcome, code, text and field share one rendered message.

    A batch answer (Octopush's 200 contacts) mostly says the same thing for every row; rendering the
    sentence once per distinct result instead of once per row keeps parsing cheap on the event loop.
    """

    def __init__(self, provider: Provider) -> None:
        self._provider = provider
        self._made: dict[tuple[object, ...], RowResult] = {}

    def result(
        self,
        key: int,
        outcome: str,
        code: str | int = "",
        raw_text: str = "",
        *,
        message_key: str | None = None,
        field: str = "",
        **params: str,
    ) -> RowResult:
        memo_key: tuple[object, ...] = (outcome, code, raw_text, message_key, field)
        if params:
            memo_key += tuple(sorted(params.items()))
        proto = self._made.get(memo_key)
        if proto is None:
            proto = self._provider.result(
                key, outcome, code, raw_text, message_key=message_key, field=field, **params
            )
            self._made[memo_key] = proto
            return proto
        return RowResult(key, proto.outcome, proto.code, proto.raw_text, proto.message, "", proto.field)


def column_phrase(field: str, columns: Mapping[str, str] | None = None) -> str:
    """How a message names the field(s) at fault: the user's column when known, else the field id.

    ``column 'Cep Telefonu' (gsm)`` with a header for ``gsm`` in ``columns``, else ``the gsm field``.
    """
    phrases = []
    for field_id in (f.strip() for f in field.split(",")):
        if not field_id:
            continue
        header = (columns or {}).get(field_id, "").strip()
        if header:
            phrases.append(messages.text("columns", "column", header=header, field=field_id))
        else:
            phrases.append(messages.text("columns", "field", field=field_id))
    return ", ".join(phrases)


# a Retry-After is read as at most this many seconds (ten years): "inf" or 1e+20 mean "not for a long time",
# and a finite span keeps the "until" the user is told within the calendar
MAX_RETRY_AFTER = 10 * 365 * 86400.0


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date, at most MAX_RETRY_AFTER); None if
    absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return 0.0 if math.isnan(seconds) else min(max(0.0, seconds), MAX_RETRY_AFTER)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as _dt

    now = _dt.datetime.now(tz=when.tzinfo or _dt.UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


def json_body(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_json(body: bytes) -> object | None:
    """The decoded JSON body, or None when the body is not JSON."""
    try:
        data: object = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep to parse
        return None
    return data

"""The typed values that flow through Contact Uploader.

file → table → mapping → validated :class:`Contact` → provider :class:`WireRequest` →
:class:`ParsedResponse` with one :class:`RowResult` per contact → journal/report → screen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from core.i18n import _, pgettext

MASK = "••••••"


class Outcome(StrEnum):
    """How a row ended (or where it stands). ``READY`` exists only in a dry run."""

    PENDING = "pending"
    READY = "ready"
    ADDED = "added"
    UPDATED = "updated"
    EXISTS = "exists"
    SKIPPED = "skipped"
    INVALID = "invalid"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self is not Outcome.PENDING

    @property
    def is_success(self) -> bool:
        """True for outcomes that leave exit status 0."""
        return self in _SUCCESS


_SUCCESS = frozenset({Outcome.READY, Outcome.ADDED, Outcome.UPDATED, Outcome.EXISTS, Outcome.SKIPPED})


class FieldKind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ID_LIST = "id list"
    CHOICE = "choice"

    def text(self) -> str:
        """The kind as a user reads it, in the current language (the value itself is machine-readable)."""
        return _KIND_TEXTS[self]()


_KIND_TEXTS = {
    FieldKind.TEXT: lambda: pgettext("field kind", "text"),
    FieldKind.EMAIL: lambda: pgettext("field kind", "email"),
    FieldKind.PHONE: lambda: pgettext("field kind", "phone"),
    FieldKind.INTEGER: lambda: pgettext("field kind", "integer"),
    FieldKind.BOOLEAN: lambda: pgettext("field kind", "boolean"),
    FieldKind.ID_LIST: lambda: pgettext("field kind", "id list"),
    FieldKind.CHOICE: lambda: pgettext("field kind", "choice"),
}


def _choice(value: str, labels: tuple[tuple[str, str], ...]) -> str:
    for code, label in labels:
        if code == value:
            return _(label)
    return value


def _shown(text: str, template: str, values: tuple[tuple[str, str], ...]) -> str:
    """A label or help text in the current language: ``template`` (a msgid with {fields}) filled with
    ``values`` when given, else ``text`` translated (an empty text stays empty)."""
    if template:
        return _(template).format(**dict(values))
    return _(text) if text else ""


@dataclass(frozen=True)
class FieldSpec:
    """One field or option of a provider, named by the provider's own wire name.

    ``label`` and ``help`` are English (marked ``N_`` where defined): show them with :meth:`label_text` and
    :meth:`help_text`, which translate them into the current language. A label built around an id (a
    dynamic field, "Custom field 7") keeps its English in ``label`` and its msgid in ``label_template``
    (``N_("Custom field {id}")``) with ``label_values`` ((``"id"``, ``"7"``),); a label that is a name from
    the provider's account (a Netcore attribute) sets ``translate=False``. ``id`` and ``choices`` are wire
    values and never translated.
    """

    id: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int | None = None
    option: bool = False  # a per-job option (one value for every row), not a contact attribute
    choices: tuple[str, ...] = ()
    default: str | None = None
    help: str = ""
    dynamic: bool = False  # resolved from a pattern (Netcore attribute, custom_field:<id>, attr:<id>)
    label_template: str = ""
    label_values: tuple[tuple[str, str], ...] = ()
    translate: bool = True
    # (choice, how a list shows it, marked N_): "addsync" → "Check and report duplicates (addsync)"
    choice_labels: tuple[tuple[str, str], ...] = ()

    def choice_text(self, value: str) -> str:
        """How a list shows the choice ``value``, in the current language (the value itself when it has
        no display text); the value is what is stored and sent."""
        return _choice(value, self.choice_labels)

    def label_text(self) -> str:
        """The label in the current language."""
        if not self.translate:
            return self.label
        return _shown(self.label, self.label_template, self.label_values)

    def help_text(self) -> str:
        """The help text in the current language ("" when there is none)."""
        return _(self.help) if self.help else ""

    def kind_text(self) -> str:
        return self.kind.text()

    def to_json(self) -> dict[str, object]:
        # machine-readable (``providers --json``): English, whatever the language
        return {
            "id": self.id,
            "label": self.label,
            "kind": str(self.kind),
            "required": self.required,
            "max_length": self.max_length,
            "option": self.option,
            "choices": list(self.choices),
            "default": self.default,
            "help": self.help,
        }


@dataclass(frozen=True)
class DynamicField:
    """A family of field ids resolved from a pattern (``custom_field:<id>``, ``attr:<id>``, any upper-case
    Netcore attribute): what a script needs to build such an id and know how its value is treated."""

    pattern: str  # readable form, e.g. "custom_field:<id>"
    regex: str  # the full-match regular expression a field id must satisfy
    kind: FieldKind
    label: str  # readable label, "<id>" standing for the id part (English, marked N_)
    example: str
    help: str = ""

    def label_text(self) -> str:
        return _(self.label)

    def help_text(self) -> str:
        return _(self.help) if self.help else ""

    def to_json(self) -> dict[str, object]:
        return {
            "pattern": self.pattern,
            "regex": self.regex,
            "kind": str(self.kind),
            "label": self.label,
            "example": self.example,
            "option": False,
            "help": self.help,
        }


@dataclass(frozen=True)
class CredentialSpec:
    """One credential or account setting of a provider.

    Secrets live in the OS keyring; non-secret settings (region, login e-mail) in the settings file.
    The environment variable ``CONTACT_UPLOADER_<PROVIDER>_<ID>`` overrides either.
    """

    id: str
    label: str  # English, marked N_: shown with label_text()
    secret: bool = True
    choices: tuple[str, ...] = ()  # wire values (Netcore's region "us", "in", "eu"), never translated
    default: str | None = None
    help: str = ""  # English, marked N_: shown with help_text()
    # (choice, how a list shows it, marked N_): "in" → "India (in)"
    choice_labels: tuple[tuple[str, str], ...] = ()

    def choice_text(self, value: str) -> str:
        """How a list shows the choice ``value``, in the current language (the value itself when it has
        no display text); the value is what is stored and sent."""
        return _choice(value, self.choice_labels)

    def label_text(self) -> str:
        """The label in the current language."""
        return _(self.label)

    def help_text(self) -> str:
        """The help text in the current language ("" when there is none)."""
        return _(self.help) if self.help else ""

    def env_var(self, provider: str) -> str:
        return f"CONTACT_UPLOADER_{provider.upper()}_{self.id.upper()}"

    def to_json(self, provider: str) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "secret": self.secret,
            "choices": list(self.choices),
            "default": self.default,
            "env": self.env_var(provider),
            "help": self.help,
        }


# credential id -> value (secrets and non-secret settings alike)
Credentials = Mapping[str, str]
# option field id -> value, one value for the whole job
Options = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Contact:
    """A validated, normalised contact ready to send.

    ``key`` is the source row number as a spreadsheet program shows it (1 for a form entry).
    ``fields`` holds per-contact field values by provider field id; empty values are left out.
    Slotted: a job holds one per valid row (100 000 of them cost ~4 MB less than with a ``__dict__``).
    """

    key: int
    fields: Mapping[str, str]


@dataclass(frozen=True)
class WireRequest:
    """An HTTP request exactly as it goes on the wire, with the contacts it carries."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    keys: tuple[int, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:  # never show secrets, even in a debugger or a traceback
        r = self.redacted()
        return f"WireRequest({r.method} {r.url}, keys={r.keys})"

    def _mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, MASK)
                # a secret inside a URL or form body appears percent-encoded
                from urllib.parse import quote, quote_plus

                for enc in {quote(secret, safe=""), quote_plus(secret)}:
                    if enc != secret:
                        text = text.replace(enc, MASK)
                # and inside JSON with escapes
                dumped = json.dumps(secret)[1:-1]
                if dumped != secret:
                    text = text.replace(dumped, MASK)
        return text

    def redacted(self) -> WireRequest:
        """The same request with every secret replaced by a mask, safe to show or log."""
        return replace(
            self,
            url=self._mask(self.url),
            headers={k: self._mask(v) for k, v in self.headers.items()},
            body=self._mask(self.body.decode("utf-8", "replace")).encode("utf-8"),
            secrets=(),
        )

    def preview(self) -> str:
        """A readable text of the request, secrets masked, JSON bodies pretty-printed."""
        r = self.redacted()
        lines = [f"{r.method} {r.url}"]
        lines += [f"{k}: {v}" for k, v in r.headers.items()]
        text = r.body.decode("utf-8", "replace")
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            from urllib.parse import parse_qsl

            if "=" in text:
                pairs = parse_qsl(text, keep_blank_values=True)
                if pairs:
                    text = "\n".join(f"{k}={v}" for k, v in pairs)
        lines += ["", text]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RowResult:
    """How one contact ended, with the provider's raw code and text kept for support.

    Slotted, as the window keeps one per uploaded row; results of one answer share their strings.
    """

    key: int
    outcome: Outcome
    code: str = ""
    raw_text: str = ""
    message: str = ""
    contact_id: str = ""
    # the provider field id(s) at fault, comma-separated ("gsm"), so the message can name the user's column
    field: str = ""


class ResponseKind(StrEnum):
    DONE = "done"  # every row has a final outcome
    RETRY = "retry"  # a temporary problem: send the same request again later
    AUTH = "auth"  # credentials refused: stop the whole job
    # a batch refused as a whole for a reason one of its contacts may cause: send it again in halves, down to
    # single contacts; ``results`` are the rows' outcomes should the request carry one contact only
    SPLIT = "split"


@dataclass(frozen=True)
class ParsedResponse:
    results: tuple[RowResult, ...] = ()
    kind: ResponseKind = ResponseKind.DONE
    retry_after: float | None = None  # seconds, from Retry-After
    code: str = ""
    raw_text: str = ""
    message: str = ""  # readable reason for RETRY / AUTH


@dataclass(frozen=True)
class CheckResult:
    """The answer of a credential check ("Test connection")."""

    ok: bool
    message: str
    code: str = ""
    available: bool = True  # False: the provider offers no check; message says so

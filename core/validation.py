"""Validation and normalisation: mapped table rows (or form values) → :class:`Contact` objects.

Every value is trimmed; an empty value leaves the field out. Each field kind has one normaliser
(:func:`normalise`): e-mail syntax through ``email-validator`` without DNS (domain lower-cased), phones
through ``phonenumbers`` to E.164 with ``+`` and a default country, integers, booleans, id lists,
choices, and length limits. A value that fails makes the whole row ``invalid`` with a sentence naming
the row and the column; nothing of that row is sent. Rows the provider cannot take (a required field
empty, İleti Merkezi's "at least one of name, surname, gsm, e-mail") and duplicates on the provider's
identity (the first row is kept) are reported the same way.

Phones: a number is accepted when ``phonenumbers.is_valid_number`` says it is valid (not merely
"possible"), read first in the default country; digits without ``+`` that are not valid nationally but
are valid with a ``+`` in front (an Excel-stripped ``33611223344`` or ``905321234567``) are taken as
international. Scientific notation (``3.36112E+10``) lost digits and cannot be repaired.

Speed: 100 000 rows in well under the 3 s budget (see ``tests/benchmarks/bench_validation.py``): a strict
ASCII pre-check accepts ordinary e-mail addresses without calling ``email-validator``, and e-mail and
phone results are cached on (value, region).
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Protocol

from core import messages
from core.errors import UsageError
from core.i18n import _
from core.model import Contact, FieldKind, FieldSpec
from core.providers.base import Provider

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

__all__ = [
    "ContactCheck",
    "Duplicates",
    "InvalidValue",
    "Prepared",
    "Problem",
    "RowCheck",
    "RowChecker",
    "TableLike",
    "build_contact",
    "check_cell",
    "check_region",
    "normalise",
    "prepare",
]


class InvalidValue(Exception):
    """A value that cannot be sent; ``str()`` is one readable sentence about the value alone."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row (or a form entry) cannot be sent: the column and the reason as fields, and ``message``,
    the full sentence with its coordinates (nothing needs to parse it back)."""

    row: int
    column: str  # the header of the column (the field label for a form entry); "" if none
    field: str  # the provider field id
    message: str  # the whole sentence, in the current language: "Row 6, column 'Phone': …"
    reason: str = ""  # the reason alone, without the row and column ("'06 12' is not a valid …")
    cell: bool = False  # about the value of one cell (column ``column``), not the row as a whole

    @property
    def short(self) -> str:
        """The problem without its row (a grid shows the row already): "Phone: '06 12' is not a valid…" for a
        cell, the reason alone for the row; the whole message when no reason was given."""
        if not self.reason:
            return self.message
        if self.cell:
            return _("{column}: {reason}").format(column=self.column, reason=self.reason)
        return self.reason[:1].upper() + self.reason[1:]


@dataclass(slots=True)
class RowCheck:
    """The verdict for one source row: a contact ready to send, or the problems that stop it.

    Slotted, and a row without problems holds the empty tuple: :func:`prepare` makes one per table row.
    """

    key: int
    contact: Contact | None
    problems: Sequence[Problem] = ()

    @property
    def ok(self) -> bool:
        return self.contact is not None and not self.problems

    @property
    def message(self) -> str:
        """All problems of the row as one text (empty when the row is fine)."""
        return " ".join(p.message for p in self.problems)

    @property
    def short(self) -> str:
        """All problems of the row without the row's number (:attr:`Problem.short`)."""
        return " ".join(p.short for p in self.problems)


@dataclass
class ContactCheck:
    """The verdict for one form / ``add`` entry: the contact, the job options, the problems."""

    contact: Contact | None
    options: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.contact is not None and not self.problems


@dataclass
class Prepared:
    """The validated job: contacts to send (source order), one check per table row, the job options."""

    contacts: list[Contact]
    checks: list[RowCheck]
    options: dict[str, str]
    # the row check and the identities seen, to check an edited row again the same way (the window)
    checker: RowChecker | None = None
    duplicates: Duplicates | None = None

    @property
    def invalid(self) -> list[RowCheck]:
        return [c for c in self.checks if not c.ok]


class TableLike(Protocol):
    """What :func:`prepare` needs of :class:`core.reading.Table`."""

    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]


# ---------------------------------------------------------------------------------------------- values


def _show(value: str, limit: int = 60) -> str:
    """A value quoted for a message, shortened when long."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"'{value}'"


# A strict ASCII subset of valid addresses, accepted without calling email-validator. Everything else
# (Unicode, quoted parts, odd domains) goes through email-validator, which has the final word.
_FAST_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
# distinct values each per-value cache keeps: emptying it at the end of a check is one C call (~4 ms of
# held GIL at this size, ~20 ms at 65 536), and a file's repeats are mostly near each other
CACHE_SIZE: Final = 16384
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


@lru_cache(maxsize=CACHE_SIZE)
def _email(value: str) -> tuple[str, str]:
    """(normalised, "") or ("", reason)."""
    m = _FAST_EMAIL.fullmatch(value)
    if m is not None:
        domain = m.group(1)
        at = m.start(1) - 1
        if (
            at <= 64
            and len(value) <= 254
            and "--" not in domain
            and domain.rsplit(".", 1)[-1].lower() not in _SPECIAL_USE
        ):
            return value[:at] + "@" + domain.lower(), ""
    from email_validator import EmailNotValidError, validate_email

    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return "", str(exc)
    local, _at, domain = info.normalized.rpartition("@")
    return f"{local}@{domain.lower()}", ""


def _normalise_email(spec: FieldSpec, value: str, region: str) -> str:
    result, _reason = _email(value)
    if not result:
        raise InvalidValue(_("{value} is not a valid e-mail address.").format(value=_show(value)))
    return result


_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_EXCEL_FLOAT = re.compile(r"(\d+)[.,]0+")
_LETTERS = re.compile(r"[^\W\d_]")


_FAST_SEPARATORS = re.compile(r"[ ().\-/\u00a0\t]+")


@lru_cache(maxsize=512)
def _desc_checker(country_code: int) -> Callable[[str], bool] | None:
    """A fast equivalent of ``phonenumbers.is_valid_number`` for one country calling code.

    It applies the same metadata the same way (general description, then each number type, with
    their possible lengths; for shared calling codes the first region whose leading digits or
    patterns fit), with the patterns compiled once. Per region and per length, the number-type
    patterns are joined into one expression, so a number costs one or two regular-expression matches.
    """
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return None
    per_region: list[tuple[re.Pattern[str] | None, dict[int, re.Pattern[str]]]] = []
    for region in regions:
        md = PhoneMetadata.metadata_for_region(region, None)
        if md is None:
            continue
        general = md.general_desc
        if general is None or not general.national_number_pattern:
            return None
        general_lengths = set(general.possible_length or ())
        by_length: dict[int, list[str]] = {}
        for name in _NUMBER_TYPES:
            desc = getattr(md, name, None)
            pattern = getattr(desc, "national_number_pattern", None)
            if not pattern:
                continue
            lengths = set(getattr(desc, "possible_length", None) or ()) or general_lengths
            for n in lengths:
                by_length.setdefault(n, []).append(pattern)
        compiled: dict[int, re.Pattern[str]] = {}
        for n, patterns in by_length.items():
            if general_lengths and n not in general_lengths:
                continue
            # a number is valid when it fits the general description and one of the types
            types = "|".join(f"(?:{p})" for p in patterns)
            compiled[n] = re.compile(f"(?=(?:{general.national_number_pattern})$)(?:{types})")
        leading = re.compile(md.leading_digits) if md.leading_digits else None
        per_region.append((leading, compiled))

    def check(nat: str) -> bool:
        n = len(nat)
        for leading, compiled in per_region:
            pattern = compiled.get(n)
            if leading is not None:
                if leading.match(nat):
                    return pattern is not None and pattern.fullmatch(nat) is not None
            elif pattern is not None and pattern.fullmatch(nat) is not None:
                return True
        return False

    return check


_NUMBER_TYPES = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
    "pager", "uan", "voicemail", "fixed_line", "mobile",
)


def _prefix_pattern(md: object) -> re.Pattern[str] | None:
    """The compiled national prefix for parsing; raises LookupError when the fast path cannot mirror it."""
    if getattr(md, "national_prefix_transform_rule", None):
        raise LookupError("transform rule")
    pattern = getattr(md, "national_prefix_for_parsing", None)
    if not pattern:
        return None
    compiled = re.compile(pattern)
    if compiled.groups:
        raise LookupError("carrier code")
    return compiled


@lru_cache(maxsize=256)
def _region_parsing(region: str) -> tuple[int, re.Pattern[str] | None] | None:
    """(country code, national prefix pattern) when numbers of ``region`` can take the fast path."""
    from phonenumbers.phonemetadata import PhoneMetadata

    md = PhoneMetadata.metadata_for_region(region, None)
    if md is None or md.country_code is None or md.international_prefix != "00":
        return None
    try:
        return md.country_code, _prefix_pattern(md)
    except LookupError:
        return None


@lru_cache(maxsize=512)
def _international_parsing(country_code: int) -> tuple[Callable[[str], bool], re.Pattern[str] | None] | None:
    """(validity check, national prefix pattern of the code's main region) for the fast path."""
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    check = _desc_checker(country_code)
    if not regions or check is None:
        return None
    try:
        return check, _prefix_pattern(PhoneMetadata.metadata_for_region(regions[0], None))
    except LookupError:
        return None


@lru_cache(maxsize=1)
def _calling_codes() -> frozenset[int]:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    return frozenset(COUNTRY_CODE_TO_REGION_CODE)


def _fast_international(intl: str) -> str | None:
    if intl[:1] in ("", "0"):
        return None
    codes = _calling_codes()
    for size in (1, 2, 3):
        code = int(intl[:size])
        if code in codes:
            nat = intl[size:]
            parsing = _international_parsing(code)
            if not nat or nat[0] == "0" or parsing is None:
                return None
            check, prefix = parsing
            if prefix is not None and prefix.match(nat):
                return None  # phonenumbers may strip a national prefix here: leave it to phonenumbers
            return f"+{code}{nat}" if check(nat) else None
    return None


def _fast_phone(value: str, region: str) -> str | None:
    """E.164 for an ordinary, valid number written in digits; None means "ask phonenumbers".

    Gives the same answer as the phonenumbers path of :func:`_phone` for every number it accepts
    (tests/core/test_validation.py compares the two on random numbers).
    """
    parsing = _region_parsing(region)
    if parsing is None:
        return None
    digits = _FAST_SEPARATORS.sub("", value)
    plus = digits.startswith("+")
    if plus:
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    if plus:
        return _fast_international(digits)
    if digits.startswith("00"):
        return _fast_international(digits[2:])
    code, prefix = parsing
    m = prefix.match(digits) if prefix is not None else None
    nat = digits[m.end() :] if m else digits
    if not nat or nat[0] == "0":
        return None
    check = _desc_checker(code)
    if check is None:
        return None
    if check(nat):
        return f"+{code}{nat}"
    if m is None and digits == value:
        return _fast_international(digits)  # bare digits: an international number whose '+' was lost
    return None


def _phone(value: str, region: str) -> tuple[str, str]:
    """(E.164, "") or ("", message in the current language)."""
    return _phone_in(value, region, messages.language())


@lru_cache(maxsize=CACHE_SIZE)
def _phone_in(value: str, region: str, lang: str) -> tuple[str, str]:
    fast = _fast_phone(value, region)
    if fast is not None:
        return fast, ""
    return _slow_phone(value, region)


def _slow_phone(value: str, region: str) -> tuple[str, str]:
    import phonenumbers

    if _SCIENTIFIC.fullmatch(value):
        return "", _(
            "{value} was turned into a number by Excel, which dropped its last digits; "
            "format the column as text in the spreadsheet and type the numbers again."
        ).format(value=_show(value))
    m = _EXCEL_FLOAT.fullmatch(value)
    text = m.group(1) if m else value
    if _LETTERS.search(text) is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""
        if text.isascii() and text.isdigit() and text[0] != "0":
            # Bare digits that are not a number of the default country: an international number
            # whose '+' was lost, typically when Excel stored it as a number (33611223344).
            try:
                number = phonenumbers.parse("+" + text, None)
            except phonenumbers.NumberParseException:
                number = None
            if number is not None and phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""
    international = _international_problem(value, text)
    if international:
        return "", international
    elsewhere = _national_elsewhere(value, text, region)
    if elsewhere:
        return "", elsewhere
    return "", _(
        "{value} is not a valid phone number "
        "(numbers without a country code are read as {region}; write it as +<country code> <number>)."
    ).format(value=_show(value), region=region)


_DIAL_MARKS = re.compile(r"[\s().\-/]")
# The countries a number written without its country code is tried in when it is not one of the default
# country: those of the four providers (Türkiye, France, United Kingdom, India) and of the program's
# languages (Spain). Only a number valid in exactly one of them is said to be that country's.
OTHER_REGIONS = ("TR", "FR", "GB", "IN", "ES")


def _national_elsewhere(value: str, text: str, region: str) -> str:
    """When ``text`` (no country code, not valid in ``region``) is a valid number of exactly one of
    :data:`OTHER_REGIONS`, the sentence that says so, in the user's language; else ""."""
    import phonenumbers

    if _LETTERS.search(text) is not None or _DIAL_MARKS.sub("", text).startswith(("+", "00")):
        return ""
    found = []
    for other in OTHER_REGIONS:
        if other == region.upper():
            continue
        try:
            number = phonenumbers.parse(text, other)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            found.append((other, number))
    if len(found) != 1:
        return ""
    other, number = found[0]
    lang = messages.language()
    fixed = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return messages.text("phone", "national_elsewhere", lang=lang, value=_show(value), region=region,
                         country=_country_name(number, lang), cc=str(number.country_code), fixed=fixed,
                         other=other)


def _international_problem(value: str, text: str) -> str:
    """What is wrong with a number written with its country code (``+52 1 55 …``, ``0090 532 …``), in
    the user's language; "" when it is not written with one (the default country applies then)."""
    import phonenumbers
    from phonenumbers import ValidationResult as Result

    compact = _DIAL_MARKS.sub("", text)
    if compact.startswith("00") and compact[2:3] not in ("", "0"):
        compact = "+" + compact[2:]  # 0090 …: the international prefix dialled from Europe
    if not compact.startswith("+") or not compact[1:].isdigit():
        return ""
    lang = messages.language()
    shown = _show(value)
    try:
        number = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            return messages.text("phone", "unknown_country_code", lang=lang, value=shown)
        return ""
    cc = number.country_code
    digits = compact[1 + len(str(cc)):]
    params = {"value": shown, "cc": str(cc), "country": _country_name(number, lang)}
    # Mexico's old mobile form: "+52 1" then ten digits, which Mexico dropped in 2019.
    if cc == 52 and digits.startswith("1") and len(digits) == 11:
        shorter = phonenumbers.parse(f"+52{digits[1:]}", None)
        if phonenumbers.is_valid_number(shorter):
            fixed = phonenumbers.format_number(shorter, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            return messages.text("phone", "mexico_mobile_one", lang=lang, fixed=fixed, **params)
    reason = phonenumbers.is_possible_number_with_reason(number)
    key = {
        Result.TOO_LONG: "too_long",
        Result.TOO_SHORT: "too_short",
        Result.INVALID_LENGTH: "wrong_length",
        Result.INVALID_COUNTRY_CODE: "unknown_country_code",
    }.get(reason, "not_valid")
    return messages.text("phone", key, lang=lang, **params)


def _country_name(number: PhoneNumber, lang: str) -> str:
    """The country of a calling code in ``lang`` (the main one for a shared code: +1 → United States),
    from ``resources/countries.json`` (phonenumbers' own geocoder would load 20 MB of data)."""
    import phonenumbers

    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code or 0)
    names = _country_names()
    return names.get(lang, {}).get(region) or names.get("en", {}).get(region) or region


@lru_cache(maxsize=1)
def _country_names() -> dict[str, dict[str, str]]:
    import json

    from core.resources import resource_path

    data = json.loads(resource_path("countries.json").read_text(encoding="utf-8"))
    return {lang: names for lang, names in data.items() if isinstance(names, dict)}


def _normalise_phone(spec: FieldSpec, value: str, region: str) -> str:
    result, message = _phone(value, region)
    if not result:
        raise InvalidValue(message)
    return result


_INTEGER = re.compile(r"[+-]?\d+")


def _normalise_integer(spec: FieldSpec, value: str, region: str) -> str:
    m = _EXCEL_FLOAT.fullmatch(value)  # 12.0 from a number cell
    if m:
        value = m.group(1)
    if not _INTEGER.fullmatch(value):
        raise InvalidValue(_("{value} is not a whole number.").format(value=_show(value)))
    return str(int(value))


_TRUE = frozenset({"true", "yes", "y", "1", "on", "evet", "e", "oui", "vrai", "si", "sí", "x", "✓"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "hayır", "hayir", "h", "non", "faux", ""})


def _normalise_boolean(spec: FieldSpec, value: str, region: str) -> str:
    v = value.casefold()
    if v in _TRUE:
        return "true"
    if v in _FALSE:
        return "false"
    raise InvalidValue(
        _("{value} is not yes or no (write true/false, yes/no or 1/0).").format(value=_show(value)))


_ID_SPLIT = re.compile(r"[\s,;|]+")
_ID = re.compile(r"[A-Za-z0-9_-]+")


def _normalise_id_list(spec: FieldSpec, value: str, region: str) -> str:
    ids = [p for p in _ID_SPLIT.split(value) if p]
    cleaned = []
    for part in ids:
        m = _EXCEL_FLOAT.fullmatch(part)
        part = m.group(1) if m else part
        if not _ID.fullmatch(part):
            raise InvalidValue(
                _("{value} is not a list of ids; write the ids separated by commas, e.g. 176,177.").format(
                    value=_show(value))
            )
        cleaned.append(part)
    return ",".join(cleaned)


def _normalise_choice(spec: FieldSpec, value: str, region: str) -> str:
    v = value.casefold()
    for choice in spec.choices:
        if choice.casefold() == v:
            return choice
    raise InvalidValue(_("{value} is not one of: {choices}.").format(value=_show(value),
                                                                   choices=", ".join(spec.choices)))


def _normalise_text(spec: FieldSpec, value: str, region: str) -> str:
    return value


_NORMALISERS: dict[FieldKind, Callable[[FieldSpec, str, str], str]] = {
    FieldKind.TEXT: _normalise_text,
    FieldKind.EMAIL: _normalise_email,
    FieldKind.PHONE: _normalise_phone,
    FieldKind.INTEGER: _normalise_integer,
    FieldKind.BOOLEAN: _normalise_boolean,
    FieldKind.ID_LIST: _normalise_id_list,
    FieldKind.CHOICE: _normalise_choice,
}


def _too_long(value: str, limit: int) -> str:
    return _("{value} has {count} characters; at most {limit} are allowed.").format(
        value=_show(value), count=len(value), limit=limit)


def normalise(spec: FieldSpec, value: str, region: str) -> str:
    """The value as it is sent, or :class:`InvalidValue` with a sentence about the value.

    ``value`` is trimmed first; an empty value returns ``""`` (the caller leaves the field out).
    ``region`` is the ISO country used for phone numbers written without a country code.
    """
    value = value.strip()
    if not value:
        return ""
    result = _NORMALISERS.get(spec.kind, _normalise_text)(spec, value, region.upper())
    if spec.max_length is not None and len(result) > spec.max_length:
        raise InvalidValue(
            _too_long(result, spec.max_length)
        )
    return result


def check_region(region: str | None, provider: Provider) -> str:
    """The phone country to use: ``region`` (validated) or the provider's default."""
    if region is None or not region.strip():
        return provider.default_region
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise UsageError(
            _("'{region}' is not a country code phones can be read with; use a two-letter code such as "
              "TR, FR, GB, IN or US.").format(region=region)
        )
    return code


# ---------------------------------------------------------------------------------------------- rules


def _at_least_one(provider: Provider) -> tuple[str, ...]:
    """Fields of which the provider needs at least one (İleti Merkezi's 472 rule), if it declares any."""
    declared = getattr(provider, "at_least_one_of", ())
    return tuple(declared) if isinstance(declared, tuple | list) else ()


def _what(spec: FieldSpec) -> str:
    if spec.kind is FieldKind.EMAIL:
        return _("an e-mail address")
    if spec.kind is FieldKind.PHONE:
        return _("a valid mobile number") if "mobile" in spec.label.lower() else _("a valid phone number")
    return _("a {label} ({field})").format(label=spec.label_text(), field=spec.id)


def _required_message(provider: Provider, spec: FieldSpec, where: str) -> str:
    return _("{provider} needs {what} for every contact; {where}.").format(
        provider=provider.title, what=_what(spec), where=where)


def _label_list(specs: Sequence[FieldSpec]) -> str:
    labels = [s.label_text().lower() for s in specs]
    if len(labels) <= 1:
        return "".join(labels)
    return _("{first} or {last}").format(first=", ".join(labels[:-1]), last=labels[-1])


def _identity_specs(provider: Provider) -> list[tuple[str, bool]]:
    """(field id, compare case-insensitively) of the provider's identity fields, in order."""
    out = []
    for fid in provider.identity_fields:
        spec = provider.field(fid)
        out.append((fid, spec is not None and spec.kind is FieldKind.EMAIL))
    return out


def _identity(specs: Sequence[tuple[str, bool]], fields: Mapping[str, str]) -> tuple[str, str] | None:
    """(field id, comparable value) of the first identity field with a value."""
    for fid, fold in specs:
        value = fields.get(fid)
        if value:
            return fid, value.casefold() if fold else value
    return None


def _unknown_field(provider: Provider, field_id: str) -> UsageError:
    known = ", ".join(f.id for f in provider.fields())
    hint = provider.field_hint()
    return UsageError(
        _("{provider} has no field '{field}'. Known fields: {known}.").format(
            provider=provider.title, field=field_id, known=known) + (f" {hint}" if hint else "")
    )


def _spec(provider: Provider, field_id: str) -> FieldSpec:
    spec = provider.field(field_id)
    if spec is None:
        raise _unknown_field(provider, field_id)
    return spec


def check_cell(provider: Provider, field_id: str, value: str, region: str | None = None) -> str | None:
    """The problem with one value of ``field_id`` (for in-place editing), or None when it is fine.

    An empty value of a required contact field is a problem; other empty values are fine (left out).
    """
    spec = _spec(provider, field_id)
    region = check_region(region, provider)
    if not value.strip():
        if spec.required and not spec.option:
            return _required_message(provider, spec, _("this cell is empty"))
        return None
    try:
        normalise(spec, value, region)
    except InvalidValue as exc:
        return exc.message
    return None


# ---------------------------------------------------------------------------------------------- one entry


def build_contact(
    provider: Provider,
    values: Mapping[str, str],
    *,
    key: int = 1,
    default_region: str | None = None,
) -> ContactCheck:
    """Validate one entry of the form or of ``contact-uploader add``.

    ``values`` maps field ids to raw text, contact fields and job options mixed. An unknown field id
    raises :class:`UsageError`; invalid values, a missing required field and the provider's own rules
    become :class:`Problem` entries whose ``column`` is the field's label.
    """
    region = check_region(default_region, provider)
    fields: dict[str, str] = {}
    options: dict[str, str] = {}
    problems: list[Problem] = []
    specs: dict[str, FieldSpec] = {}
    for fid, raw in values.items():
        spec = _spec(provider, fid)
        specs[fid] = spec
        try:
            value = normalise(spec, raw, region)
        except InvalidValue as exc:
            problems.append(Problem(key, spec.label_text(), fid, _("{label}: {reason}").format(
                label=spec.label_text(), reason=exc.message), exc.message))
            continue
        if value:
            (options if spec.option else fields)[fid] = value
    for spec in provider.contact_fields():
        if spec.required and spec.id not in fields and not any(p.field == spec.id for p in problems):
            empty = _("'{label}' is empty").format(label=spec.label_text())
            reason = _required_message(provider, spec, empty)
            problems.append(Problem(key, spec.label_text(), spec.id, reason, reason))
    group = _at_least_one(provider)
    if group and not any(fields.get(f) for f in group) and not any(p.field in group for p in problems):
        group_specs = [s for s in (provider.field(f) for f in group) if s is not None]
        reason = _("{provider} needs at least one of {fields}; all are empty.").format(
            provider=provider.title, fields=_label_list(group_specs))
        problems.append(Problem(key, "", "", reason, reason))
    for spec in provider.option_fields():
        if spec.id not in options and spec.default:
            options[spec.id] = spec.default
    contact = None if problems else Contact(key=key, fields=fields)
    return ContactCheck(contact=contact, options=options, problems=problems)


# ---------------------------------------------------------------------------------------------- a table


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    spec: FieldSpec
    normaliser: Callable[[FieldSpec, str, str], str]


def _column_name(headers: Sequence[str], index: int) -> str:
    if 0 <= index < len(headers) and headers[index].strip():
        return headers[index]
    return _("column {letter}").format(letter=_letters(index))


def _letters(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_sentence(key: int, column: str, reason: str) -> str:
    """The whole sentence for a problem of one cell: "Row 6, column 'Phone': <reason>"."""
    return _("Row {row}, column '{column}': {reason}").format(row=key, column=column, reason=reason)


def row_sentence(key: int, reason: str) -> str:
    """The whole sentence for a problem of a row: "Row 6: <reason>"."""
    return _("Row {row}: {reason}").format(row=key, reason=reason)


class Duplicates:
    """Duplicate detection on the provider's identity (the first row with a value is kept).

    One table per identity field (value → the key of the first row that has it): what the check of a
    whole file must hold in memory, nothing more. The window's edited cells :meth:`release` and
    :meth:`claim` again.

    Each table is :data:`SHARDS` dictionaries chosen by the value's hash: a dictionary grows by copying
    itself whole in one C call, which at a million entries holds the GIL ~60 ms (a frozen window while a
    worker checks); a shard of a million values is ~16 000 entries, copied in well under a millisecond.
    """

    SHARDS: Final = 64

    def __init__(self, provider: Provider) -> None:
        self.specs = _identity_specs(provider)
        self.first: dict[str, list[dict[str, int]]] = {
            fid: [{} for _ in range(self.SHARDS)] for fid, _fold in self.specs
        }

    def _table(self, fid: str, value: str) -> dict[str, int]:
        return self.first[fid][hash(value) % self.SHARDS]

    def identity(self, fields: Mapping[str, str]) -> tuple[str, str] | None:
        return _identity(self.specs, fields)

    def claim(self, key: int, fields: Mapping[str, str]) -> tuple[str, int] | None:
        """(identity field, first row) when another row already has this contact's identity, else None
        (the contact's identity is then recorded as ``key``'s)."""
        ident = _identity(self.specs, fields)
        if ident is None:
            return None
        fid, value = ident
        seen = self.first[fid][hash(value) % self.SHARDS]
        first = seen.get(value)
        if first is not None and first != key:
            return fid, first
        seen[value] = key
        return None

    def release(self, key: int, fields: Mapping[str, str]) -> None:
        """Forget ``key``'s identity (its row changed), if it was the first row to have it."""
        ident = _identity(self.specs, fields)
        if ident is not None:
            table = self._table(*ident)
            if table.get(ident[1]) == key:
                del table[ident[1]]

    def __len__(self) -> int:
        return sum(len(d) for shards in self.first.values() for d in shards)


class RowChecker:
    """The one row check: a file's rows under a mapping, constants and a default region.

    Built once per mapping (job-level problems raise :class:`UsageError` here: an unknown field, two
    columns on one field, an invalid constant, a required field neither mapped nor set when
    ``require_mapped``). :meth:`check` then judges one row — the whole file row by row (:func:`prepare`,
    the command line's streaming job) and an edited cell's row in the window alike. Option columns take one
    value over the whole file: :meth:`option_values` collects it.
    """

    def __init__(
        self,
        headers: Sequence[str],
        mapping: Mapping[int, str],
        constants: Mapping[str, str],
        provider: Provider,
        default_region: str | None = None,
        *,
        require_mapped: bool = True,
    ) -> None:
        region = check_region(default_region, provider)
        self.provider = provider
        self.region = region
        self.headers = list(headers)
        # -- constants: validated once
        const_fields: dict[str, str] = {}
        options: dict[str, str] = {}
        for fid, raw in constants.items():
            spec = _spec(provider, fid)
            try:
                value = normalise(spec, raw, region)
            except InvalidValue as exc:
                raise UsageError(
                    _("The value set for {field}: {reason}").format(field=fid, reason=exc.message)
                ) from None
            if value:
                (options if spec.option else const_fields)[fid] = value
        constant_ids = set(constants)

        # -- columns
        columns: list[_Column] = []
        option_columns: list[_Column] = []
        used: dict[str, int] = {}
        for index, fid in sorted(mapping.items()):
            spec = _spec(provider, fid)
            if fid in used:
                raise UsageError(
                    _("Columns '{first}' and '{second}' are both mapped to {field}; map only one.").format(
                        first=_column_name(headers, used[fid]), second=_column_name(headers, index),
                        field=fid)
                )
            used[fid] = index
            if fid in constant_ids:
                continue  # the constant wins
            normaliser = _NORMALISERS.get(spec.kind, _normalise_text)
            column = _Column(index, _column_name(headers, index), spec, normaliser)
            (option_columns if spec.option else columns).append(column)

        # -- required fields that no column or constant provides
        provided = {c.spec.id for c in columns} | set(const_fields)
        group = _at_least_one(provider)
        if require_mapped:
            for spec in provider.contact_fields():
                if spec.required and spec.id not in provided:
                    raise UsageError(
                        _("{provider} needs {field} ({label}) for every contact: map a column to it or give "
                          "one value with --set {field}=VALUE.").format(
                            provider=provider.title, field=spec.id, label=spec.label_text())
                    )
            if group and not provided & set(group):
                raise UsageError(
                    _("{provider} needs at least one of {fields}: map a column to one of them.").format(
                        provider=provider.title, fields=", ".join(group))
                )
        self.const_fields = const_fields
        self.const_options = options
        self.columns = columns
        self.option_columns = option_columns
        self.required_cols = [
            (spec, next((c for c in columns if c.spec.id == spec.id), None))
            for spec in provider.contact_fields()
            if spec.required and spec.id not in const_fields
        ]
        self.group = group
        self.group_present = bool(set(group) & set(const_fields))
        self.group_cols = [c for c in columns if c.spec.id in group]
        self.group_specs = [s for s in (provider.field(f) for f in group) if s is not None]
        self.col_of = {c.spec.id: c for c in columns}

    # ------------------------------------------------------------------ options
    def option_values(self) -> _OptionValues:
        """A collector of the option columns' single values (feed it every row, then ask for options)."""
        return _OptionValues(self)

    def options_of(self, rows: Iterable[tuple[int, Sequence[str]]]) -> dict[str, str]:
        """The job options over ``rows`` ((key, cells) pairs): constants, option columns, defaults."""
        collector = self.option_values()
        if self.option_columns:
            for key, row in rows:
                collector.add(key, row)
        return collector.options()

    # ------------------------------------------------------------------ one row
    def check(self, key: int, row: Sequence[str], duplicates: Duplicates | None = None) -> RowCheck:
        """The verdict for one row (``key``: the row number shown). With ``duplicates``, a contact with the
        identity of an earlier row is refused (and a new identity is recorded)."""
        fields = dict(self.const_fields)
        problems: list[Problem] | None = None
        width = len(row)
        region = self.region
        for col in self.columns:
            raw = row[col.index] if col.index < width else ""
            value = raw.strip()
            if not value:
                continue
            spec = col.spec
            try:
                value = col.normaliser(spec, value, region)
                if spec.max_length is not None and len(value) > spec.max_length:
                    raise InvalidValue(_too_long(value, spec.max_length))
            except InvalidValue as exc:
                if problems is None:
                    problems = []
                reason = exc.message
                problems.append(Problem(key, col.header, spec.id, cell_sentence(key, col.header, reason),
                                        reason, cell=True))
                continue
            fields[spec.id] = value
        provider = self.provider
        for spec, rcol in self.required_cols:
            if spec.id not in fields and not (problems and any(p.field == spec.id for p in problems)):
                where = (_("column '{column}' is empty").format(column=rcol.header) if rcol
                         else _("no column is mapped to it"))
                if problems is None:
                    problems = []
                reason = _required_message(provider, spec, where)
                problems.append(Problem(key, rcol.header if rcol else "", spec.id, row_sentence(key, reason),
                                        reason))
        group = self.group
        if group and not self.group_present and not any(f in fields for f in group) and not problems:
            reason = _("{provider} needs at least one of {fields}; all are empty in this row.").format(
                provider=provider.title, fields=_label_list(self.group_specs))
            columns = ", ".join(c.header for c in self.group_cols)
            problems = [Problem(key, columns, "", row_sentence(key, reason), reason)]
        if problems:
            return RowCheck(key, None, problems)
        if duplicates is not None:
            same = duplicates.claim(key, fields)
            if same is not None:
                fid, first = same
                ispec = provider.field(fid)
                label = ispec.label_text().lower() if ispec else fid
                icol = self.col_of.get(fid)
                reason = _("same {what} as row {first} (kept row {first}).").format(what=label, first=first)
                return RowCheck(key, None, [Problem(key, icol.header if icol else "", fid,
                                                    row_sentence(key, reason), reason)])
        contact = Contact(key=key, fields=fields)
        return RowCheck(key, contact)


class _OptionValues:
    """The single value of each option column over the file (see :meth:`RowChecker.option_values`)."""

    def __init__(self, checker: RowChecker) -> None:
        self.checker = checker
        self.values: list[dict[str, int]] = [{} for _c in checker.option_columns]

    def add(self, key: int, row: Sequence[str]) -> None:
        width = len(row)
        for column, values in zip(self.checker.option_columns, self.values, strict=True):
            raw = row[column.index].strip() if column.index < width else ""
            if raw and raw not in values:
                values[raw] = key
                if len(values) > 1:
                    a, b = list(values)[:2]
                    raise UsageError(
                        _("Column '{column}' is mapped to the option {option}, which takes one value for the "
                          "whole file, but it holds {first} and {second} (row {row}); use --set "
                          "{option}=VALUE instead.").format(
                            column=column.header, option=column.spec.id, first=_show(a), second=_show(b),
                            row=values[b])
                    )

    def options(self) -> dict[str, str]:
        checker = self.checker
        options = dict(checker.const_options)
        for column, values in zip(checker.option_columns, self.values, strict=True):
            if not values:
                continue
            (raw,) = values
            try:
                value = normalise(column.spec, raw, checker.region)
            except InvalidValue as exc:
                raise UsageError(_("Column '{column}' ({option}): {reason}").format(
                    column=column.header, option=column.spec.id, reason=exc.message)) from None
            if value:
                options[column.spec.id] = value
        for spec in checker.provider.option_fields():
            if spec.id not in options and spec.default:
                options[spec.id] = spec.default
        return options


@contextlib.contextmanager
def checking() -> Iterator[None]:
    """Around the check of a whole file: the cyclic collector off (the loop creates a few hundred thousand
    small acyclic objects, which it would walk again and again — about 40 % of the time — and find nothing
    to free), and the per-value caches emptied afterwards (kept, 16 384 distinct phone numbers or
    addresses hold ~4 MB each for nothing)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()
        # each clear frees up to CACHE_SIZE entries in one C call (a few ms of held GIL): let other threads —
        # the window's — run between the two
        _phone_in.cache_clear()
        time.sleep(0)
        _email.cache_clear()


def prepare(
    table: TableLike,
    mapping: Mapping[int, str],
    constants: Mapping[str, str],
    provider: Provider,
    default_region: str | None = None,
    *,
    require_mapped: bool = True,
) -> Prepared:
    """Validate every row of ``table`` under ``mapping`` (column index → field id) and ``constants``.

    Returns one :class:`RowCheck` per table row in source order (key = the row number a spreadsheet
    shows), the contacts that passed, and the job options (from ``constants`` and from option columns,
    which must hold one value over the whole file). A constant wins over a column mapped to the same
    field. Job-level problems raise :class:`UsageError` with one sentence: an unknown field, two columns
    on one field, an invalid option or constant, and — when ``require_mapped`` — a required field that
    is neither mapped nor set. Each row is judged by :meth:`RowChecker.check`.
    """
    with checking():
        checker = RowChecker(table.headers, mapping, constants, provider, default_region,
                             require_mapped=require_mapped)
        options = checker.options_of(zip(table.row_numbers, table.rows, strict=False))
        contacts: list[Contact] = []
        checks: list[RowCheck] = []
        duplicates = Duplicates(provider)
        check = checker.check
        for row, key in zip(table.rows, table.row_numbers, strict=False):
            verdict = check(key, row, duplicates)
            if verdict.contact is not None:
                contacts.append(verdict.contact)
            checks.append(verdict)
        return Prepared(contacts=contacts, checks=checks, options=options, checker=checker,
                        duplicates=duplicates)

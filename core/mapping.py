"""Which spreadsheet column feeds which provider field.

* :func:`suggest` / :func:`auto_map` suggest a mapping from header names, with the alias tables of
  ``resources/aliases.json`` (English, Turkish, French, Spanish) and fuzzy matching, and from the column's
  values when the rows are given (an empty column loses to one with values, a column whose values cannot be
  e-mails or phones is not suggested for them). Only columns that match a field are suggested; each
  :class:`Suggestion` carries why it was made. For Netcore, the columns left over become upper-case
  attributes named after their header ("Doğum Tarihi" → DOGUM_TARIHI) only when the caller asks for it
  (:func:`extra_attributes`; ``--extra-columns-as-attributes`` on the command line, a checkbox in the window).
* :func:`parse_map_args` / :func:`parse_set_args` read ``--map COLUMN=FIELD`` and ``--set FIELD=VALUE``.
* :class:`MappingMemory` remembers the mapping chosen for a file shape (provider + headers) in
  ``state_dir()/mappings.json``, so next week's file with the same headers maps the same way.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from core.errors import UsageError
from core.i18n import N_, _, ngettext, number
from core.model import FieldKind
from core.providers.base import Provider
from core.resources import resource_path

__all__ = [
    "MappingMemory",
    "PassedOver",
    "Suggestion",
    "auto_map",
    "column_letter",
    "extra_attributes",
    "netcore_attribute",
    "normalise_header",
    "parse_map_args",
    "parse_set_args",
    "resolve_field",
    "suggest",
]

FUZZY_THRESHOLD = 0.8  # difflib ratio needed for a fuzzy match
CONTAIN_SCORE = 0.8  # an alias (5+ letters) found as whole words inside a longer header
WORD_FUZZY = 0.75  # each word of a fuzzy match must be at least this close to the alias's word
VALUE_SAMPLE = 2000  # rows looked at for a column's values
VALUE_CELLS = 200_000  # at most about this many cells looked at (a sheet 1 000 columns wide: 200 rows)
NUMERIC = 0.8  # share of numbers-only values that rules a column out for a name, city, title or job field
PLAUSIBLE = 0.3  # share of a column's values that must look like e-mails (phones) for an e-mail (phone) field
NEAR_BEST = 0.1  # a column is a candidate only for concepts scoring within this of its best one
PRIORITY_STEP = 0.04  # later concepts of a field (e.g. "phone" for a mobile field) score a little less

# ---------------------------------------------------------------------------------------------- text

_TURKISH = str.maketrans(
    {"ı": "i", "İ": "i", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o"}
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=4096)
def normalise_header(text: str) -> str:
    """Header text for comparison: camelCase split, case-folded, accents removed, punctuation → space."""
    text = _CAMEL.sub(" ", text).translate(_TURKISH).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text).split())


def netcore_attribute(header: str) -> str:
    """A Netcore attribute name from a header: ASCII A-Z, 0-9, _ ("Doğum Tarihi" → DOGUM_TARIHI)."""
    words = normalise_header(header).upper().encode("ascii", "ignore").decode("ascii")
    name = "_".join(re.sub(r"[^A-Z0-9]+", " ", words).split())
    if name and not name[0].isalpha():
        name = "COL_" + name
    return name[:64]


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 → A, 26 → AA)."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _letter_index(text: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", text):
        return None
    n = 0
    for ch in text.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# ---------------------------------------------------------------------------------------------- aliases


# the languages of the aliases, named in the reasons beside suggestions (English, marked N_: shown with _())
LANGUAGES = {"en": N_("English"), "tr": N_("Turkish"), "fr": N_("French"), "es": N_("Spanish")}


@dataclass(frozen=True)
class _Aliases:
    concepts: dict[str, tuple[str, ...]]  # concept -> normalised aliases
    providers: dict[str, dict[str, tuple[str, ...]]]  # provider -> field id -> concepts, best first
    spelling: dict[tuple[str, str], tuple[str, str]]  # (concept, normalised alias) -> (as written, language)
    # generic words ("number", "numéro", "numara") that are an alias only as the whole header: inside a
    # longer one they name the number of something else ("Order Number", "VAT Number", "Numéro client")
    whole_only: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def _aliases() -> _Aliases:
    with resource_path("aliases.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    concepts: dict[str, tuple[str, ...]] = {}
    spelling: dict[tuple[str, str], tuple[str, str]] = {}
    for name, listed in data["concepts"].items():
        by_language = listed.items() if isinstance(listed, dict) else (("", listed),)
        found: dict[str, None] = {}
        for language, aliases in by_language:
            for alias in aliases:
                norm = normalise_header(alias)
                if norm and norm not in found:
                    found[norm] = None
                    spelling[(name, norm)] = (alias, language)
        concepts[name] = tuple(found)
    providers = {p: {f: tuple(c) for f, c in fields.items()} for p, fields in data["providers"].items()}
    whole_only = frozenset(normalise_header(a) for a in data.get("whole_header_only", ()))
    return _Aliases(concepts, providers, spelling, whole_only)


# Columns matched fuzzily (typos, words inside a header): comparing one header with every alias costs about
# 2 ms, so a sheet of 200 000 columns would hold the mapping for minutes. Columns further right match by
# their exact name only (a contact export has tens of columns; Excel stops at 16 384).
MAX_FUZZY_COLUMNS = 1000


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _words_close(header: str, alias: str) -> bool:
    """Fuzzy matching forgives typos inside words ("E-mial", "Emial Adress"), not a different word:
    "Client Name" is not "Client Number"."""
    hw, aw = header.split(), alias.split()
    if len(hw) != len(aw):
        # a whole word missing or added is not a typo ("Account" is not an "account id", "Customer" not a
        # "customer id"); else ("Emailadress" vs "email address") the whole-text ratio decides alone
        return not (set(hw) < set(aw) or set(aw) < set(hw))
    return all(h == a or difflib.SequenceMatcher(None, h, a).ratio() >= WORD_FUZZY
               for h, a in zip(hw, aw, strict=True))


def _match(header: str, alias: str) -> tuple[float, str]:
    """How well a normalised header matches a normalised alias (0 = not at all, 1 = the same), and how:
    ``same``, ``similar`` (a typo away) or ``contains`` (the alias as whole words inside the header)."""
    if header == alias or _compact(header) == _compact(alias):
        return 1.0, "same"
    best, how = 0.0, ""
    a, h = _compact(alias), _compact(header)
    if len(a) >= 4 and len(h) >= 4:
        matcher = difflib.SequenceMatcher(None, h, a)
        # the two cheap upper bounds first: most header/alias pairs are nowhere near each other
        if matcher.real_quick_ratio() >= FUZZY_THRESHOLD and matcher.quick_ratio() >= FUZZY_THRESHOLD:
            ratio = matcher.ratio()
            if ratio >= FUZZY_THRESHOLD and _words_close(header, alias):
                best, how = ratio * 0.95, "similar"
    if len(a) >= 5 and f" {alias} " in f" {header} ":
        contained = CONTAIN_SCORE + 0.1 * len(alias) / len(header)
        if contained > best:
            best, how = contained, "contains"
    return best, how


def _score(header: str, alias: str) -> float:
    return _match(header, alias)[0]


# A repeated header gets " (2)" from the reader; for matching, "Phone (2)" is as good a "Phone" as the first.
_REPEAT_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
# Words that make a column describe another column rather than hold a value: Google's "E-mail 1 - Type"
# ("* Home") beside "E-mail 1 - Value", "Phone 1 - Label", "Telefon Türü".
_META_WORDS = frozenset({"type", "types", "label", "labels", "kind", "tipo", "tipi", "turu", "tur"})
# Words naming another person: "Mum Email", "Assistant's Phone", "Spouse", "Acil Durum Telefonu" hold
# someone else's details and are never a contact's own e-mail, phone or name.
# A fax or pager number is never a phone an SMS or a call reaches ("Fax Number", "Pager", "Faks").
_FAX_WORDS = frozenset({"fax", "faks", "pager", "telex", "telefax", "telecopie", "bip", "beeper"})
_OTHER_PERSON = frozenset({
    "mum", "mom", "mother", "dad", "father", "parent", "parents", "spouse", "wife", "husband", "partner",
    "emergency", "assistant", "manager", "guardian", "referrer", "secretary", "boss", "child", "kid",
    "anne", "annesi", "baba", "babasi", "esi", "veli", "velisi", "acil", "yakini",
    "mere", "pere", "conjoint", "conjointe", "urgence", "tuteur", "assistante",
    "madre", "padre", "esposa", "esposo", "conyuge", "emergencia", "tutor", "asistente",
})


def _blocked(norm: str) -> bool:
    words = set(norm.split())
    return bool(words & _META_WORDS or words & _OTHER_PERSON or words & _FAX_WORDS)


@dataclass(frozen=True, slots=True)
class _Candidate:
    field: str
    score: float
    pos: int  # the rank of the matched concept among the field's concepts (0: its best, e.g. mobile for gsm)
    basis: str  # field | same | similar | contains
    matched: str  # the field id/label or alias that matched, as written
    language: str  # en/tr/fr/es for an alias, "" otherwise
    concept: str


def _candidates(header: str, provider: Provider) -> dict[str, float]:
    """Field id -> score for one header."""
    return {fid: c.score for fid, c in _header_candidates(header, provider).items()}


@lru_cache(maxsize=1)
def _exact_aliases() -> dict[str, tuple[tuple[str, str], ...]]:
    """Compacted alias → the (concept, alias) pairs it belongs to: the exact match of one header, at once."""
    found: dict[str, list[tuple[str, str]]] = {}
    for concept, names in _aliases().concepts.items():
        for alias in names:
            found.setdefault(_compact(alias), []).append((concept, alias))
    return {key: tuple(pairs) for key, pairs in found.items()}


def _header_candidates(header: str, provider: Provider, *, fuzzy: bool = True) -> dict[str, _Candidate]:
    norm = normalise_header(_REPEAT_SUFFIX.sub("", header))
    if not norm:
        return {}
    aliases = _aliases()
    # the best alias per concept
    concept_best: dict[str, tuple[float, str, str]] = {}
    if not fuzzy:  # a column far right in a very wide sheet: its exact name only (see MAX_FUZZY_COLUMNS)
        for concept, alias in _exact_aliases().get(_compact(norm), ()):
            concept_best.setdefault(concept, (1.0, alias, "same"))
    for concept, names in aliases.concepts.items() if fuzzy else ():
        best, best_alias, best_how = 0.0, "", ""
        for alias in names:
            s, how = _match(norm, alias)
            if how == "contains" and alias in aliases.whole_only:
                continue  # "VAT Number" holds a VAT number, not a phone number
            if s > best:
                best, best_alias, best_how = s, alias, how
        if best > 0:
            concept_best[concept] = (best, best_alias, best_how)
    if _blocked(norm) and not any(s >= 1.0 for s, _, _ in concept_best.values()):
        return {}
    if "email" in concept_best and any(s < 1.0 for s, _, _ in concept_best.values()):
        # a header naming an e-mail and something else describes the e-mail ("E-mail Display Name":
        # "John Smith (john@acme.co.uk)", "Nom complet de l'adresse de messagerie"): an e-mail candidate
        # only, unless it is exactly another field's name
        others = {c: v for c, v in concept_best.items() if c != "email"}
        if not any(s >= 1.0 for s, _, _ in others.values()):
            concept_best = {"email": concept_best["email"]}
    out: dict[str, _Candidate] = {}
    fields = aliases.providers.get(provider.name, {})
    if concept_best:
        top = max(s for s, _, _ in concept_best.values())
        for fid, concepts in fields.items():
            for pos, concept in enumerate(concepts):
                if concept not in concept_best:
                    continue
                s, alias, how = concept_best[concept]
                if s < top - NEAR_BEST:
                    continue
                score = s * (1 - PRIORITY_STEP * pos)
                if fid not in out or score > out[fid].score:
                    written, language = aliases.spelling.get((concept, alias), (alias, ""))
                    out[fid] = _Candidate(fid, score, pos, how, written, language, concept)
    # the provider's own ids and labels ("contactFirstname", "First name", "EMAIL", "custom_field:3")
    for spec in provider.contact_fields():
        for text in (spec.id, spec.label):
            if _compact(norm) == _compact(normalise_header(text)):  # what _match calls "same"
                known = out.get(spec.id)
                # ranked like the concept it also matches ("Name": a full name, second for a first-name field)
                pos = known.pos if known is not None else 0
                concept = known.concept if known is not None else ""
                out[spec.id] = _Candidate(spec.id, 1.0, pos, "field", text, "", concept)
                break
    stripped = header.strip()
    dyn = provider.field(stripped)
    if dyn is not None and not dyn.option and stripped not in out and provider.name != "netcore":
        # custom_field:<id>, attr:<id> typed as the header
        out[stripped] = _Candidate(stripped, 1.0, 0, "field", stripped, "", "")
    return out


@dataclass(frozen=True, slots=True)
class PassedOver:
    """A column that also matched the field of a :class:`Suggestion` and was not chosen, and why:
    ``empty`` (no values), ``landline`` (a phone column where a mobile one fits the field better),
    ``second`` (its header names a second choice for the field, e.g. a full name for a first-name field),
    ``weaker`` (its header matches less well), ``unlike`` (its values do not look like the field's) or
    ``later`` (as good, further right)."""

    column: int
    header: str
    why: str
    concept: str = ""  # what its header says it holds, for ``second``


_CONCEPT_WORDS = {  # English, marked N_: shown with _()
    "full_name": N_("a full name"), "first_name": N_("a first name"), "last_name": N_("a last name"),
    "phone": N_("a landline number"), "mobile": N_("a mobile number"), "email": N_("an e-mail address"),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested column → field, with why it was made (for the window's tooltip).

    ``basis``: ``field`` (the header is the provider's field id or label), ``same`` (an alias),
    ``typed`` (a phone column whose type column beside it says mobile), ``valued`` (a phone column whose
    values are mostly mobile numbers, among several phone columns),
    ``similar`` (an alias but for a typo), ``contains`` (an alias inside a longer header), ``content`` (a
    column without a name whose values are all e-mail addresses, phone numbers or full names) or ``attribute``
    (a Netcore attribute named after the header, sent because the user asked for other columns).
    ``matched`` is that field name or alias as written, ``language`` the alias's language code.
    """

    column: int
    header: str
    field: str
    basis: str
    matched: str = ""
    language: str = ""
    concept: str = ""
    score: float = 0.0
    passed_over: tuple[PassedOver, ...] = ()

    @property
    def reason(self) -> str:
        """One sentence in the current language: why this column was suggested for this field (a header
        longer than :data:`REASON_HEADER` characters is cut short with "…")."""
        header, matched, field = _short(self.header), self.matched, self.field
        language = _(LANGUAGES[self.language]) if self.language in LANGUAGES else ""
        if self.basis == "field":
            text = _("matched header '{header}' (the field's own name '{matched}')")
        elif self.basis == "same":
            text = (_("matched header '{header}' ({language} alias)") if language
                    else _("matched header '{header}' (alias '{matched}')"))
        elif self.basis == "similar":
            text = (_("header '{header}' is a near spelling of the {language} alias '{matched}'") if language
                    else _("header '{header}' is a near spelling of the alias '{matched}'"))
        elif self.basis == "typed":
            text = _("header '{header}' holds phone numbers that '{matched}' marks as mobile")
        elif self.basis == "valued":
            text = _("column '{header}' holds mobile numbers (by their values)")
        elif self.basis == "contains":
            text = (_("header '{header}' contains the {language} alias '{matched}'") if language
                    else _("header '{header}' contains the alias '{matched}'"))
        elif self.basis == "content":
            if matched == "email":
                text = _("column '{header}' has no name, and every value in it is an e-mail address")
            elif matched == "phone":
                text = _("column '{header}' has no name, and every value in it is a phone number")
            else:
                text = _("column '{header}' has no name, and every value in it is a person's name")
        else:
            text = _("column '{header}' sent as the attribute {field} because other columns are sent as "
                     "attributes")
        text = text.format(header=header, matched=matched, language=language, field=field)
        groups: dict[tuple[str, str], list[str]] = {}
        for passed in self.passed_over:
            key = (passed.why, passed.concept if passed.why == "second" else "")
            groups.setdefault(key, []).append(f"'{_short(passed.header)}'")
        parts = [_passed_over(why, concept, names) for (why, concept), names in groups.items()]
        if parts:
            alternatives = parts[0]
            for part in parts[1:]:
                alternatives = _("{alternatives}; over {alternative}").format(
                    alternatives=alternatives, alternative=part)
            text = _("{reason}; chosen over {alternatives}").format(reason=text, alternatives=alternatives)
        return text


REASON_HEADER = 40  # a header quoted in a reason is cut to this many characters


def _passed_over(why: str, concept: str, names: list[str]) -> str:
    """"'A', 'B' because their headers match less well": the columns a suggestion was chosen over, and why."""
    n = len(names)
    if n > 3:
        shown = ngettext("{columns} and {count} more", "{columns} and {count} more", n - 3).format(
            columns=", ".join(names[:3]), count=number(n - 3))
    else:
        shown = ", ".join(names)
    if why == "empty":
        sentence = ngettext("{columns} because that column is empty",
                            "{columns} because those columns are empty", n)
    elif why == "landline":
        sentence = _("{columns} because a mobile number fits this field better")
    elif why == "weaker":
        sentence = ngettext("{columns} because its header matches less well",
                            "{columns} because their headers match less well", n)
    elif why == "later":
        sentence = _("{columns} because this one comes first")
    elif why == "unlike":
        sentence = ngettext("{columns} because its values do not look like that field's",
                            "{columns} because their values do not look like that field's", n)
    else:  # "second"
        sentence = ngettext("{columns} because it holds {holds}, a second choice for this field",
                            "{columns} because they hold {holds}, a second choice for this field", n)
    holds = _(_CONCEPT_WORDS[concept]) if concept in _CONCEPT_WORDS else concept.replace("_", " ")
    return sentence.format(columns=shown, holds=holds).rstrip()


def _short(header: str) -> str:
    return header if len(header) <= REASON_HEADER else header[: REASON_HEADER - 1].rstrip() + "…"


_NUMBER = re.compile(r"[\d\s.,+-]+")
_DIGITS = re.compile(r"\d")
_ID_LIST = re.compile(r"\d+(?:\s*[,;]\s*\d+)*")
# Concepts whose values are words: a column of numbers only ("Town": 304, a key into another table) is
# not a name, a city, a title or a job.
_WORDY = frozenset({"first_name", "last_name", "full_name", "city", "title", "job_role"})


@dataclass(frozen=True, slots=True)
class _Facts:
    filled: list[bool]  # has any value
    emails: list[float]  # share of its values that could be an e-mail
    phones: list[float]  # share of its values that could be a phone number
    numbers: list[float]  # share of its values that are numbers only
    ids: list[float]  # share of its values that are ids separated by commas ("176,177")


def _column_facts(rows: Sequence[Sequence[str]] | None, width: int) -> _Facts:
    if rows is None:
        return _Facts([True] * width, [1.0] * width, [1.0] * width, [0.0] * width, [1.0] * width)
    facts = _Facts([False] * width, [1.0] * width, [1.0] * width, [0.0] * width, [1.0] * width)
    counts = [0] * width
    at = [0] * width
    digits = [0] * width
    numbers = [0] * width
    ids = [0] * width
    sample = max(50, min(VALUE_SAMPLE, VALUE_CELLS // max(width, 1)))  # a very wide sheet: fewer rows
    for row in itertools.islice(rows, sample):
        for i in range(min(width, len(row))):
            value = row[i].strip()
            if not value:
                continue
            counts[i] += 1
            if "@" in value:
                at[i] += 1
            if _ID_LIST.fullmatch(value):
                ids[i] += 1
            if _NUMBER.fullmatch(value):
                numbers[i] += 1
                digits[i] += len(_DIGITS.findall(value)) >= 3
            elif len(_DIGITS.findall(value)) >= 3:
                digits[i] += 1
    for i in range(width):
        if counts[i]:
            facts.filled[i] = True
            facts.emails[i] = at[i] / counts[i]
            facts.phones[i] = digits[i] / counts[i]
            facts.numbers[i] = numbers[i] / counts[i]
            facts.ids[i] = ids[i] / counts[i]
    return facts


def _typed_phones(headers: Sequence[str], rows: Sequence[Sequence[str]] | None) -> dict[int, tuple[str, int]]:
    """Value column → (``mobile`` or ``fax``, its type column), for the pairs whose type column says so
    ("Phone 5 - Type" = "Mobile" beside "Phone 5 - Value", "Phone 1 - Type" = "Pager"), as Google Contacts
    exports them."""
    if rows is None:
        return {}
    by_name = {normalise_header(h): i for i, h in enumerate(headers)}
    mobile = set(_aliases().concepts.get("mobile", ()))
    out: dict[int, tuple[str, int]] = {}
    for index, header in enumerate(headers):
        words = normalise_header(header).split()
        if "value" not in words:
            continue
        sibling = next((by_name[n] for n in (" ".join(meta if w == "value" else w for w in words)
                                              for meta in ("type", "label")) if n in by_name), None)
        if sibling is None:
            continue
        kinds = [normalise_header(r[sibling]) for r in itertools.islice(rows, VALUE_SAMPLE)
                 if sibling < len(r) and r[sibling].strip()]
        if not kinds:
            continue
        if sum(k in mobile for k in kinds) / len(kinds) >= 0.5:
            out[index] = ("mobile", sibling)
        elif sum(bool(set(k.split()) & _FAX_WORDS) for k in kinds) / len(kinds) >= 0.5:
            out[index] = ("fax", sibling)
    return out


_PHONE_PREFIX = re.compile(r"^\s*(?:\+|00)")
PHONE_VALUES = 200  # values looked at per phone column to tell mobiles from landlines


def _mobile_by_values(rows: Sequence[Sequence[str]], index: int, region: str) -> bool:
    """True when most values of the column are mobile numbers, as ``phonenumbers`` classifies them (a
    number without a country code read in ``region``, the provider's country)."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    seen = mobiles = landlines = 0
    for row in itertools.islice(rows, VALUE_SAMPLE):
        value = row[index].strip() if index < len(row) else ""
        if not value:
            continue
        seen += 1
        text = _PHONE_PREFIX.sub("+", value, count=1)
        try:
            number = phonenumbers.parse(text, None if text.startswith("+") else region)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            kind = phonenumbers.number_type(number)
            mobiles += kind == PhoneNumberType.MOBILE
            landlines += kind == PhoneNumberType.FIXED_LINE
        if seen >= PHONE_VALUES:
            break
    return seen > 0 and mobiles * 2 >= seen and mobiles > landlines


def _valued_mobiles(candidates: Mapping[int, Mapping[str, _Candidate]], provider: Provider,
                    rows: Sequence[Sequence[str]] | None, typed: Mapping[int, tuple[str, int]]) -> set[int]:
    """The phone columns, among several with values, whose values are mostly mobile numbers ("Phone",
    "Phone (2)": landlines in the first, mobiles in the second). With one phone column, nothing: values
    only decide between candidates."""
    if rows is None:
        return set()
    fields = _aliases().providers.get(provider.name, {})
    phone_fields = {f for f, concepts in fields.items() if "phone" in concepts or "mobile" in concepts}
    columns = [i for i, found in candidates.items()
               if i not in typed and any(f in phone_fields for f in found)]
    sample = list(itertools.islice(rows, VALUE_SAMPLE))
    filled = [i for i in columns if any(i < len(r) and r[i].strip() for r in sample)]
    if len(filled) < 2:
        return set()
    return {i for i in filled if _mobile_by_values(rows, i, provider.default_region)}


def suggest(
    headers: Sequence[str],
    provider: Provider,
    rows: Sequence[Sequence[str]] | None = None,
    *,
    extra_as_attributes: bool = False,
) -> list[Suggestion]:
    """Suggested column → field pairs, each field at most once, in column order, with their reasons.

    Only contact fields are suggested (job options are set, not guessed), and only for columns whose
    header matches the field. A column named after a description of another column ("E-mail 1 - Type")
    or after another person ("Mum Email"), or a fax or pager column, is never suggested. With ``rows``
    (the data rows): a column with values wins over an empty one, then one whose values can be e-mails
    (phones) over one whose cannot, and a column of numbers only is never a name, city, title or job;
    Google's "Phone N - Type" column decides which "Phone N - Value" is a mobile or a pager. Among the
    rest, a match of the field's first concept (a mobile number for a phone field) wins, then the
    better-matching header, then the column further left.
    ``extra_as_attributes`` (Netcore): every column left over is added as an attribute.
    """
    option_names = {
        _compact(normalise_header(text))
        for spec in provider.option_fields()
        for text in (spec.id, spec.label)
    }
    skipped = {i for i, h in enumerate(headers) if _compact(normalise_header(h)) in option_names}
    facts = _column_facts(rows, len(headers))
    filled, emails, phones = facts.filled, facts.emails, facts.phones
    typed = _typed_phones(headers, rows)
    by_column = {i: _header_candidates(h, provider, fuzzy=i < MAX_FUZZY_COLUMNS)
                 for i, h in enumerate(headers) if i not in skipped}
    valued = _valued_mobiles(by_column, provider, rows, typed)
    for index in valued:
        typed[index] = ("mobile", -1)  # a mobile by its values: as a Google "Phone N - Type" saying Mobile
    fields = _aliases().providers.get(provider.name, {})
    scored: list[tuple[tuple[bool, int, int, float, int], int, _Candidate]] = []
    for index in range(len(headers)):
        if index in skipped:
            continue  # named after a job option: options are set, never guessed, and never a contact field
        candidates = by_column[index]
        typed_as, type_column = typed.get(index, ("", -1))
        phone = next((c for c in candidates.values() if c.concept == "phone"), None)
        if typed_as == "mobile" and phone is not None:
            for fid, concepts in fields.items():  # a typed mobile also fits a mobile-only field
                if "mobile" in concepts and fid not in candidates:
                    candidates[fid] = replace(phone, field=fid)
        for fid, cand in candidates.items():
            spec = provider.field(fid)
            kind = spec.kind if spec is not None else None
            if cand.concept in _WORDY and facts.numbers[index] >= NUMERIC:
                continue
            if kind is FieldKind.ID_LIST and facts.ids[index] < PLAUSIBLE:
                continue  # tag names ("VIP") are not tag ids (176,177)
            odd = int((kind is FieldKind.EMAIL and emails[index] < PLAUSIBLE) or (
                kind is FieldKind.PHONE and phones[index] < PLAUSIBLE))
            if typed_as == "fax" and kind is FieldKind.PHONE:
                odd = 2  # a pager or fax number, by its type column: any other phone column first
            if typed_as == "mobile" and cand.concept == "phone":
                if "mobile" not in fields.get(fid, ()):
                    continue  # a mobile is not a landline field (Aptania's contactTelephone)
                # Google's "Phone 5 - Value" whose "Phone 5 - Type" says "Mobile"
                if type_column >= 0:
                    cand = replace(cand, concept="mobile", pos=fields[fid].index("mobile"), basis="typed",
                                   matched=headers[type_column])
                else:  # mobile by its values: just after a column whose header says mobile
                    cand = replace(cand, concept="mobile", pos=fields[fid].index("mobile"), basis="valued",
                                   score=cand.score * (1 - PRIORITY_STEP))
            key = (not filled[index], odd, cand.pos, -round(cand.score, 6), index)
            scored.append((key, index, cand))
    scored.sort(key=lambda t: t[0])
    chosen: dict[int, tuple[tuple[bool, int, int, float, int], _Candidate]] = {}
    by_field: dict[str, int] = {}
    for key, index, cand in scored:
        if index in chosen or cand.field in by_field:
            continue
        chosen[index] = (key, cand)
        by_field[cand.field] = index
    out: list[Suggestion] = []
    for index, (key, cand) in chosen.items():
        passed: list[PassedOver] = []
        for other_key, other, other_cand in scored:
            if other_cand.field != cand.field or other == index or other in chosen:
                continue
            if other_key[0] and not key[0]:
                why = "empty"
            elif other_key[1] > key[1]:
                why = "unlike"
            elif other_key[2] > key[2]:
                why = "landline" if other_cand.concept == "phone" and cand.concept == "mobile" else "second"
            elif other_key[3] > key[3]:
                why = "weaker"
            else:
                why = "later"
            passed.append(PassedOver(other, headers[other], why, other_cand.concept))
        out.append(Suggestion(index, headers[index], cand.field, cand.basis, cand.matched, cand.language,
                              cand.concept, round(cand.score, 3), tuple(passed)))
    if rows is not None:
        out.extend(_by_content(headers, provider, rows, fields, set(chosen) | skipped, set(by_field)))
    if extra_as_attributes:
        mapping = {s.column: s.field for s in out}
        for index, name in extra_attributes(headers, provider, mapping, skipped=skipped).items():
            out.append(Suggestion(index, headers[index], name, "attribute", name))
    return sorted(out, key=lambda s: s.column)


_UNNAMED = re.compile(r"Column [A-Z]{1,3}(?: \(\d+\))?")
_EMAIL_VALUE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_VALUE = re.compile(r"\+?[\d\s().\-/]{7,}")
_NAME_VALUE = re.compile(r"[^\W\d_][^\W\d_'’.\-]*(?:[ '’\-][^\W\d_][^\W\d_'’.\-]*){1,3}")
CONTENT_SAMPLE = 200  # rows looked at to suggest a column without a name by its values


def _value_kind(value: str) -> str:
    if _EMAIL_VALUE.fullmatch(value):
        return "email"
    if _PHONE_VALUE.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 7:
        return "phone"
    if _NAME_VALUE.fullmatch(value) and all(word[0].isupper() for word in value.split()):
        return "name"  # "Patrick Brouwers", "Ayşe Nur Yılmaz": two to four capitalised words
    return ""


def _by_content(
    headers: Sequence[str], provider: Provider, rows: Sequence[Sequence[str]],
    fields: Mapping[str, Sequence[str]], taken: set[int], used: set[str],
) -> list[Suggestion]:
    """Columns without a name (``Column B``: a blank header cell, or a sheet without a header row) whose
    every value is an e-mail address, every value a phone number, or every value a person's full name (two
    to four capitalised words), suggested for the provider's e-mail, mobile or full-name field: what a
    careful person can tell from the values alone."""
    out: list[Suggestion] = []
    for index, header in enumerate(headers):
        if index in taken or not _UNNAMED.fullmatch(header):
            continue
        values = [row[index].strip() for row in itertools.islice(rows, CONTENT_SAMPLE)
                  if index < len(row) and row[index].strip()]
        kinds = {_value_kind(v) for v in values}
        if len(kinds) != 1 or "" in kinds:
            continue
        kind = kinds.pop()
        wanted = {"email": ("email",), "phone": ("mobile", "phone"), "name": ("full_name",)}[kind]
        for concept in wanted:
            fid = next((f for f, concepts in fields.items()
                        if concept in concepts and f not in used and provider.field(f) is not None), None)
            if fid is not None:
                used.add(fid)
                out.append(Suggestion(index, header, fid, "content", matched=kind, concept=concept))
                break
    return out


def extra_attributes(
    headers: Sequence[str], provider: Provider, mapping: Mapping[int, str], *, skipped: Iterable[int] = ()
) -> dict[int, str]:
    """For Netcore, the attribute each column not in ``mapping`` would be sent as (named after its
    header, made unique); ``{}`` for the other providers."""
    if provider.name != "netcore":
        return {}
    used = set(mapping.values())
    left_out = set(skipped) | {
        i for i, h in enumerate(headers)
        if _compact(normalise_header(h)) in {
            _compact(normalise_header(t)) for spec in provider.option_fields() for t in (spec.id, spec.label)
        }
    }
    out: dict[int, str] = {}
    for index, header in enumerate(headers):
        if index in mapping or index in left_out:
            continue
        name = netcore_attribute(header)
        if not name or provider.field(name) is None:
            continue
        candidate, n = name, 2
        while candidate in used:
            suffix = f"_{n}"
            candidate = name[: 64 - len(suffix)] + suffix
            n += 1
        out[index] = candidate
        used.add(candidate)
    return out


def auto_map(
    headers: Sequence[str],
    provider: Provider,
    rows: Sequence[Sequence[str]] | None = None,
    *,
    extra_as_attributes: bool = False,
) -> dict[int, str]:
    """Column index → field id of :func:`suggest`."""
    chosen = suggest(headers, provider, rows, extra_as_attributes=extra_as_attributes)
    return {s.column: s.field for s in chosen}


# ---------------------------------------------------------------------------------------------- --map / --set


def resolve_field(provider: Provider, name: str) -> str:
    """The provider field id meant by ``name`` (exact, else case-insensitive); UsageError if unknown."""
    text = name.strip()
    if text and provider.field(text) is not None:
        return text
    folded = text.casefold()
    for spec in provider.fields():
        if spec.id.casefold() == folded:
            return spec.id
    for variant in (text.upper(), text.lower()):
        if variant and provider.field(variant) is not None:
            return variant
    known = ", ".join(f.id for f in provider.fields())
    hint = provider.field_hint()
    sentence = _("{provider} has no field '{name}'. Known fields: {known}.").format(
        provider=provider.title, name=name, known=known)
    raise UsageError(f"{sentence} {hint}" if hint else sentence)


def _describe_columns(headers: Sequence[str]) -> str:
    shown = [f"{column_letter(i)} '{h}'" for i, h in enumerate(headers)]
    if len(shown) > 30:
        shown = [*shown[:30], "…"]
    return ", ".join(shown)


def _resolve_column(text: str, headers: Sequence[str]) -> int:
    want = text.strip()
    exact = list(headers)
    trimmed = [h.strip() for h in headers]
    folded = [h.casefold() for h in trimmed]
    for names, target in ((exact, text), (trimmed, want), (folded, want.casefold())):
        hits = [i for i, h in enumerate(names) if h == target]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            letters = ", ".join(column_letter(i) for i in hits)
            raise UsageError(
                _("Several columns are called '{name}' ({letters}); name the column by its letter "
                  "instead.").format(name=want, letters=letters)
            )
    index = _letter_index(want)
    if index is not None and index < len(headers):
        return index
    if want.isdigit() and 1 <= int(want) <= len(headers):
        return int(want) - 1
    raise UsageError(_("The file has no column '{name}'. Columns: {columns}.").format(
        name=want, columns=_describe_columns(headers)))


def parse_map_args(items: Iterable[str], headers: Sequence[str], provider: Provider) -> dict[int, str]:
    """``--map COLUMN=FIELD`` items → column index → field id.

    COLUMN is a header (exact, then ignoring case and surrounding spaces), a column letter ("C") or a
    1-based column number. Unknown columns or fields, and a column or field used twice, raise
    :class:`UsageError` naming it.
    """
    mapping: dict[int, str] = {}
    by_field: dict[str, int] = {}
    for item in items:
        column, sep, name = item.rpartition("=")
        if not sep or not column.strip() or not name.strip():
            raise UsageError(_("{option} expects {shape} (for example {example}), not '{item}'.").format(
                option="--map", shape="COLUMN=FIELD", example="--map E-posta=email", item=item))
        index = _resolve_column(column, headers)
        fid = resolve_field(provider, name)
        if index in mapping:
            raise UsageError(
                _("Column '{column}' is mapped twice (to {field} and {other}); map it once.").format(
                    column=headers[index], field=mapping[index], other=fid)
            )
        if fid in by_field:
            raise UsageError(
                _("Two columns are mapped to {field} ('{column}' and '{other}'); map only one.").format(
                    field=fid, column=headers[by_field[fid]], other=headers[index])
            )
        mapping[index] = fid
        by_field[fid] = index
    return mapping


def parse_set_args(items: Iterable[str], provider: Provider) -> dict[str, str]:
    """``--set FIELD=VALUE`` items → field id → value (the value as typed; validation comes later)."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(_("{option} expects {shape} (for example {example}), not '{item}'.").format(
                option="--set", shape="FIELD=VALUE", example="--set list_name=vip", item=item))
        fid = resolve_field(provider, name)
        if fid in out:
            raise UsageError(_("{option} is given twice; give it once.").format(option=f"--set {fid}"))
        out[fid] = value
    return out


# ---------------------------------------------------------------------------------------------- memory


def _shape(headers: Sequence[str]) -> list[str]:
    return [" ".join(h.split()).casefold() for h in headers]


def fingerprint(headers: Sequence[str], provider: Provider | str) -> str:
    """A stable key for a file shape: the provider and the header list (spacing and case ignored)."""
    name = provider if isinstance(provider, str) else provider.name
    payload = json.dumps([name, _shape(headers)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


#: The suggestion rules a remembered mapping was made under (2: only columns that match a field).
RULES = 2


class MappingMemory:
    """Mappings remembered per file shape in ``state_dir()/mappings.json`` (written atomically)."""

    MAX_ENTRIES = 500
    _lock = threading.Lock()

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        if self._path is not None:
            return self._path
        from core.paths import state_dir

        return state_dir() / "mappings.json"

    def _load(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: start afresh rather than stop the user
        entries = data.get("mappings") if isinstance(data, dict) else None
        return entries if isinstance(entries, dict) else {}

    def recall(self, headers: Sequence[str], provider: Provider) -> dict[int, str] | None:
        """The mapping remembered for these headers and provider, or None (also when it no longer fits)."""
        with self._lock:
            entry = self._load().get(fingerprint(headers, provider))
        if not isinstance(entry, dict) or not isinstance(entry.get("mapping"), dict):
            return None
        if provider.name == "netcore" and entry.get("rules", 1) != RULES:
            # remembered before Netcore stopped sending every other column as an attribute on its own:
            # those attributes were never asked for, so suggest afresh
            return None
        out: dict[int, str] = {}
        for key, fid in entry["mapping"].items():
            try:
                index = int(key)
            except (TypeError, ValueError):
                return None
            if not isinstance(fid, str) or not 0 <= index < len(headers) or provider.field(fid) is None:
                return None
            out[index] = fid
        return dict(sorted(out.items()))

    def remember(self, headers: Sequence[str], provider: Provider, mapping: Mapping[int, str]) -> None:
        """Store ``mapping`` for this file shape, replacing what was there."""
        with self._lock:
            entries = self._load()
            entries[fingerprint(headers, provider)] = {
                "provider": provider.name,
                "headers": list(headers),
                "mapping": {str(i): f for i, f in sorted(mapping.items())},
                "saved": time.time(),
                "rules": RULES,
            }
            if len(entries) > self.MAX_ENTRIES:

                def saved(item: tuple[str, object]) -> float:
                    if not isinstance(item[1], dict):
                        return 0.0
                    value = item[1].get("saved", 0.0)
                    return float(value) if isinstance(value, int | float) else 0.0

                entries = dict(sorted(entries.items(), key=saved)[-self.MAX_ENTRIES :])
            self._write({"version": 1, "mappings": entries})

    def _write(self, data: object) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".mappings-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

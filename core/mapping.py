"""Which spreadsheet column feeds which provider field.

* :func:`auto_map` suggests a mapping from header names, with the alias tables of
  ``resources/aliases.json`` (English, Turkish, French, Spanish) and fuzzy matching; for Netcore every
  column left over becomes an upper-case attribute named after its header ("Doğum Tarihi" → DOGUM_TARIHI).
* :func:`parse_map_args` / :func:`parse_set_args` read ``--map COLUMN=FIELD`` and ``--set FIELD=VALUE``.
* :class:`MappingMemory` remembers the mapping chosen for a file shape (provider + headers) in
  ``state_dir()/mappings.json``, so next week's file with the same headers maps the same way.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.errors import UsageError
from core.providers.base import Provider
from core.resources import resource_path

__all__ = [
    "MappingMemory",
    "auto_map",
    "column_letter",
    "netcore_attribute",
    "normalise_header",
    "parse_map_args",
    "parse_set_args",
    "resolve_field",
]

FUZZY_THRESHOLD = 0.8  # difflib ratio needed for a fuzzy match
CONTAIN_SCORE = 0.8  # an alias (5+ letters) found as whole words inside a longer header
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


@dataclass(frozen=True)
class _Aliases:
    concepts: dict[str, tuple[str, ...]]  # concept -> normalised aliases
    providers: dict[str, dict[str, tuple[str, ...]]]  # provider -> field id -> concepts, best first


@lru_cache(maxsize=1)
def _aliases() -> _Aliases:
    with resource_path("aliases.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    concepts = {
        name: tuple(dict.fromkeys(normalise_header(a) for a in aliases if normalise_header(a)))
        for name, aliases in data["concepts"].items()
    }
    providers = {p: {f: tuple(c) for f, c in fields.items()} for p, fields in data["providers"].items()}
    return _Aliases(concepts, providers)


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _score(header: str, alias: str) -> float:
    """How well a normalised header matches a normalised alias (0 = not at all, 1 = the same)."""
    if header == alias or _compact(header) == _compact(alias):
        return 1.0
    best = 0.0
    a, h = _compact(alias), _compact(header)
    if len(a) >= 4 and len(h) >= 4:
        ratio = difflib.SequenceMatcher(None, h, a).ratio()
        if ratio >= FUZZY_THRESHOLD:
            best = ratio * 0.95
    if len(a) >= 5 and f" {alias} " in f" {header} ":
        best = max(best, CONTAIN_SCORE + 0.1 * len(alias) / len(header))
    return best


def _candidates(header: str, provider: Provider) -> dict[str, float]:
    """Field id -> score for one header."""
    norm = normalise_header(header)
    if not norm:
        return {}
    out: dict[str, float] = {}
    # the provider's own ids and labels ("contactFirstname", "First name", "EMAIL", "custom_field:3")
    for spec in provider.contact_fields():
        for text in (spec.id, spec.label):
            s = _score(norm, normalise_header(text))
            if s >= 1.0:
                out[spec.id] = max(out.get(spec.id, 0.0), 1.0)
    stripped = header.strip()
    dyn = provider.field(stripped)
    if dyn is not None and not dyn.option and stripped not in out and provider.name != "netcore":
        out[stripped] = 1.0  # custom_field:<id>, attr:<id> typed as the header
    aliases = _aliases()
    concept_scores: dict[str, float] = {}
    for concept, names in aliases.concepts.items():
        best = max((_score(norm, a) for a in names), default=0.0)
        if best > 0:
            concept_scores[concept] = best
    if concept_scores:
        top = max(concept_scores.values())
        fields = aliases.providers.get(provider.name, {})
        for fid, concepts in fields.items():
            for pos, concept in enumerate(concepts):
                s = concept_scores.get(concept, 0.0)
                if s and s >= top - NEAR_BEST:
                    score = s * (1 - PRIORITY_STEP * pos)
                    if score > out.get(fid, 0.0):
                        out[fid] = score
    return out


def auto_map(headers: Sequence[str], provider: Provider) -> dict[int, str]:
    """Suggest column index → field id from the headers; each field at most once, the best match wins.

    Only contact fields are suggested (job options are set, not guessed). For Netcore, each column
    left unmatched becomes an upper-case attribute named after its header.
    """
    option_names = {
        _compact(normalise_header(text))
        for spec in provider.option_fields()
        for text in (spec.id, spec.label)
    }
    skipped = {i for i, h in enumerate(headers) if _compact(normalise_header(h)) in option_names}
    scored: list[tuple[float, int, str]] = []
    for index, header in enumerate(headers):
        if index in skipped:
            continue  # named after a job option: options are set, never guessed, and never a contact field
        for fid, score in _candidates(header, provider).items():
            scored.append((score, index, fid))
    scored.sort(key=lambda t: (-t[0], t[1]))
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for _, index, fid in scored:
        if index in mapping or fid in used:
            continue
        mapping[index] = fid
        used.add(fid)
    if provider.name == "netcore":
        for index, header in enumerate(headers):
            if index in mapping or index in skipped:
                continue
            name = netcore_attribute(header)
            if not name or provider.field(name) is None:
                continue
            candidate, n = name, 2
            while candidate in used:
                suffix = f"_{n}"
                candidate = name[: 64 - len(suffix)] + suffix
                n += 1
            mapping[index] = candidate
            used.add(candidate)
    return dict(sorted(mapping.items()))


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
    raise UsageError(
        f"{provider.title} has no field '{name}'. Known fields: {known}." + (f" {hint}" if hint else "")
    )


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
                f"Several columns are called '{want}' ({letters}); name the column by its letter instead."
            )
    index = _letter_index(want)
    if index is not None and index < len(headers):
        return index
    if want.isdigit() and 1 <= int(want) <= len(headers):
        return int(want) - 1
    raise UsageError(f"The file has no column '{want}'. Columns: {_describe_columns(headers)}.")


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
            raise UsageError(f"--map expects COLUMN=FIELD (for example --map E-posta=email), not '{item}'.")
        index = _resolve_column(column, headers)
        fid = resolve_field(provider, name)
        if index in mapping:
            raise UsageError(
                f"Column '{headers[index]}' is mapped twice (to {mapping[index]} and {fid}); map it once."
            )
        if fid in by_field:
            raise UsageError(
                f"Two columns are mapped to {fid} ('{headers[by_field[fid]]}' and '{headers[index]}'); "
                "map only one."
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
            raise UsageError(f"--set expects FIELD=VALUE (for example --set list_name=vip), not '{item}'.")
        fid = resolve_field(provider, name)
        if fid in out:
            raise UsageError(f"--set {fid} is given twice; give it once.")
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

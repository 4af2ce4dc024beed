"""Saved imports: the settings of one import, kept in a small readable ``*.cuimport`` file (SPEC §8).

A saved import holds what is needed to run the same import on next month's file with the same columns:
the provider and credential profile, how the file is read (sheet, header row, encoding, delimiter), the
mapping **by column name**, the constants and options (``--set``) and the default phone region. It never
holds a secret: a credential field is refused as a constant, and :meth:`SavedImport.save` refuses a value
equal to one of the secrets it is given.

The file is UTF-8 JSON with a ``"format"`` version key::

    {
      "format": 1,
      "provider": "octopush",
      "profile": "default",
      "reading": {"sheet": null, "header_row": 1, "encoding": "utf-8", "delimiter": ";"},
      "mapping": {"Cep Telefonu": "phone_number", "Ad": "first_name"},
      "constants": {"list_name": "vip"},
      "default_region": "TR",
      "columns": ["Ad", "Soyad", "Cep Telefonu"]
    }

``null`` in ``reading`` means "detect it". ``columns`` (optional) lists every column of the file the import
was saved from, mapped or not, so that a later file's new columns can be told from the ones left out on
purpose. The command line uses it through ``upload --use`` / ``--save``;
the window can build one with :meth:`SavedImport.from_choices` and apply one with :meth:`mapping_for`.
Every problem is an :class:`~core.errors.UsageError` with one sentence naming the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UsageError
from core.i18n import _, ngettext
from core.providers import PROVIDERS, Provider, get_provider

FORMAT = 1
SUFFIX = ".cuimport"
MAX_BYTES = 1_000_000  # a saved import is a few hundred bytes; anything this large is not one


@dataclass(frozen=True, slots=True)
class Reading:
    """How the file is read; ``None`` = detect (encoding, delimiter, header row) or the first sheet."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "header_row": self.header_row, "encoding": self.encoding,
                "delimiter": self.delimiter}


@dataclass(frozen=True, slots=True)
class Fit:
    """A saved import applied to a file's headers (:meth:`SavedImport.fit`)."""

    mapping: dict[int, str]  # column index → field id, for the saved columns the file has
    missing: dict[str, str]  # saved column name → its field id, for the saved columns the file lacks
    new: list[int]  # indexes of the file's columns the saved import does not name


@dataclass(frozen=True, slots=True)
class SavedImport:
    """One import's settings. ``mapping``: column name → field id; ``constants``: field/option id → value."""

    provider: str
    profile: str = "default"
    reading: Reading = field(default_factory=Reading)
    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    default_region: str | None = None
    columns: tuple[str, ...] = ()  # every column of the file it was saved from ((): not known)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_choices(
        cls,
        provider: Provider | str,
        *,
        headers: Sequence[str],
        mapping: Mapping[int, str],
        profile: str = "default",
        reading: Reading | None = None,
        constants: Mapping[str, str] | None = None,
        default_region: str | None = None,
    ) -> SavedImport:
        """The settings of a run: ``mapping`` is column index → field id over ``headers``."""
        prov = provider if isinstance(provider, Provider) else get_provider(provider)
        by_name = {headers[i]: fid for i, fid in sorted(mapping.items()) if 0 <= i < len(headers)}
        saved = cls(provider=prov.name, profile=profile or "default", reading=reading or Reading(),
                     mapping=by_name, constants=dict(constants or {}), default_region=default_region or None,
                     columns=tuple(headers))
        return saved.checked()

    # ------------------------------------------------------------------ checking
    def checked(self, source: str | None = None) -> SavedImport:
        """This import with every field id as the provider spells it; UsageError when a field is unknown
        to the provider or a credential is among the constants. ``source``: the file name, for messages."""
        from core.mapping import resolve_field

        provider = get_provider(self.provider)
        credential_ids = {c.id.casefold() for c in provider.credential_fields}
        for name in self.constants:
            if name.strip().casefold() in credential_ids:
                if source:
                    raise UsageError(
                        _("The saved import {file} would hold the credential {name}; credentials are never "
                          "kept in a saved import (they stay in the keyring or the environment).").format(
                            file=source, name=name))
                raise UsageError(
                    _("The saved import would hold the credential {name}; credentials are never kept in a "
                      "saved import (they stay in the keyring or the environment).").format(name=name))

        def field_id(name: str) -> str:
            try:
                return resolve_field(provider, name)
            except UsageError as exc:
                if source:
                    raise UsageError(_("The saved import {file}: {reason}").format(file=source, reason=exc)) \
                        from None
                raise UsageError(_("The saved import: {reason}").format(reason=exc)) from None

        return SavedImport(
            provider=provider.name, profile=self.profile, reading=self.reading,
            mapping={column: field_id(fid) for column, fid in self.mapping.items()},
            constants={field_id(fid): value for fid, value in self.constants.items()},
            default_region=self.default_region, columns=self.columns,
        )

    # ------------------------------------------------------------------ applying
    def fit(self, headers: Sequence[str]) -> Fit:
        """How this import fits a file with these ``headers``: the column index → field id of each saved
        column it has (exact name, else ignoring case and spacing), the saved columns it lacks, and its
        columns the saved import does not name (what the window shows as missing and new)."""
        exact = {h: i for i, h in enumerate(headers)}
        loose: dict[str, int] = {}
        for i, h in enumerate(headers):
            loose.setdefault(_loose(h), i)
        mapping: dict[int, str] = {}
        missing: dict[str, str] = {}
        for column, fid in self.mapping.items():
            index = exact.get(column)
            if index is None:
                index = loose.get(_loose(column))
            if index is None:
                missing[column] = fid
            else:
                mapping[index] = fid
        known = {_loose(column) for column in (*self.mapping, *self.columns)}
        new = [i for i, h in enumerate(headers) if i not in mapping and _loose(h) not in known]
        return Fit(mapping=mapping, missing=missing, new=new)

    def mapping_for(self, headers: Sequence[str], *, file_name: str = "the file",
                    source: str | None = None) -> dict[int, str]:
        """Column index → field id for a file with these ``headers`` (exact name, else ignoring case and
        spacing); UsageError naming every saved column the file does not have."""
        fit = self.fit(headers)
        if fit.missing:
            names = ", ".join(f"'{m}'" for m in fit.missing)
            n = len(fit.missing)
            values = {"file": source or "", "columns": names, "name": file_name, "its": _list(headers)}
            if source:
                text = ngettext("The saved import {file} maps the column {columns}, which {name} does not "
                                "have (its columns: {its}).",
                                "The saved import {file} maps the columns {columns}, which {name} does not "
                                "have (its columns: {its}).", n)
            else:
                text = ngettext("The saved import maps the column {columns}, which {name} does not have "
                                "(its columns: {its}).",
                                "The saved import maps the columns {columns}, which {name} does not have "
                                "(its columns: {its}).", n)
            raise UsageError(text.format(**values))
        return fit.mapping

    # ------------------------------------------------------------------ the file
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "provider": self.provider,
            "profile": self.profile,
            "reading": self.reading.to_json(),
            "mapping": dict(self.mapping),
            "constants": dict(self.constants),
            "default_region": self.default_region,
            "columns": list(self.columns),
        }

    def save(self, path: str | os.PathLike[str], *, secrets: Iterable[str] = ()) -> Path:
        """Write the file atomically; UsageError if a value equals one of ``secrets`` or on a write error."""
        target = Path(path)
        refused = {s for s in secrets if s}
        for value in [*self.constants.values(), *self.mapping]:
            if value in refused:
                raise UsageError(
                    _("{name} was not written: one of its values is a credential, and credentials are never "
                      "saved in a saved import.").format(name=target.name)
                )
        checked = self.checked(source=target.name)
        text = json.dumps(checked.to_json(), ensure_ascii=False, indent=2) + "\n"
        folder = target.parent if str(target.parent) else Path(".")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise UsageError(_("Cannot write the saved import {file}: {reason}.").format(
                file=target, reason=exc.strerror or exc)) from None
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SavedImport:
        """Read and check a saved import; UsageError with one sentence naming the file on any problem."""
        source = Path(path)
        name = source.name
        try:
            if source.is_dir():
                raise UsageError(_("{name} is a folder, not a saved import.").format(name=name))
            with open(source, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(_("There is no saved import {file}.").format(file=source)) from None
        except OSError as exc:
            raise UsageError(_("Cannot read the saved import {name}: {reason}.").format(
                name=name, reason=exc.strerror or exc)) from None
        if len(raw) > MAX_BYTES:
            raise UsageError(_("{name} is not a saved import (far too large).").format(name=name))
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise UsageError(_("{name} is not a saved import (not UTF-8 text).").format(name=name)) from None
        except json.JSONDecodeError as exc:
            raise UsageError(_("{name} is not a saved import (broken JSON at line {line}).").format(
                name=name, line=exc.lineno)) from None
        return cls.from_json(data, source=name)

    @classmethod
    def from_json(cls, data: Any, *, source: str | None = None) -> SavedImport:
        if source is None:
            source = _("The data")
        if not isinstance(data, dict) or "format" not in data:
            raise UsageError(_("{name} is not a saved import (it has no \"format\").").format(name=source))
        version = data.get("format")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise UsageError(_("{name} is not a saved import (its \"format\" is not a version number).")
                             .format(name=source))
        if version > FORMAT:
            raise UsageError(
                _("{name} was saved by a newer version of Contact Uploader (format {version}); update the "
                  "program to use it.").format(name=source, version=version)
            )
        provider = data.get("provider")
        if not isinstance(provider, str) or provider.strip().lower() not in PROVIDERS:
            raise UsageError(_("{name} names no known provider (one of: {providers}).").format(
                name=source, providers=", ".join(PROVIDERS)))
        reading = data.get("reading") or {}
        if not isinstance(reading, dict):
            raise UsageError(_("{name}: \"reading\" must be an object.").format(name=source))
        header_row = reading.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                       or header_row < 0):
            raise UsageError(_("{name}: \"header_row\" must be a row number (0 for none) or null.").format(
                name=source))
        saved = cls(
            provider=provider.strip().lower(),
            profile=_text(data.get("profile"), source, "profile") or "default",
            reading=Reading(
                sheet=_text(reading.get("sheet"), source, "sheet"),
                header_row=header_row,
                encoding=_text(reading.get("encoding"), source, "encoding"),
                delimiter=_text(reading.get("delimiter"), source, "delimiter", strip=False),
            ),
            mapping=_pairs(data.get("mapping"), source, "mapping"),
            constants=_pairs(data.get("constants"), source, "constants"),
            default_region=_text(data.get("default_region"), source, "default_region"),
            columns=_names(data.get("columns"), source),
        )
        return saved.checked(source=source)


# ---------------------------------------------------------------------------------------- helpers
def _text(value: Any, source: str, key: str, *, strip: bool = True) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(_("{name}: \"{key}\" must be text or null.").format(name=source, key=key))
    if strip:
        value = value.strip()
    return value or None


def _pairs(value: Any, source: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise UsageError(_("{name}: \"{key}\" must be an object of texts.").format(name=source, key=key))
    return dict(value)


def _names(value: Any, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(_("{name}: \"columns\" must be a list of texts.").format(name=source))
    return tuple(value)


def _loose(name: str) -> str:
    return " ".join(name.split()).casefold()


def _list(headers: Sequence[str]) -> str:
    shown = [f"'{h}'" for h in headers[:30]]
    return ", ".join(shown) + (", …" if len(headers) > 30 else "")


__all__ = ["FORMAT", "SUFFIX", "Fit", "Reading", "SavedImport"]

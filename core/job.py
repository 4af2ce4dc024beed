"""The import job, once for both front ends: a typed spec → read → check → run → report.

:class:`JobSpec` is everything an import is: the file, and its :class:`~core.saved_import.SavedImport`
settings — provider, profile, reading (sheet, header row, encoding, delimiter), the mapping by column name,
the constants and options, the default region. A saved import is a spec without its file. The journal
keeps each job's spec as it was run (the reading as detected, the region as applied), so the command line
and the window resume any job exactly, whichever started it (:meth:`JobSpec.from_job`).

The pieces both front ends call, and nothing else computes:

- :func:`default_region` — the phone region: the one given, else the profile's default country;
- :func:`job_key` — what identifies a job in the journal (the file as read, provider, profile — ``demo``
  for a demo job —, columns → fields, constants, region) and :func:`find_job` / :func:`create_job`;
- :class:`core.validation.RowChecker` — the one row check, for the whole file and an edited cell;
- :class:`CheckedFile` / :func:`check_file` — the check of a whole file streamed (the command line): the
  rows are never held; the verdicts (and the cells, for the report) go to a private spool on disk, and
  what stays in memory is what duplicate detection needs;
- :func:`report_rows` — the report of a checked file, with or without a job's results, streamed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import marshal
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from core.errors import UploaderError
from core.i18n import _
from core.journal import JobInfo, Journal, file_fingerprint, mapping_key
from core.model import Contact, RowResult
from core.providers import Provider, get_provider
from core.saved_import import Reading, SavedImport
from core.validation import Duplicates, RowChecker, checking

log = logging.getLogger(__name__)

__all__ = [
    "CheckedFile",
    "JobKey",
    "JobSpec",
    "check_file",
    "create_job",
    "default_region",
    "find_job",
    "job_key",
    "job_profile",
    "read_settings",
    "report_rows",
]

SPEC_FORMAT = 1
SPOOL_BATCH = 2000  # verdicts pickled together in the spool


# ---------------------------------------------------------------------------------------------- the spec
@dataclass(frozen=True, slots=True)
class JobSpec:
    """One import: the file and its settings (a :class:`SavedImport`: a saved import is a spec without
    its file)."""

    file: str
    settings: SavedImport

    @property
    def provider(self) -> str:
        return self.settings.provider

    @property
    def profile(self) -> str:
        return self.settings.profile

    @property
    def reading(self) -> Reading:
        return self.settings.reading

    @property
    def default_region(self) -> str | None:
        return self.settings.default_region

    def mapping_for(self, headers: Sequence[str]) -> dict[int, str]:
        """Column index → field id over ``headers`` (the spec's columns by name; UsageError for one the
        file lacks)."""
        return self.settings.mapping_for(headers, file_name=Path(self.file).name)

    def fingerprint(self) -> str:
        """The fingerprint of the file read this way (what the journal keys the job by): it differs once
        the file changed."""
        reading = self.reading
        return file_fingerprint(self.file, reading.sheet, reading.header_row, reading.encoding,
                                reading.delimiter)

    def to_json(self) -> dict[str, Any]:
        return {"spec": SPEC_FORMAT, "file": self.file, **self.settings.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> JobSpec:
        """The spec stored with a job; UsageError when it is not one."""
        from core.errors import UsageError

        if not isinstance(data, dict) or not isinstance(data.get("file"), str):
            raise UsageError(_("The job's settings in the journal are not readable."))
        settings = SavedImport.from_json({k: v for k, v in data.items() if k not in ("spec", "file")},
                                         source=Path(data["file"]).name)
        return cls(file=data["file"], settings=settings)

    @classmethod
    def from_job(cls, job: JobInfo) -> JobSpec | None:
        """The spec a journal job was run with, or None (a job written before specs were kept)."""
        if not job.spec:
            return None
        try:
            return cls.from_json(job.spec)
        except UploaderError as exc:
            log.info("job %s: its stored spec is unreadable: %s", job.id, exc)
            return None


def read_settings(table: Any) -> Reading:
    """The reading a table (or :class:`~core.reading.TableStream`) was read with, as detected or given:
    reading the file again with it gives the same rows."""
    return Reading(sheet=table.sheet, header_row=table.header_row, encoding=table.encoding,
                   delimiter=table.delimiter)


def spec_for(
    table: Any, provider: Provider, *, profile: str, mapping: Mapping[int, str], constants: Mapping[str, str],
    region: str | None,
) -> JobSpec:
    """The spec of a job as it runs: the file as read, the mapping by column name, the region applied."""
    settings = SavedImport.from_choices(provider, headers=table.headers, mapping=mapping, profile=profile,
                                        reading=read_settings(table), constants=constants,
                                        default_region=region)
    return JobSpec(file=str(Path(table.path).resolve()), settings=settings)


# ---------------------------------------------------------------------------------------------- region
def default_region(provider: Provider, profile: str, explicit: str | None) -> str | None:
    """The phone region of a job: ``explicit`` when given, else the profile's default country (settings),
    else None (the provider's own default applies)."""
    if explicit and explicit.strip():
        return explicit.strip()
    try:
        from core import settings

        return settings.load().default_country(provider.name, profile) or None
    except (ImportError, UploaderError, OSError, ValueError):
        return None


def job_profile(profile: str, demo: bool) -> str:
    """The profile a job is kept under: ``demo`` for a demo job (it never resumes against a real account)."""
    return "demo" if demo else (profile or "default")


# ---------------------------------------------------------------------------------------------- job key
@dataclass(frozen=True, slots=True)
class JobKey:
    """What identifies one job in the journal and in :mod:`core.joblock`."""

    fingerprint: str
    provider: str
    profile: str
    mapping: dict[str, Any]


def job_key(table: Any, provider: Provider | str, profile: str, mapping: Mapping[int, str],
            constants: Mapping[str, str], region: str | None, *, fingerprint: str | None = None) -> JobKey:
    """The journal key of a job: the file's fingerprint as read (``table``: a Table, a TableStream, or
    anything with ``path``, ``sheet``, ``header_row``, ``encoding``, ``delimiter``), the provider, the job
    profile (:func:`job_profile`), and columns → fields, constants and region. ``fingerprint`` when
    already computed (it hashes the file)."""
    name = provider if isinstance(provider, str) else provider.name
    if fingerprint is None:
        fingerprint = file_fingerprint(table.path, table.sheet, table.header_row, table.encoding,
                                       table.delimiter)
    return JobKey(fingerprint, name, profile, mapping_key(mapping, constants, region))


def spec_key(spec: JobSpec, headers: Sequence[str], *, demo: bool = False) -> JobKey:
    """The journal key of a stored spec's job, for a file with these ``headers``."""
    return JobKey(spec.fingerprint(), spec.provider, job_profile(spec.profile, demo),
                  mapping_key(spec.mapping_for(headers), spec.settings.constants, spec.default_region))


def find_job(journal: Journal, key: JobKey) -> int | None:
    """The newest unfinished job with this key, or None."""
    return journal.find_unfinished(key.fingerprint, key.provider, key.profile, key.mapping)


def create_job(journal: Journal, key: JobKey, spec: JobSpec, options: Mapping[str, str], total: int) -> int:
    """A new job with this key, its spec stored with it (an older open one with the key is abandoned)."""
    return journal.create_job(key.fingerprint, key.provider, key.profile, key.mapping, options, total,
                              source=spec.file, spec=spec.to_json())


# ---------------------------------------------------------------------------------------------- checking
@dataclass
class CheckedFile:
    """A file checked row by row: counts, the job options, and the verdicts spooled on disk in source
    order (:meth:`verdicts`, :meth:`contacts`). Close it (or use it as a context manager) to remove the
    spool."""

    rows: int = 0
    valid: int = 0
    invalid: int = 0
    options: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def verdicts(self) -> Iterator[tuple[int, Mapping[str, str] | None, str, list[str]]]:
        """(key, the contact's fields or None when invalid, the problems' sentence, the row's cells) per
        row, in order (the cells are kept for the report, so the file is not read a third time)."""
        with open(self.path, "rb") as fh:
            while True:
                head = fh.read(8)
                if len(head) < 8:
                    return
                # our own private spool (mkstemp: 0600), written by this process: one blob per batch
                yield from marshal.loads(fh.read(int.from_bytes(head, "little")))

    def contacts(self) -> Iterator[Contact]:
        """The valid contacts, in source order."""
        for key, fields, _message, _cells in self.verdicts():
            if fields is not None:
                yield Contact(key=key, fields=fields)

    def close(self) -> None:
        if self.path:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = ""

    def __enter__(self) -> CheckedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_file(rows: Any, checker: RowChecker, provider: Provider) -> CheckedFile:
    """Check every row of ``rows`` (an iterable of (row number, cells): a TableStream) with ``checker``;
    duplicates on the provider's identity are refused (the first row is kept); option columns must hold
    one value. Job-level problems raise UsageError (and nothing is left behind)."""
    fd, path = tempfile.mkstemp(prefix="contact-uploader-check-", suffix=".spool")
    checked = CheckedFile(path=path)
    try:
        with os.fdopen(fd, "wb") as fh, checking():
            _check_into(fh, rows, checker, provider, checked)
    except BaseException:
        checked.close()
        raise
    return checked


def _check_into(
    fh: BinaryIO, rows: Any, checker: RowChecker, provider: Provider, checked: CheckedFile
) -> None:
    duplicates = Duplicates(provider)
    collector = checker.option_values()
    collect = collector.add if checker.option_columns else None
    check = checker.check
    batch: list[tuple[int, Mapping[str, str] | None, str, list[str]]] = []
    valid = invalid = 0
    for key, cells in rows:
        if collect is not None:
            collect(key, cells)
        verdict = check(key, cells, duplicates)
        if verdict.contact is not None:
            fields = verdict.contact.fields  # a dict from the row check; marshal takes no other mapping
            batch.append((key, fields if type(fields) is dict else dict(fields), "", cells))
            valid += 1
        else:
            batch.append((key, None, verdict.message, cells))
            invalid += 1
        if len(batch) >= SPOOL_BATCH:
            _spool(fh, batch)
            batch = []
    if batch:
        _spool(fh, batch)
    checked.rows, checked.valid, checked.invalid = valid + invalid, valid, invalid
    checked.options = collector.options()


def _spool(fh: BinaryIO, batch: list[Any]) -> None:
    blob = marshal.dumps(batch)
    fh.write(len(blob).to_bytes(8, "little"))
    fh.write(blob)


# ---------------------------------------------------------------------------------------------- report
def report_rows(
    checked: CheckedFile,
    *,
    ready_message: str | None = None,
    results: Iterator[RowResult] | None = None,
) -> Iterator[list[str]]:
    """The report's data rows (:func:`core.report.report_row`) of a checked file, in source order: each
    row's cells beside its verdict; a valid row is ``ready`` with ``ready_message`` (a dry run) or has its
    result from ``results`` (a job's results and notes in key order,
    :meth:`core.journal.Journal.iter_reported`), else it was not sent."""
    from core.model import Outcome

    ready = RowResult(0, Outcome.READY, message=ready_message) if ready_message is not None else None
    pending = next(results, None) if results is not None else None
    with _no_cycles():
        yield from _report_rows(checked, ready, pending, results)


@contextlib.contextmanager
def _no_cycles() -> Iterator[None]:
    """The cyclic collector off while a spool is read: its rows are acyclic, and a collection every few
    thousand of them would walk everything allocated so far (half the time of reading it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _report_rows(checked: CheckedFile, ready: RowResult | None, pending: RowResult | None,
                 results: Iterator[RowResult] | None) -> Iterator[list[str]]:
    from core.report import report_row

    for key, fields, message, cells in checked.verdicts():
        if fields is None:
            yield report_row(key, cells, None, message)
            continue
        if ready is not None:
            yield report_row(key, cells, ready, None)
            continue
        result = None
        while pending is not None and results is not None and pending.key < key:
            pending = next(results, None)
        if pending is not None and pending.key == key:
            result = pending
        yield report_row(key, cells, result, None)


def provider_of(spec: JobSpec) -> Provider:
    return get_provider(spec.provider)

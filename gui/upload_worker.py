"""The upload worker: :func:`core.engine.run_job` as a :mod:`gui.workers` task, reported in throttled batches.

:class:`UploadJob` is the task's body, so the upload has the signal set of every other worker: ``started``,
``progress`` (an :class:`UploadBatch`: the latest :class:`~core.engine.Progress` and the row results that
arrived since the previous batch), ``result`` (the :class:`~core.engine.JobSummary`, also after a cancel),
``failed`` (the exception object) and ``finished``, always emitted once.

The engine calls back once per row; emitting a signal per row would flood the GUI thread with 100 000
queued calls. Results are buffered under a lock instead and handed over at most every
:data:`BATCH_INTERVAL` seconds, so the window redraws ten times a second whatever the throughput.

Pause and resume go straight to the engine's thread-safe :class:`~core.engine.JobControl`; the task's cancel
flag is forwarded to it.
A cancelled job stays open in the journal, so it can be resumed later.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.model import Contact, RowResult
from core.providers.base import Provider
from gui.memory import release_free_memory
from gui.workers import CancelFlag

if TYPE_CHECKING:
    from core.engine import JobSummary, Progress

log = logging.getLogger(__name__)

BATCH_INTERVAL = 0.1  # seconds between two batches handed to the GUI thread


READ_OPTION = "window.read"  # the job option under which the window keeps how it read the file


@dataclass(frozen=True)
class JobSpec:
    """Everything that identifies a job in the journal, so the window and the CLI resume each other's jobs.

    The journal key is the CLI's (:mod:`core.upload`): :func:`core.journal.table_fingerprint` of the file as
    read, the profile (``"demo"`` for demo jobs) and :func:`core.journal.mapping_key` of columns, ``--set``
    values and region. The journal has no place for how the file was read (sheet, header row, encoding,
    delimiter), so the window keeps that as one extra job option, :data:`READ_OPTION` (the engine is given
    the options separately; the journal's copy is only a record). A job the CLI started has no such
    option: :func:`find_read_settings` then finds the reading that gives the job's fingerprint.
    """

    path: str
    sheet: str | None
    header_row: int | None  # None: not known (a CLI job), see find_read_settings
    encoding: str | None
    delimiter: str | None
    mapping: dict[int, str]
    constants: dict[str, str]
    region: str  # the region as the journal key has it ("" = the default, as the CLI writes it)
    profile: str  # the journal profile: the credentials profile, or "demo"

    @property
    def reading_known(self) -> bool:
        return self.header_row is not None

    def journal_mapping(self) -> dict[str, Any]:
        """The job's 'mapping' as the journal stores it, the same as the CLI's."""
        from core.journal import mapping_key

        return mapping_key(self.mapping, self.constants, self.region or None)

    def read_option(self) -> dict[str, str]:
        """The extra job option that tells the window how to read the file again."""
        value = {"sheet": self.sheet, "header_row": self.header_row, "encoding": self.encoding,
                 "delimiter": self.delimiter}
        return {READ_OPTION: json.dumps(value, ensure_ascii=False, sort_keys=True)}

    @classmethod
    def from_job(cls, job: Any) -> JobSpec | None:
        """The spec of a journal job (:class:`core.journal.JobInfo`) started by the window or the CLI;
        None for a job that is not an upload of a file (benchmarks, tests)."""
        mapping = job.mapping
        if not isinstance(mapping, dict) or not isinstance(mapping.get("columns"), dict) or not job.source:
            return None
        sheet = header_row = encoding = delimiter = None
        read = (job.options or {}).get(READ_OPTION)
        try:
            if read:
                settings = json.loads(read)
                sheet, encoding, delimiter = settings["sheet"], settings["encoding"], settings["delimiter"]
                header_row = int(settings["header_row"])
            return cls(
                path=str(job.source),
                sheet=sheet,
                header_row=header_row,
                encoding=encoding,
                delimiter=delimiter,
                mapping={int(k): str(v) for k, v in mapping["columns"].items()},
                constants={str(k): str(v) for k, v in dict(mapping.get("set") or {}).items()},
                region=str(mapping.get("region") or ""),
                profile=str(job.profile),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def fingerprint(self) -> str:
        """The same value :func:`core.journal.table_fingerprint` gives for the table read this way."""
        from core.journal import file_fingerprint

        return file_fingerprint(self.path, self.sheet, self.header_row, self.encoding, self.delimiter)


def find_read_settings(path: str | Path, fingerprint: str, scan_rows: int = 10) -> tuple[Any, int] | None:
    """(RawSheet, header row) whose reading of ``path`` has ``fingerprint``, or None (worker thread).

    For a job the CLI started: it read the first sheet with a detected header unless told otherwise,
    so that is tried first (one hash of the file), then the other header rows and sheets.
    """
    from core.journal import file_fingerprint
    from core.reading import list_sheets, read_raw

    sheets: list[str | None] = list(list_sheets(path)) or [None]
    for sheet in sheets:
        raw = read_raw(path, sheet=sheet, limit=max(scan_rows, 20))
        candidates = [raw.header_row] + [n for n in raw.row_numbers[:scan_rows] if n != raw.header_row]
        for header_row in candidates:
            if file_fingerprint(path, raw.sheet, header_row, raw.encoding, raw.delimiter) == fingerprint:
                return raw, header_row
    return None


@dataclass
class UploadRequest:
    """One run of a job. ``job_id`` None creates a new job from ``spec`` (in the worker thread)."""

    provider: Provider
    creds: dict[str, str] = field(repr=False)
    base_url: str
    contacts: Sequence[Contact]
    options: dict[str, str]
    spec: JobSpec
    fingerprint: str = ""  # core.journal.table_fingerprint of the table the contacts came from
    job_id: int | None = None
    concurrency: int | None = None
    total_rows: int = 0  # rows of the job (for the journal), valid or not
    columns: dict[str, str] = field(default_factory=dict)  # field id -> the user's column header


@dataclass(frozen=True)
class UploadBatch:
    """What the GUI thread gets ten times a second."""

    progress: Progress | None
    results: list[RowResult]
    job_id: int | None = None


class UploadJob:
    """The body of an upload task: ``start_task(job, pass_cancel=True, pass_report=True,
    result_on_cancel=True)`` runs it on a worker thread like every other background job (:mod:`gui.workers`),
    so ``cancel_all``/``wait_all`` see it. Pause and resume (any thread) go to the engine's
    :class:`~core.engine.JobControl`; the task's cancel flag is forwarded to it.

    ``report`` receives :class:`UploadBatch` values: one as soon as the job has its id in the journal, then
    at most one per :data:`BATCH_INTERVAL`, and a last one before the summary is returned.
    """

    def __init__(self, request: UploadRequest, journal_path: str | None = None) -> None:
        from core.engine import JobControl

        self.request = request
        self.control = JobControl()
        self.job_id: int | None = request.job_id
        self._journal_path = journal_path
        self._lock = threading.Lock()
        self._pending: list[RowResult] = []
        self._latest: Progress | None = None
        self._last_emit = 0.0
        self._report: Callable[[UploadBatch], None] = _ignore

    # ------------------------------------------------------------------ control (any thread)
    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def cancel(self) -> None:
        self.control.cancel()

    @property
    def paused(self) -> bool:
        return bool(self.control.paused)

    # ------------------------------------------------------------------ body (worker thread)
    def __call__(self, *, cancel_flag: CancelFlag, report: Callable[[UploadBatch], None]) -> JobSummary:
        self._report = report
        cancel_flag.on_set(self.control.cancel)
        try:
            return self._run()
        finally:
            self._flush()

    def _run(self) -> JobSummary:
        from core.engine import run_job
        from core.joblock import JobLock
        from core.journal import Journal

        req = self.request
        fingerprint = req.fingerprint or req.spec.fingerprint()
        # one process per job, shared with the command line (core.joblock): a second window or a CLI
        # run of the same job is refused (JobBusy → the failed signal → a dialog) before anything is sent
        lock = JobLock.for_job(fingerprint, req.provider.name, req.spec.profile, req.spec.journal_mapping(),
                               req.provider.title, program="window")
        lock.acquire()
        try:
            journal = Journal(self._journal_path)
        except BaseException:
            lock.release()
            raise
        try:
            journal.maintain()
            if self.job_id is None:
                self.job_id = journal.create_job(
                    fingerprint,
                    req.provider.name,
                    req.spec.profile,
                    req.spec.journal_mapping(),
                    {**req.options, **req.spec.read_option()},
                    req.total_rows or len(req.contacts),
                    source=req.spec.path,
                )
            else:
                # rows that ended in an earlier run: show them at once (the engine will not send them)
                earlier = list(journal.results(self.job_id).values())
                with self._lock:
                    self._pending.extend(earlier)
            self._report(UploadBatch(None, [], self.job_id))  # the job's id, before any row is sent
            summary = run_job(
                req.provider,
                req.creds,
                req.base_url,
                req.contacts,
                req.options,
                journal=journal,
                job_id=self.job_id,
                concurrency=req.concurrency,
                progress=self._on_progress,
                control=self.control,
                on_result=self._on_result,
                columns=req.columns or None,
            )
            if summary.finished and not summary.cancelled and summary.auth_error is None:
                journal.finish(self.job_id)
            return summary
        finally:
            journal.close()
            lock.release()
            release_free_memory()  # the job's buffers and lookup tables, freed as run_job returned

    def _on_result(self, result: RowResult) -> None:
        with self._lock:
            self._pending.append(result)
        self._maybe_emit()

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self._latest = progress
        self._maybe_emit()

    def _maybe_emit(self) -> None:
        now = time.monotonic()
        if now - self._last_emit >= BATCH_INTERVAL:
            self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        with self._lock:
            results, self._pending = self._pending, []
            latest = self._latest
        self._last_emit = time.monotonic() if now is None else now
        if results or latest is not None:
            self._report(UploadBatch(latest, results, self.job_id))


def _ignore(_batch: UploadBatch) -> None:
    """Where batches go before the job runs."""

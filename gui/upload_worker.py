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

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.model import Contact, RowResult
from core.providers.base import Provider
from gui.import_state import ready_contacts
from gui.memory import TRIM_LIMIT_MB, release_free_memory
from gui.workers import CancelFlag

if TYPE_CHECKING:
    from core.engine import JobSummary, Progress
    from core.job import JobKey, JobSpec
    from core.journal import Journal
    from core.validation import RowCheck

log = logging.getLogger(__name__)

BATCH_INTERVAL = 0.1  # seconds between two batches handed to the GUI thread


@dataclass
class UploadRequest:
    """One run of a job. ``job_id`` None creates a new job from ``spec`` under ``key`` (in the worker
    thread): the import job of :mod:`core.job`, the same as the command line's, so either resumes it."""

    provider: Provider
    creds: dict[str, str] = field(repr=False)
    base_url: str
    contacts: Sequence[Contact]  # the rows to send; empty with ``checks``
    options: dict[str, str]
    spec: JobSpec
    key: JobKey
    job_id: int | None = None
    concurrency: int | None = None
    total_rows: int = 0  # rows of the job (for the journal), valid or not
    columns: dict[str, str] = field(default_factory=dict)  # field id -> the user's column header
    # the check's verdicts: the ready rows among them are sent, gathered on the worker thread (a million
    # checks scanned on the GUI thread would hold it ~130 ms); the GUI must not edit them meanwhile
    checks: Sequence[RowCheck] | None = None


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
        from core.job import create_job
        from core.joblock import JobLock
        from core.journal import Journal

        req = self.request
        key = req.key
        contacts = req.contacts if req.checks is None else ready_contacts(req.checks)
        # a million new references: keep them out of every later full collection (each would walk them
        # again, ~100 ms of held GIL at a million rows; see bench_gui_stall)
        gc.freeze()
        # one process per job, shared with the command line (core.joblock): a second window or a CLI
        # run of the same job is refused (JobBusy → the failed signal → a dialog) before anything is sent
        lock = JobLock.for_job(key.fingerprint, key.provider, key.profile, key.mapping, req.provider.title,
                               program="window")
        lock.acquire()
        try:
            journal = Journal(self._journal_path)
        except BaseException:
            lock.release()
            raise
        try:
            journal.maintain()
            if self.job_id is None:
                self.job_id = create_job(journal, key, req.spec, req.options,
                                         req.total_rows or len(contacts))
            else:
                self._report_earlier(journal, self.job_id)
            self._report(UploadBatch(None, [], self.job_id))  # the job's id, before any row is sent
            summary = run_job(
                req.provider,
                req.creds,
                req.base_url,
                contacts,
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
            # the job's buffers and lookup tables, freed as run_job returned — unless the window is big:
            # trimming then blocks the GUI thread's allocations for as long (1 s at a million rows)
            release_free_memory(unless_resident_mb=TRIM_LIMIT_MB)

    def _report_earlier(self, journal: Journal, job_id: int) -> None:
        """The rows that ended in an earlier run, shown at once (the engine will not send them): read a
        batch at a time and handed over as they come, the GIL let go between batches — half a million of
        them loaded in one go held the window 150 ms (bench_gui_stall --resume)."""
        for batch in journal.iter_results(job_id):
            with self._lock:
                self._pending.extend(batch)
            del batch
            self._maybe_emit()
            time.sleep(0)

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

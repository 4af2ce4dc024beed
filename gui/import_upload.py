"""Step 4 of the import, the upload: the ready rows sent on a worker thread, with pause, resume and cancel.

The upload is a :mod:`gui.workers` task whose body is :class:`gui.upload_worker.UploadJob`; its results
arrive in batches ten times a second and are shown in the grid in chunks of :data:`APPLY_CHUNK` rows per turn
of the event loop. A job lives in the :class:`core.journal.Journal`: cancelling, closing the window or a crash
leaves it open, and :meth:`UploadStep.offer_resume` offers it again at the next start.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QTimer

from core.errors import JobBusy, JournalError, UploaderError
from core.i18n import _, ngettext, number
from core.job import JobSpec
from core.model import Contact, RowResult
from core.upload import column_headers
from gui.import_file_step import ReadSettings
from gui.import_host import Buttons, ImportHost
from gui.import_state import DEMO_PROFILE, Step
from gui.memory import forget_source_lines
from gui.table_model import READY
from gui.upload_worker import UploadBatch, UploadJob, UploadRequest
from gui.workers import start_task

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.engine import JobSummary
    from core.job import JobKey
    from core.journal import JobInfo, Journal

log = logging.getLogger(__name__)
_T = TypeVar("_T")

APPLY_CHUNK = 250  # upload results shown in the grid per turn of the event loop (1-2 ms of work)


class UploadStep(ImportHost):
    """Step 4 of :class:`gui.import_view.ImportView`: the upload and its resumption."""

    def request_close(self) -> bool:
        """True when the window may close; during an upload, ask first and leave the job resumable."""
        if not self.has_running_upload():
            return True
        answer = self._ask(
            _("Stop the upload?"),
            _("An upload is running. Stop it and close? Rows already sent are kept, and the upload is "
              "offered for resumption the next time you start Contact Uploader."),
            Buttons.Yes | Buttons.No,
            Buttons.No,
        )
        if answer != Buttons.Yes:
            return False
        assert self._task is not None
        self._task.cancel()
        self._task.wait(20000)
        return True

    def stop_for_shutdown(self, timeout_ms: int = 20000) -> None:
        """The session ends or the application quits: stop the upload as Cancel does, without asking —
        the requests already out get the engine's grace period to answer and are recorded, the job stays
        open in the journal and is offered for resumption at the next start."""
        if self.has_running_upload():
            assert self._task is not None
            log.info("session ending: stopping the running upload (it stays resumable)")
            self._task.cancel()
            self._task.wait(timeout_ms)

    def offer_resume(self) -> None:
        """At start: offer the newest unfinished upload of the window (``resumeStarted`` when one is
        resumed). The journal is searched on a worker thread, as for Upload (:func:`resumable_jobs`)."""
        if self.is_busy() or self.has_running_upload():
            return
        generation = self._generation  # a file opened meanwhile (a read started) makes the offer stale
        self._run(resumable_jobs, self.context.is_demo, text=_("Looking for an unfinished upload…"),
                  on_result=lambda jobs: self._offer_jobs(jobs, generation))

    def _offer_jobs(self, jobs: list[tuple[JobInfo, JobSpec]], generation: int) -> None:
        from core.providers import PROVIDERS

        if generation != self._generation or self.state.table is not None or self.has_running_upload():
            return  # the user opened a file meanwhile: it is not replaced by an offer
        for i, (job, spec) in enumerate(jobs):
            answer = self._ask(
                _("Resume the unfinished upload?"),
                ngettext("The upload of {file} to {platform} stopped after {done} of {total} row. "
                         "Resume it now? Rows already sent are not sent again.",
                         "The upload of {file} to {platform} stopped after {done} of {total} rows. "
                         "Resume it now? Rows already sent are not sent again.", job.total)
                .format(file=Path(spec.file).name, platform=PROVIDERS[job.provider].title,
                        done=number(job.finished_rows), total=number(job.total)),
                Buttons.Yes | Buttons.No | Buttons.Discard,
                Buttons.Yes,
            )
            if answer == Buttons.Discard:  # no longer offered; the next one after the journal has it
                self._run(discard_job, job.id, text=_("Looking for an unfinished upload…"),
                          on_result=partial(self._offer_rest, jobs[i + 1:], generation))
                return
            if answer == Buttons.Yes:
                self._start_resume(job.id, job.fingerprint, spec)
                self.resumeStarted.emit()
            return

    def _offer_rest(self, jobs: list[tuple[JobInfo, JobSpec]], generation: int, _discarded: object) -> None:
        self._offer_jobs(jobs, generation)

    def start_upload(self) -> None:
        """Send every ready row; an unfinished job of the same file, account and mapping (one the window
        or the command line left) is offered first, as ``upload --resume`` would continue it. The journal
        is searched on a worker thread: counting how far a million-row job got takes SQLite ~100 ms."""
        if self.has_running_upload() or self.is_busy():
            return
        if self.state.table is None or not self.state.fingerprint:
            self._start(job_id=None)
            return
        self._look_up()

    def _look_up(self) -> None:
        _spec, key = self._job()
        generation = self._generation
        self._run(find_unfinished, key, text=_("Looking for an earlier upload of this file…"),
                  # a failure (a damaged journal): a dialog, nothing sent
                  on_result=lambda found: self._offer_unfinished(found, generation, key))

    def _offer_unfinished(self, found: JobInfo | None, generation: int, key: JobKey) -> None:
        if self.has_running_upload() or self.step is not Step.CHECK or generation != self._generation:
            return  # the window moved on meanwhile
        if self._job()[1] != key:
            # another account (or region) was chosen meanwhile: what was found is another job's; the upload
            # asked for is the one of the account now chosen, so look again for that one
            self._look_up()
            return
        job_id = None
        if found is not None:
            answer = self._ask(
                _("Continue the unfinished upload?"),
                ngettext("An earlier upload of this file with these columns stopped after {done} of {total} "
                         "row. Continue it (rows already sent are not sent again), or start over and send "
                         "every row?",
                         "An earlier upload of this file with these columns stopped after {done} of {total} "
                         "rows. Continue it (rows already sent are not sent again), or start over and send "
                         "every row?", found.total)
                .format(done=number(found.finished_rows), total=number(found.total)),
                Buttons.Yes | Buttons.No | Buttons.Cancel,
                Buttons.Yes,
            )
            if answer == Buttons.Cancel:
                return
            if answer == Buttons.Yes:
                job_id = found.id
        self._start(job_id=job_id)

    def _job(self) -> tuple[JobSpec, JobKey]:
        """The spec and journal key of an upload of the current table: :mod:`core.job`'s, the command
        line's own, so either front end resumes the other's jobs."""
        from core.job import job_key, job_profile, spec_for

        table = self.state.table
        assert table is not None
        profile = self.context.profile or "default"
        region = self._key_region(profile)
        spec = spec_for(table, self._provider, profile=profile, mapping=self.state.mapping,
                        constants=self.state.constants, region=region)
        key = job_key(table, self._provider, job_profile(profile, self.context.is_demo), self.state.mapping,
                      self.state.constants, region, fingerprint=self.state.fingerprint or None)
        return spec, key

    def _key_region(self, profile: str) -> str | None:
        """The region as the command line applies it (:func:`core.job.default_region`): the one chosen,
        else the profile's default country. The window always has a region in its field, so one equal to
        the default is taken as not chosen, as a command line without ``--default-region``."""
        from core.job import default_region

        implicit = default_region(self._provider, profile, None) or self._provider.default_region or ""
        region = self.state.region.strip()
        chosen = None if region.upper() == implicit.upper() else region
        return default_region(self._provider, profile, chosen)

    def resume_upload(self) -> None:
        """Continue the open job (rows that ended are not sent again)."""
        if self.state.job_id is not None and not self.has_running_upload():
            self._start(job_id=self.state.job_id)

    def retry_failed(self) -> None:
        """A new job with only the rows that failed."""
        keys = self.model.keys_with_status("failed")
        contacts = [c for c in map(self.state.contact_of, keys) if c is not None]
        if contacts and not self.has_running_upload():
            self.model.reset_statuses(keys, READY, "")
            self._start(job_id=None, contacts=contacts)

    def _start(self, *, job_id: int | None, contacts: list[Contact] | None = None) -> None:
        """Upload ``contacts``, or, when None, every ready row: the worker gathers those from the checks
        (a million of them scanned here would hold the GUI thread ~130 ms), the GUI thread only counts."""
        table = self.state.table
        count = self.state.ready if contacts is None else len(contacts)
        if not count or table is None:
            return
        try:
            creds = dict(self.context.credentials())
            base_url = self.context.base_url(creds)
        except UploaderError as exc:
            from gui.errors import show_error

            show_error(self, exc)
            return
        spec, key = self._job()
        request = UploadRequest(
            provider=self._provider, creds=creds, base_url=base_url, contacts=contacts or [],
            options=dict(self.state.options), spec=spec, key=key, job_id=job_id,
            total_rows=0 if contacts is None else count,  # 0: the worker counts the ready rows
            columns=column_headers(table.headers, self.state.mapping),
            checks=self.state.checks if contacts is None else None,
        )
        self.state.job_id = job_id
        self.state.job_open = True
        self.model.set_editable(False)
        title = ngettext("Uploading {n} contact to {platform}…", "Uploading {n} contacts to {platform}…",
                         count).format(n=number(count), platform=self._provider.title)
        self.upload_panel.start(count, title)
        self._go(Step.UPLOAD)
        # one worker like every other (gui.workers): the window's cancel_all/wait_all see it too; it makes
        # the list of every ready contact and freezes it out of the collector's scans (UploadJob._run)
        job = UploadJob(request)
        self._upload = job
        self._task = start_task(job, parent=self, on_progress=self._upload_batch, on_result=self._upload_done,
                                on_failed=self._upload_failed, on_finished=self._upload_finished,
                                pass_cancel=True, pass_report=True, result_on_cancel=True, name="upload")
        self.uploadRunningChanged.emit(True)
        self._update_buttons()

    def pause_upload(self) -> None:
        if self._upload is not None and self.has_running_upload():
            self._upload.pause()
            self.upload_panel.set_running(True, paused=True)

    def resume_paused(self) -> None:
        if self._upload is not None and self.has_running_upload():
            self._upload.resume()
            self.upload_panel.set_running(True, paused=False)

    def cancel_upload(self) -> None:
        if self._task is not None and self._task.running:
            self.upload_panel.cancel_button.setEnabled(False)
            self.upload_panel.title.setText(_("Cancelling… (waiting for the requests already sent)"))
            self._task.cancel()

    def _upload_batch(self, batch: UploadBatch) -> None:
        if batch.job_id is not None:  # the first batch comes as soon as the journal has the job
            self.state.job_id = batch.job_id
        if batch.results:
            self.state.unapplied.extend(batch.results)
            if not self._apply_due:  # else the chunks already scheduled take these too
                # in a turn of its own: the progress panel below costs ~10 ms of layout already
                self._apply_due = True
                QTimer.singleShot(0, self, self._apply_some)
        if batch.progress is not None:
            self.upload_panel.show_progress(batch.progress)

    def _apply_some(self) -> None:
        """Show at most :data:`APPLY_CHUNK` waiting results, the rest in later turns of the event loop:
        a batch of several thousand rows applied at once would hold the GUI thread for 10 ms or more."""
        self._apply_due = False
        pending = self.state.unapplied
        if not pending:
            return
        chunk = pending[:APPLY_CHUNK]
        del pending[:APPLY_CHUNK]
        self._record(chunk)
        if pending:
            self._apply_due = True
            QTimer.singleShot(0, self, self._apply_some)

    def _apply_all(self) -> None:
        pending, self.state.unapplied = self.state.unapplied, []
        if pending:
            self._record(pending)

    def _record(self, results: list[RowResult]) -> None:
        self.state.results.add(results)
        self.model.apply_results(results)

    def _upload_done(self, summary: JobSummary) -> None:
        self._apply_all()
        self.state.job_open = not summary.finished or summary.cancelled or summary.auth_error is not None
        if summary.auth_error is not None:
            from gui.errors import show_error

            show_error(self, summary.auth_error)
            self.context.record_verdict(False, str(summary.auth_error))
        counts = self.model.counts()
        if summary.cancelled:
            text = _("The upload was cancelled. Rows already sent are kept; 'Resume upload' sends the rest.")
        elif summary.stopped_reason:
            text = summary.stopped_reason
        else:
            text = _("Upload finished in {seconds} s.").format(seconds=number(summary.elapsed, 1))
        self.results_view.show_counts(counts, text)

    def _upload_failed(self, exc: BaseException) -> None:
        self._apply_all()
        from gui.errors import show_error

        show_error(self, exc)
        self.results_view.show_counts(self.model.counts(),
                                      _("The upload stopped: {reason}").format(reason=exc))

        # refused before anything was sent (another window or a CLI run owns the job): back to the check
        self._upload_refused = isinstance(exc, JobBusy)

    def _upload_finished(self) -> None:
        self._apply_all()
        self.upload_panel.set_running(False)
        self.uploadRunningChanged.emit(False)
        # the task itself is released by gui.workers once its thread has ended
        self._task = None
        self._upload = None
        refused, self._upload_refused = self._upload_refused, False
        self._go(Step.CHECK if refused else Step.RESULTS)
        forget_source_lines()  # of httpx and the engine's other modules

    def _start_resume(self, job_id: int, fingerprint: str, spec: JobSpec) -> None:
        if self.context.provider.name != spec.provider:
            self.context.set_provider(spec.provider)
        if not self.context.is_demo:
            self.context.set_profile(spec.profile)
        path = Path(spec.file)
        self.file_step.start(path)
        self.state.table = None
        self.state.resume = (job_id, spec)
        self._go(Step.FILE)
        reading = spec.reading  # exactly as the job read the file (no guessing)
        settings = ReadSettings(reading.sheet, reading.header_row, reading.encoding, reading.delimiter)
        self._read(path, settings, fingerprint, spec)


def find_unfinished(key: JobKey) -> JobInfo | None:
    """The open job :func:`core.job.find_job` finds under ``key``, or None (on a worker thread)."""
    from core.job import find_job

    def find(journal: Journal) -> JobInfo | None:
        job_id = find_job(journal, key)
        return None if job_id is None else journal.job(job_id)

    return _with_journal(find, None)


def discard_job(job_id: int) -> None:
    """The job is no longer offered for resumption (on a worker thread: opening the journal waits while
    another program writes to it)."""
    _with_journal(lambda journal: journal.finish(job_id), None)


def resumable_jobs(demo: bool) -> list[tuple[JobInfo, JobSpec]]:
    """The unfinished jobs a window may resume, newest first, with how each read and mapped its file (on a
    worker thread: counting how far a million-row job got takes SQLite ~100 ms). A job whose file is gone,
    whose provider is unknown or that was saved without its spec is left out; a demo job is offered only
    in the demo, a real one only outside it."""
    from core.providers import PROVIDERS

    def resumable(journal: Journal) -> list[tuple[JobInfo, JobSpec]]:
        found: list[tuple[JobInfo, JobSpec]] = []
        for job in journal.unfinished_jobs():
            spec = JobSpec.from_job(job)  # how the job read and mapped its file, as it was run
            if spec is None or job.provider not in PROVIDERS or not Path(spec.file).is_file():
                continue
            if (job.profile == DEMO_PROFILE) != demo:
                continue
            found.append((job, spec))
        return found

    return _with_journal(resumable, [])


def _with_journal(action: Callable[[Journal], _T], otherwise: _T) -> _T:
    """``action`` on the journal, on a worker thread. A journal that is damaged, newer or unwritable raises
    (the task's failure: a dialog, nothing sent); any other trouble opening it is logged and gives
    ``otherwise`` (the window works on without the journal's offer)."""
    from core.journal import Journal

    try:
        with Journal() as journal:
            return action(journal)
    except UploaderError as exc:
        log.warning("journal unavailable: %s", exc)
        if isinstance(exc, JournalError):
            raise
        return otherwise

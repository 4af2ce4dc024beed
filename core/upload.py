"""``contact-uploader upload``: a spreadsheet to a provider, the whole SPEC section 8 command.

A thin caller of the import job of :mod:`core.job`, streamed so that a million-row CSV stays within a few
hundred MB: file → :func:`core.reading.stream_table` (read row by row) → mapping (``--map``, else
remembered, else automatic) and ``--set`` constants → :func:`core.job.check_file` (the one row check,
:class:`core.validation.RowChecker`; verdicts spooled on disk) → (dry run: stop here, every valid row
``ready``) → credentials → journal job under :func:`core.job.job_key` with its :class:`core.job.JobSpec`
(new, or the unfinished one with ``--resume``) → :func:`core.engine.run_job` reading the spooled contacts →
report CSV (``--report``, from the spool and the journal) → one summary line on stdout → exit status:

- 0 every row ended ``added``/``updated``/``exists``/``skipped`` (``ready`` in a dry run);
- 1 at least one row ``invalid`` or ``failed`` (or the provider stayed unreachable);
- 2 nothing was sent because of the command, the file or the credentials (also credentials refused
  mid-job: the job stops at once and stays resumable);
- 130 interrupted (Ctrl-C): the first Ctrl-C lets the requests already out answer and records them, a
  second one stops at once; the journal keeps everything for ``--resume``.

Errors are one line on stderr; the progress bar (tqdm: done/total, rate, ETA) is drawn on stderr only when it
is a terminal, never into a file or a pipe. With ``--json`` the command's :class:`core.cli.RunRecord` gets the
counts, the report path and the job id for the JSON object ``core.cli.main`` prints.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import IO, Any

from tqdm import tqdm

from core.engine import JobControl, JobSummary, Progress, run_job
from core.errors import JournalError, UploaderError, UsageError
from core.i18n import _
from core.joblock import JobLock
from core.journal import Journal
from core.model import Outcome, RowResult
from core.providers import Provider, get_provider
from core.saved_import import Reading, SavedImport

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ORDER = (Outcome.READY, Outcome.ADDED, Outcome.UPDATED, Outcome.EXISTS, Outcome.SKIPPED, Outcome.INVALID,
         Outcome.FAILED, Outcome.PENDING)


def run_upload(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run the ``upload`` command; returns the exit status. Errors become one line on stderr."""
    try:
        return _Upload(args, stdout, stderr).run()
    except UploaderError as exc:
        stderr.write(" ".join(str(exc).split()) + "\n")
        return exc.exit_status


class _Upload:
    def __init__(self, args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> None:
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self.started = time.monotonic()
        self.bar = _TerminalProgress(stderr) if _isatty(stderr) else None
        from core.cli import run_record

        self.record = run_record(args)
        self.lock: JobLock | None = None
        self.fingerprint = ""

    # ------------------------------------------------------------------ the command
    def run(self) -> int:
        from core.job import check_file, default_region, job_key, job_profile, spec_for
        from core.mapping import VALUE_SAMPLE, parse_set_args
        from core.reading import stream_table
        from core.validation import RowChecker

        args = self.args
        if getattr(args, "report", None):  # refused now, not after the rows were sent
            from core.report import check_report_target

            check_report_target(args.report)
        _refuse_overwriting_the_source(args)
        saved = _saved_import(args)  # --use: flags given on the command line win over it
        provider = _provider(args, saved)
        profile = (getattr(args, "profile", None) or (saved.profile if saved else "")).strip() or "default"
        demo = bool(getattr(args, "demo", False))
        base = saved.reading if saved else Reading()
        reading = Reading(  # what was chosen; None = detected for each file
            sheet=getattr(args, "sheet", None) or base.sheet,
            header_row=base.header_row if getattr(args, "header_row", None) is None else args.header_row,
            encoding=getattr(args, "encoding", None) or base.encoding,
            delimiter=getattr(args, "delimiter", None) or base.delimiter,
        )
        constants = dict(saved.constants) if saved else {}
        constants.update(parse_set_args(list(getattr(args, "set", None) or []), provider))
        given_region = getattr(args, "default_region", None) or (saved.default_region if saved else None)
        region = default_region(provider, profile, given_region)
        # read row by row (a CSV is never held whole: a million rows stay within a few hundred MB), at
        # first without a pass to find the columns' shape; a file with cells to the right of its header
        # row is then read again with it
        for scan in (False, True):
            try:
                table = stream_table(args.file, sheet=reading.sheet, header_row=reading.header_row,
                                     encoding=reading.encoding, delimiter=reading.delimiter, scan=scan)
                mapping = self._mapping(table, provider, saved, table.sample(VALUE_SAMPLE))
                chosen = mapping
                if getattr(args, "extra_columns_as_attributes", False):
                    from core.mapping import extra_attributes

                    # asked for on this run only: not remembered, so a later run without the flag sends none
                    mapping = {**mapping, **extra_attributes(table.headers, provider, mapping)}
                checker = RowChecker(table.headers, mapping, constants, provider, region)
                checked = check_file(table, checker, provider)
            except UploaderError:
                if scan:
                    raise
                continue  # said about the file as a whole (its columns may be more than its header's)
            if table.confirmed:
                break
            checked.close()
        with checked:
            self._remember(table.headers, provider, chosen)
            if getattr(args, "save", None):  # what this run used, the asked-for attribute columns included
                _save_import(args.save, provider, profile, reading, table.headers, mapping, constants,
                             given_region)
            invalid = checked.invalid

            if getattr(args, "dry_run", False):
                ready = _("Ready to send to {provider}.").format(provider=provider.title)
                self._report(table, checked, ready_message=ready)
                counts = {Outcome.READY: checked.valid, Outcome.INVALID: invalid}
                title = _("Dry run, nothing sent to {provider}").format(provider=provider.title)
                self._summary(title, counts)
                return EXIT_ROWS if invalid else EXIT_OK

            if not checked.valid:
                self._report(table, checked)
                self._summary(_("Nothing sent to {provider}").format(provider=provider.title),
                              {Outcome.INVALID: invalid})
                return EXIT_ROWS

            with self._account(provider, profile, demo) as (creds, base_url):
                # one process per job (SPEC 6): taken before anything is sent, held until the report is
                # written; taken before the journal is opened, so a second run never touches (or moves aside
                # as damaged) the journal the owner is writing
                key = job_key(table, provider, job_profile(profile, demo), mapping, constants, region)
                self.fingerprint = key.fingerprint  # hashes the file: once per run
                self.lock = JobLock.for_job(key.fingerprint, provider.name, key.profile, key.mapping,
                                            provider.title)
                self.lock.acquire()
                try:
                    journal = Journal()
                    try:
                        spec = spec_for(table, provider, profile=profile, mapping=mapping,
                                        constants=constants, region=region)
                        return self._send(provider, demo, creds, base_url, table, mapping, key, spec, checked,
                                          journal)
                    finally:
                        journal.close()
                finally:
                    self.lock.release()

    def _send(
        self, provider: Provider, demo: bool, creds: Mapping[str, str], base_url: str, table: Any,
        mapping: Mapping[int, str], key: Any, spec: Any, checked: Any, journal: Journal,
    ) -> int:
        from core.job import create_job, find_job

        args = self.args
        invalid = checked.invalid
        journal.maintain()
        if getattr(args, "resume", False):
            job_id = find_job(journal, key)
            if job_id is None:
                raise UsageError(
                    _("There is no unfinished upload of {file} to {provider} (profile {profile}) with this "
                      "mapping; run the command without --resume to start one.").format(
                        file=Path(table.path).name, provider=provider.title, profile=key.profile)
                )
        else:
            job_id = create_job(journal, key, spec, checked.options, checked.valid)
        self.record.job_id = job_id
        log.info("upload job %s: %s, %d rows to send, %d invalid", job_id, provider.name,
                 checked.valid, invalid)

        control = JobControl()
        summary: JobSummary | None = None
        journal_error: JournalError | None = None
        try:
            with _interrupt_cancels(control):
                summary = run_job(
                    provider, creds, base_url, checked.contacts(), checked.options,
                    journal=journal, job_id=job_id, total=checked.valid,
                    concurrency=getattr(args, "concurrency", None),
                    progress=self.bar.update if self.bar else None, control=control,
                    columns=column_headers(table.headers, mapping),
                )
        except KeyboardInterrupt:
            summary = None  # a second Ctrl-C: stopped at once; the journal holds what happened
        except JournalError as exc:  # a full disk: stopped; what was recorded stays, the report says it
            journal_error = exc
        finally:
            if self.bar:
                self.bar.close()

        try:
            ended = journal.outcome_counts(job_id)
        except JournalError:
            if journal_error is not None:  # e.g. moved aside as damaged: its sentence, not "was closed"
                raise journal_error from None
            raise
        # rows a refusal stopped keep its code and sentence in the report (still pending: resumable)
        report_error: UploaderError | None = None
        try:
            self._report(table, checked, results=journal.iter_reported(job_id))
        except UploaderError as exc:  # the rows were sent all the same: the summary and the journal say so
            report_error = exc
        counts: dict[Outcome, int] = dict(ended)
        counts[Outcome.INVALID] = invalid
        counts[Outcome.PENDING] = checked.valid - sum(ended.values())
        if summary is not None and summary.finished:
            journal.finish(job_id)
        title = (_("Demo: {provider}").format(provider=provider.title) if demo else provider.title)
        self._summary(title, counts)
        if journal_error is not None:
            raise journal_error
        if report_error is not None:
            if summary is not None and not summary.cancelled:
                raise report_error
            self.stderr.write(" ".join(str(report_error).split()) + "\n")  # interrupted: 130 says more

        if summary is None or summary.cancelled:
            self.stderr.write(
                _("Interrupted; rows not sent yet are kept: run the same command with --resume to "
                  "continue.") + "\n"
            )
            return EXIT_INTERRUPTED
        if summary.auth_error is not None:
            reason = " ".join(str(summary.auth_error).split()).rstrip(".")
            self.stderr.write(
                _("Upload stopped: {reason}; fix the credentials, then run the same command with "
                  "--resume.").format(reason=reason) + "\n"
            )
            return EXIT_USAGE
        if summary.stopped_reason:
            self.stderr.write(" ".join(summary.stopped_reason.split()) + "\n")
            return EXIT_ROWS
        if counts.get(Outcome.FAILED) or invalid:
            return EXIT_ROWS
        return EXIT_OK

    # ------------------------------------------------------------------ steps
    def _mapping(self, table: Any, provider: Provider, saved: SavedImport | None,
                 sample: list[list[str]]) -> dict[int, str]:
        from core.mapping import MappingMemory, auto_map, parse_map_args

        headers: list[str] = table.headers
        if getattr(self.args, "extra_columns_as_attributes", False) and provider.name != "netcore":
            raise UsageError(
                _("--extra-columns-as-attributes works only with Netcore; {provider} takes only its own "
                  "fields, so leave the option out.").format(provider=provider.title)
            )
        items = list(getattr(self.args, "map", None) or [])
        if items:
            return parse_map_args(items, headers, provider)
        if saved is not None and saved.mapping:
            return saved.mapping_for(headers, file_name=Path(table.path).name,
                                     source=Path(self.args.use).name)
        remembered = None
        with contextlib.suppress(UploaderError, OSError, ValueError):
            remembered = MappingMemory().recall(headers, provider)
        return remembered if remembered else auto_map(headers, provider, sample)

    def _remember(self, headers: list[str], provider: Provider, mapping: Mapping[int, str]) -> None:
        from core.mapping import MappingMemory

        with contextlib.suppress(UploaderError, OSError, ValueError):
            MappingMemory().remember(headers, provider, mapping)

    @contextlib.contextmanager
    def _account(
        self, provider: Provider, profile: str, demo: bool
    ) -> Iterator[tuple[Mapping[str, str], str]]:
        if demo:
            from core.demo import DemoSession

            with DemoSession() as session:
                yield session.credentials(provider.name), session.base_url(provider.name)
            return
        from core.cli import base_url_for
        from core.credentials import load_credentials

        creds = load_credentials(provider, profile)
        try:
            from core.logsetup import register_secret

            for value in provider.secret_values(creds):
                register_secret(value)
        except ImportError:  # pragma: no cover - logsetup is part of every build
            pass
        yield creds, base_url_for(provider, creds, getattr(self.args, "base_url", None))

    def _report(self, table: Any, checked: Any, *, ready_message: str | None = None,
                results: Iterator[RowResult] | None = None) -> None:
        path = getattr(self.args, "report", None)
        if not path:
            return
        import core.report
        from core.job import report_rows

        rows = report_rows(checked, ready_message=ready_message, results=results)
        core.report.write_report_rows(path, table.headers, rows)
        self.record.report = str(Path(path).resolve())

    def _summary(self, title: str, counts: Mapping[Outcome, int]) -> None:
        from core.i18n import ngettext, number

        self.record.set_counts(counts)
        total = sum(counts.values())
        parts = [_count_text(o, counts[o]) for o in ORDER if counts.get(o)]
        elapsed = time.monotonic() - self.started
        what = ", ".join(parts) or _("nothing")
        line = ngettext("{title}: {n} row in {time}: {what}.", "{title}: {n} rows in {time}: {what}.", total)
        self.stdout.write(line.format(title=title, n=number(total), time=_duration(elapsed),
                                      what=what) + "\n")
        self.stdout.flush()


# ---------------------------------------------------------------------------------------- helpers
def column_headers(headers: list[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """Field id → the header of the column it is read from, so messages name the user's column."""
    return {field: headers[i] for i, field in mapping.items() if 0 <= i < len(headers) and headers[i].strip()}


def _count_text(outcome: Outcome, n: int) -> str:
    """"3 added", "1 not sent": a count of one outcome in the summary (the outcome's English word is the
    report's status value; the sentence around it is translated)."""
    from core.i18n import number, pgettext

    words = {
        Outcome.READY: pgettext("summary", "ready"),
        Outcome.ADDED: pgettext("summary", "added"),
        Outcome.UPDATED: pgettext("summary", "updated"),
        Outcome.EXISTS: pgettext("summary", "exists"),
        Outcome.SKIPPED: pgettext("summary", "skipped"),
        Outcome.INVALID: pgettext("summary", "invalid"),
        Outcome.FAILED: pgettext("summary", "failed"),
        Outcome.PENDING: pgettext("summary", "not sent"),
    }
    label = words.get(outcome) or str(outcome)
    return _("{n} {outcome}").format(n=number(n), outcome=label)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return _("{seconds} s").format(seconds=localised_seconds(seconds))
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def localised_seconds(seconds: float) -> str:
    """Seconds with one decimal, written the local way (1.5 / 1,5)."""
    from core.i18n import number

    return number(seconds, 1)


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _refuse_overwriting_the_source(args: argparse.Namespace) -> None:
    """``--report``/``--save`` naming the spreadsheet being uploaded (a typo) would destroy it: refused."""
    for flag, attr in (("--report", "report"), ("--save", "save")):
        target = getattr(args, attr, None)
        if not target:
            continue
        try:
            same = os.path.samefile(target, args.file)
        except (OSError, ValueError):  # the target does not exist yet: it cannot be the source
            same = False
        if same:
            raise UsageError(
                _("{flag} {target} names the file being uploaded, which it would overwrite; give {flag} "
                  "another file name.").format(flag=flag, target=target)
            )


def _saved_import(args: argparse.Namespace) -> SavedImport | None:
    path = getattr(args, "use", None)
    return SavedImport.load(path) if path else None


def _provider(args: argparse.Namespace, saved: SavedImport | None) -> Provider:
    """``--provider``, else the saved import's; a ``--provider`` other than the saved import's is refused."""
    given = getattr(args, "provider", None)
    if not given:
        if saved is None:
            raise UsageError(_("Give the provider with --provider P (or a saved import with --use FILE)."))
        return get_provider(saved.provider)
    provider = get_provider(given)
    if saved is not None and saved.provider != provider.name:
        other = get_provider(saved.provider)
        raise UsageError(
            _("The saved import {file} is for {other}, not {provider}; leave out --provider or use a saved "
              "import made for {provider}.").format(file=Path(args.use).name, other=other.title,
                                                     provider=provider.title)
        )
    return provider


def _save_import(path: str, provider: Provider, profile: str, reading: Reading, headers: list[str],
                 mapping: Mapping[int, str], constants: Mapping[str, str], region: str | None) -> None:
    """``--save``: the settings this run uses. Reading and default region as chosen (flags or ``--use``):
    what was detected (encoding, delimiter, header row) is detected again for each file, and without a
    region the profile's default country keeps applying."""
    saved = SavedImport.from_choices(provider, headers=headers, mapping=mapping, profile=profile,
                                     reading=reading, constants=constants, default_region=region)
    secrets = [os.environ.get(c.env_var(provider.name), "") for c in provider.credential_fields if c.secret]
    saved.save(path, secrets=secrets)
    log.info("saved the import settings to %s", path)


def _terminal_size(stream: IO[str]) -> tuple[int, int]:
    """(columns, lines) of the terminal behind ``stream``; zeros when it reports none or is no terminal."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return 0, 0
    return size.columns, size.lines


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals that end a run as Ctrl-C does: SIGINT; SIGTERM (shutdown, a scheduler's time limit,
    ``kill``); SIGHUP (logout, a closed terminal) where it exists; SIGBREAK on Windows (Ctrl-Break).
    Closing a Windows console is delivered as SIGBREAK too, but Windows ends the process as soon as the C
    runtime's handler returns, before Python can act: that case is a crash (rows in flight re-sent on
    resume), which no Python signal handler can prevent."""
    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    return tuple(getattr(signal, n) for n in names if hasattr(signal, n))


@contextlib.contextmanager
def _interrupt_cancels(control: JobControl) -> Iterator[None]:
    """In the main thread, the first Ctrl-C (or SIGTERM, SIGHUP, SIGBREAK) cancels the job gracefully:
    the requests already out get the engine's grace period to answer and are recorded; a second one
    stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)  # no logging here: a handler may interrupt a log call in progress
        if len(received) > 1:
            raise KeyboardInterrupt
        control.cancel()

    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in stop_signals():
            try:
                if signal.getsignal(signum) is signal.SIG_IGN:
                    continue  # ignored on purpose (nohup, a background job): it stays ignored
                previous[signum] = signal.signal(signum, handler)
            except (OSError, ValueError):  # pragma: no cover - a signal this platform will not let us catch
                continue
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        if received:
            log.info("upload stopped by %s", ", ".join(signal.Signals(s).name for s in received))


class _TerminalProgress:
    """The progress bar on a terminal, drawn by tqdm: ``42%|████▏     | 420/1000 [00:02<00:04, 155 rows/s]``.

    tqdm computes the rate and the ETA from the rows that end in this run (a resumed job starts at the rows
    already done); the bar is erased when the job ends, before the summary line.
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.bar: tqdm[Any] | None = None
        self.status = ""

    def update(self, progress: Progress) -> None:
        if self.bar is None:
            # A terminal that reports no size (a fresh pseudo-terminal, a serial console) gets nothing from
            # tqdm: draw 80 columns by 24 lines there. disable=None: tqdm itself also stays silent unless
            # the stream is a terminal.
            columns, lines = _terminal_size(self.stream)
            sized = columns > 0 and lines > 0
            self.bar = tqdm(total=progress.total, initial=progress.done, file=self.stream, unit=" rows",
                            dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24,
                            mininterval=0.1, leave=False, disable=None, smoothing=0.1)
        # the provider asked us to hold: say until when, on a line of its own above the bar (the bar is too
        # narrow for the sentence, and a hold brings no further updates to draw it); else whether it is paused
        if progress.waiting_message and progress.waiting_message != self.status:
            self.bar.write(progress.waiting_message, file=self.stream)
        status = progress.waiting_message or (_("paused") if progress.paused else "")
        if status != self.status:
            self.status = status
            self.bar.set_postfix_str(_("waiting") if progress.waiting_message else status)
        self.bar.update(progress.done - self.bar.n)
        if progress.done >= progress.total:
            self.bar.refresh()  # the last step may fall inside tqdm's mininterval: show the whole count

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = ["run_upload"]

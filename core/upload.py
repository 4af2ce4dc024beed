"""``contact-uploader upload``: a spreadsheet to a provider, the whole SPEC section 8 command.

file → :func:`core.reading.read_table` → mapping (``--map``, else remembered, else automatic) and
``--set`` constants → :func:`core.validation.prepare` → (dry run: stop here, every valid row ``ready``)
→ credentials → journal job (new, or the unfinished one with ``--resume``) → :func:`core.engine.run_job`
→ report CSV (``--report``) → one summary line on stdout → exit status:

- 0 every row ended ``added``/``updated``/``exists``/``skipped`` (``ready`` in a dry run);
- 1 at least one row ``invalid`` or ``failed`` (or the provider stayed unreachable);
- 2 nothing was sent because of the command, the file or the credentials (also credentials refused
  mid-job: the job stops at once and stays resumable);
- 130 interrupted (Ctrl-C): the first Ctrl-C lets the requests already out answer and records them, a
  second one stops at once; the journal keeps everything for ``--resume``.

Errors are one line on stderr; the progress bar is drawn on stderr only when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import IO, Any

from core.engine import JobControl, JobSummary, Progress, run_job
from core.errors import UploaderError, UsageError
from core.journal import Journal, mapping_key, table_fingerprint
from core.model import Outcome, RowResult
from core.providers import Provider, get_provider

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ORDER = (Outcome.READY, Outcome.ADDED, Outcome.UPDATED, Outcome.EXISTS, Outcome.SKIPPED, Outcome.INVALID,
         Outcome.FAILED, Outcome.PENDING)
BAR_WIDTH = 28


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
        self.bar = _ProgressBar(stderr) if _isatty(stderr) else None

    # ------------------------------------------------------------------ the command
    def run(self) -> int:
        from core.mapping import parse_set_args
        from core.reading import read_table
        from core.validation import prepare

        args = self.args
        provider = get_provider(args.provider)
        profile = (getattr(args, "profile", None) or "default").strip() or "default"
        demo = bool(getattr(args, "demo", False))
        table = read_table(
            args.file,
            sheet=getattr(args, "sheet", None),
            header_row=getattr(args, "header_row", None),
            encoding=getattr(args, "encoding", None),
            delimiter=getattr(args, "delimiter", None),
        )
        mapping = self._mapping(table.headers, provider)
        constants = parse_set_args(list(getattr(args, "set", None) or []), provider)
        region = _default_region(provider, profile, getattr(args, "default_region", None))
        prepared = prepare(table, mapping, constants, provider, region)
        self._remember(table.headers, provider, mapping)
        invalid = sum(1 for c in prepared.checks if not c.ok)

        if getattr(args, "dry_run", False):
            ready = {
                c.key: RowResult(c.key, Outcome.READY, message=f"Ready to send to {provider.title}.")
                for c in prepared.contacts
            }
            self._report(table, ready, prepared.checks)
            counts = {Outcome.READY: len(ready), Outcome.INVALID: invalid}
            self._summary(f"Dry run, nothing sent to {provider.title}", counts)
            return EXIT_ROWS if invalid else EXIT_OK

        if not prepared.contacts:
            self._report(table, {}, prepared.checks)
            self._summary(f"Nothing sent to {provider.title}", {Outcome.INVALID: invalid})
            return EXIT_ROWS

        with self._account(provider, profile, demo) as (creds, base_url):
            journal = Journal()
            try:
                return self._send(provider, profile, demo, creds, base_url, table, mapping, constants, region,
                                  prepared, invalid, journal)
            finally:
                journal.close()

    def _send(
        self, provider: Provider, profile: str, demo: bool, creds: Mapping[str, str], base_url: str,
        table: Any, mapping: Mapping[int, str], constants: Mapping[str, str], region: str | None,
        prepared: Any, invalid: int, journal: Journal,
    ) -> int:
        args = self.args
        fingerprint = table_fingerprint(table)
        job_profile = "demo" if demo else profile  # a demo job never resumes against a real account
        job_mapping = mapping_key(mapping, constants, region)
        if getattr(args, "resume", False):
            job_id = journal.find_unfinished(fingerprint, provider.name, job_profile, job_mapping)
            if job_id is None:
                raise UsageError(
                    f"There is no unfinished upload of {Path(table.path).name} to {provider.title} "
                    f"(profile {job_profile}) with this mapping; "
                    "run the command without --resume to start one."
                )
        else:
            job_id = journal.create_job(
                fingerprint, provider.name, job_profile, job_mapping, prepared.options,
                len(prepared.contacts), source=str(Path(table.path).resolve()),
            )
        log.info("upload job %s: %s, %d rows to send, %d invalid", job_id, provider.name,
                 len(prepared.contacts), invalid)

        control = JobControl()
        summary: JobSummary | None = None
        try:
            with _interrupt_cancels(control):
                summary = run_job(
                    provider, creds, base_url, prepared.contacts, prepared.options,
                    journal=journal, job_id=job_id, concurrency=getattr(args, "concurrency", None),
                    progress=self.bar.update if self.bar else None, control=control,
                    columns=column_headers(table.headers, mapping),
                )
        except KeyboardInterrupt:
            summary = None  # a second Ctrl-C: stopped at once; the journal holds what happened
        finally:
            if self.bar:
                self.bar.close()

        results = journal.results(job_id)
        self._report(table, results, prepared.checks)
        counts: dict[Outcome, int] = {}
        for result in results.values():
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        counts[Outcome.INVALID] = invalid
        counts[Outcome.PENDING] = len(prepared.contacts) - len(results)
        if summary is not None and summary.finished:
            journal.finish(job_id)
        title = f"{'Demo: ' if demo else ''}{provider.title}"
        self._summary(title, counts)

        if summary is None or summary.cancelled:
            self.stderr.write(
                "Interrupted; rows not sent yet are kept: run the same command with --resume to continue.\n"
            )
            return EXIT_INTERRUPTED
        if summary.auth_error is not None:
            reason = " ".join(str(summary.auth_error).split()).rstrip(".")
            self.stderr.write(
                f"Upload stopped: {reason}; fix the credentials, then run the same command with --resume.\n"
            )
            return EXIT_USAGE
        if summary.stopped_reason:
            self.stderr.write(" ".join(summary.stopped_reason.split()) + "\n")
            return EXIT_ROWS
        if counts.get(Outcome.FAILED) or invalid:
            return EXIT_ROWS
        return EXIT_OK

    # ------------------------------------------------------------------ steps
    def _mapping(self, headers: list[str], provider: Provider) -> dict[int, str]:
        from core.mapping import MappingMemory, auto_map, parse_map_args

        items = list(getattr(self.args, "map", None) or [])
        if items:
            return parse_map_args(items, headers, provider)
        remembered = None
        with contextlib.suppress(UploaderError, OSError, ValueError):
            remembered = MappingMemory().recall(headers, provider)
        return remembered if remembered else auto_map(headers, provider)

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

    def _report(self, table: Any, results: Mapping[int, RowResult], checks: Any) -> None:
        path = getattr(self.args, "report", None)
        if not path:
            return
        from core.report import write_report

        write_report(path, table, results, checks)

    def _summary(self, title: str, counts: Mapping[Outcome, int]) -> None:
        total = sum(counts.values())
        parts = [f"{counts[o]} {_label(o)}" for o in ORDER if counts.get(o)]
        elapsed = time.monotonic() - self.started
        rows = "row" if total == 1 else "rows"
        what = ", ".join(parts) or "nothing"
        self.stdout.write(f"{title}: {total} {rows} in {_duration(elapsed)}: {what}.\n")
        self.stdout.flush()


# ---------------------------------------------------------------------------------------- helpers
def column_headers(headers: list[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """Field id → the header of the column it is read from, so messages name the user's column."""
    return {field: headers[i] for i, field in mapping.items() if 0 <= i < len(headers) and headers[i].strip()}


def _label(outcome: Outcome) -> str:
    return "not sent" if outcome is Outcome.PENDING else str(outcome)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _default_region(provider: Provider, profile: str, explicit: str | None) -> str | None:
    if explicit and explicit.strip():
        return explicit.strip()
    try:
        from core import settings

        return settings.load().default_country(provider.name, profile) or None
    except (ImportError, UploaderError, OSError, ValueError):
        return None


@contextlib.contextmanager
def _interrupt_cancels(control: JobControl) -> Iterator[None]:
    """In the main thread, the first Ctrl-C cancels the job gracefully, a second one stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = 0

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal pressed
        pressed += 1
        if pressed > 1:
            raise KeyboardInterrupt
        control.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _ProgressBar:
    """``  42% [███████·········]  420/1000  155 rows/s  ETA 0:04`` redrawn in place on a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.last = 0.0
        self.drawn = False

    def update(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and progress.done < progress.total:
            return
        self.last = now
        fraction = progress.done / progress.total if progress.total else 1.0
        filled = round(fraction * BAR_WIDTH)
        eta = "" if progress.eta is None else f"  ETA {_duration(progress.eta)}"
        paused = "  paused" if progress.paused else ""
        if progress.waiting_message:  # the provider asked us to hold: say until when
            eta = f"  {progress.waiting_message}"
        line = (
            f"{fraction * 100:4.0f}% [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{progress.done}/{progress.total}  {progress.rate:.0f} rows/s{eta}{paused}"
        )
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


__all__ = ["run_upload"]

"""One job, one process: an OS file lock per job, taken before anything is sent and held to the end.

A *job* is identified as the journal identifies it — the file as read (fingerprint), provider, profile and
mapping (:func:`job_key`). Before a run sends anything (a new upload, ``--resume``, the window's upload,
resume or "retry failed") it takes ``state_dir()/locks/<key>.lock`` with :mod:`filelock` (``fcntl.flock``
on Linux and macOS, ``msvcrt.locking`` on Windows). The operating system drops the lock when the process
ends in any way — ``kill -9``, a crash, a power cut — so a dead owner never blocks the next run, and no
heartbeat or timeout is needed.

Beside the lock, ``<key>.owner.json`` records who holds it (pid, start time, window or command line), so a
second run can say "… started at 14:02". The record is only read when the lock is refused; a stale record
left by a dead owner is overwritten by the next owner and never trusted on its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from core import i18n, messages
from core.errors import ConfigError, JobBusy
from core.paths import state_dir

log = logging.getLogger(__name__)

LOCK_DIR = "locks"
OWNER_WAIT = 2.0  # seconds a refused run waits for the holder's owner record (written just after the lock)


def job_key(fingerprint: str, provider: str, profile: str, mapping: Any) -> str:
    """A short stable name for the job (the same inputs as :meth:`core.journal.Journal.find_unfinished`)."""
    from core.journal import canonical

    text = canonical([fingerprint, provider, profile, mapping])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _clock(started: float) -> str:
    """``14:02`` today, the date and time another day, as the language writes them (local time: the
    user's clock)."""
    from datetime import datetime

    when = datetime.fromtimestamp(started)
    if when.date() == datetime.now().date():
        return i18n.clock(when)
    return i18n.date_time(when)


class JobLock:
    """The lock of one job. ``acquire()`` raises :class:`JobBusy` when another process holds it."""

    def __init__(self, key: str, provider_title: str, *, program: str = "cli",
                 directory: Path | None = None) -> None:
        self.key = key
        self.provider_title = provider_title
        self.program = program
        self.directory = directory if directory is not None else state_dir() / LOCK_DIR
        self.path = self.directory / f"{key}.lock"
        self.owner_path = self.directory / f"{key}.owner.json"
        self._lock = FileLock(str(self.path))
        self._held = False

    @classmethod
    def for_job(cls, fingerprint: str, provider: str, profile: str, mapping: Any, provider_title: str,
                *, program: str = "cli") -> JobLock:
        return cls(job_key(fingerprint, provider, profile, mapping), provider_title, program=program)

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> JobLock:
        """Take the lock without waiting; JobBusy (one sentence) when another process runs the job."""
        if self._held:
            return self
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except Timeout:
            raise JobBusy(self._busy_sentence()) from None
        except OSError as exc:
            log.warning("job lock %s: %s", self.path, exc)
            raise ConfigError(
                messages.text("jobs", "lock_failed", lock=str(self.path), folder=str(self.directory))
            ) from None
        self._held = True
        self._write_owner()
        return self

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        with contextlib.suppress(OSError):
            self.owner_path.unlink()
        self._lock.release()

    def owner(self) -> dict[str, Any] | None:
        """The record the holder wrote (pid, started, program), or None when there is none to trust."""
        try:
            data = json.loads(self.owner_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def _busy_sentence(self) -> str:
        owner = self.owner()
        deadline = time.monotonic() + OWNER_WAIT
        while owner is None and time.monotonic() < deadline:
            # the holder writes its record right after taking the lock: a run refused in between waits
            # for it a moment, so that it can say when the other upload started
            time.sleep(0.05)
            owner = self.owner()
        owner = owner or {}
        started = owner.get("started")
        if isinstance(started, (int, float)) and started > 0:
            return messages.text("jobs", "busy", provider=self.provider_title, time=_clock(float(started)))
        return messages.text("jobs", "busy_unknown", provider=self.provider_title)

    def _write_owner(self) -> None:
        record = {"pid": os.getpid(), "started": time.time(), "program": self.program}
        tmp = self.owner_path.with_name(f"{self.owner_path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.owner_path)
        except OSError as exc:  # the lock holds all the same; only the "started at" is lost
            log.info("job lock owner record %s not written: %s", self.owner_path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def __enter__(self) -> JobLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


__all__ = ["JobBusy", "JobLock", "job_key"]

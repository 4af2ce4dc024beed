"""The job journal: an SQLite file in the state directory that makes uploads resumable.

A *job* is one upload of one file to one provider account with one mapping. The journal keeps the job
(file fingerprint, provider, profile, mapping, options, row count) and the state of every row that has
been touched: ``in_flight`` is written and committed *before* a request leaves, the final outcome is
written and committed *after* its answer. A process killed at any point therefore leaves each row either
untouched (``pending``: never sent), ``in_flight`` (sent, answer unknown) or final (never sent again).

Durability: WAL mode with ``synchronous=NORMAL``. Every commit is written to the WAL file with
``write()`` before ``commit()`` returns, so a crash of the process (``kill -9``, an exception, a closed
laptop that suspends) loses nothing. Only an operating-system crash or power cut can drop the last few
commits, and the worst that does is to show a row as ``pending``/``in_flight`` again, so it is re-sent —
which the providers that report duplicates answer with ``exists``/``updated``. ``FULL`` would add an
``fsync`` per commit (two per request) on the event-loop thread and cap throughput on slow disks for
that rare case.

The journal never holds a secret: it stores the mapping (column → field), the job options (field values
and options such as a list name) and the provider's answers, never credentials. WAL and a busy timeout
make it safe to open from several processes (the window and a scheduled CLI run) at once; one *job* is
still run by one process at a time (:mod:`core.joblock`).

Schema version: ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`). An older journal is migrated forward when
it is opened; a newer one (written by a later Contact Uploader) is refused with one sentence, never changed.

Trouble with the file becomes one :class:`JournalError` sentence naming it and saying what to do: a full
disk (nothing already recorded is lost; free space and ``--resume``), a read-only folder, a newer version.
A damaged file ("file is not a database", "database disk image is malformed") is moved aside to
``journal.sqlite3.damaged-<time>`` (with its ``-wal``/``-shm``) and the sentence says so: this run sends
nothing, the next one starts a fresh journal (uploads left unfinished in the damaged one cannot be resumed).

Growth: :meth:`Journal.maintain` (called at the start of every upload run, CLI and window) forgets finished
and abandoned jobs older than :data:`KEEP_DAYS` days and all but the newest :data:`KEEP_FINISHED` of them,
never an open job (resume and the window's "retry failed" need only open jobs and the job being run), then
gives the freed pages back to the file system (``auto_vacuum=INCREMENTAL`` + ``incremental_vacuum``) and
truncates the WAL.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from core import messages
from core.errors import ConfigError, JournalError
from core.i18n import _
from core.model import Outcome, RowResult
from core.paths import state_dir

log = logging.getLogger(__name__)

FILE_NAME = "journal.sqlite3"
IN_FLIGHT = "in_flight"
PENDING = "pending"
# the rows a batched read selects (Journal._batches): what the report shows (an ended row, or a note)
_REPORTED = "(state NOT IN ('pending', 'in_flight') OR message != '')"
_ENDED = "state NOT IN ('pending', 'in_flight')"  # the rows that ended
SHARED_TEXTS = 10_000  # distinct answer texts Journal.iter_results shares at most (unique ones are not)
SCHEMA_VERSION = 2  # PRAGMA user_version of the schema below; 0 = a journal from before versions
KEEP_DAYS = 7.0  # finished and abandoned jobs are forgotten after this many days…
KEEP_FINISHED = 10  # …and beyond the newest this many of them
# the forward migrations: user_version N-1 -> N (0 -> 1: an index for maintain(); pages freed incrementally;
# 1 -> 2: the job's spec, how the file was read and mapped (core.job.JobSpec), so either front end resumes
# any job exactly; '' for a job written before)
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, updated)",),
    2: ("ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT ''",),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL,
    provider    TEXT NOT NULL,
    profile     TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    options     TEXT NOT NULL,
    total       INTEGER NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open',   -- open | finished | abandoned
    created     REAL NOT NULL,
    updated     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_lookup ON jobs (fingerprint, provider, profile, state);
CREATE TABLE IF NOT EXISTS rows (
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key         INTEGER NOT NULL,
    state       TEXT NOT NULL,                  -- pending | in_flight | an Outcome value
    code        TEXT NOT NULL DEFAULT '',
    raw_text    TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    contact_id  TEXT NOT NULL DEFAULT '',
    sends       INTEGER NOT NULL DEFAULT 0,     -- how many times a request carrying this row left
    updated     REAL NOT NULL,
    PRIMARY KEY (job_id, key)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class JournalRow:
    """The journal's view of one row of a job."""

    key: int
    state: str  # "pending", "in_flight" or an Outcome value
    code: str = ""
    raw_text: str = ""
    message: str = ""
    contact_id: str = ""
    sends: int = 0

    @property
    def in_flight(self) -> bool:
        return self.state == IN_FLIGHT

    @property
    def finished(self) -> bool:
        """True when the row ended: it must never be sent again."""
        return self.state not in (IN_FLIGHT, PENDING)

    @property
    def outcome(self) -> Outcome | None:
        return Outcome(self.state) if self.finished else None


@dataclass(frozen=True)
class JobInfo:
    """One job as the journal knows it (for 'resume the unfinished upload?' offers)."""

    id: int
    fingerprint: str
    provider: str
    profile: str
    mapping: Any
    options: dict[str, str]
    total: int
    source: str
    state: str
    created: float
    updated: float
    finished_rows: int
    in_flight_rows: int
    spec: dict[str, Any] | None = None  # the job's spec as stored (core.job.JobSpec.to_json), if any


def canonical(value: Any) -> str:
    """A stable JSON text of a mapping or options value (dict keys sorted, int keys as text)."""
    return json.dumps(json.loads(json.dumps(value, ensure_ascii=False)), ensure_ascii=False, sort_keys=True)


def file_fingerprint(path: str | Path, *extra: object) -> str:
    """sha256 of the file's bytes plus ``extra`` (sheet, header row…): the same file read the same way."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ConfigError(_("Cannot read {file} to fingerprint it: {reason}.").format(
            file=path, reason=exc.strerror or exc)) from None
    for item in extra:
        digest.update(b"\0" + json.dumps(item, ensure_ascii=False, default=str).encode("utf-8"))
    return digest.hexdigest()


def table_fingerprint(table: Any) -> str:
    """The fingerprint of a :class:`core.reading.Table`'s file as read (sheet, header row, encoding…).

    The CLI and the window both use this, so a job started in one can be resumed from the other.
    """
    return file_fingerprint(table.path, table.sheet, table.header_row, table.encoding, table.delimiter)


def mapping_key(
    mapping: Mapping[int, str], constants: Mapping[str, str] | None = None, region: str | None = None
) -> dict[str, Any]:
    """What identifies "the same mapping" for resumption: columns → fields, ``--set`` values, region."""
    return {
        "columns": {str(i): f for i, f in sorted(mapping.items())},
        "set": dict(sorted((constants or {}).items())),
        "region": region or "",
    }


_DAMAGED = ("file is not a database", "malformed", "disk image", "not a database")
_FULL = ("disk is full", "database or disk is full", "no space left")
_READ_ONLY = ("readonly", "read-only", "read only")


def _error_for(path: Path, exc: BaseException) -> JournalError:
    """One sentence for a failure of the journal file at ``path`` (not moved aside here)."""
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    errno_ = getattr(exc, "errno", None)
    folder = str(path.parent)
    if code == sqlite3.SQLITE_FULL or errno_ == errno.ENOSPC or any(k in text for k in _FULL):
        return JournalError(messages.text("journal", "full", file=str(path)))
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or any(k in text for k in _DAMAGED):
        return JournalError(messages.text("journal", "damaged_kept", file=str(path)), damaged=True)
    writable = os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))
    if code == sqlite3.SQLITE_READONLY or errno_ in (errno.EACCES, errno.EROFS) or any(
        k in text for k in _READ_ONLY
    ) or (
        not writable and "unable to open" in text
    ):
        return JournalError(messages.text("journal", "read_only", file=str(path), folder=folder))
    if code == sqlite3.SQLITE_BUSY or "locked" in text:
        return JournalError(messages.text("journal", "busy", file=str(path)))
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return JournalError(messages.text("journal", "other", file=str(path), reason=str(reason).rstrip(".")))


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _guarded(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """SQLite errors of a :class:`Journal` method become one :class:`JournalError` sentence."""

    @wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            journal = args[0]
            assert isinstance(journal, Journal)
            raise journal._failed(exc) from None

    return wrapper


class Journal:
    """The job journal (thread-safe: one connection guarded by a lock, usable from a worker thread)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / FILE_NAME
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _error_for(self.path, exc) from None
        try:
            self._db = sqlite3.connect(
                str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA busy_timeout=10000")
            self._check_version(int(self._db.execute("PRAGMA user_version").fetchone()[0]))
            # before anything creates the file (WAL mode does): a new journal frees pages incrementally;
            # for an existing one this changes nothing until maintain() runs VACUUM
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._json = _has_json(self._db)
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        except JournalError:
            self.close()  # a newer journal: left exactly as it is
            raise

    def _check_version(self, found: int) -> None:
        if found > SCHEMA_VERSION:
            raise JournalError(messages.text(
                "journal", "newer", file=str(self.path), found=str(found), known=str(SCHEMA_VERSION)
            ))

    def _migrate(self) -> None:
        """Create the schema in a new file, or bring an older one forward to :data:`SCHEMA_VERSION`."""
        db = self._conn
        with self._tx():
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            self._check_version(version)
            if version == SCHEMA_VERSION:
                return
            fresh = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS.get(step, ()):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        if not fresh:
            log.info("job journal %s migrated from version %d to %d", self.path, version, SCHEMA_VERSION)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError(messages.text("journal", "closed", file=str(self.path)))
        return self._db

    def _failed(self, exc: sqlite3.Error) -> JournalError:
        """The sentence for an SQLite error; a damaged file is moved aside first (see the module doc)."""
        log.warning("job journal %s: %s", self.path, exc)
        error = _error_for(self.path, exc)
        if error.damaged:
            aside = self._move_aside()
            if aside is not None:
                sentence = messages.text("journal", "damaged", file=str(self.path), aside=str(aside))
                error = JournalError(sentence, damaged=True)
        return error

    def _move_aside(self) -> Path | None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
        except OSError:  # a read-only folder, or another process moved it first
            return None
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        return aside

    # ------------------------------------------------------------------ plumbing
    def _tx(self) -> _Transaction:
        return _Transaction(self._conn, self._lock)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ jobs
    @_guarded
    def create_job(
        self,
        fingerprint: str,
        provider: str,
        profile: str,
        mapping: Any,
        options: Mapping[str, str],
        total: int,
        *,
        source: str = "",
        spec: Mapping[str, Any] | None = None,
    ) -> int:
        """A new open job; an older open job for the same file, account and mapping is abandoned.

        ``spec``: the job's :class:`core.job.JobSpec` as JSON (how the file is read and mapped), kept so a
        job is resumed exactly as it was started, by either front end."""
        now = time.time()
        mapping_text = canonical(mapping)
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state='abandoned', updated=? WHERE state='open' AND fingerprint=? "
                "AND provider=? AND profile=? AND mapping=?",
                (now, fingerprint, provider, profile, mapping_text),
            )
            cur = db.execute(
                "INSERT INTO jobs (fingerprint, provider, profile, mapping, options, total, source, spec, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (fingerprint, provider, profile, mapping_text, canonical(dict(options)), int(total),
                 str(source), canonical(dict(spec)) if spec else "", now, now),
            )
            job_id = cur.lastrowid
        assert job_id is not None
        return int(job_id)

    @_guarded
    def find_unfinished(self, fingerprint: str, provider: str, profile: str, mapping: Any) -> int | None:
        """The newest open job for this file, provider, profile and mapping, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM jobs WHERE state='open' AND fingerprint=? AND provider=? AND profile=? "
                "AND mapping=? ORDER BY id DESC LIMIT 1",
                (fingerprint, provider, profile, canonical(mapping)),
            ).fetchone()
        return None if row is None else int(row[0])

    def job(self, job_id: int) -> JobInfo:
        infos = self._jobs("WHERE j.id=?", (job_id,))
        if not infos:
            raise ConfigError(_("Job {id} is not in the journal.").format(id=job_id))
        return infos[0]

    def unfinished_jobs(self) -> list[JobInfo]:
        """Every open job, newest first (the window offers to resume them at start)."""
        return self._jobs("WHERE j.state='open'", ())

    @_guarded
    def _jobs(self, where: str, params: Sequence[object]) -> list[JobInfo]:
        with self._lock:
            found = self._conn.execute(
                "SELECT j.id, j.fingerprint, j.provider, j.profile, j.mapping, j.options, j.total, j.source, "
                "j.state, j.created, j.updated, "
                "(SELECT COUNT(*) FROM rows r WHERE r.job_id=j.id "
                "AND r.state NOT IN ('pending','in_flight')), "
                "(SELECT COUNT(*) FROM rows r WHERE r.job_id=j.id AND r.state='in_flight'), j.spec "
                f"FROM jobs j {where} ORDER BY j.id DESC",
                tuple(params),
            ).fetchall()
        return [
            JobInfo(
                id=int(r[0]), fingerprint=r[1], provider=r[2], profile=r[3], mapping=json.loads(r[4]),
                options=json.loads(r[5]), total=int(r[6]), source=r[7], state=r[8], created=float(r[9]),
                updated=float(r[10]), finished_rows=int(r[11]), in_flight_rows=int(r[12]),
                spec=_spec_of(r[13]),
            )
            for r in found
        ]

    @_guarded
    def finish(self, job_id: int) -> None:
        """Mark the job finished: it is no longer offered for resumption."""
        with self._tx() as db:
            db.execute("UPDATE jobs SET state='finished', updated=? WHERE id=?", (time.time(), job_id))

    @_guarded
    def prune(self, older_than_days: float = KEEP_DAYS, keep: int = KEEP_FINISHED) -> int:
        """Forget finished and abandoned jobs older than ``older_than_days`` and all but the newest
        ``keep`` of them (their rows go with them); open jobs are never touched. The number removed."""
        cutoff = time.time() - older_than_days * 86400
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM jobs WHERE state != 'open' AND (updated < ? OR id NOT IN "
                "(SELECT id FROM jobs WHERE state != 'open' ORDER BY updated DESC, id DESC LIMIT ?))",
                (cutoff, max(0, int(keep))),
            )
            return int(cur.rowcount)

    def maintain(self) -> int:
        """Keep the journal small (start of a run): :meth:`prune`, then give the freed pages back and
        truncate the WAL. Cheap when there is nothing to do; never fails the run (a busy journal, one
        shared with a running upload, is simply left for next time). The number of jobs removed."""
        try:
            removed = self.prune()
        except JournalError as exc:
            if exc.damaged:
                raise
            log.info("journal maintenance skipped: %s", exc)
            return 0
        try:
            with self._lock:
                db = self._conn
                freed = int(db.execute("PRAGMA freelist_count").fetchone()[0])
                if freed:
                    if int(db.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2:
                        # executescript steps the pragma to its end (execute() frees a single page)
                        db.executescript("PRAGMA incremental_vacuum;")
                    elif removed:
                        # a journal from before auto_vacuum: switch it on, which takes one VACUUM
                        db.execute("PRAGMA auto_vacuum=INCREMENTAL")
                        db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as exc:
            log.info("journal compaction skipped: %s", exc)
        if removed:
            log.info("journal: %d old jobs forgotten", removed)
        return removed

    # ------------------------------------------------------------------ rows
    @_guarded
    def rows(self, job_id: int) -> dict[int, JournalRow]:
        """Every row of the job the journal has seen, by key (rows never touched are absent)."""
        with self._lock:
            found = self._conn.execute(
                "SELECT key, state, code, raw_text, message, contact_id, sends FROM rows WHERE job_id=?",
                (job_id,),
            ).fetchall()
        return {int(r[0]): JournalRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6])) for r in found}

    @_guarded
    def ended_keys(self, job_id: int) -> tuple[dict[int, Outcome], set[int]]:
        """(the outcome of each row that ended, the keys left in flight) of a job: what the engine needs
        to resume it, without loading every row's texts (a million-row job)."""
        ended: dict[int, Outcome] = {}
        in_flight: set[int] = set()
        outcomes = {o.value: o for o in Outcome}
        with self._lock:
            cur = self._conn.execute("SELECT key, state FROM rows WHERE job_id=? AND state != 'pending'",
                                     (job_id,))
            for key, state in cur:
                if state == IN_FLIGHT:
                    in_flight.add(int(key))
                else:
                    ended[int(key)] = outcomes[state]
        return ended, in_flight

    @_guarded
    def outcome_counts(self, job_id: int) -> dict[Outcome, int]:
        """Rows per final outcome of a job."""
        with self._lock:
            found = self._conn.execute(
                "SELECT state, COUNT(*) FROM rows WHERE job_id=? AND state NOT IN ('pending', 'in_flight') "
                "GROUP BY state", (job_id,),
            ).fetchall()
        return {Outcome(state): int(n) for state, n in found}

    def iter_reported(self, job_id: int, batch: int = 5000) -> Iterator[RowResult]:
        """In key order, the result of every row that ended and the note of every row that has not
        (``pending``, see :meth:`note`): what the report shows, read a batch at a time."""
        for found in self._batches(job_id, batch, _REPORTED):
            for key, state, code, raw_text, message, contact_id in found:
                if state in (PENDING, IN_FLIGHT):
                    yield RowResult(int(key), Outcome.PENDING, code=code, raw_text=raw_text, message=message)
                else:
                    yield RowResult(int(key), Outcome(state), code=code, raw_text=raw_text, message=message,
                                    contact_id=contact_id)

    def iter_results(self, job_id: int, batch: int = 5000) -> Iterator[list[RowResult]]:
        """The final results of the rows that ended, in key order, ``batch`` at a time: what a window
        resuming a million-row job shows at once, without a dict of every row (whose building, and the
        full collections its objects bring, would hold the GIL — the window — for 100 ms or more)."""
        outcomes = {o.value: o for o in Outcome}
        # one string per distinct answer, as the engine's own results share them: read back, each of half a
        # million rows would hold its own copies of the same few texts (~90 MB more in the window)
        shared: dict[str, str] = {}

        def share(text: str) -> str:
            known = shared.get(text)
            if known is not None:
                return known
            if len(shared) < SHARED_TEXTS:
                shared[text] = text
            return text

        for found in self._batches(job_id, batch, _ENDED):
            yield [RowResult(int(key), outcomes[state], code=share(code), raw_text=share(raw_text),
                             message=share(message), contact_id=contact_id)
                   for key, state, code, raw_text, message, contact_id in found]

    def _batches(self, job_id: int, batch: int, which: str) -> Iterator[list[Any]]:
        """The job's rows that ``which`` (:data:`_REPORTED`, :data:`_ENDED`) selects, in key order, as lists
        of at most ``batch`` (key, state, code, raw_text, message, contact_id) rows."""
        last = -(1 << 62)
        while True:
            found = self._rows_after(job_id, last, batch, which)
            if found:
                yield found
            if len(found) < batch:
                return
            last = int(found[-1][0])

    @_guarded
    def _rows_after(self, job_id: int, last: int, batch: int, which: str) -> list[Any]:
        assert which in (_REPORTED, _ENDED)
        with self._lock:
            return self._conn.execute(
                "SELECT key, state, code, raw_text, message, contact_id FROM rows WHERE job_id=? AND key > ? "
                f"AND {which} ORDER BY key LIMIT ?",
                (job_id, last, batch),
            ).fetchall()

    def results(self, job_id: int) -> dict[int, RowResult]:
        """The final results of the rows that ended, by key (:meth:`iter_results` in one dict)."""
        return {result.key: result for batch in self.iter_results(job_id) for result in batch}

    @_guarded
    def mark_in_flight(self, job_id: int, keys: Iterable[int]) -> None:
        """Committed before a request carrying ``keys`` leaves. Rows that already ended are left alone.

        One statement for the whole request (Octopush's 200 rows): the keys go in as one JSON array.
        """
        now = time.time()
        key_list = [int(k) for k in keys]
        with self._tx() as db:
            if len(key_list) > 1 and self._json:
                db.execute(_MARK_JSON, (job_id, now, json.dumps(key_list)))
            else:
                db.executemany(_MARK_ONE, [(job_id, k, now) for k in key_list])

    @_guarded
    def release(self, job_id: int, keys: Iterable[int]) -> None:
        """Back to ``pending``: the request was refused as a whole (bad credentials), nothing stored."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE rows SET state='pending', code='', raw_text='', message='', updated=? "
                "WHERE job_id=? AND key=? AND state='in_flight'",
                [(now, job_id, int(k)) for k in keys],
            )

    @_guarded
    def note(self, job_id: int, keys: Iterable[int], code: str, raw_text: str, message: str) -> None:
        """Why rows that have not ended stopped (the refusal their request got), kept until they are sent
        again; their state (``pending`` or ``in_flight``) is left as it is, so they stay resumable."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE rows SET code=?, raw_text=?, message=?, updated=? "
                "WHERE job_id=? AND key=? AND state IN ('pending', 'in_flight')",
                [(code, raw_text, message, now, job_id, int(k)) for k in keys],
            )

    @_guarded
    def notes(self, job_id: int) -> dict[int, RowResult]:
        """Rows that have not ended but carry a note (see :meth:`note`), as ``pending`` results by key."""
        with self._lock:
            found = self._conn.execute(
                "SELECT key, code, raw_text, message FROM rows "
                "WHERE job_id=? AND state IN ('pending', 'in_flight') AND message != ''",
                (job_id,),
            ).fetchall()
        return {
            int(r[0]): RowResult(int(r[0]), Outcome.PENDING, code=r[1], raw_text=r[2], message=r[3])
            for r in found
        }

    def record(self, job_id: int, result: RowResult) -> None:
        """Committed after an answer: the row's final outcome."""
        self.record_many(job_id, (result,))

    @_guarded
    def record_many(self, job_id: int, results: Iterable[RowResult]) -> None:
        """Several final outcomes in one transaction (one answer carries up to 200 rows).

        Rows that ended the same way (same outcome, code, text, message and id — most of a batch answer)
        are written by one statement with their keys as a JSON array.
        """
        now = time.time()
        groups: dict[tuple[str, str, str, str, str], list[int]] = {}
        for r in results:
            if not r.outcome.is_final:
                raise ValueError(f"record() takes final outcomes, not {r.outcome}")
            values = (r.outcome.value, r.code, r.raw_text, r.message, r.contact_id)
            keys = groups.get(values)
            if keys is None:
                groups[values] = [int(r.key)]
            else:
                keys.append(int(r.key))
        single: list[tuple[object, ...]] = []
        with self._tx() as db:
            for values, keys in groups.items():
                if len(keys) > 1 and self._json:
                    db.execute(_RECORD_JSON, (job_id, *values, now, json.dumps(keys)))
                else:
                    single.extend((job_id, k, *values, now) for k in keys)
            if single:
                db.executemany(_RECORD_ONE, single)
            db.execute("UPDATE jobs SET updated=? WHERE id=?", (now, job_id))


_MARK_SET = (
    " ON CONFLICT (job_id, key) DO UPDATE SET state='in_flight', sends=sends+1, code='', raw_text='', "
    "message='', updated=excluded.updated WHERE rows.state IN ('pending', 'in_flight')"
)
_MARK_ONE = (
    "INSERT INTO rows (job_id, key, state, sends, updated) VALUES (?, ?, 'in_flight', 1, ?)" + _MARK_SET
)
# "WHERE true" settles the parsing ambiguity of an upsert fed by a SELECT (SQLite's documented idiom)
_MARK_JSON = (
    "INSERT INTO rows (job_id, key, state, sends, updated) "
    "SELECT ?1, value, 'in_flight', 1, ?2 FROM json_each(?3) WHERE true" + _MARK_SET
)
_RECORD_SET = (
    " ON CONFLICT (job_id, key) DO UPDATE SET state=excluded.state, code=excluded.code, "
    "raw_text=excluded.raw_text, message=excluded.message, contact_id=excluded.contact_id, "
    "updated=excluded.updated"
)
_RECORD_ONE = (
    "INSERT INTO rows (job_id, key, state, code, raw_text, message, contact_id, updated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _RECORD_SET
)
_RECORD_JSON = (
    "INSERT INTO rows (job_id, key, state, code, raw_text, message, contact_id, updated) "
    "SELECT ?1, value, ?2, ?3, ?4, ?5, ?6, ?7 FROM json_each(?8) WHERE true" + _RECORD_SET
)


def _spec_of(text: str) -> dict[str, Any] | None:
    """A job's stored spec, or None (a job written before specs were kept, or an unreadable one)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _has_json(db: sqlite3.Connection) -> bool:
    """Whether this SQLite has the JSON functions (built in since 3.38; a few old builds lack them)."""
    try:
        db.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.Error:
        return False
    return True


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` under the journal's lock; rolled back on error.

    A failed ``COMMIT`` (a full disk) is reported as itself: SQLite may already have rolled the
    transaction back, and the ``ROLLBACK`` that follows then fails with "no transaction is active",
    which must not hide the real cause.
    """

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            if exc_type is None:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.Error:
                    self._rollback()
                    raise
            else:
                self._rollback()
        finally:
            self._lock.release()

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # also a closed connection (ProgrammingError)
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

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
make it safe to open from several processes (the window and a scheduled CLI run) at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.model import Outcome, RowResult
from core.paths import state_dir

FILE_NAME = "journal.sqlite3"
IN_FLIGHT = "in_flight"
PENDING = "pending"

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

    def result(self) -> RowResult | None:
        """The row's final RowResult, or None while it has not ended."""
        if not self.finished:
            return None
        return RowResult(
            key=self.key,
            outcome=Outcome(self.state),
            code=self.code,
            raw_text=self.raw_text,
            message=self.message,
            contact_id=self.contact_id,
        )


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
        raise ConfigError(f"Cannot read {path} to fingerprint it: {exc.strerror or exc}.") from None
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


class Journal:
    """The job journal (thread-safe: one connection guarded by a lock, usable from a worker thread)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / FILE_NAME
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=10000")
            with self._tx():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._json = _has_json(self._db)
        except sqlite3.Error as exc:
            raise ConfigError(f"The job journal {self.path} cannot be opened: {exc}.") from None

    # ------------------------------------------------------------------ plumbing
    def _tx(self) -> _Transaction:
        return _Transaction(self._db, self._lock)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ jobs
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
    ) -> int:
        """A new open job; an older open job for the same file, account and mapping is abandoned."""
        now = time.time()
        mapping_text = canonical(mapping)
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state='abandoned', updated=? WHERE state='open' AND fingerprint=? "
                "AND provider=? AND profile=? AND mapping=?",
                (now, fingerprint, provider, profile, mapping_text),
            )
            cur = db.execute(
                "INSERT INTO jobs (fingerprint, provider, profile, mapping, options, total, source, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (fingerprint, provider, profile, mapping_text, canonical(dict(options)), int(total),
                 str(source), now, now),
            )
            job_id = cur.lastrowid
        assert job_id is not None
        return int(job_id)

    def find_unfinished(self, fingerprint: str, provider: str, profile: str, mapping: Any) -> int | None:
        """The newest open job for this file, provider, profile and mapping, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT id FROM jobs WHERE state='open' AND fingerprint=? AND provider=? AND profile=? "
                "AND mapping=? ORDER BY id DESC LIMIT 1",
                (fingerprint, provider, profile, canonical(mapping)),
            ).fetchone()
        return None if row is None else int(row[0])

    def job(self, job_id: int) -> JobInfo:
        infos = self._jobs("WHERE j.id=?", (job_id,))
        if not infos:
            raise ConfigError(f"Job {job_id} is not in the journal.")
        return infos[0]

    def unfinished_jobs(self) -> list[JobInfo]:
        """Every open job, newest first (the window offers to resume them at start)."""
        return self._jobs("WHERE j.state='open'", ())

    def _jobs(self, where: str, params: Sequence[object]) -> list[JobInfo]:
        with self._lock:
            found = self._db.execute(
                "SELECT j.id, j.fingerprint, j.provider, j.profile, j.mapping, j.options, j.total, j.source, "
                "j.state, j.created, j.updated, "
                "(SELECT COUNT(*) FROM rows r WHERE r.job_id=j.id "
                "AND r.state NOT IN ('pending','in_flight')), "
                "(SELECT COUNT(*) FROM rows r WHERE r.job_id=j.id AND r.state='in_flight') "
                f"FROM jobs j {where} ORDER BY j.id DESC",
                tuple(params),
            ).fetchall()
        return [
            JobInfo(
                id=int(r[0]), fingerprint=r[1], provider=r[2], profile=r[3], mapping=json.loads(r[4]),
                options=json.loads(r[5]), total=int(r[6]), source=r[7], state=r[8], created=float(r[9]),
                updated=float(r[10]), finished_rows=int(r[11]), in_flight_rows=int(r[12]),
            )
            for r in found
        ]

    def finish(self, job_id: int) -> None:
        """Mark the job finished: it is no longer offered for resumption."""
        with self._tx() as db:
            db.execute("UPDATE jobs SET state='finished', updated=? WHERE id=?", (time.time(), job_id))

    def prune(self, older_than_days: float = 90.0) -> int:
        """Forget finished and abandoned jobs older than ``older_than_days``; the number removed."""
        cutoff = time.time() - older_than_days * 86400
        with self._tx() as db:
            cur = db.execute("DELETE FROM jobs WHERE state != 'open' AND updated < ?", (cutoff,))
            return int(cur.rowcount)

    # ------------------------------------------------------------------ rows
    def rows(self, job_id: int) -> dict[int, JournalRow]:
        """Every row of the job the journal has seen, by key (rows never touched are absent)."""
        with self._lock:
            found = self._db.execute(
                "SELECT key, state, code, raw_text, message, contact_id, sends FROM rows WHERE job_id=?",
                (job_id,),
            ).fetchall()
        return {int(r[0]): JournalRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6])) for r in found}

    def results(self, job_id: int) -> dict[int, RowResult]:
        """The final results of the rows that ended, by key."""
        out: dict[int, RowResult] = {}
        for key, row in self.rows(job_id).items():
            result = row.result()
            if result is not None:
                out[key] = result
        return out

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

    def release(self, job_id: int, keys: Iterable[int]) -> None:
        """Back to ``pending``: the request was refused as a whole (bad credentials), nothing stored."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE rows SET state='pending', code='', raw_text='', message='', updated=? "
                "WHERE job_id=? AND key=? AND state='in_flight'",
                [(now, job_id, int(k)) for k in keys],
            )

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

    def notes(self, job_id: int) -> dict[int, RowResult]:
        """Rows that have not ended but carry a note (see :meth:`note`), as ``pending`` results by key."""
        with self._lock:
            found = self._db.execute(
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


def _has_json(db: sqlite3.Connection) -> bool:
    """Whether this SQLite has the JSON functions (built in since 3.38; a few old builds lack them)."""
    try:
        db.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.Error:
        return False
    return True


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` under the journal's lock; rolled back on error."""

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
                except sqlite3.Error as exc:
                    self._db.execute("ROLLBACK")
                    raise ConfigError(f"The job journal could not be written: {exc}.") from None
            else:
                self._db.execute("ROLLBACK")
        finally:
            self._lock.release()

"""The job journal: jobs, row states, resumption lookup, durability settings, several connections."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.journal import FILE_NAME, Journal, file_fingerprint
from core.model import Outcome, RowResult


def test_default_location_is_the_state_dir(isolated_state: Path) -> None:
    with Journal() as journal:
        assert journal.path == isolated_state / FILE_NAME
    assert (isolated_state / FILE_NAME).exists()
    db = sqlite3.connect(isolated_state / FILE_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_job_lifecycle() -> None:
    journal = Journal()
    mapping = {0: "EMAIL", 2: "NAME"}
    job = journal.create_job("fp1", "netcore", "default", mapping, {"listid": "7"}, 5, source="/x/in.csv")
    assert journal.find_unfinished("fp1", "netcore", "default", {2: "NAME", 0: "EMAIL"}) == job
    assert journal.find_unfinished("fp1", "netcore", "default", {0: "EMAIL"}) is None
    assert journal.find_unfinished("fp1", "netcore", "other", mapping) is None
    assert journal.find_unfinished("fp2", "netcore", "default", mapping) is None

    journal.mark_in_flight(job, [2, 3, 4])
    journal.record_many(job, [RowResult(2, Outcome.ADDED, "", "Success", "added", "req-1"),
                              RowResult(3, Outcome.EXISTS, "302", "Duplicate", "exists")])
    rows = journal.rows(job)
    assert rows[2].finished
    assert rows[2].outcome is Outcome.ADDED
    assert rows[2].contact_id == "req-1"
    assert rows[3].outcome is Outcome.EXISTS
    assert rows[3].code == "302"
    assert rows[4].in_flight
    assert not rows[4].finished
    assert rows[4].sends == 1
    assert set(journal.results(job)) == {2, 3}

    # a finished row is never put back in flight; an in-flight one counts another send
    journal.mark_in_flight(job, [2, 4])
    rows = journal.rows(job)
    assert rows[2].outcome is Outcome.ADDED
    assert rows[2].sends == 1
    assert rows[4].in_flight
    assert rows[4].sends == 2

    journal.release(job, [4, 2])
    assert journal.rows(job)[4].state == "pending"
    assert journal.rows(job)[2].outcome is Outcome.ADDED

    [info] = journal.unfinished_jobs()
    summary = (info.id, info.provider, info.total, info.finished_rows, info.source)
    assert summary == (job, "netcore", 5, 2, "/x/in.csv")
    assert info.options == {"listid": "7"}
    assert info.mapping == {"0": "EMAIL", "2": "NAME"}

    journal.finish(job)
    assert journal.unfinished_jobs() == []
    assert journal.find_unfinished("fp1", "netcore", "default", mapping) is None
    assert journal.job(job).state == "finished"


def test_a_new_job_abandons_the_older_open_one() -> None:
    journal = Journal()
    old = journal.create_job("fp", "octopush", "default", {0: "phone_number"}, {}, 3)
    new = journal.create_job("fp", "octopush", "default", {0: "phone_number"}, {}, 3)
    assert new != old
    assert journal.find_unfinished("fp", "octopush", "default", {0: "phone_number"}) == new
    assert journal.job(old).state == "abandoned"


def test_record_refuses_a_non_final_outcome() -> None:
    journal = Journal()
    job = journal.create_job("fp", "aptania", "default", {}, {}, 1)
    with pytest.raises(ValueError, match="final"):
        journal.record(job, RowResult(2, Outcome.PENDING))
    assert journal.rows(job) == {}


def test_two_connections_and_another_process_see_each_others_commits(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    a = Journal(path)
    b = Journal(path)
    job = a.create_job("fp", "netcore", "default", {}, {}, 2)
    a.mark_in_flight(job, [2])
    assert b.rows(job)[2].in_flight
    b.record(job, RowResult(2, Outcome.ADDED))
    assert a.rows(job)[2].outcome is Outcome.ADDED
    code = (
        "import sys; from core.journal import Journal; from core.model import RowResult, Outcome;"
        f"j = Journal(sys.argv[1]); j.record({job}, RowResult(3, Outcome.FAILED, '466', 'x', 'bad'))"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=Path(__file__).parents[2])
    assert a.rows(job)[3].outcome is Outcome.FAILED


def test_file_fingerprint_depends_on_bytes_and_reading_options(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_bytes(b"email\na@b.co\n")
    one = file_fingerprint(f, "Sheet1", None)
    assert one == file_fingerprint(f, "Sheet1", None)
    assert one != file_fingerprint(f, "Sheet2", None)
    f.write_bytes(b"email\na@b.co\nc@d.co\n")
    assert one != file_fingerprint(f, "Sheet1", None)


@pytest.mark.parametrize("json_functions", [True, False])
def test_a_batch_is_marked_and_recorded_the_same_with_or_without_sqlite_json(json_functions: bool) -> None:
    journal = Journal()
    assert journal._json  # this SQLite has json_each: the one-statement path is the one exercised
    journal._json = json_functions  # an old SQLite without it takes the row-by-row path
    job = journal.create_job("fp", "octopush", "default", {}, {}, 203)
    keys = list(range(2, 202))
    journal.record(job, RowResult(2, Outcome.ADDED, "201", "added", "Octopush added the contact."))
    journal.mark_in_flight(job, keys)
    rows = journal.rows(job)
    assert rows[2].outcome is Outcome.ADDED  # an ended row is left alone
    assert rows[2].sends == 0
    assert all(rows[k].in_flight and rows[k].sends == 1 for k in keys[1:])
    journal.mark_in_flight(job, keys[:3])
    assert [journal.rows(job)[k].sends for k in keys[:4]] == [0, 2, 2, 1]

    results = [RowResult(k, Outcome.ADDED, "201", "added", "Added.") for k in keys[1:150]]
    results += [RowResult(k, Outcome.SKIPPED, "201", "skipped", "Skipped.") for k in keys[150:]]
    results[7] = RowResult(keys[8], Outcome.FAILED, "201", "", "Not reported back.", "", "phone_number")
    results.append(RowResult(250, Outcome.UPDATED, "201", "updated", "Updated.", "id-250"))  # never marked
    journal.record_many(job, results)
    rows = journal.rows(job)
    assert len(rows) == 201
    for r in results:
        row = rows[r.key]
        assert (row.state, row.code, row.raw_text, row.message, row.contact_id) == (
            r.outcome.value, r.code, r.raw_text, r.message, r.contact_id
        )
    assert rows[keys[8]].sends == 1
    assert rows[250].sends == 0
    assert journal.results(job)[250].contact_id == "id-250"
    assert journal.job(job).finished_rows == 201


# ------------------------------------------------------------------ schema version, damage, full disk, growth
_V0_SCHEMA = """
CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL, provider TEXT NOT NULL,
    profile TEXT NOT NULL, mapping TEXT NOT NULL, options TEXT NOT NULL, total INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT 'open', created REAL NOT NULL,
    updated REAL NOT NULL);
CREATE INDEX jobs_lookup ON jobs (fingerprint, provider, profile, state);
CREATE TABLE rows (job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, key INTEGER NOT NULL,
    state TEXT NOT NULL, code TEXT NOT NULL DEFAULT '', raw_text TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', contact_id TEXT NOT NULL DEFAULT '', sends INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL, PRIMARY KEY (job_id, key)) WITHOUT ROWID;
INSERT INTO jobs (fingerprint, provider, profile, mapping, options, total, source, created, updated)
    VALUES ('fp0', 'netcore', 'default', '{"0": "EMAIL"}', '{}', 2, '/x.csv', 1, 1);
INSERT INTO rows (job_id, key, state, sends, updated) VALUES (1, 1, 'added', 1, 1), (1, 2, 'in_flight', 1, 1);
"""


def test_a_journal_from_before_versions_is_migrated_forward_and_keeps_its_jobs(tmp_path: Path) -> None:
    from core.journal import SCHEMA_VERSION

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(_V0_SCHEMA)
    with Journal(path) as journal:
        assert journal.find_unfinished("fp0", "netcore", "default", {"0": "EMAIL"}) == 1
        rows = journal.rows(1)
        assert rows[1].finished
        assert rows[2].in_flight
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "jobs_by_state" in indexes


def test_a_new_journal_has_the_current_version_and_frees_pages_incrementally(tmp_path: Path) -> None:
    from core.journal import SCHEMA_VERSION

    Journal(tmp_path / "j.sqlite3").close()
    with sqlite3.connect(tmp_path / "j.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


def test_a_newer_journal_is_refused_and_left_alone(tmp_path: Path) -> None:
    from core.journal import SCHEMA_VERSION, JournalError

    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    with pytest.raises(JournalError, match="newer Contact Uploader"):
        Journal(path)
    assert path.exists()


def test_a_page_smashed_in_the_middle_is_reported_when_read_and_the_file_moved_aside(tmp_path: Path) -> None:
    from core.journal import JournalError

    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        job = journal.create_job("fp", "octopush", "default", {}, {}, 3000)
        journal.mark_in_flight(job, range(3000))
    with sqlite3.connect(path) as db:  # everything in the main file, nothing left in the WAL
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    assert pages > 8
    with open(path, "r+b") as fh:  # the header is intact: the file opens, then a read hits the damage
        for page in range(2, pages):
            fh.seek(page * page_size)
            fh.write(b"\xff" * page_size)
    journal = Journal(path)
    with pytest.raises(JournalError) as caught:
        journal.rows(job)
    assert caught.value.damaged
    [aside] = [p for p in tmp_path.glob("j.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert str(caught.value).startswith(f"The job journal {path} was damaged and could not be read; "
                                        f"it was moved to {aside}")
    journal.close()
    with Journal(path) as fresh:  # a new, empty journal
        assert fresh.unfinished_jobs() == []


def test_a_failed_commit_reports_the_full_disk_not_the_rollback(tmp_path: Path) -> None:
    """The disk fills while a row is recorded: the sentence names the file and the full disk, and the
    journal still works (no transaction left open) once space is back. A page-count cap makes SQLite
    answer exactly as on a full disk (SQLITE_FULL); the real full disk is tests/core/test_state_trouble.py."""
    from core.journal import JournalError

    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    job = journal.create_job("fp", "aptania", "default", {}, {}, 5000)
    db = journal._conn
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages + 1}")
    with pytest.raises(JournalError) as caught:
        journal.record_many(job, [RowResult(k, Outcome.ADDED, message="m" * 500) for k in range(5000)])
    assert str(caught.value).startswith(
        f"The job journal {path} could not be written because the disk is full."
    )
    db.execute("PRAGMA max_page_count=1073741823")
    journal.record(job, RowResult(1, Outcome.ADDED))  # usable again
    assert set(journal.results(job)) == {1}
    journal.close()


def _finished_job(journal: Journal, name: str, rows: int, age_days: float) -> int:
    import time

    job = journal.create_job(name, "netcore", "default", {"n": name}, {}, rows)
    journal.record_many(job, [RowResult(k, Outcome.ADDED, raw_text="r" * 300, message="m" * 100)
                              for k in range(rows)])
    journal.finish(job)
    with journal._tx() as db:
        db.execute("UPDATE jobs SET updated=? WHERE id=?", (time.time() - age_days * 86400, job))
    return job


def test_maintain_forgets_old_and_surplus_finished_jobs_keeps_open_ones_and_shrinks_the_file(
    tmp_path: Path,
) -> None:
    from core.journal import KEEP_DAYS, KEEP_FINISHED

    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        old = [_finished_job(journal, f"old{i}", 2000, KEEP_DAYS + 1) for i in range(3)]
        recent = [_finished_job(journal, f"new{i}", 20, i / 100) for i in range(KEEP_FINISHED + 5)]
        open_old = journal.create_job("open", "netcore", "default", {}, {}, 2000)
        journal.mark_in_flight(open_old, range(2000))
        with journal._tx() as db:  # an unfinished job from long ago is still resumable
            db.execute("UPDATE jobs SET updated=0, created=0 WHERE id=?", (open_old,))
        journal._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = path.stat().st_size

        removed = journal.maintain()

        assert removed == 3 + 5
        kept = {j.id for j in journal._jobs("", ())}
        assert not kept & set(old)
        assert set(recent[-5:]).isdisjoint(kept)  # the oldest beyond the newest KEEP_FINISHED
        assert set(recent[:-5]) <= kept
        assert open_old in kept
        assert len(journal.rows(open_old)) == 2000  # resume needs every row of an open job
        assert journal.rows(old[0]) == {}  # the rows went with their job
    after = path.stat().st_size
    assert after < before * 0.6, (before, after)  # the freed pages were given back
    assert Path(f"{path}-wal").stat().st_size == 0 if Path(f"{path}-wal").exists() else True


def test_maintain_turns_on_compaction_in_a_journal_from_before_versions(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(_V0_SCHEMA)
    with Journal(path) as journal:
        _finished_job(journal, "old", 3000, 400)
        journal._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = path.stat().st_size
        assert journal.maintain() == 1
    assert path.stat().st_size < before / 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2


def test_iter_results_gives_the_ended_rows_in_key_order_a_batch_at_a_time() -> None:
    """Issue 12: a window resuming a million-row job shows the ended rows a batch at a time (a dict of half a
    million results held the GUI thread 150 ms); the batches hold exactly what ``results`` holds, in key
    order, never a row still pending or in flight, nor a pending row's note."""
    journal = Journal()
    job = journal.create_job("fp", "octopush", "default", {0: "PHONE"}, {}, 40)
    keys = list(range(2, 42))
    journal.mark_in_flight(job, keys)
    ended = [k for k in keys if k % 3]  # every third row stays in flight
    journal.record_many(job, [RowResult(k, Outcome.ADDED if k % 2 else Outcome.FAILED, "", f"answer {k}",
                                        f"row {k}", f"id-{k}") for k in reversed(ended)])
    journal.note(job, [3], "429", "Too many requests", "a note on a row still in flight")
    batches = list(journal.iter_results(job, batch=7))
    assert len(ended) == 27
    assert [len(b) for b in batches] == [7, 7, 7, 6]
    flat = [r for b in batches for r in b]
    assert [r.key for r in flat] == ended
    assert {r.key: r for r in flat} == journal.results(job)
    assert flat[0] == RowResult(2, Outcome.FAILED, "", "answer 2", "row 2", "id-2")
    assert [len(b) for b in journal.iter_results(job, batch=27)] == [27]  # an exact multiple ends too
    # the same answer text read back twice is one string, as in the engine's own results (memory)
    journal.record_many(job, [RowResult(k, Outcome.EXISTS, "302", "Duplicate " + "x" * 50, "exists", "")
                              for k in (3, 6)])
    three, six = (r for b in journal.iter_results(job) for r in b if r.key in (3, 6))
    assert three.raw_text == six.raw_text
    assert three.raw_text is six.raw_text
    assert three.message is six.message
    assert list(journal.iter_results(journal.create_job("fp2", "octopush", "default", {}, {}, 0))) == []

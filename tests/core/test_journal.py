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

"""One job, one process (SPEC 6, issue 10 item 1): an OS file lock per job, refused with one sentence.

Real processes against the loopback sandbox: two ``upload`` runs of the same job at once, two ``--resume``
runs at once after a ``kill -9``, and a killed owner that must not block the next run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from core import i18n
from core.errors import ConfigError
from core.joblock import JobBusy, JobLock, job_key
from core.journal import Journal
from core.sandbox import Sandbox
from tests.core.test_upload_cli import _start_cli, _wait_for, cred_env, spreadsheet

PROVIDER = "aptania"


def _args(source: Path, sandbox: Sandbox, *extra: str) -> list[str]:
    return ["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
            "--concurrency", "2", "--base-url", sandbox.base_url(PROVIDER), *extra]


def _sends_per_row(sandbox: Sandbox) -> Counter[str]:
    """How many create requests carried each row (by e-mail), as the sandbox received them.

    A request cut short by a killed client (its body incomplete) is not a send: no real server
    processes half a body.
    """
    found: Counter[str] = Counter()
    for request in sandbox.received(PROVIDER):
        if not request.path.endswith("/createContact"):
            continue
        try:
            found[str(request.json()["contactEmailaddress"])] += 1
        except (ValueError, KeyError):
            continue
    return found


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


# ------------------------------------------------------------------------------------------- in process
def test_a_second_owner_is_refused_with_the_start_time_until_the_first_lets_go(tmp_path: Path) -> None:
    key = job_key("f" * 64, "octopush", "default", {"columns": {"0": "phone_number"}})
    first = JobLock(key, "Octopush", directory=tmp_path)
    second = JobLock(key, "Octopush", directory=tmp_path)
    with first:
        owner = json.loads(first.owner_path.read_text(encoding="utf-8"))
        assert owner["pid"] == os.getpid()
        with pytest.raises(JobBusy) as caught:
            second.acquire()
        sentence = str(caught.value)
        clock = i18n.clock(datetime.fromtimestamp(owner["started"]))  # the language's way: 2:02 PM in English
        assert sentence == (
            "This file is already being uploaded to Octopush by another Contact Uploader, "
            f"started at {clock}: wait for it to finish or cancel it there."
        )
        assert caught.value.exit_status == 2
        assert not second.held
    assert not first.owner_path.exists()  # the owner record goes with the lock
    with second:  # free again
        assert second.held


def test_another_job_is_not_blocked(tmp_path: Path) -> None:
    a = JobLock(job_key("a", "netcore", "default", {}), "Netcore", directory=tmp_path)
    b = JobLock(job_key("b", "netcore", "default", {}), "Netcore", directory=tmp_path)
    with a, b:
        assert a.held
        assert b.held


def test_a_lock_folder_that_cannot_be_created_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "locks"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    lock = JobLock("k" * 40, "Aptania", directory=blocker)
    with pytest.raises(ConfigError) as caught:
        lock.acquire()
    assert str(blocker) in str(caught.value)
    assert "CONTACT_UPLOADER_HOME" in str(caught.value)


# ------------------------------------------------------------------------------------------- processes
def test_two_uploads_of_one_job_at_once_send_every_row_exactly_once(tmp_path: Path) -> None:
    n = 80
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.1) as sandbox:
        args = _args(source, sandbox)
        procs = [_start_cli(args, cred_env(PROVIDER)) for _ in range(2)]  # started together
        results = [_finish(p) for p in procs]
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [0, 2], results
        refused = next(err for status, _, err in results if status == 2)
        assert re.fullmatch(
            r"This file is already being uploaded to Aptania by another Contact Uploader, "
            r"started at \d{1,2}:\d\d(?:\s?[AP]M)?: wait for it to finish or cancel it there\.\n", refused
        ), refused
        sends = _sends_per_row(sandbox)
        assert len(sends) == n
        assert set(sends.values()) == {1}  # each row exactly once
        assert sandbox.create_requests(PROVIDER) == n


def test_the_second_run_is_refused_while_the_first_is_sending(tmp_path: Path) -> None:
    n = 60
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.1) as sandbox:
        args = _args(source, sandbox)
        first = _start_cli(args, cred_env(PROVIDER))
        _wait_for(sandbox, PROVIDER, 5, first)
        second = _start_cli(args, cred_env(PROVIDER))
        status, out, err = _finish(second)
        assert status == 2, err
        assert "already being uploaded to Aptania" in err
        assert out == ""  # sent nothing, reported nothing
        assert _finish(first)[0] == 0
        assert set(_sends_per_row(sandbox).values()) == {1}
        assert sandbox.create_requests(PROVIDER) == n


def test_two_resumes_at_once_after_kill_9_send_no_row_twice_beyond_those_in_flight(tmp_path: Path) -> None:
    n = 120
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.1) as sandbox:
        args = _args(source, sandbox)
        proc = _start_cli(args, cred_env(PROVIDER))
        _wait_for(sandbox, PROVIDER, 30, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.communicate()
        # the dead owner left its lock file and owner record behind: neither may block anyone
        locks = list((Path(os.environ["CONTACT_UPLOADER_HOME"]) / "locks").glob("*.owner.json"))
        assert len(locks) == 1
        assert json.loads(locks[0].read_text(encoding="utf-8"))["pid"] == proc.pid
        with Journal() as journal:
            [job] = journal.unfinished_jobs()
            in_flight = {k for k, r in journal.rows(job.id).items() if r.in_flight}

        resumes = [_start_cli([*args, "--resume"], cred_env(PROVIDER)) for _ in range(2)]
        results = [_finish(p) for p in resumes]
        assert sorted(status for status, _, _ in results) == [0, 2], results
        sends = _sends_per_row(sandbox)
        assert len(sends) == n  # every row sent
        twice = [email for email, count in sends.items() if count > 1]
        assert max(sends.values()) <= 2
        assert len(twice) <= len(in_flight)  # only the rows whose answer the kill lost
        with Journal() as journal:
            assert journal.unfinished_jobs() == []


def test_a_second_run_is_refused_before_it_opens_the_journal_of_the_running_one(tmp_path: Path) -> None:
    """The journal the running owner writes is smashed: a second run of the same job says the job is busy
    (exit 2, one JSON object with --json) and leaves the journal where it is — moving it aside from under
    the running owner would lose the owner's record of what it sent (no --resume)."""
    n = 60
    source = spreadsheet(tmp_path, n)
    home = Path(os.environ["CONTACT_UPLOADER_HOME"])
    with Sandbox(latency=0.1) as sandbox:
        args = _args(source, sandbox)
        first = _start_cli(args, cred_env(PROVIDER))
        _wait_for(sandbox, PROVIDER, 5, first)
        journal_file = home / "journal.sqlite3"
        with open(journal_file, "r+b") as fh:
            fh.write(b"\0" * 16)  # the "SQLite format 3" header gone: the file reads as not a database
        second = _start_cli([*args, "--json"], cred_env(PROVIDER))
        status, out, err = _finish(second)
        assert status == 2, err
        assert "already being uploaded to Aptania" in err
        assert "Traceback" not in err
        assert json.loads(out)["exit_status"] == 2
        assert journal_file.exists()
        assert list(home.glob("journal.sqlite3.damaged-*")) == []  # not moved from under the owner
        first.kill()
        first.communicate()


def test_a_run_refused_before_the_owner_wrote_its_record_still_says_when_it_started(tmp_path: Path) -> None:
    import threading

    first = JobLock("k" * 40, "Aptania", directory=tmp_path).acquire()
    record = first.owner_path.read_text(encoding="utf-8")
    first.owner_path.unlink()  # the moment between taking the lock and writing the record
    writer = threading.Timer(0.3, first.owner_path.write_text, (record,), {"encoding": "utf-8"})
    writer.start()
    try:
        with pytest.raises(JobBusy) as refused:
            # a lock object of its own, as another process has (flock locks are per open file)
            JobLock("k" * 40, "Aptania", directory=tmp_path).acquire()
    finally:
        writer.join()
        first.release()
    assert re.fullmatch(
        r"This file is already being uploaded to Aptania by another Contact Uploader, "
        r"started at \d{1,2}:\d\d(?:\s?[AP]M)?: wait for it to finish or cancel it there\.",
        str(refused.value))

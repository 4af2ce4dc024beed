"""State-folder trouble (issue 10 item 3): each ends in one sentence naming the file, exit 2, nothing lost.

The full disk and the read-only folder are real: a small tmpfs mounted as the state folder (tests run as
root; a read-only *remount*, since root writes through chmod). Where mounting is impossible (not root, not
Linux) those tests are skipped, and the journal's handling of a full disk is still covered below.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.journal import SCHEMA_VERSION, Journal
from core.logsetup import teardown_logging
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from tests.core.test_joblock import _sends_per_row as _sends
from tests.core.test_upload_cli import _start_cli, _wait_for, cred_env, read_report, run_cli, spreadsheet

PROVIDER = "aptania"


def _mount_tmpfs(where: Path, size: str) -> None:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def tmpfs_state(isolated_state: Path) -> Iterator[Path]:
    """The state folder on its own small tmpfs (1 MiB), unmounted afterwards."""
    _mount_tmpfs(isolated_state, "1m")
    try:
        yield isolated_state
    finally:
        teardown_logging()
        subprocess.run(["umount", "-l", str(isolated_state)], check=False)


def _args(source: Path, sandbox: Sandbox, *extra: str) -> list[str]:
    return ["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
            "--base-url", sandbox.base_url(PROVIDER), *extra]


def _sentences(err: str) -> list[str]:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert "Logging error" not in err
    assert "Something unexpected" not in err
    return lines


def test_disk_full_mid_upload_is_one_sentence_and_resume_sends_only_the_rows_in_flight_again(
    tmpfs_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 600  # far more rows than 1 MiB of journal (WAL pages) can record
    source = spreadsheet(tmp_path, n)
    report = tmp_path / "report.csv"  # on another disk: it can still be written
    with Sandbox(latency=0.02) as sandbox:
        args = _args(source, sandbox, "--concurrency", "4", "--report", str(report))
        proc = _start_cli(args, cred_env(PROVIDER))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (out, err)
        journal_path = tmpfs_state / "journal.sqlite3"
        lines = _sentences(err)
        full = [line for line in lines if str(journal_path) in line]
        assert full == [
            f"The job journal {journal_path} could not be written because the disk is full. "
            "Everything recorded so far is kept: free some space on that disk, then resume the upload "
            "(the same command with --resume, or the window offers it at start)."
        ]
        # at most one more line: the log file saying once that it cannot be written either
        assert len(lines) <= 2
        assert all("log file" in line for line in lines if line not in full)
        assert len(read_report(report)) == n  # the report of what was done, written all the same

        with Journal() as journal:
            [job] = journal.unfinished_jobs()
            rows = journal.rows(job.id)
        in_flight = sum(1 for r in rows.values() if r.in_flight)
        finished = sum(1 for r in rows.values() if r.finished)
        assert 0 < finished < n
        # at most the requests that were out, or answered but not yet recorded, when the disk filled
        assert in_flight <= 2 * 4

        # free the space (here: a bigger disk under the same folder) and resume
        subprocess.run(["mount", "-o", "remount,size=64m", str(tmpfs_state)], check=True)
        status, out, err = run_cli([*args, "--resume"], monkeypatch, cred_env(PROVIDER))
        assert status == 0, err
        sends = _sends(sandbox)
        assert len(sends) == n
        twice = [email for email, count in sends.items() if count > 1]
        assert max(sends.values()) <= 2
        assert len(twice) <= in_flight  # nothing sent twice beyond the rows in flight


def test_read_only_state_folder_used_before(tmpfs_state: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["mount", "-o", "remount,size=16m", str(tmpfs_state)], check=True)
    n = 30
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.05) as sandbox:
        args = _args(source, sandbox, "--concurrency", "2")
        # used before: settings, journal, log file and a job left unfinished (killed half-way)
        proc = _start_cli(args, cred_env(PROVIDER))
        _wait_for(sandbox, PROVIDER, 5, proc)
        proc.kill()
        proc.communicate()
        assert (tmpfs_state / "journal.sqlite3").exists()
        assert (tmpfs_state / "logs" / "contact-uploader.log").exists()
        teardown_logging()
        subprocess.run(["mount", "-o", "remount,ro", str(tmpfs_state)], check=True)

        dry = subprocess.run([sys.executable, "-m", "core", *args, "--dry-run"], capture_output=True,
                             text=True, env={**os.environ, **cred_env(PROVIDER)}, timeout=60)
        assert dry.returncode == 0, dry.stderr
        assert f"{n} ready" in dry.stdout
        log_file = tmpfs_state / "logs" / "contact-uploader.log"
        assert _sentences(dry.stderr) == [
            f"The log file {log_file} cannot be written (Read-only file system); "
            "Contact Uploader goes on without it."
        ]

        sent = sandbox.create_requests(PROVIDER)  # the killed run's last requests have landed by now
        resume = subprocess.run([sys.executable, "-m", "core", *args, "--resume"], capture_output=True,
                                text=True, env={**os.environ, **cred_env(PROVIDER)}, timeout=60)
        assert resume.returncode == 2, resume.stderr
        lines = [line for line in _sentences(resume.stderr) if "log file" not in line]
        assert len(lines) == 1
        assert str(tmpfs_state) in lines[0]
        assert "CONTACT_UPLOADER_HOME" in lines[0]  # what to do
        assert sandbox.create_requests(PROVIDER) == sent  # nothing sent


# ------------------------------------------------------------------------ settings and journal files
@pytest.mark.parametrize("content", [b"{\"version\": 1, \"profiles\": {\"caf\xe9\": 1}}", b"[" * 100_000],
                         ids=["not-utf8", "nested-100000"])
def test_a_damaged_settings_file_is_moved_aside_with_a_sentence(
    isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    isolated_state.mkdir(parents=True, exist_ok=True)
    settings = isolated_state / "settings.json"
    settings.write_bytes(content)
    source = spreadsheet(tmp_path, 3)
    status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--dry-run"], monkeypatch)
    assert status == 0, err
    assert "3 ready" in out
    aside = isolated_state / "settings.json.damaged"
    assert err.splitlines() == [
        f"The settings file {settings} could not be read and was moved to {aside}; Contact Uploader goes on "
        "with empty settings (enter the profiles' regions and login e-mails again)."
    ]
    assert aside.read_bytes() == content


def _journal_with_a_job(path: Path, rows: int = 3) -> int:
    from core.model import Outcome, RowResult

    with Journal(path) as journal:
        job = journal.create_job("f" * 64, PROVIDER, "default", {"columns": {}}, {}, rows)
        journal.mark_in_flight(job, range(1, rows + 1))
        journal.record_many(job, [RowResult(k, Outcome.ADDED, message="x" * 200) for k in range(1, rows + 1)])
    return job


def test_a_journal_from_a_newer_version_is_refused_with_a_sentence(
    isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = isolated_state / "journal.sqlite3"
    _journal_with_a_job(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    source = spreadsheet(tmp_path, 3)
    with Sandbox() as sandbox:
        status, _, err = run_cli(_args(source, sandbox), monkeypatch, cred_env(PROVIDER))
        assert status == 2
        assert err == (
            f"The job journal {path} was written by a newer Contact Uploader (journal version "
            f"{SCHEMA_VERSION + 1}; this one reads up to {SCHEMA_VERSION}): update Contact Uploader, "
            "or move the file away to start a new journal.\n"
        )
        assert sandbox.create_requests(PROVIDER) == 0
    with sqlite3.connect(path) as db:  # left exactly as it was
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_a_smashed_journal_is_moved_aside_with_a_sentence_and_the_next_run_works(
    isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = isolated_state / "journal.sqlite3"
    _journal_with_a_job(path)
    with open(path, "r+b") as fh:  # smash the header and the first pages
        fh.write(os.urandom(8192))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    source = spreadsheet(tmp_path, 3)
    with Sandbox() as sandbox:
        args = _args(source, sandbox)
        status, _, err = run_cli(args, monkeypatch, cred_env(PROVIDER))
        assert status == 2
        [aside] = isolated_state.glob("journal.sqlite3.damaged-*")
        assert err.startswith(f"The job journal {path} was damaged and could not be read; "
                              f"it was moved to {aside} and nothing was sent.")
        assert sandbox.create_requests(PROVIDER) == 0
        status, _, err = run_cli(args, monkeypatch, cred_env(PROVIDER))
        assert status == 0, err
        assert sandbox.create_requests(PROVIDER) == 3


def test_a_damaged_settings_file_in_a_read_only_folder_is_left_with_a_sentence(isolated_state: Path) -> None:
    from core import settings

    _mount_tmpfs(isolated_state, "1m")
    try:
        path = isolated_state / "settings.json"
        path.write_bytes(b"\xff\xfe not json")
        subprocess.run(["mount", "-o", "remount,ro", str(isolated_state)], check=True)
        loaded = settings.load()
        assert loaded.providers() == []
        assert settings.take_notices() == [
            f"The settings file {path} could not be read and could not be moved aside; Contact Uploader goes "
            "on with empty settings: move it away or delete it."
        ]
        assert path.exists()
    finally:
        subprocess.run(["umount", "-l", str(isolated_state)], check=False)


def test_a_journal_damaged_under_a_resumed_job_says_so_not_that_the_journal_was_closed(
    isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal opens (its first page is whole) but the job's rows are smashed: the run stops with the
    "damaged, moved aside" sentence — not the "was closed" of a read after the file was moved aside."""
    path = isolated_state / "journal.sqlite3"
    source = spreadsheet(tmp_path, 3)
    with Sandbox() as sandbox:
        args = _args(source, sandbox, "--json")
        refused = cred_env(PROVIDER, {k: "wrong" for k in DEMO_CREDENTIALS[PROVIDER]})
        status, _, err = run_cli(args, monkeypatch, refused)
        assert status == 2, err  # credentials refused: the job stays open for --resume
        teardown_logging()
        refused_requests = sandbox.create_requests(PROVIDER)
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            [root] = db.execute("SELECT rootpage FROM sqlite_master WHERE name='rows'").fetchone()
            page = int(db.execute("PRAGMA page_size").fetchone()[0])
        with open(path, "r+b") as fh:
            fh.seek((root - 1) * page)
            fh.write(b"\xa5" * page)
        status, out, err = run_cli([*args, "--resume"], monkeypatch, cred_env(PROVIDER))
        assert status == 2, err
        moved = isolated_state.glob("journal.sqlite3.damaged-*")
        [aside] = [p for p in moved if not p.name.endswith(("-wal", "-shm"))]
        sentences = _sentences(err)
        assert len(sentences) == 1, err
        sentence = sentences[0]
        assert sentence.startswith(f"The job journal {path} was damaged and could not be read; "
                                   f"it was moved to {aside}"), sentence
        assert json.loads(out)["exit_status"] == 2
        assert sandbox.create_requests(PROVIDER) == refused_requests  # nothing sent


def test_a_report_that_cannot_be_written_after_sending_keeps_the_counts_true(
    isolated_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows were sent, then the report cannot be written (a full disk, a missing folder): the sentence
    names the report, and the summary, the --json counts and the journal still say what was sent."""
    import shutil

    import core.report

    n = 5
    source = spreadsheet(tmp_path, n)
    blocker = tmp_path / "reports"
    blocker.mkdir()
    report = blocker / "report.csv"
    real_write = core.report.write_report_rows

    def folder_gone_meanwhile(*args: Any, **kwargs: Any) -> None:
        # writable when the upload checked it before sending; a file in its place by the time the report
        # is written (a removed USB stick, a folder deleted by hand)
        shutil.rmtree(blocker)
        blocker.write_text("a file where the report's folder should be", encoding="utf-8")
        real_write(*args, **kwargs)

    monkeypatch.setattr(core.report, "write_report_rows", folder_gone_meanwhile)
    with Sandbox() as sandbox:
        status, out, err = run_cli(_args(source, sandbox, "--json", "--report", str(report)), monkeypatch,
                                   cred_env(PROVIDER))
        assert sandbox.create_requests(PROVIDER) == n
    assert status == 2, err
    assert f"Cannot write the report {report}" in err
    assert f"{n} rows" in err  # the summary line
    assert f"{n} added" in err
    result = json.loads(out)
    assert result["counts"]["added"] == n
    assert result["report"] is None
    assert result["job_id"] is not None
    with Journal() as journal:
        assert journal.unfinished_jobs() == []  # every row ended: nothing left to resume


def test_a_log_folder_that_cannot_be_created_is_mentioned_once_and_no_raw_log_line_reaches_stderr(
    isolated_state: Path, tmp_path: Path
) -> None:
    """``logs`` blocked (a file where the folder should be): the log is said once to be unwritable, and the
    warnings meant for it (here: the damaged settings file) do not fall through to stderr as raw lines."""
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "logs").write_text("a file where the folder should be", encoding="utf-8")
    (isolated_state / "settings.json").write_bytes(b"\xff not json")
    source = spreadsheet(tmp_path, 3)
    proc = _start_cli(["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
                       "--dry-run"], {"CONTACT_UPLOADER_HOME": str(isolated_state)})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = _sentences(err)
    assert [line for line in lines if line.startswith("The log file")] == [
        f"The log file {isolated_state / 'logs' / 'contact-uploader.log'} cannot be written "
        "(Not a directory); Contact Uploader goes on without it."
    ], err
    assert [line for line in lines if "settings.json" in line] == [
        f"The settings file {isolated_state / 'settings.json'} could not be read and was moved to "
        f"{isolated_state / 'settings.json.damaged'}; Contact Uploader goes on with empty settings "
        "(enter the profiles' regions and login e-mails again)."
    ], err


def test_a_damaged_settings_file_read_to_choose_the_language_is_logged_not_dumped_on_stderr(
    isolated_state: Path, tmp_path: Path
) -> None:
    """The settings are read before the log exists (to find the language the window chose): the warning
    they log goes to the log file once it is set up, and stderr has only the sentence for the user."""
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "settings.json").write_bytes(b"\xff not json")
    source = spreadsheet(tmp_path, 3)
    proc = _start_cli(["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
                       "--dry-run"], {"CONTACT_UPLOADER_HOME": str(isolated_state)})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "was damaged" not in err
    assert [line for line in _sentences(err) if "settings.json" in line] == [
        f"The settings file {isolated_state / 'settings.json'} could not be read and was moved to "
        f"{isolated_state / 'settings.json.damaged'}; Contact Uploader goes on with empty settings "
        "(enter the profiles' regions and login e-mails again)."
    ], err
    log = (isolated_state / "logs" / "contact-uploader.log").read_text(encoding="utf-8")
    assert "was damaged (UnicodeDecodeError)" in log

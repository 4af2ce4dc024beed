"""SIGTERM and SIGHUP end an upload as Ctrl-C does (SPEC 6, issue 10 item 2): real signals to real processes.

The requests already out are answered and recorded within the grace period, the report is written, the
exit status is 130, no answered row is left in flight, and the following ``--resume`` sends no row twice.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from core.journal import Journal
from core.sandbox import Sandbox
from tests.core.test_joblock import _sends_per_row as _sends
from tests.core.test_upload_cli import _start_cli, _wait_for, cred_env, read_report, run_cli, spreadsheet

PROVIDER = "aptania"
SIGNALS = [s for s in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, s)]


@pytest.mark.parametrize("name", SIGNALS)
def test_a_stop_signal_records_the_answers_writes_the_report_and_resume_sends_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    n = 150
    source = spreadsheet(tmp_path, n)
    report = tmp_path / "report.csv"
    with Sandbox(latency=0.1) as sandbox:
        args = ["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
                "--concurrency", "4", "--base-url", sandbox.base_url(PROVIDER), "--report", str(report)]
        proc = _start_cli(args, cred_env(PROVIDER))
        _wait_for(sandbox, PROVIDER, 30, proc)
        proc.send_signal(getattr(signal, name))
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "--resume" in err
        assert "Traceback" not in err
        assert "not sent" in out  # the summary line
        lines = read_report(report)
        assert len(lines) == n  # one line per source row, written on the way out
        statuses = Counter(line["status"] for line in lines)
        assert statuses["added"] > 0
        with Journal() as journal:
            [job] = journal.unfinished_jobs()
            assert job.in_flight_rows == 0  # every request out was answered and recorded
            assert job.finished_rows == statuses["added"]
        sent_before = sum(_sends(sandbox).values())
        assert sent_before == job.finished_rows  # nothing sent that the journal does not know ended

        status, out, err = run_cli([*args, "--resume"], monkeypatch, cred_env(PROVIDER))
        assert status == 0, err
        sends = _sends(sandbox)
        assert len(sends) == n
        assert set(sends.values()) == {1}  # no row sent twice
        assert len(sandbox.contacts(PROVIDER)) == n


@pytest.mark.parametrize("name", [s for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)])
def test_a_stop_signal_outside_an_upload_job_is_an_interruption_too(name: str) -> None:
    """``add`` holding on a Retry-After (and any command before a job starts): SIGTERM and SIGHUP end it as
    Ctrl-C does — exit 130 and, with --json, the one JSON object — instead of killing it silently."""
    import json

    from core.sandbox import Faults

    with Sandbox() as sandbox:
        sandbox.faults = Faults(p_429=1.0, retry_after=60)
        args = ["add", "--provider", "octopush", "--base-url", sandbox.base_url("octopush"),
                "--set", "phone_number=+905321112233", "--json"]
        proc = _start_cli(args, cred_env("octopush"))
        while not sandbox.received("octopush"):
            assert proc.poll() is None, proc.communicate()
        proc.send_signal(getattr(signal, name))
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, (out, err)
        assert "Traceback" not in err
        result = json.loads(out)
        assert result["exit_status"] == 130
        assert result["counts"]["pending"] == 1  # the contact was not added


def test_an_upload_started_with_sighup_ignored_keeps_running_after_sighup(tmp_path: Path) -> None:
    """``nohup contact-uploader upload …``: SIGHUP is ignored on purpose (the terminal may close); the upload
    must not turn it back into a stop."""
    import os
    import subprocess
    import sys

    from tests.core.test_upload_cli import ROOT

    n = 60
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.05) as sandbox:
        args = ["upload", str(source), "--provider", PROVIDER, "--set", "contactProfileID=1",
                "--concurrency", "2", "--base-url", sandbox.base_url(PROVIDER)]
        env = {**os.environ, **cred_env(PROVIDER), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "core", *args], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
        )
        _wait_for(sandbox, PROVIDER, 10, proc)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert len(sandbox.contacts(PROVIDER)) == n

"""The window and the command line resume each other's unfinished uploads (SPEC 8 ``--resume``): both
key a job by the file as read, provider, profile and mapping, so a job killed in one is finished by the
other with every row stored exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from core.job import JobSpec
from core.journal import Journal, mapping_key, table_fingerprint
from core.reading import read_table
from gui.context import AppContext
from gui.import_view import ImportView, Step
from tests.gui.test_upload_flow import _phone, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1000  # five Octopush batches of 200
Yes = QMessageBox.StandardButton.Yes


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "core", "upload", *args, "--provider", "octopush", "--concurrency", "1"]


def _stored(sandbox) -> list[str]:
    return [c["phone_number"] for c in sandbox.contacts("octopush")]


def _window(qtbot) -> ImportView:
    view = ImportView(AppContext("netcore"))
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def _finish_window(view: ImportView) -> None:
    if view.has_running_upload():
        view._task.cancel()
        view._task.wait(20000)
    from gui.workers import wait_all

    wait_all(10000)


def test_window_finishes_a_job_the_cli_was_killed_in(qtbot, sandbox, octopush_env, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "fair.xlsx", [[f"N{i}", "X", _phone(i), "Paris"] for i in range(ROWS)])
    sandbox.latency = 0.6
    proc = subprocess.Popen(_cli(str(path)), cwd=ROOT, env=octopush_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _stored(sandbox) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGKILL)  # no Ctrl-C grace: a crash
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    sent_by_cli = len(_stored(sandbox))
    assert 0 < sent_by_cli < ROWS
    with Journal() as journal:
        [job] = journal.unfinished_jobs()
        spec = JobSpec.from_job(job)  # the CLI keeps how it read the file: the window needs no guessing
        assert spec is not None
        assert spec.reading.sheet == "Leads"
        assert spec.reading.header_row == 3
        done_by_cli = {k for k, r in journal.rows(job.id).items() if r.finished}

    sandbox.latency = 0.0
    view = _window(qtbot)
    offers: list[str] = []
    monkeypatch.setattr(view, "_ask", lambda title, text, b, d: offers.append(text) or Yes)
    try:
        view.offer_resume()  # the journal is searched on a worker, then the offer is made
        qtbot.waitUntil(lambda: bool(offers), timeout=10000)
        assert "fair.xlsx" in offers[0]
        assert "Octopush" in offers[0]
        assert view.context.provider.name == "octopush"
        qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload()
                        and not view.is_busy(), timeout=60000)
        assert view.job_id == job.id
        assert view.file_step.sheet.currentText() == "Leads"
        assert view.table.header_row == 3
        assert sum(view.model.counts().values()) == ROWS
        assert set(view.model.counts()) <= {"added", "updated"}
    finally:
        _finish_window(view)

    phones = _stored(sandbox)
    assert len(phones) == ROWS == len(set(phones))  # every row stored, exactly once
    with Journal() as journal:
        assert journal.unfinished_jobs() == []
        rows = journal.rows(job.id)
        assert len(rows) == ROWS
        assert all(r.finished for r in rows.values())
        # the rows the CLI had finished were not sent again by the window
        assert all(rows[k].sends == 1 for k in done_by_cli)


def test_cli_resume_finishes_a_job_the_window_left(qtbot, sandbox, octopush_env, tmp_path):
    path = write_xlsx(tmp_path / "spring.xlsx", [[f"N{i}", "X", _phone(i), "Lyon"] for i in range(ROWS)])
    view = _window(qtbot)
    view.context.set_provider("octopush")
    try:
        view.open_file(path)
        qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
        view.go_next()
        view.go_next()
        qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
        sandbox.latency = 0.5
        view.go_next()
        qtbot.waitUntil(lambda: len(_stored(sandbox)) > 0, timeout=20000)
        view.cancel_upload()
        qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
        job_id = view.job_id
    finally:
        _finish_window(view)
    sent_by_window = len(_stored(sandbox))
    assert 0 < sent_by_window < ROWS

    # the window's job has exactly the CLI's key
    table = read_table(path)
    columns = {0: "first_name", 1: "last_name", 2: "phone_number"}
    with Journal() as journal:
        found = journal.find_unfinished(table_fingerprint(table), "octopush", "default", mapping_key(columns))
    assert found == job_id

    sandbox.latency = 0.0
    done = subprocess.run(_cli(str(path), "--resume"), cwd=ROOT, env=octopush_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{ROWS:,} rows" in done.stdout  # numbers shown as in the language (English: 1,000)
    phones = _stored(sandbox)
    assert len(phones) == ROWS == len(set(phones))
    assert sandbox.create_requests("octopush") <= ROWS // 200 + 2  # at most the batch in flight re-sent
    with Journal() as journal:
        assert journal.unfinished_jobs() == []
        assert journal.job(job_id).state == "finished"

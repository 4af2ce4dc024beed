"""The window under real desktop conditions (issue 10 items 1 and 2): it refuses with a dialog a job that a
command line run owns, and a session end or SIGTERM stops its upload as Cancel does, leaving it resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.journal import Journal
from gui.context import AppContext
from gui.import_view import ImportView, Step
from gui.main_window import MainWindow
from tests.gui.test_resume_cli import _cli, _finish_window, _stored
from tests.gui.test_upload_flow import _phone, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
Yes = QMessageBox.StandardButton.Yes


def _to_check(qtbot, view: ImportView, path: Path) -> None:
    view.context.set_provider("octopush")
    view.open_file(path)
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
    view.go_next()
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)


def _dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_the_window_refuses_a_job_a_cli_run_owns_with_a_dialog_and_sends_nothing(
    qtbot, sandbox, octopush_env, tmp_path, monkeypatch
):
    rows = 1000  # five batches of 200, one at a time, a second each: the CLI owns the job for 5 s
    path = write_xlsx(tmp_path / "fair.xlsx", [[f"N{i}", "X", _phone(i), "Paris"] for i in range(rows)])
    view = ImportView(AppContext("netcore"))
    qtbot.addWidget(view)
    view.show()
    monkeypatch.setattr(view, "_ask", lambda title, text, b, d: Yes)  # "continue the unfinished upload?"
    proc = None
    try:
        _to_check(qtbot, view, path)
        sandbox.latency = 1.0
        proc = subprocess.Popen(_cli(str(path)), cwd=ROOT, env=octopush_env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        qtbot.waitUntil(lambda: sandbox.create_requests("octopush") >= 1 or proc.poll() is not None,
                        timeout=30000)
        assert proc.poll() is None, proc.communicate()
        view.go_next()  # upload
        qtbot.waitUntil(lambda: not view.has_running_upload() and bool(_dialogs()), timeout=30000)
        [box] = _dialogs()
        sentence = box.informativeText()
        assert sentence.startswith(
            "This file is already being uploaded to Octopush by another Contact Uploader, started at "
        )
        assert sentence.endswith(": wait for it to finish or cancel it there.")
        assert view.step is Step.CHECK  # back where the upload can be started again later
        box.close()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.communicate()
        _finish_window(view)
    phones = _stored(sandbox)
    assert len(phones) == rows == len(set(phones))
    assert sandbox.create_requests("octopush") == rows // 200  # the window sent not a single batch


def test_session_end_stops_the_windows_upload_and_leaves_it_resumable(qtbot, sandbox, octopush_env, tmp_path):
    rows = 2000
    path = write_xlsx(tmp_path / "fair.xlsx", [[f"N{i}", "X", _phone(i), "Lyon"] for i in range(rows)])
    window = MainWindow(AppContext("netcore"))
    qtbot.addWidget(window)
    window.show()
    view = window.import_view
    try:
        _to_check(qtbot, view, path)
        sandbox.latency = 0.5
        view.go_next()
        qtbot.waitUntil(lambda: len(_stored(sandbox)) > 0, timeout=30000)
        assert view.has_running_upload()
        QApplication.instance().aboutToQuit.emit()  # what logout/shutdown and quit() deliver
        assert not view.has_running_upload()  # stopped before the slot returned
    finally:
        _finish_window(view)
        window.close()
    with Journal() as journal:
        [job] = journal.unfinished_jobs()
        assert job.in_flight_rows == 0  # the batches out were answered and recorded
        assert 0 < job.finished_rows < rows
        assert job.finished_rows == len(_stored(sandbox))


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_to_the_window_process_stops_its_upload_and_resume_sends_nothing_twice(
    sandbox, octopush_env, tmp_path, name
):
    rows = 2000
    path = write_xlsx(tmp_path / "fair.xlsx", [[f"N{i}", "X", _phone(i), "Nice"] for i in range(rows)])
    sandbox.latency = 0.5
    env = {**octopush_env, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.gui.window_upload_child", str(path), "--provider",
                             "octopush"], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == "UPLOADING\n", (line, proc.stderr.read() if proc.poll() is not None else "")
        deadline = time.monotonic() + 30
        while not _stored(sandbox) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _stored(sandbox)
        proc.send_signal(getattr(signal, name))
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "EXITED 0" in out
    assert "Traceback" not in err
    with Journal() as journal:
        [job] = journal.unfinished_jobs()
        assert job.in_flight_rows == 0
        assert 0 < job.finished_rows < rows
    done = subprocess.run(_cli(str(path), "--resume"), cwd=ROOT, env=octopush_env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    phones = _stored(sandbox)
    assert len(phones) == rows == len(set(phones))
    assert sandbox.create_requests("octopush") == rows // 200  # no batch sent twice


def test_a_bug_in_the_window_exits_70_with_one_sentence(monkeypatch, capsys):
    import gui.app
    from gui.launcher import main

    def broken(argv):
        raise RuntimeError("a bug")

    monkeypatch.setattr(gui.app, "main", broken)
    try:
        assert main([]) == 70
    finally:
        from core.logsetup import teardown_logging

        teardown_logging()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("Contact Uploader ran into an internal error (RuntimeError); this is a bug.")
    assert "Traceback" not in err


def test_a_damaged_journal_is_said_in_a_dialog_and_the_window_sends_nothing(
    qtbot, sandbox, octopush_env, tmp_path, isolated_state
):
    path = write_xlsx(tmp_path / "fair.xlsx", [[f"N{i}", "X", _phone(i), "Paris"] for i in range(10)])
    view = ImportView(AppContext("netcore"))
    qtbot.addWidget(view)
    view.show()
    journal_file = isolated_state / "journal.sqlite3"
    try:
        _to_check(qtbot, view, path)
        Journal().close()
        for suffix in ("-wal", "-shm"):
            Path(f"{journal_file}{suffix}").unlink(missing_ok=True)
        journal_file.write_bytes(os.urandom(8192))  # smashed
        view.go_next()  # upload: the journal is looked up on a worker thread
        qtbot.waitUntil(lambda: bool(_dialogs()), timeout=10000)
        [box] = _dialogs()
        assert box.informativeText().startswith(
            f"The job journal {journal_file} was damaged and could not be read; it was moved to "
        )
        assert not view.has_running_upload()
        assert view.step is Step.CHECK
        qtbot.waitUntil(lambda: not view.is_busy(), timeout=5000)
        assert view.next_button.isEnabled()  # the user can try again
        box.close()
    finally:
        _finish_window(view)
    assert sandbox.create_requests("octopush") == 0


def test_a_damaged_settings_file_is_said_in_the_status_bar(qtbot, isolated_state):
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "settings.json").write_bytes(b"[" * 100_000)
    window = MainWindow(AppContext("octopush"))
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == (
        f"The settings file {isolated_state / 'settings.json'} could not be read and was moved to "
        f"{isolated_state / 'settings.json.damaged'}; Contact Uploader goes on with empty settings "
        "(enter the profiles' regions and login e-mails again)."
    )
    window.close()

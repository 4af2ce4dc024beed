"""The journal is looked up on a worker thread before an upload and at start (issue 12: counting how far a
million-row job got held the window ~100 ms).

While the lookup runs the window stays live; what the user does meanwhile must not be overridden by the
answer when it arrives."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QMessageBox

from core.journal import Journal
from core.model import Outcome, RowResult
from gui.context import AppContext
from gui.import_view import ImportView, Step
from gui.table_model import READY
from tests.gui.test_upload_flow import _Demo, _phone, open_and_check, write_xlsx

Yes = QMessageBox.StandardButton.Yes
No = QMessageBox.StandardButton.No


def _finish(view: ImportView) -> None:
    if view.has_running_upload():
        view._task.cancel()
        view._task.wait(20000)
    from gui.workers import wait_all

    wait_all(10000)


def test_a_profile_switched_during_the_lookup_does_not_resume_the_other_accounts_job(
    qtbot, sandbox, octopush_env, tmp_path, monkeypatch
):
    """Upload is clicked with account 'alpha'; while the journal is searched the user picks account 'beta'
    in the header (the profile combo stays enabled). The job found for alpha's key is not offered, nor
    continued under beta (which would skip the rows alpha already sent): the lookup is made again for beta's
    key and beta's upload sends every row."""
    sandbox.latency = 0.0
    ctx = AppContext("octopush", "alpha")
    view = ImportView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    try:
        rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 7)]
        open_and_check(qtbot, view, write_xlsx(tmp_path / "six.xlsx", rows))
        keys = view.model.keys_with_status(READY)
        assert len(keys) == 6
        # an unfinished job of alpha's: 4 of the 6 rows went to alpha's account
        from core.job import create_job

        spec, key = view._job()
        assert key.profile == "alpha"
        with Journal() as j:
            alpha_job = create_job(j, key, spec, dict(view.state.options), 6)
            j.mark_in_flight(alpha_job, keys[:4])
            j.record_many(alpha_job, [RowResult(k, Outcome.ADDED, "", "", "", f"id{k}") for k in keys[:4]])
        asked: list[str] = []
        monkeypatch.setattr(view, "_ask", lambda title, text, b, d: asked.append(title) or Yes)

        view.go_next()  # Upload: the journal is searched (for alpha's key) on a worker
        assert view.is_busy()
        ctx.set_profile("beta")  # meanwhile the user switches account
        qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload()
                        and not view.is_busy(), timeout=30000)
        with Journal() as j:
            used = j.job(view.job_id)
        sent = len(sandbox.contacts("octopush"))
        assert (used.profile, sent) == ("beta", 6), (
            f"beta's upload ran as job {used.id} of profile {used.profile!r}, sent {sent} of 6 rows")
        assert asked == [], f"offered {asked} for another account's job"
    finally:
        _finish(view)


def test_a_file_opened_during_the_start_up_lookup_is_not_replaced_by_the_offer(
    qtbot, sandbox, tmp_path, monkeypatch
):
    """The start-up offer looks in the journal on a worker; the user drops a file meanwhile. A file being
    read (not only one read) makes the offer stale: it does not pop up over the file being opened, whose
    Yes would replace it with the old job's file."""
    sandbox.latency = 0.0
    ctx = AppContext("octopush", demo=_Demo(sandbox))
    first = ImportView(ctx)
    qtbot.addWidget(first)
    old = write_xlsx(tmp_path / "old.xlsx", [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 4)])
    try:
        open_and_check(qtbot, first, old)
        sandbox.latency = 0.5
        first.go_next()
        qtbot.waitUntil(first.has_running_upload, timeout=10000)
        first._task.cancel()  # left unfinished: offered at the next start
        qtbot.waitUntil(lambda: first.step is Step.RESULTS and not first.has_running_upload(), timeout=20000)
    finally:
        _finish(first)
    sandbox.latency = 0.0
    with Journal() as j:
        assert len(j.unfinished_jobs()) == 1

    # the next start
    view = ImportView(AppContext("octopush", demo=_Demo(sandbox)))
    qtbot.addWidget(view)
    view.show()
    from gui import import_reading

    real_load = import_reading.load_file

    def slow_load(*args, **kwargs):
        time.sleep(1.0)  # a big file takes a while to read
        return real_load(*args, **kwargs)

    monkeypatch.setattr(import_reading, "load_file", slow_load)
    asked: list[str] = []
    monkeypatch.setattr(view, "_ask", lambda title, text, b, d: asked.append(title) or Yes)
    new = write_xlsx(tmp_path / "new.xlsx", [[f"M{i}", "Y", _phone(50 + i), "Lyon"] for i in range(1, 4)])
    try:
        view.offer_resume()  # at start: the journal is searched on a worker
        view.open_file(new)  # the user drops a file meanwhile
        qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
        qtbot.wait(200)
        assert asked == [], f"asked {asked} while the user's file was being opened"
        assert view.file_step.path == new
    finally:
        _finish(view)


def test_closing_the_window_while_the_lookups_answer_is_queued_sends_nothing(qtbot, sandbox, tmp_path,
                                                                              monkeypatch):
    """Upload clicked, then the window closed: the lookup's answer already queued for the GUI thread when
    closeEvent cancels the tasks is not relayed by wait_all (a cancelled task's result is dropped), so no
    upload starts on the closing window."""
    from gui import import_upload
    from gui.main_window import MainWindow

    sandbox.latency = 0.0
    window = MainWindow(AppContext("octopush", demo=_Demo(sandbox)))
    qtbot.addWidget(window)
    window.show()
    view = window.import_view
    open_and_check(qtbot, view, write_xlsx(tmp_path / "three.xlsx",
                                           [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 4)]))
    looked_up = threading.Event()
    real = import_upload.find_unfinished

    def find(key):
        try:
            return real(key)
        finally:
            looked_up.set()

    monkeypatch.setattr(import_upload, "find_unfinished", find)
    try:
        view.go_next()  # Upload: the lookup runs on a worker
        assert looked_up.wait(10)
        time.sleep(0.2)  # its result is queued for the GUI thread, not delivered yet
        window.close()  # the user closes the window (no upload is running: no question)
        assert not window.isVisible()
        qtbot.wait(1000)
        assert not view.has_running_upload(), "an upload started on the closed window"
        assert sandbox.contacts("octopush") == [], "rows were sent after the window was closed"
    finally:
        _finish(view)


def test_discard_in_the_start_up_offer_does_not_wait_for_the_journal_on_the_gui_thread(
    qtbot, sandbox, tmp_path, monkeypatch, isolated_state
):
    """Discard in the start-up offer writes the journal on a worker too: opening a Journal takes BEGIN
    IMMEDIATE, so while another process writes (a CLI upload, a VACUUM in maintain()) the GUI thread would
    be frozen up to the 10 s busy timeout."""
    import sqlite3

    ctx = AppContext("octopush", demo=_Demo(sandbox))
    first = ImportView(ctx)
    qtbot.addWidget(first)
    try:
        open_and_check(qtbot, first, write_xlsx(tmp_path / "old.xlsx",
                                                [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 4)]))
        sandbox.latency = 0.5
        first.go_next()
        qtbot.waitUntil(first.has_running_upload, timeout=10000)
        first._task.cancel()
        qtbot.waitUntil(lambda: not first.has_running_upload(), timeout=20000)
    finally:
        _finish(first)
    view = ImportView(AppContext("octopush", demo=_Demo(sandbox)))
    qtbot.addWidget(view)
    discard = QMessageBox.StandardButton.Discard
    held = threading.Event()
    stalls: list[float] = []

    def ask(title, text, b, d):
        # another process starts writing the journal just as the user clicks Discard
        def writer() -> None:
            db = sqlite3.connect(isolated_state / "journal.sqlite3", isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            held.set()
            time.sleep(1.5)
            db.execute("ROLLBACK")
            db.close()

        threading.Thread(target=writer, daemon=True).start()
        held.wait(5)
        return discard

    monkeypatch.setattr(view, "_ask", ask)
    answered: list[float] = []
    real_offer = view._offer_jobs

    def timed(jobs, generation):
        real_offer(jobs, generation)
        if answered:  # the time the GUI thread spent after the answer: none on the journal
            stalls.append(time.monotonic() - answered[0])

    def ask_and_time(title, text, b, d):
        answer = ask(title, text, b, d)
        answered.append(time.monotonic())
        return answer

    monkeypatch.setattr(view, "_ask", ask_and_time)
    monkeypatch.setattr(view, "_offer_jobs", timed)
    try:
        view.offer_resume()
        qtbot.waitUntil(lambda: bool(stalls), timeout=10000)
        assert stalls[0] < 0.2, f"the GUI thread waited {stalls[0]:.2f} s for the journal on Discard"
        # the worker writes it once the other writer is done: the job is no longer offered
        qtbot.waitUntil(lambda: not view.is_busy(), timeout=15000)
        with Journal() as j:
            assert j.unfinished_jobs() == []
    finally:
        _finish(view)

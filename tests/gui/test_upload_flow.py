"""The whole import in the window, against the sandbox: a real XLSX → mapping → fix a cell → upload →
results → report; cancel midway and resume; closing during an upload; the offer to resume at start."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox

from core.journal import Journal
from core.sandbox import DEMO_CREDENTIALS
from gui.context import AppContext
from gui.import_state import ImportState
from gui.import_view import ImportView, Step
from gui.table_model import COL_MESSAGE, COL_STATUS, FIRST_SOURCE_COLUMN, INVALID, READY

FAIL = QAbstractItemModelTester.FailureReportingMode.Fatal
Yes = QMessageBox.StandardButton.Yes
No = QMessageBox.StandardButton.No


class _Demo:
    """What AppContext needs of a demo session: the sandbox's URLs and the demo credentials."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox

    def credentials(self, provider: str) -> dict[str, str]:
        return dict(DEMO_CREDENTIALS[provider])

    def base_url(self, provider: str) -> str:
        return self.sandbox.base_url(provider)


def write_xlsx(path: Path, rows: list[list[object]], title: str | None = "Spring fair leads") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    if title:
        ws.append([title])
        ws.append([])
    ws.append(["Prénom", "Nom", "Téléphone portable", "Ville"])
    for row in rows:
        ws.append(row)
    wb.create_sheet("Notes").append(["nothing here"])
    wb.save(path)
    return path


@pytest.fixture
def view(qtbot, sandbox):
    ctx = AppContext("octopush", demo=_Demo(sandbox))
    v = ImportView(ctx)
    qtbot.addWidget(v)
    v.resize(1100, 700)
    v.show()
    yield v
    if v.has_running_upload():
        v._task.cancel()
        v._task.wait(20000)
    from gui.workers import wait_all

    wait_all(10000)


def _phone(i: int) -> str:
    return f"+336{12000000 + i:08d}"


def open_and_check(qtbot, view: ImportView, path: Path) -> None:
    view.open_file(path)
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
    assert view.file_step.header_row.value() == 3  # the title rows above were skipped
    assert view.file_step.sheet.currentText() == "Leads"
    view.go_next()
    assert view.step is Step.COLUMNS
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)


def src(view: ImportView, row: int, col: int):
    return view.model.index(row, FIRST_SOURCE_COLUMN + col)


def test_full_flow_fix_upload_results_export(qtbot, view, sandbox, tmp_path):
    QAbstractItemModelTester(view.model, FAIL)
    QAbstractItemModelTester(view.proxy, FAIL)
    rows = [["Ann", "Lee", _phone(1), "Paris"], ["Bob", "Ray", "06 12 ab", "Lyon"],
            ["Cy", "Doe", 33612000003, "Nice"], ["Di", "Fox", _phone(4), "Metz"]]
    path = write_xlsx(tmp_path / "leads.xlsx", rows)
    sandbox.latency = 0.0
    open_and_check(qtbot, view, path)
    # auto-mapping from French headers
    assert view.mapping_view.mapping() == {0: "first_name", 1: "last_name", 2: "phone_number"}

    # the invalid phone is highlighted with its reason; the Excel number was repaired
    model = view.model
    assert model.counts() == {READY: 3, INVALID: 1}
    bad = src(view, 1, 2)
    assert model.data(bad, 8) is not None  # BackgroundRole
    assert "not a valid phone number" in model.data(bad, 3)  # ToolTipRole
    assert model.data(model.index(1, COL_MESSAGE)).startswith("Téléphone portable: '06 12 ab' is not a valid")
    assert "Row 5, column 'Téléphone portable'" in model.data(model.index(1, COL_MESSAGE), 3)  # ToolTipRole

    # errors-only filter
    view.errors_only.setChecked(True)
    assert view.proxy.rowCount() == 1
    view.errors_only.setChecked(False)
    assert view.proxy.rowCount() == 4

    # payload preview of a row: the request as sent, secrets masked
    view.select_row(0)
    text = view.payload.preview_text()
    assert "/contact/create" in text
    assert _phone(1) in text
    assert DEMO_CREDENTIALS["octopush"]["api_key"] not in text
    assert "••••••" in text

    # fix the cell in place: re-validated at once
    assert view.proxy.setData(view.proxy.mapFromSource(bad), "+33 6 12 00 00 02")
    assert model.data(bad, 8) is None
    assert model.data(model.index(1, COL_STATUS)) == READY
    assert model.counts() == {READY: 4}
    assert view.next_button.text() == "Upload 4 contacts"

    # a Duplicate of row 4 becomes invalid
    assert view.proxy.setData(view.proxy.mapFromSource(src(view, 3, 2)), _phone(1))
    assert model.data(model.index(3, COL_STATUS)) == INVALID
    assert model.data(model.index(3, COL_MESSAGE)) == "Same mobile phone as row 4 (kept row 4)."
    view.proxy.setData(view.proxy.mapFromSource(src(view, 3, 2)), _phone(4))
    assert model.counts() == {READY: 4}

    # one contact already exists on the platform
    sandbox.contacts("octopush")  # the sandbox is up
    view.go_next()
    # first the journal is searched for an earlier upload of the file, on a worker thread
    assert view.is_busy()
    assert view.busy_label.text() == "Looking for an earlier upload of this file…"
    assert not view.next_button.isEnabled()  # no second upload meanwhile
    qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
    counts = model.counts()
    assert counts.get("added") == 4
    stored = {c["phone_number"] for c in sandbox.contacts("octopush")}
    assert stored == {_phone(1), "+33612000002", "+33612000003", _phone(4)}
    assert "4 added" in view.results_view.counts.text()
    assert not view.results_view.retry_button.isEnabled()
    assert view.results_view.export_button.isVisible()
    assert view.results_view.export_button.isEnabled()
    assert not view.resume_button.isVisible()
    # the Results grid: every row's outcome and the platform's answer in words
    grid = view.results_view.table
    assert grid.isVisible()
    assert grid.model() is view.proxy
    shown = {view.proxy.index(r, COL_STATUS).data(): view.proxy.index(r, COL_MESSAGE).data()
             for r in range(view.proxy.rowCount())}
    assert shown == {"added": "Octopush added the contact."}
    assert view.proxy.rowCount() == 4

    # the same rows again: the sandbox reports them (Octopush upserts: updated)
    view.go_back()
    assert view.step is Step.CHECK
    view.start_upload()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
    assert set(model.counts()) <= {"updated", "exists", "added"}
    assert sum(model.counts().values()) == 4

    # export the report and read it back
    report = tmp_path / "out" / "report.csv"
    view.export_report(report)
    qtbot.waitUntil(lambda: report.exists() and not view.is_busy(), timeout=10000)
    with report.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][:5] == ["row", "status", "code", "message", "id"]
    assert [r[0] for r in lines[1:]] == ["4", "5", "6", "7"]
    assert lines[2][5:8] == ["Bob", "Ray", "+33 6 12 00 00 02"]  # the corrected cell
    assert all(r[1] in {"updated", "exists", "added"} for r in lines[1:])


def test_the_ready_contacts_are_gathered_on_the_worker_not_the_gui_thread(qtbot, view, sandbox, tmp_path,
                                                                          monkeypatch):
    """A million checks scanned on the GUI thread held it ~130 ms when the upload started (issue 12):
    the GUI thread hands the checks over and the upload's worker makes the list of ready contacts."""
    import threading

    from gui import import_state, upload_worker

    rows = [["Ann", "Lee", _phone(1), "Paris"], ["Bob", "Ray", "06 12 ab", "Lyon"],
            ["Cy", "Doe", _phone(3), "Nice"]]
    open_and_check(qtbot, view, write_xlsx(tmp_path / "three.xlsx", rows))
    gathered: list[tuple[bool, list[str]]] = []
    real = import_state.ready_contacts

    def spy(checks):
        contacts = real(checks)
        gathered.append((threading.current_thread() is threading.main_thread(),
                         [c.fields["phone_number"] for c in contacts]))
        return contacts

    monkeypatch.setattr(upload_worker, "ready_contacts", spy)
    monkeypatch.setattr(import_state, "ready_contacts", spy)
    sandbox.latency = 0.0
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
    assert gathered == [(False, [_phone(1), _phone(3)])]  # once, on the worker, the ready rows in order
    assert view.model.counts() == {"added": 2, INVALID: 1}
    with Journal() as j:
        assert j.job(view.job_id).total == 2


def test_the_journal_is_searched_for_an_earlier_upload_off_the_gui_thread(qtbot, view, sandbox, tmp_path,
                                                                        monkeypatch):
    """Issue 12: counting how far a million-row job got takes SQLite ~100 ms, which held the window when
    Upload was clicked (bench_gui_stall --resume): the lookup runs on a worker, then the offer is made."""
    import threading

    from core import job

    rows = [["Ann", "Lee", _phone(1), "Paris"], ["Cy", "Doe", _phone(3), "Nice"]]
    open_and_check(qtbot, view, write_xlsx(tmp_path / "two.xlsx", rows))
    threads: list[bool] = []
    real = job.find_job

    def spy(journal, key):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(journal, key)

    monkeypatch.setattr(job, "find_job", spy)
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload(), timeout=30000)
    assert threads == [False]
    assert view.model.counts() == {"added": 2}


def test_the_upload_is_a_worker_task_the_window_can_cancel_and_wait_for(qtbot, view, sandbox, tmp_path):
    from gui import workers

    rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 1201)]
    open_and_check(qtbot, view, write_xlsx(tmp_path / "many.xlsx", rows))
    sandbox.latency = 0.4
    view.go_next()
    qtbot.waitUntil(lambda: view.model.counts().get("added", 0) > 0, timeout=20000)
    assert [t.name for t in workers.active_tasks()] == ["upload"]
    workers.cancel_all()  # what the main window does on the way out
    assert workers.wait_all(30000)
    assert not view.has_running_upload()
    assert view.step is Step.RESULTS
    assert 0 < view.model.counts().get("added", 0) < 1200
    assert "cancelled" in view.results_view.summary.text()
    assert view.resume_button.isVisible()  # the job stays open in the journal


def test_cancel_midway_then_resume(qtbot, view, sandbox, tmp_path):
    rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 1201)]
    path = write_xlsx(tmp_path / "many.xlsx", rows)
    open_and_check(qtbot, view, path)
    assert view.model.counts() == {READY: 1200}
    sandbox.latency = 0.4  # 200 per request, 2 in flight: several rounds
    view.go_next()
    qtbot.waitUntil(lambda: view.model.counts().get("added", 0) > 0, timeout=20000)
    view.upload_panel.pause_button.click()
    assert view.upload_panel.resume_button.isEnabled()
    view.upload_panel.resume_button.click()
    view.upload_panel.cancel_button.click()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
    done_first = view.model.counts().get("added", 0)
    assert 0 < done_first < 1200
    assert view.resume_button.isVisible()
    job_id = view.job_id
    with Journal() as j:
        assert [job.id for job in j.unfinished_jobs()] == [job_id]

    sandbox.latency = 0.0
    view.resume_button.click()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload(), timeout=30000)
    assert view.model.counts() == {"added": 1200}
    assert view.job_id == job_id
    assert len(sandbox.contacts("octopush")) == 1200
    assert sandbox.create_requests("octopush") <= 7  # nothing sent twice (6 batches + at most one re-sent)
    with Journal() as j:
        assert j.unfinished_jobs() == []


def test_close_during_upload_asks_and_start_offers_resume(qtbot, view, sandbox, tmp_path, monkeypatch):
    rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 801)]
    path = write_xlsx(tmp_path / "close.xlsx", rows)
    open_and_check(qtbot, view, path)
    sandbox.latency = 0.5
    view.go_next()
    qtbot.waitUntil(lambda: view.has_running_upload(), timeout=5000)
    asked = []
    monkeypatch.setattr(view, "_ask", lambda title, text, b, d: asked.append(title) or No)
    assert view.request_close() is False
    assert view.has_running_upload()
    monkeypatch.setattr(view, "_ask", lambda title, text, b, d: asked.append(title) or Yes)
    assert view.request_close() is True
    assert not view.has_running_upload()
    assert asked == ["Stop the upload?", "Stop the upload?"]
    qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=10000)
    sent_before = len(sandbox.contacts("octopush"))
    assert sent_before < 800

    # next start: a new window offers the job and finishes it
    sandbox.latency = 0.0
    ctx = AppContext("netcore", demo=_Demo(sandbox))
    again = ImportView(ctx)
    qtbot.addWidget(again)
    offers = []
    monkeypatch.setattr(again, "_ask", lambda title, text, b, d: offers.append(text) or Yes)
    resumed: list[bool] = []
    again.resumeStarted.connect(lambda: resumed.append(True))
    on_gui_thread: list[bool] = []
    real = Journal.unfinished_jobs

    def spy(journal):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(journal)

    monkeypatch.setattr(Journal, "unfinished_jobs", spy)
    again.offer_resume()  # the journal is searched on a worker (a million-row job's count takes ~100 ms)
    qtbot.waitUntil(lambda: resumed == [True], timeout=10000)
    assert on_gui_thread == [False]
    assert "close.xlsx" in offers[0]
    assert ctx.provider.name == "octopush"
    qtbot.waitUntil(lambda: again.step is Step.RESULTS and not again.has_running_upload()
                    and not again.is_busy(), timeout=30000)
    assert again.model.counts() == {"added": 800}
    assert len(sandbox.contacts("octopush")) == 800
    from gui.import_upload import resumable_jobs

    assert resumable_jobs(again.context.is_demo) == []  # nothing left to offer


def test_retry_failed_sends_only_failed_rows(qtbot, view, sandbox, tmp_path):
    rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 11)]
    path = write_xlsx(tmp_path / "retry.xlsx", rows, title=None)
    view.open_file(path)
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
    view.go_next()
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    sandbox.faults.p_503 = 1.0  # every request fails until the faults are lifted
    sandbox.faults.retry_after = 0
    from core import engine

    original = engine.RetryPolicy
    engine.RetryPolicy = lambda: original(max_attempts=2, base_delay=0.01)  # type: ignore[misc]
    try:
        view.go_next()
        qtbot.waitUntil(lambda: view.step is Step.RESULTS, timeout=30000)
    finally:
        engine.RetryPolicy = original  # type: ignore[misc]
    assert view.model.counts() == {"failed": 10}
    assert "10 failed" in view.results_view.counts.text()
    assert view.results_view.counts.tone_of("failed") == "bad"
    message = view.proxy.index(0, COL_MESSAGE).data()
    assert message.startswith("Octopush kept answering with a server error (HTTP 503) for 2 attempts")
    assert "tries again" not in message  # it stopped trying: no promise of another attempt
    assert view.results_view.retry_button.isEnabled()
    sandbox.faults.p_503 = 0.0
    view.results_view.errors_only.setChecked(True)
    assert view.proxy.rowCount() == 10
    view.results_view.retry_button.click()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload(), timeout=30000)
    assert view.model.counts() == {"added": 10}
    assert view.proxy.rowCount() == 0
    assert view.results_view.counts.tone_of("added") == "good"
    assert view.results_view.counts.tone_of("failed") == ""  # no chip for an outcome no row has
    assert QModelIndex().isValid() is False


def test_import_another_file_starts_over_clean(qtbot, view, sandbox, tmp_path):
    rows = [[f"N{i}", "X", _phone(i), "Paris"] for i in range(1, 4)] + [["Bad", "X", "06 12 ab", "Lyon"]]
    path = write_xlsx(tmp_path / "first.xlsx", rows)
    view.open_file(path)
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
    assert not view.new_button.isVisible()
    view.go_next()
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    assert view.check_chips.tone_of("ready") == "good"
    assert view.check_chips.tone_of("invalid") == "bad"
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.RESULTS and not view.has_running_upload(), timeout=30000)
    chips = view.results_view.counts
    assert chips.text() == "3 added · 1 invalid"
    assert (chips.tone_of("added"), chips.tone_of("invalid")) == ("good", "bad")
    assert [view.steps.state_of(i) for i in range(5)] == ["done"] * 4 + ["current"]
    assert view.new_button.isVisible()
    assert view.new_button.isEnabled()
    assert not view.next_button.isVisible()
    view.results_view.errors_only.setChecked(True)

    view.new_button.click()
    assert view.step is Step.FILE
    assert view.state == ImportState()  # every remembered thing went with the one reset
    assert [view.steps.state_of(i) for i in range(5)] == ["current"] + ["todo"] * 4
    assert view.table is None
    assert view.job_id is None
    assert view.results() == {}
    assert view.model.rowCount() == 0
    assert not view.results_view.errors_only.isChecked()
    assert view.results_view.counts.text() == "nothing yet"
    step = view.file_step
    assert step.path is None
    assert step.preview.rowCount() == 0
    assert step.sheet.count() == 0
    assert step.status.text() == "No file yet."
    assert step.drop.empty.isVisible()
    assert not step.details.isVisible()
    assert not view.next_button.isEnabled()
    assert not view.back_button.isEnabled()
    assert not view.new_button.isVisible()

    # and a second file goes through from the start, with nothing left over from the first
    second = write_xlsx(tmp_path / "second.xlsx", [["Zoé", "Y", _phone(50), "Nice"]], title=None)
    view.open_file(second)
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)
    assert step.drop.file_name.text() == "second.xlsx"
    assert step.header_row.value() == 1
    view.go_next()
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    assert view.model.counts() == {READY: 1}


def test_a_refused_field_names_the_users_column_in_the_results(qtbot, sandbox, tmp_path):
    # A Turkish landline passes local validation; İleti Merkezi (the sandbox) refuses it as a mobile (466).
    # The readable message in the results grid must name the spreadsheet's own column, not the wire name.
    path = tmp_path / "rehber.csv"
    path.write_bytes("Ad;Cep Telefonu\r\nAyşe;0532 123 45 67\r\nSabit;0212 123 45 67\r\n".encode("cp1254"))
    ctx = AppContext("iletimerkezi", demo=_Demo(sandbox))
    v = ImportView(ctx)
    qtbot.addWidget(v)
    v.show()
    v.open_file(path)
    qtbot.waitUntil(lambda: v.table is not None and not v.is_busy(), timeout=20000)
    v.go_next()
    assert v.mapping_view.mapping() == {0: "name", 1: "gsm"}
    v.go_next()
    qtbot.waitUntil(lambda: v.step is Step.CHECK and not v.is_busy(), timeout=20000)
    assert v.model.counts() == {READY: 2}
    v.start_upload()
    qtbot.waitUntil(lambda: v.step is Step.RESULTS and not v.has_running_upload(), timeout=30000)
    results = v.results()
    refused = results[3]
    assert (str(refused.outcome), refused.code) == ("failed", "466")
    assert "column 'Cep Telefonu' (gsm)" in refused.message
    assert "column 'Cep Telefonu' (gsm)" in v.model.data(v.model.index(1, COL_MESSAGE), 3)  # ToolTipRole


def test_during_an_upload_the_check_counts_follow_at_most_every_interval(qtbot, view, tmp_path,
                                                                          monkeypatch) -> None:
    """Issue 12: outcomes are shown many times a second and each update of the check step's labels costs
    5-10 ms of layout: during an upload the labels follow once per COUNTS_INTERVAL_MS, at once otherwise."""
    from gui import import_view

    rows = [["Ann", "Lee", _phone(1), "Paris"], ["Bob", "Ray", _phone(2), "Lyon"]]
    open_and_check(qtbot, view, write_xlsx(tmp_path / "leads.xlsx", rows))
    updates: list[int] = []
    real = import_view.ImportView._update_counts
    monkeypatch.setattr(import_view.ImportView, "_update_counts",
                        lambda self: (updates.append(1), real(self))[1])
    view.model.countsChanged.emit()
    assert len(updates) == 1  # no upload: at once
    monkeypatch.setattr(import_view.ImportView, "has_running_upload", lambda self: True)
    for _ in range(20):
        view.model.countsChanged.emit()
    assert len(updates) == 1
    qtbot.waitUntil(lambda: len(updates) == 2, timeout=2000)
    qtbot.wait(import_view.COUNTS_INTERVAL_MS + 100)
    assert len(updates) == 2
    monkeypatch.undo()  # no upload runs: the fixture's clean-up must see so


def test_a_batch_of_outcomes_is_shown_a_chunk_per_turn_of_the_event_loop(qtbot, view, tmp_path,
                                                                          monkeypatch) -> None:
    """Issue 12: a batch of several thousand outcomes shown at once held the GUI thread 10 ms or more; the
    batch only queues them, and each later turn of the event loop shows at most APPLY_CHUNK."""
    from core.model import Outcome, RowResult
    from gui import import_upload
    from gui.upload_worker import UploadBatch

    rows = [[f"N{i}", "Lee", _phone(i), "Paris"] for i in range(1000)]
    open_and_check(qtbot, view, write_xlsx(tmp_path / "leads.xlsx", rows))
    monkeypatch.setattr(import_upload, "APPLY_CHUNK", 300)
    sizes: list[int] = []
    real = view.model.apply_results
    monkeypatch.setattr(view.model, "apply_results", lambda results: (sizes.append(len(results)),
                                                                      real(results))[1])
    keys = [view.model.key_at(r) for r in range(1000)]
    view._upload_batch(UploadBatch(None, [RowResult(k, Outcome.ADDED, message="Added.") for k in keys]))
    assert sizes == []  # queued: nothing shown inside the batch's own turn
    qtbot.waitUntil(lambda: sum(sizes) == 1000, timeout=5000)
    assert sizes == [300, 300, 300, 100]
    assert view.model.counts() == {"added": 1000}

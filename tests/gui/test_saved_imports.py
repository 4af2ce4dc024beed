"""Saved imports in the window: "Save import settings…" after the check, "Open saved import…", File → Recent
saved imports and a dropped ``.cuimport``; round trips with the installed console script both ways, on real
files (pytest-qt, offscreen)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.saved_import import Reading, SavedImport
from gui.context import AppContext
from gui.import_view import Step
from gui.main_window import RECENT_MAX, MainWindow
from tests.console import run_script
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv, write_xlsx

WANTED = {"Cep Telefonu": "phone_number", "Ad": "first_name", "Soyad": "last_name"}


@pytest.fixture
def window(qtbot: Any) -> Any:
    win = MainWindow(AppContext("octopush"))
    qtbot.addWidget(win)
    win.show()
    win.asked = []

    def ask(title: str, text: str) -> bool:
        win.asked.append(text)
        return True

    win._ask = ask
    yield win
    from gui.workers import wait_all

    wait_all(10000)


def idle(qtbot: Any, view: Any) -> None:
    qtbot.waitUntil(lambda: view.table is not None and not view.is_busy(), timeout=20000)


def reordered(columns: list[str], n: int, start: int) -> list[list[str]]:
    """``n`` contact rows with the columns of :data:`CONTACT_HEADERS` in the order of ``columns``
    (a column not among them is filled with a number)."""
    out = []
    for k, row in enumerate(contact_rows(n, start=start)):
        out.append([row[CONTACT_HEADERS.index(c)] if c in CONTACT_HEADERS else str(k) for c in columns])
    return out


def mapping_by_name(view: Any) -> dict[str, str]:
    headers = view.table.headers
    return {headers[i]: fid for i, fid in view.mapping_view.mapping().items()}


def report_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------- window → CLI
def test_saved_in_the_window_runs_the_same_from_the_command_line(qtbot: Any, window: Any, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    may = write_csv(tmp_path / "may.csv", [CONTACT_HEADERS, *contact_rows(4)], delimiter=";")
    window.open_file(may)
    view = window.import_view
    idle(qtbot, view)
    assert not view.save_settings_button.isEnabled()  # only after the check
    assert not window.save_settings_action.isEnabled()
    step = view.file_step
    step.delimiter.setCurrentIndex(step.delimiter.findData(";"))  # chosen by hand: saved as chosen
    idle(qtbot, view)
    view.go_next()
    mv = view.mapping_view
    for index, header in enumerate(view.table.headers):
        mv.set_field(index, WANTED.get(header, ""))
    mv.set_constant("list_name", "vip")
    mv.region.setText("TR")
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    assert view.save_settings_button.isEnabled()
    assert window.save_settings_action.isEnabled()
    target = tmp_path / "monthly.cuimport"
    # File → Save import settings…: the name typed without the suffix gets it, and Recent lists it
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "monthly"), "")))
    window.save_settings_action.trigger()
    assert target.is_file()
    assert window.recent_saved_imports() == [str(target.resolve())]
    assert "monthly.cuimport" in view.busy_label.text()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["provider"] == "octopush"
    assert data["profile"] == "default"
    assert data["mapping"] == WANTED
    assert data["constants"] == {"list_name": "vip"}
    assert data["default_region"] == "TR"
    assert data["reading"] == {"sheet": None, "header_row": None, "encoding": None, "delimiter": ";"}

    # next month's file, its columns in another order: the CLI uses the window's file as it is
    columns = ["Şehir", "Cep Telefonu", "Soyad", "Ad", "E-posta", "Müşteri No"]
    rows = reordered(columns, 3, start=40)
    june = write_csv(tmp_path / "june.csv", [columns, *rows], delimiter=";")
    again = tmp_path / "again.cuimport"
    report = tmp_path / "r.csv"
    proc = run_script("upload", str(june), "--use", str(target), "--dry-run", "--report", str(report),
                      "--save", str(again))
    assert proc.returncode == 0, proc.stderr
    assert [r["status"] for r in report_rows(report)] == ["ready"] * 3
    used = json.loads(again.read_text(encoding="utf-8"))  # what the CLI run used, as it saves it
    for key in ("provider", "profile", "mapping", "constants", "default_region", "reading"):
        assert used[key] == data[key], key


# ---------------------------------------------------------------------------------------- CLI → window
def test_saved_by_the_command_line_opens_in_the_window(qtbot: Any, window: Any, tmp_path: Path) -> None:
    may = write_csv(tmp_path / "may.csv", [CONTACT_HEADERS, *contact_rows(4)])
    saved = tmp_path / "monthly.cuimport"
    proc = run_script("upload", str(may), "--provider", "octopush", "--map", "Cep Telefonu=phone_number",
                      "--map", "Ad=first_name", "--set", "list_name=vip", "--set", "do_not_overwrite=true",
                      "--default-region", "TR", "--dry-run", "--save", str(saved))
    assert proc.returncode == 0, proc.stderr

    window.context.set_provider("iletimerkezi")  # another platform is selected: the window asks first
    columns = ["Şehir", "Cep Telefonu", "Soyad", "Ad", "E-posta", "Müşteri No"]
    june = write_xlsx(tmp_path / "june.xlsx", [columns, *reordered(columns, 3, start=60)])
    window.open_file(june)
    view = window.import_view
    idle(qtbot, view)

    window._ask = lambda title, text: False  # "No": nothing changes
    assert window.open_saved_import(saved) is False
    assert window.context.provider.name == "iletimerkezi"
    window.asked = []
    window._ask = lambda title, text: window.asked.append(text) or True
    assert window.open_saved_import(saved) is True
    assert len(window.asked) == 1
    assert "saved for Octopush" in window.asked[0]
    assert window.context.provider.name == "octopush"
    qtbot.waitUntil(lambda: view.step is Step.COLUMNS and not view.is_busy(), timeout=20000)
    mv = view.mapping_view
    assert mapping_by_name(view) == {"Cep Telefonu": "phone_number", "Ad": "first_name"}
    assert mv.constants() == {"list_name": "vip", "do_not_overwrite": "true"}
    assert mv.default_region() == "TR"
    assert mv.saved_differences() == ([], [])  # the same columns: nothing to point out
    assert not mv.saved_missing.isVisible()
    assert not mv.saved_new.isVisible()
    # the user's own change afterwards wins, and is what is checked
    mv.set_field(columns.index("Soyad"), "last_name")
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    assert view.state.mapping[columns.index("Soyad")] == "last_name"
    assert view.state.constants == {"list_name": "vip", "do_not_overwrite": "true"}


# ---------------------------------------------------------------------------------------- differences
def apply_with_a_missing_and_a_new_column(qtbot: Any, window: Any, tmp_path: Path) -> tuple[Any, list[str]]:
    saved = SavedImport.from_choices(
        "octopush", headers=CONTACT_HEADERS, mapping={3: "phone_number", 0: "first_name", 1: "last_name"},
        constants={"list_name": "vip"}, default_region="TR",
    ).save(tmp_path / "weekly.cuimport")
    columns = ["Ad", "Soyad", "E-posta", "WhatsApp", "Müşteri No", "Şehir"]  # 'Cep Telefonu' is gone
    rows = [[*r[:3], r[3], *r[4:]] for r in contact_rows(3, start=5)]
    week = write_csv(tmp_path / "week.csv", [columns, *rows])
    window.open_file(week)
    view = window.import_view
    idle(qtbot, view)
    assert window.open_saved_import(saved)
    qtbot.waitUntil(lambda: view.step is Step.COLUMNS and not view.is_busy(), timeout=20000)
    return view, columns


def test_a_missing_and_a_new_column_are_shown(qtbot: Any, window: Any, tmp_path: Path) -> None:
    view, columns = apply_with_a_missing_and_a_new_column(qtbot, window, tmp_path)
    mv = view.mapping_view
    assert window.asked == []  # the same platform: nothing to ask
    assert mapping_by_name(view) == {"Ad": "first_name", "Soyad": "last_name"}
    assert mv.saved_differences() == (["Cep Telefonu"], ["WhatsApp"])
    assert mv.saved_missing.isVisible()
    assert mv.saved_missing.text() == (
        "✖  Mobile phone stays unmapped: the column 'Cep Telefonu' of weekly.cuimport is not in this file.")
    assert mv.reasons[columns.index("Ad")].text() == "as in weekly.cuimport"
    assert "weekly.cuimport" in mv.hint.text()
    assert mv.saved_new.isVisible()
    assert "'WhatsApp'" in mv.saved_new.text()
    assert "weekly.cuimport" in mv.saved_new.text()
    assert mv.reasons[columns.index("WhatsApp")].text() == "new column: not in the saved import"
    assert not view.next_button.isEnabled()  # the phone number is required
    # the user maps the new column to the missing field: both notes go, the next step opens
    mv.set_field(columns.index("WhatsApp"), "phone_number")
    assert mv.saved_differences() == ([], [])
    assert not mv.saved_missing.isVisible()
    assert not mv.saved_new.isVisible()
    assert mv.reasons[columns.index("WhatsApp")].text() == ""
    assert view.next_button.isEnabled()


def test_a_saved_import_with_a_credential_is_refused_in_one_sentence(qtbot: Any, window: Any,
                                                                      tmp_path: Path) -> None:
    hand = tmp_path / "edited.cuimport"
    hand.write_text(json.dumps({"format": 1, "provider": "iletimerkezi", "mapping": {"GSM": "gsm"},
                                "constants": {"api_hash": "h-secret-77"}}), encoding="utf-8")
    assert window.open_saved_import(hand) is False
    box = window.findChild(QMessageBox, "ErrorDialog")
    assert box is not None
    text = box.informativeText()
    assert text == ("The saved import edited.cuimport would hold the credential api_hash; credentials are "
                    "never kept in a saved import (they stay in the keyring or the environment).")
    assert "h-secret-77" not in text
    assert window.context.provider.name == "octopush"  # nothing applied
    assert window.recent_saved_imports() == []
    box.close()


# ---------------------------------------------------------------------------------------- recent and drops
def test_recent_saved_imports_keep_eight_and_drop_missing_files(qtbot: Any, window: Any,
                                                                 tmp_path: Path) -> None:
    chosen: list[int] = []
    window.choose_file = lambda: chosen.append(1)  # no spreadsheet open: the window asks for one
    paths = [SavedImport("octopush", mapping={"GSM": "phone_number"}).save(tmp_path / f"s{i}.cuimport")
             for i in range(RECENT_MAX + 1)]
    for path in paths:
        assert window.open_saved_import(path)
    assert len(chosen) == RECENT_MAX + 1
    recent = window.recent_saved_imports()
    assert recent == [str(p.resolve()) for p in reversed(paths)][:RECENT_MAX]
    paths[-1].unlink()  # gone: dropped from the list and the menu
    window.recent_menu.aboutToShow.emit()
    names = [a.text() for a in window.recent_menu.actions()]
    assert names == [f"&{n} s{i}.cuimport" for n, i in enumerate(range(RECENT_MAX - 1, 0, -1), 1)]
    assert window.recent_saved_imports() == [str(p.resolve()) for p in reversed(paths[1:-1])]
    # kept across windows (QSettings)
    again = MainWindow(AppContext("octopush"))
    qtbot.addWidget(again)
    assert again.recent_saved_imports() == window.recent_saved_imports()

    # a recent entry, then the spreadsheet asked for: the saved import is applied to it
    sheet = write_csv(tmp_path / "gsm.csv", [["Name", "GSM"], ["Ali", "+905321234567"]])
    window.choose_file = lambda: window.open_file(sheet)
    window.recent_menu.actions()[0].trigger()
    view = window.import_view
    qtbot.waitUntil(lambda: view.step is Step.COLUMNS and not view.is_busy(), timeout=20000)
    assert mapping_by_name(view) == {"GSM": "phone_number"}
    assert view.mapping_view.saved_differences() == ([], ["Name"])


def test_a_dropped_saved_import_is_applied_to_the_open_file(qtbot: Any, window: Any, tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "c.csv", [CONTACT_HEADERS, *contact_rows(2)], delimiter=";")
    window.open_file(sheet)
    view = window.import_view
    idle(qtbot, view)
    assert view.table.delimiter == ";"
    # the saved import reads with ',' (as chosen when it was saved): the file is read again that way
    saved = SavedImport("octopush", mapping={"Ad": "first_name"}, reading=Reading(delimiter=",")).save(
        tmp_path / "comma.cuimport")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(saved))])
    args = (QPointF(5, 5).toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    target = view.file_step.preview
    enter = QDragEnterEvent(*args)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), *args[1:])
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: view.step is Step.COLUMNS and not view.is_busy(), timeout=20000)
    assert view.table.delimiter == ","
    assert view.file_step.delimiter.currentData() == ","  # the file step shows the saved choice
    assert view.table.headers == [";".join(CONTACT_HEADERS)]  # read as the saved import says
    assert view.mapping_view.saved_differences() == (["Ad"], [";".join(CONTACT_HEADERS)])
    assert window.recent_saved_imports() == [str(saved.resolve())]
    again = MainWindow(AppContext("octopush"))  # one entry, read back from the INI file
    qtbot.addWidget(again)
    assert again.recent_saved_imports() == [str(saved.resolve())]


def test_the_reading_saved_by_the_command_line_is_used_and_saved_again(qtbot: Any, window: Any,
                                                                         tmp_path: Path) -> None:
    def book(name: str, start: int) -> Path:
        data = [["Export of the month"], CONTACT_HEADERS, *contact_rows(3, start=start)]
        return write_xlsx(tmp_path / name, {"Intro": [["Read me first"]], "Data": data})

    saved = tmp_path / "sheet.cuimport"
    proc = run_script("upload", str(book("may.xlsx", 0)), "--provider", "octopush", "--sheet", "Data",
                      "--header-row", "2", "--map", "Cep Telefonu=phone_number", "--default-region", "TR",
                      "--dry-run", "--save", str(saved))
    assert proc.returncode == 0, proc.stderr
    cli = json.loads(saved.read_text(encoding="utf-8"))
    assert cli["reading"]["sheet"] == "Data"
    assert cli["reading"]["header_row"] == 2

    window.open_file(book("june.xlsx", 30))
    view = window.import_view
    qtbot.waitUntil(lambda: view.file_step.path is not None and not view.is_busy(), timeout=20000)
    assert view.table is None  # the first sheet holds no contacts: the file could not be read as it is
    assert window.open_saved_import(saved)  # read again as saved: sheet Data, header row 2
    qtbot.waitUntil(lambda: view.step is Step.COLUMNS and not view.is_busy(), timeout=20000)
    assert (view.table.sheet, view.table.header_row) == ("Data", 2)
    assert view.file_step.sheet.currentText() == "Data"
    assert view.file_step.header_row.value() == 2
    assert mapping_by_name(view) == {"Cep Telefonu": "phone_number"}
    view.go_next()
    qtbot.waitUntil(lambda: view.step is Step.CHECK and not view.is_busy(), timeout=20000)
    assert view.model.counts().get("ready") == 3
    again = view.save_settings(tmp_path / "again.cuimport")
    window_data = json.loads(again.read_text(encoding="utf-8"))
    for key in ("provider", "profile", "reading", "mapping", "constants", "default_region"):
        assert window_data[key] == cli[key], key

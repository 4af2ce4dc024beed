"""The window as a whole: launcher routing, --demo banner, header, menus, drag and drop, saved state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit

from core.demo import DemoSession
from gui.context import AppContext, CredentialState
from gui.launcher import wants_cli
from gui.main_window import PAGE_FORM, PAGE_IMPORT, MainWindow, initial_choice

ROOT = Path(__file__).resolve().parents[2]


def make_window(qtbot: Any, context: AppContext) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


class FakeImportView:
    def __init__(self, *, may_close: bool = True) -> None:
        self.opened: list[str] = []
        self.may_close = may_close
        self.offers = 0

    def open_file(self, path: str) -> None:
        self.opened.append(path)

    def request_close(self) -> bool:
        return self.may_close

    def offer_resume(self) -> None:
        self.offers += 1


# ---------------------------------------------------------------------------------------- launcher
@pytest.mark.parametrize(
    ("argv", "cli"),
    [
        ([], False),
        (["--demo"], False),
        (["providers"], True),
        (["--demo", "add", "--provider", "octopush"], True),
        (["upload", "file.csv", "--provider", "netcore"], True),
        (["credentials", "set", "octopush"], True),
        (["--help"], True),
        (["--profile", "upload"], False),  # a profile called "upload" is not the subcommand
        (["contacts.xlsx"], False),  # a file to open in the window
    ],
)
def test_launcher_routes_subcommands_to_the_cli(argv: list[str], cli: bool) -> None:
    assert wants_cli(argv) is cli


def test_cli_subcommands_never_import_qt() -> None:
    code = (
        "import sys\n"
        "from gui.launcher import main\n"
        "status = main(['providers', '--json'])\n"
        "assert status == 0, status\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert '"iletimerkezi"' in done.stdout


@pytest.mark.parametrize("provider", ["netcore", "iletimerkezi", "aptania", "octopush"])
def test_smoke_run_opens_the_window_in_demo_mode_sends_one_contact_and_exits(provider: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env["CONTACT_UPLOADER_SMOKE_TEST"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "gui", "--demo", "--provider", provider],
        cwd=ROOT, capture_output=True, text=True, timeout=90, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "window shown after" in done.stdout
    assert "smoke: Added to" in done.stdout
    assert "Traceback" not in done.stderr


def test_smoke_flag_without_demo_only_opens_the_window() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "gui", "--smoke-test"], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "window shown after" in done.stdout
    assert "smoke:" not in done.stdout


# ---------------------------------------------------------------------------------------- window
def test_demo_mode_shows_the_banner(qtbot: Any, demo: DemoSession) -> None:
    window = make_window(qtbot, AppContext("iletimerkezi", demo=demo))
    assert window.demo_banner.isVisible()
    assert "DEMO" in window.windowTitle()
    assert window.context.credential_status().state is CredentialState.DEMO
    assert "Demo" in window.status_pill.text()
    assert "Sandbox" in window.endpoint_label.text()
    assert str(demo.sandbox.port) in window.endpoint_label.text()


def test_without_demo_there_is_no_banner(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    assert not window.demo_banner.isVisible()
    assert "DEMO" not in window.windowTitle()
    assert window.context.credential_status().state is CredentialState.MISSING
    assert "api.octopush.com" in window.endpoint_label.text()


def test_provider_selector_switches_the_form(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("iletimerkezi"))
    combo = window.provider_combo
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names == ["netcore", "iletimerkezi", "aptania", "octopush"]
    combo.setCurrentIndex(combo.findData("octopush"))
    assert window.context.provider.name == "octopush"
    assert "phone_number" in window.form.rows
    assert "gsm" not in window.form.rows
    assert "Octopush" in window.endpoint_label.text()
    # Netcore offers no check: the menu item says so by being disabled
    combo.setCurrentIndex(combo.findData("netcore"))
    assert not window.test_action.isEnabled()
    combo.setCurrentIndex(combo.findData("octopush"))
    assert window.test_action.isEnabled()


def test_menus_and_shortcuts(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "View", "Account", "Settings", "Help"]
    window.import_action.trigger()
    assert window.pages.currentIndex() == PAGE_IMPORT
    window.form_action.trigger()
    assert window.pages.currentIndex() == PAGE_FORM


def test_a_file_dropped_anywhere_goes_to_the_import_view(qtbot: Any, tmp_path: Path) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    fake = FakeImportView()
    window._import_view = fake
    sheet = tmp_path / "contacts.csv"
    sheet.write_text("phone\n+33612345678\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sheet))])
    mime.setText(str(sheet))
    target = window.form.field_row("first_name").editor  # a line edit would take the text otherwise
    assert isinstance(target, QLineEdit)
    args = (QPointF(5, 5).toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(*args)
    QApplication.sendEvent(target, enter)  # Qt sends a drop to whoever accepted the drag-enter
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), *args[1:])
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: fake.opened == [str(sheet)], timeout=3000)
    assert target.text() == ""
    assert window.pages.currentIndex() == PAGE_IMPORT


def test_open_file_switches_to_the_import_page(qtbot: Any, tmp_path: Path) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    fake = FakeImportView()
    window._import_view = fake
    window.open_file(tmp_path / "a.xlsx")
    assert fake.opened == [str(tmp_path / "a.xlsx")]
    assert window.pages.currentIndex() == PAGE_IMPORT


def test_window_state_is_remembered(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("iletimerkezi"))
    window.resize(781, 563)  # the offscreen screen is 800 × 600
    window.provider_combo.setCurrentIndex(window.provider_combo.findData("aptania"))
    window.show_page(PAGE_IMPORT)
    window.close()
    assert initial_choice(None, None) == ("aptania", "default")
    assert initial_choice("octopush", None) == ("octopush", "default")
    again = make_window(qtbot, AppContext(*initial_choice(None, None)))
    assert (again.width(), again.height()) == (781, 563)
    assert again.pages.currentIndex() == PAGE_IMPORT
    assert again.provider_combo.currentData() == "aptania"
    assert Path(os.environ["CONTACT_UPLOADER_HOME"], "window.ini").is_file()


def test_stored_credentials_show_in_the_header(qtbot: Any) -> None:
    from core.credentials import save_credentials

    save_credentials("iletimerkezi", "default", {"api_key": "k", "api_hash": "h"})
    window = make_window(qtbot, AppContext("iletimerkezi"))
    assert window.context.credential_status().state is CredentialState.STORED
    assert window.status_pill.property("tone") == "warn"  # stored, not yet checked: amber
    window.context.record_verdict(True, "ok")
    assert window.status_pill.property("tone") == "ok"
    window.context.record_verdict(False, "refused")
    assert window.status_pill.property("tone") == "error"


def test_a_running_upload_can_keep_the_window_open(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    window._import_view = FakeImportView(may_close=False)
    assert not window.close()
    assert window.isVisible()
    window._import_view = FakeImportView(may_close=True)
    assert window.close()


def test_an_unfinished_upload_resumed_at_start_shows_the_import_page(qtbot: Any) -> None:
    window = make_window(qtbot, AppContext("octopush"))
    fake = FakeImportView()
    window._import_view = fake
    window.offer_resume()  # asks the view, which looks in the journal on a worker
    assert fake.offers == 1
    window.hide()  # closed before the offer, timed 200 ms after the show, was due: no lookup is started
    window.offer_resume()  # (a worker still running when Python tears down aborts the process)
    assert fake.offers == 1
    window.show()
    assert window.pages.currentIndex() == PAGE_FORM
    window._import_view = None
    window.import_view.resumeStarted.emit()  # the real view resumed one
    assert window.pages.currentIndex() == PAGE_IMPORT

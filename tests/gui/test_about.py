"""Help → About: version, where the program keeps its data, the third-party licences; --version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from core import __version__
from gui.about_dialog import AboutDialog, data_locations
from gui.context import AppContext
from gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def open_about(qtbot: Any) -> AboutDialog:
    window = MainWindow(AppContext("octopush"))
    qtbot.addWidget(window)
    window.show()
    window.about_action.trigger()
    dialogs = window.findChildren(AboutDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitExposed(dialog)
    return dialog


def test_about_shows_version_and_where_data_lives(qtbot: Any, isolated_state: Path) -> None:
    dialog = open_about(qtbot)
    assert __version__ in dialog.version_label.text()
    shown = {what: label.text() for what, label in dialog.location_labels.items()}
    assert shown["Settings"] == str(isolated_state / "settings.json")
    assert shown["Upload journal"] == str(isolated_state / "journal.sqlite3")
    assert shown["Logs"] == str(isolated_state / "logs")
    assert shown["Window layout"] == str(isolated_state / "window.ini")
    assert [what for what, _ in data_locations()] == list(shown)


def test_about_lists_the_installed_components_with_their_licences(qtbot: Any) -> None:
    """From a checkout or a wheel there is no bundled licence file: the installed packages are listed."""
    text = open_about(qtbot).licences.toPlainText()
    for name in ("httpx", "keyring", "python-calamine", "phonenumbers", "email-validator", "platformdirs"):
        assert f"- {name} " in text.replace("_", "-")
    assert "BSD-3-Clause" in text  # httpx's licence, read from its metadata
    assert "LGPL" in text


def test_about_shows_the_bundled_licence_file_scrollable(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "resources").mkdir()
    body = "\n".join(f"licence line {i}" for i in range(2000))
    (tmp_path / "resources" / "THIRD-PARTY-LICENSES").write_text(body, encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    dialog = open_about(qtbot)
    assert dialog.licences.toPlainText() == body
    assert dialog.licences.isReadOnly()
    assert dialog.licences.verticalScrollBar().maximum() > 0


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_the_data_folder(qtbot: Any, isolated_state: Path) -> None:
    dialog = open_about(qtbot)
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        dialog.open_folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(isolated_state)]
    assert isolated_state.is_dir()


def test_version_flag_prints_the_version_without_loading_qt() -> None:
    code = (
        "import sys\n"
        "from gui.launcher import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"contact-uploader {__version__}"


def test_installed_command_prints_the_version() -> None:
    script = Path(sys.executable).parent / "contact-uploader"
    if not script.exists():
        pytest.skip("the contact-uploader script is not installed beside this Python")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"contact-uploader {__version__}"

"""The window's language: chosen at start (--lang, the saved choice, Qt's UI languages), Qt's own texts
translated (qtbase_<lang>.qm, a pseudo translator for ``qps``), Settings → Language remembered, and the
"Restart now" that starts the program again with the same arguments."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core import i18n, settings
from core.demo import DemoSession
from core.i18n import PSEUDO_OPEN
from gui import app as gui_app
from gui.context import AppContext
from gui.main_window import MainWindow, launch_detached, restart_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def english_again(qapp: QApplication) -> Iterator[None]:
    """Whatever language a test switches to, the next test starts in English, Qt's texts included."""
    yield
    i18n.set_language("en")
    gui_app.install_translations(qapp, "en")


def make_window(qtbot: Any, context: AppContext | None = None) -> MainWindow:
    window = MainWindow(context or AppContext("octopush"))
    qtbot.addWidget(window)
    window.show()
    return window


def standard_button_texts() -> list[str]:
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x",
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    try:
        return [b.text() for b in box.buttons()]
    finally:
        box.deleteLater()


class FakeImportView:
    def __init__(self, running: bool) -> None:
        self.running = running

    def has_running_upload(self) -> bool:
        return self.running

    def request_close(self) -> bool:
        return True


# ------------------------------------------------------------------------------------ the menu
def test_the_language_menu_names_each_language_in_itself(qtbot: Any) -> None:
    window = make_window(qtbot)
    texts = [a.text().replace("&", "") for a in window.language_menu.actions() if not a.isSeparator()]
    assert texts == ["Automatic (system language)", "English", "Türkçe", "Français", "Español"]
    assert all(a.isCheckable() for a in window.language_group.actions())
    assert window.language_group.isExclusive()
    assert window.language_actions[None].isChecked()  # nothing saved: the system's language


def test_choosing_a_language_saves_it_and_the_next_start_speaks_it(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, english_again: None
) -> None:
    window = make_window(qtbot)
    window.language_actions["fr"].trigger()
    assert settings.load().language() == "fr"
    assert window.language_actions["fr"].isChecked()
    notice = window.language_notice
    assert notice is not None
    assert notice.isVisible()
    assert "restarts" in notice.text()
    assert window.restart_button is not None
    assert window.restart_button.text() == "&Restart now"
    notice.reject()
    # this window stays in English until it restarts
    assert next(a.text() for a in window.menuBar().actions()) == "&File"
    # the next start, without --lang or CONTACT_UPLOADER_LANG, speaks French (the CLI reads the same choice)
    monkeypatch.delenv(i18n.ENV_LANG)
    assert gui_app.start_language(None) == "fr"
    assert gui_app.start_language("es") == "es"  # --lang wins
    # and "Automatic" forgets the choice again
    window.language_actions[None].trigger()
    assert settings.load().language() is None
    # a new window shows the saved choice checked
    window.language_actions["tr"].trigger()
    assert make_window(qtbot).language_actions["tr"].isChecked()


def test_a_new_window_in_the_saved_pseudo_language_translates_every_menu_and_qt_button(
    qtbot: Any, qapp: QApplication, monkeypatch: pytest.MonkeyPatch, english_again: None, demo: DemoSession
) -> None:
    with settings.edit() as edited:
        edited.set_language(i18n.PSEUDO)
    monkeypatch.delenv(i18n.ENV_LANG)
    assert gui_app.start_language(None) == i18n.PSEUDO
    assert isinstance(gui_app.install_translations(qapp, i18n.language()), gui_app.PseudoTranslator)
    window = make_window(qtbot, AppContext("octopush", demo=demo))
    titles = [a.text() for a in window.menuBar().actions()]
    assert len(titles) == 5
    assert all(PSEUDO_OPEN in t for t in titles), titles
    for menu in (window.language_menu, window.recent_menu):
        assert PSEUDO_OPEN in menu.title()
    # the languages keep their own names
    assert window.language_actions["fr"].text() == "Français"
    # Qt's own standard buttons go through the pseudo translator too
    assert all(PSEUDO_OPEN in t for t in standard_button_texts()), standard_button_texts()
    # nothing visible in the window (header, DEMO banner, menus, form), the credentials dialog or the About
    # dialog skipped translation
    from tests.gui.text_audit import untranslated

    assert untranslated(window) == []
    assert untranslated(window.open_credentials(), ["default"]) == []  # a profile's name is data
    about = window.show_about()
    packages = [line for line in about.licences.toPlainText().splitlines() if line.startswith("- ")]
    assert packages
    assert untranslated(about, packages) == []
    window.choose_language("es")
    assert window.language_notice is not None
    assert untranslated(window.language_notice) == []


def test_qt_own_buttons_come_from_qtbase_qm(qapp: QApplication, english_again: None) -> None:
    assert standard_button_texts() == ["OK", "Cancel"]
    translator = gui_app.install_translations(qapp, "tr")
    assert translator is not None
    assert translator.language().startswith("tr")
    assert standard_button_texts() == ["Tamam", "İptal"]
    gui_app.install_translations(qapp, "fr")  # replaces the Turkish one
    assert standard_button_texts() == ["OK", "Annuler"]
    assert gui_app.install_translations(qapp, "en") is None
    assert standard_button_texts() == ["OK", "Cancel"]


def test_the_system_languages_are_qt_ui_languages(tmp_path: Path) -> None:
    """Without --lang, CONTACT_UPLOADER_LANG or a saved choice the window follows the system (here LANGUAGE
    and LANG, which Qt reads on Linux; the Windows UI language and macOS preferred languages elsewhere)."""
    code = ("from gui.app import start_language, system_languages\n"
            "print(system_languages()[0] if system_languages() else '', start_language(None))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "CONTACT_UPLOADER_"))}
    env.update(PYTHONPATH=str(ROOT), CONTACT_UPLOADER_HOME=str(tmp_path / "state"),
               QT_QPA_PLATFORM="offscreen")
    cases = (({"LANG": "tr_TR.UTF-8"}, "tr"), ({"LANGUAGE": "es_ES", "LANG": "fr_FR.UTF-8"}, "es"),
             ({"LANG": "de_DE.UTF-8"}, "en"))
    for variables, expected in cases:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              cwd=ROOT, env={**env, **variables})
        assert done.returncode == 0, done.stderr
        qt_first, chosen = done.stdout.split()
        assert chosen == expected, (variables, done.stdout)
        assert qt_first.replace("_", "-").startswith(expected if expected != "en" else "de")


# ------------------------------------------------------------------------------------ restarting
def test_restart_is_not_offered_while_an_upload_runs(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    launched: list[tuple[str, list[str]]] = []
    monkeypatch.setattr("gui.main_window.launch_detached", lambda p, a: launched.append((p, list(a))) or True)
    window = make_window(qtbot)
    window._import_view = FakeImportView(running=True)
    window.choose_language("es")
    assert settings.load().language() == "es"  # saved all the same
    notice = window.language_notice
    assert notice is not None
    assert window.restart_button is None
    assert [b.text() for b in notice.buttons()] == ["OK"]
    assert "upload is running" in notice.informativeText()
    assert window.restart() is False
    assert launched == []
    assert window.isVisible()
    notice.accept()


def test_restart_now_starts_the_program_again_and_closes_the_window(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched: list[tuple[str, list[str]]] = []
    monkeypatch.setattr("gui.main_window.launch_detached", lambda p, a: launched.append((p, list(a))) or True)
    monkeypatch.setattr(sys, "argv", ["contact-uploader", "--demo", "--lang", "tr", "contacts.csv"])
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda *_args: quits.append(True))
    window = make_window(qtbot)
    window._import_view = FakeImportView(running=False)
    window.choose_language("fr")
    assert window.restart_button is not None
    window.restart_button.click()
    assert launched == [(sys.executable, ["-m", "gui", "--demo", "contacts.csv"])]
    assert not window.isVisible()
    qtbot.waitUntil(lambda: quits == [True])


def test_restart_command(monkeypatch: pytest.MonkeyPatch) -> None:
    assert restart_command(["--lang=es", "--provider", "octopush", "a.csv"]) == (
        sys.executable, ["-m", "gui", "--provider", "octopush", "a.csv"])
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/Contact Uploader/contact-uploader")
    bundle = "/opt/Contact Uploader/contact-uploader"
    assert restart_command(["--demo", "--lang", "fr"]) == (bundle, ["--demo"])


def test_the_restart_command_really_opens_the_window(tmp_path: Path) -> None:
    program, arguments = restart_command(["--lang", "tr", "--smoke-test", "-platform", "offscreen"])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONTACT_UPLOADER_HOME": str(tmp_path / "state")}
    done = subprocess.run([program, *arguments], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert "window shown" in done.stdout


def test_the_relaunched_program_does_not_inherit_the_language_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(i18n.ENV_LANG, "tr")
    out = tmp_path / "seen.txt"
    script = "import os, sys; open(sys.argv[1], 'w').write(os.environ.get('CONTACT_UPLOADER_LANG', 'none'))"
    assert launch_detached(sys.executable, ["-c", script, str(out)])
    deadline = time.monotonic() + 30
    while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "none"

"""Take a screenshot of each step of the window, to look at them as a user would.

    xvfb-run -a -s "-screen 0 1400x900x24" python tests/gui/screenshots.py
    QT_QPA_PLATFORM=offscreen python tests/gui/screenshots.py      # without a display server
    python tests/gui/screenshots.py shots-tr --lang tr              # the window in Turkish (en, tr, fr, es)
    python tests/gui/screenshots.py shots-qps --lang qps --audit untranslated.json

``--audit FILE`` writes, for each screen, the visible texts that did not go through translation (with the
``qps`` pseudo-locale), or in another language the buttons and labels too narrow for their text
(tests/gui/text_audit.py); tests/gui/test_pseudo_locale.py runs it and fails on any.

PNG files (24) go to ./screenshots/ (or the folder given as the first argument). Runs in ``--demo`` mode
against the built-in sandbox, with a throw-away state directory and an in-memory keyring, so it
never touches your settings or your real keyring.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _isolate() -> None:
    os.environ["CONTACT_UPLOADER_HOME"] = tempfile.mkdtemp(prefix="cu-shots-")
    for name in list(os.environ):
        if name.startswith("CONTACT_UPLOADER_") and name != "CONTACT_UPLOADER_HOME":
            del os.environ[name]
    import keyring

    from tests.plugins.keyring_plugin import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


def _options(argv: list[str]) -> tuple[Path, str, Path | None]:
    import argparse

    parser = argparse.ArgumentParser(description="screenshots of every step of the window")
    parser.add_argument("folder", nargs="?", default="screenshots")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--audit", type=Path, default=None)
    args = parser.parse_args(argv)
    return Path(args.folder).resolve(), str(args.lang), args.audit


def main(argv: list[str]) -> int:
    out, lang, audit = _options(argv)
    out.mkdir(parents=True, exist_ok=True)
    _isolate()
    os.environ["CONTACT_UPLOADER_LANG"] = lang
    from core import i18n

    i18n.set_language(lang)
    findings: dict[str, list[str]] = {}
    data: list[str] = _leads_cells() if audit is not None else []

    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from PySide6.QtWidgets import QWidget

    from core.demo import DemoSession
    from gui.app import create_application
    from gui.context import AppContext
    from gui.main_window import MainWindow
    from gui.workers import wait_all

    app = create_application()

    def settle(ms: int = 150) -> None:
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < ms:
            QCoreApplication.processEvents()

    def wait_for(cond: Callable[[], bool], ms: int = 10000) -> None:
        timer = QElapsedTimer()
        timer.start()
        while not cond() and timer.elapsed() < ms:
            QCoreApplication.processEvents()
        wait_all(ms)
        settle()

    def shot(widget: QWidget, name: str) -> None:
        settle()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        sys.stdout.write(f"{path}\n")
        if audit is not None:
            from tests.gui.text_audit import clipped, untranslated

            findings[name] = untranslated(widget, data) if lang == "qps" else clipped(widget)

    with DemoSession() as demo:
        context = AppContext("iletimerkezi", demo=demo)
        window = MainWindow(context)
        window.resize(1280, 820)
        window.show()
        settle(400)
        shot(window, "01-window-demo")

        form = window.form
        form.field_row("name").editor.setText("Ayşe")
        form.field_row("surname").editor.setText("Yılmaz")
        email = form.field_row("email").editor
        email.setText("ayse@Example.COM")
        form.field_row("email").validate()
        gsm = form.field_row("gsm").editor
        gsm.setText("0532 123 45 6")
        form.field_row("gsm").validate()
        shot(window, "02-form-typing-invalid-phone")

        gsm.setText("0532 123 45 67")
        form.field_row("gsm").validate()
        shot(window, "03-form-valid")

        form.send()
        wait_for(lambda: form.result_panel.isVisible())
        shot(window, "04-form-sent")

        form.field_row("email").editor.setText("ayse@example.com")
        form.field_row("gsm").editor.setText("0532 123 45 68")
        form.send()
        wait_for(lambda: form.result_panel.isVisible() and form.task is not None and form.task.done)
        shot(window, "05-form-second")

        context.set_provider("octopush")
        settle()
        shot(window, "06-octopush-form")

        about = window.show_about()
        settle(300)
        shot(about, "23-about")
        about.close()
        notice = window.show_language_notice()
        settle(200)
        shot(notice, "24-language-restart")
        notice.close()

        context.set_provider("iletimerkezi")
        dialog = window.open_credentials()
        settle()
        shot(dialog, "07-credentials-dialog")
        dialog.test_connection()
        wait_for(lambda: dialog.task is not None and dialog.task.done)
        shot(dialog, "08-credentials-test-ok")
        dialog.rows["api_key"].set_value("wrong-key")
        dialog.test_connection()
        wait_for(lambda: dialog.task is not None and dialog.task.done)
        shot(dialog, "09-credentials-test-refused")
        dialog.reject()

        context.set_provider("netcore")
        dialog = window.open_credentials()
        settle()
        shot(dialog, "10-credentials-netcore-no-check")
        dialog.reject()

        window.show_page(1)
        shot(window, "11-import-page")
        _import_steps(window, demo, tempfile.mkdtemp(prefix="cu-shots-file-"), shot, wait_for, settle)
        window.show_page(0)

        # outside demo mode: no keyring at all
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())
        plain = MainWindow(AppContext("octopush"))
        plain.resize(1280, 820)
        plain.show()
        settle(300)
        shot(plain, "12-no-keyring-window")
        dialog = plain.open_credentials()
        settle(300)
        shot(dialog, "13-credentials-no-keyring")
        dialog.reject()
        plain.close()

        window.close()
        wait_all()
    app.processEvents()
    if audit is not None:
        import json

        audit.write_text(json.dumps(findings, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _leads_cells() -> list[str]:
    """Every value of the file write_leads makes (data: shown as it is, never translated)."""
    import openpyxl

    folder = tempfile.mkdtemp(prefix="cu-shots-cells-")
    book = openpyxl.load_workbook(write_leads(folder, rows=60), read_only=True)
    cells = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if v}
    # the sheets', profiles' and the sandbox's İleti Merkezi groups' names: names, not the program's texts
    names = {"Leads", "Notes", "spring-fair-leads.xlsx", "default", "demo", "Müşteriler", "VIP Müşteriler",
             "Bülten Aboneleri"}
    return sorted(cells | names)


def write_leads(folder: str, rows: int = 1200) -> Path:
    """A marketer's export: two title rows, French headers, a few bad phone numbers, a second sheet."""
    import openpyxl

    path = Path(folder) / "spring-fair-leads.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Spring fair 2026 — visitor leads"])
    ws.append([])
    ws.append(["Prénom", "Nom", "Téléphone portable", "Ville", "E-mail"])
    towns = ("Paris", "Lyon", "Nantes", "Lille", "Bordeaux", "Nice")
    first = ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Arthur")
    last = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand")
    for i in range(rows):
        phone: object = f"+33 6 12 {i // 100:02d} {i % 100:02d} {i % 7:02d}"
        if i in (2, 9, 40):
            phone = "06 12 ab"  # a typo the check step highlights
        elif i % 5 == 3:
            phone = 33612000000 + i  # Excel turned the number into a number
        name = first[i % len(first)]
        mail = f"{name.lower()}.{last[i % len(last)].lower()}{i}@example.com".replace("é", "e")
        ws.append([name, last[i % len(last)], phone, towns[i % len(towns)], mail])
    wb.create_sheet("Notes").append(["Exported from the booking system"])
    wb.save(path)
    return path


def _import_steps(window, demo, folder, shot, wait_for, settle) -> None:  # type: ignore[no-untyped-def]
    """Every step of the spreadsheet import, against the demo sandbox."""
    from gui.import_view import Step

    window.context.set_provider("octopush")
    view = window.import_view
    path = write_leads(folder)
    view.open_file(path)
    wait_for(lambda: view.table is not None and not view.is_busy())
    shot(window, "14-import-file-preview")

    view.go_next()
    settle(200)
    shot(window, "15-import-columns")
    phone = next(i for i, fid in view.mapping_view.mapping().items() if fid == "phone_number")
    view.mapping_view.set_field(phone, "")
    settle(200)
    shot(window, "21-import-columns-required-missing")
    view.mapping_view.set_field(phone, "phone_number")

    view.go_next()
    wait_for(lambda: view.step is Step.CHECK and not view.is_busy())
    row = next(r for r in range(view.model.rowCount()) if view.model.status_at(r) == "invalid")
    view.select_row(row - 1)
    settle(200)
    shot(window, "16-import-check-invalid-and-payload")
    view.errors_only.setChecked(True)
    view.select_row(row)
    settle(200)
    shot(window, "17-import-check-errors-only")
    view.errors_only.setChecked(False)

    demo.sandbox.latency = 0.8  # slow enough to see the upload in progress
    view.go_next()
    wait_for(lambda: view.upload_panel.bar.value() > 0, 15000)
    settle(300)
    shot(window, "18-import-upload-progress")
    demo.sandbox.latency = 0.0
    wait_for(lambda: view.step is Step.RESULTS and not view.has_running_upload(), 60000)
    shot(window, "19-import-results")
    view.results_view.errors_only.setChecked(True)
    settle(200)
    shot(window, "20-import-results-attention-only")
    view.results_view.errors_only.setChecked(False)
    view.new_button.click()
    settle(200)
    shot(window, "22-import-another-file")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""A child process for tests/gui/test_ownership_and_shutdown.py: the real window (``gui.app.main``) opens the
spreadsheet given as argument, walks the import to the upload, prints ``UPLOADING`` once it runs, and then
just lives until it is told to stop (a signal, the end of the session).

    python -m tests.gui.window_upload_child FILE --provider octopush
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.app import create_application, main


def _drive(app: QApplication) -> None:
    from gui.import_view import Step

    window: Any = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
    view = window.import_view
    view._ask = lambda *args: QMessageBox.StandardButton.Yes  # "continue the unfinished upload?" → yes
    stage = [0]

    def tick() -> None:
        if view.is_busy():
            return
        if stage[0] == 0 and view.table is not None:
            view.go_next()  # → columns
            stage[0] = 1
        elif stage[0] == 1 and view.step is Step.COLUMNS:
            view.go_next()  # → check
            stage[0] = 2
        elif stage[0] == 2 and view.step is Step.CHECK:
            view.go_next()  # → upload
            stage[0] = 3
        elif stage[0] == 3 and view.has_running_upload():
            sys.stdout.write("UPLOADING\n")
            sys.stdout.flush()
            stage[0] = 4
            timer.stop()

    timer = QTimer(app)
    timer.timeout.connect(tick)
    timer.start(50)


if __name__ == "__main__":
    application = create_application()
    QTimer.singleShot(0, lambda: _drive(application))
    status = main(sys.argv[1:])
    sys.stdout.write(f"EXITED {status}\n")
    sys.stdout.flush()
    raise SystemExit(status)

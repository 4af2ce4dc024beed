"""Child process of test_upload_imports: drive an import to the upload and print the modules the upload
imported (none is wanted: they are imported by the check's worker, see gui.import_check.check_table)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    os.environ["CONTACT_UPLOADER_HOME"] = tempfile.mkdtemp()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from tests.benchmarks.bench_gui_stall import demo_view, start_sandbox

    proc, urls = start_sandbox(0.0)
    try:
        from PySide6.QtCore import QEventLoop, QTimer

        from gui.app import create_application
        from gui.import_view import Step

        app = create_application()
        view = demo_view("octopush", urls)
        view.show()
        path = Path(tempfile.mkdtemp()) / "contacts.csv"
        path.write_text("Prénom,Nom,Téléphone portable\n"
                        + "".join(f"A{i},B,+336{10000000 + i:08d}\n" for i in range(50)), encoding="utf-8")

        def wait(cond: object, timeout: float = 60) -> None:
            loop = QEventLoop()
            poll = QTimer()
            poll.setInterval(20)
            start = time.monotonic()
            poll.timeout.connect(lambda: (cond() or time.monotonic() - start > timeout)  # type: ignore[operator]
                                 and loop.quit())
            poll.start()
            loop.exec()

        view.open_file(path)
        wait(lambda: view.table is not None and not view.is_busy())
        view.go_next()
        wait(lambda: False, 0.3)
        view.go_next()
        wait(lambda: view.step is Step.CHECK and not view.is_busy())
        before = set(sys.modules)
        view.go_next()
        wait(lambda: view.step is Step.RESULTS and not view.has_running_upload())
        sys.stdout.write(f"counts {view.model.counts()}\n")
        sys.stdout.write("imported " + " ".join(sorted(set(sys.modules) - before)) + "\n")
        app.processEvents()
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

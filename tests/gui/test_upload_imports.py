"""Issue 12: the upload imports nothing when it starts (a real process, from the check to the results).

Importing anyio's ~30 modules (httpx's connections load them lazily) on the upload's worker holds the GIL in
many short stretches just as the upload page is painted for the first time: a 100-170 ms stall of the window
at a million rows. The check's worker imports them ahead (gui.import_check.check_table). The test runs in a
child process, whose modules are its own (in this process earlier tests have imported everything).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_starting_an_upload_imports_no_module() -> None:
    done = subprocess.run([sys.executable, "-m", "tests.gui.upload_imports_child"], capture_output=True,
                          text=True, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["counts"] == "{'added': 50}"
    assert lines.get("imported", "").strip() == ""

"""Every screen under the ``qps`` pseudo-locale: no visible text may have skipped translation.

Runs tests/gui/screenshots.py (which drives the window through every step: form, credentials, import, upload,
results, About…) in a child process with ``--lang qps --audit``; each screen's texts are checked by
tests/gui/text_audit.py (Qt's own buttons included, through the pseudo QTranslator).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_screen_speaks_the_pseudo_locale(tmp_path: Path) -> None:
    audit = tmp_path / "untranslated.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    script = ROOT / "tests" / "gui" / "screenshots.py"
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "shots"), "--lang", "qps", "--audit",
                           str(audit)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    findings = json.loads(audit.read_text(encoding="utf-8"))
    assert len(findings) >= 20  # every screen was visited
    left = [f"{screen}: {line}" for screen, lines in findings.items() for line in lines]
    assert not left, "\n".join(left[:80])


def test_the_audit_catches_an_untranslated_label(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The audit is not a formality: an English label among pseudo-translated ones is reported."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from core.i18n import pseudo
    from tests.gui.text_audit import untranslated

    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    layout.addWidget(QLabel(pseudo("Choose a file")))
    layout.addWidget(QLabel("leads.csv"))  # data: allowed
    layout.addWidget(QLabel("Import a spreadsheet"))  # forgotten: reported
    box.show()
    found = untranslated(box)
    assert len(found) == 1, found
    assert "Import a spreadsheet" in found[0]

"""The upload step says when the upload continues while a provider holds it (issue 10, item 5)."""

from __future__ import annotations

from core.engine import Progress
from gui.upload_view import UploadPanel


def test_the_upload_panel_shows_until_when_the_provider_holds_the_upload(qtbot) -> None:
    panel = UploadPanel()
    qtbot.addWidget(panel)
    message = "Octopush asked us to slow down: the upload continues at 14:05:10."
    panel.show_progress(Progress(done=3, total=10, counts={}, rate=1.0, eta=7.0, elapsed=3.0,
                                 waiting_until=1e10, waiting_message=message))
    assert message in panel.rate.text()
    panel.show_progress(Progress(done=4, total=10, counts={}, rate=1.0, eta=6.0, elapsed=4.0))
    assert "continues at" not in panel.rate.text()
    assert "rows/s" in panel.rate.text()

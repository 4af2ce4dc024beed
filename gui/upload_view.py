"""Step 4 of the import: progress of the running upload, with pause, resume and cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from core.i18n import _, ngettext, number, pgettext
from gui.import_widgets import ChipRow, counts_text, make_card
from gui.table_model import PreviewProxy

if TYPE_CHECKING:
    from core.engine import Progress

__all__ = ["UploadPanel", "counts_text", "format_eta"]


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    secs = round(seconds)
    if secs < 60:
        return _("{s} s").format(s=secs)
    minutes, secs = divmod(secs, 60)
    if minutes < 60:
        return _("{m} min {s} s").format(m=minutes, s=f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return _("{h} h {m} min").format(h=hours, m=f"{minutes:02d}")


class UploadPanel(QWidget):
    def __init__(self, proxy: PreviewProxy | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)  # the card in the middle of the page, not stuck under the steps
        self.card, inner = make_card("")
        self.card.setMaximumWidth(760)
        inner.setContentsMargins(28, 22, 28, 22)
        inner.setSpacing(12)
        self.title = QLabel(_("Uploading…"))
        self.title.setObjectName("CardTitle")
        self.title.setWordWrap(True)
        inner.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setObjectName("uploadProgress")
        self.bar.setFormat("%p%")
        self.bar.setTextVisible(False)  # the line under it says the same, readably
        inner.addWidget(self.bar)
        self.progress_text = QLabel()
        self.progress_text.setObjectName("ProgressText")
        self.rate = QLabel()
        self.rate.setObjectName("uploadRate")
        row = QHBoxLayout()
        row.addWidget(self.progress_text, 1)
        row.addWidget(self.rate)
        inner.addLayout(row)
        self.counts = QLabel()
        self.counts.setObjectName("uploadCounts")
        self.counts.hide()  # the chips show the counts; this line is for tests and screen readers
        self.chips = ChipRow()
        inner.addWidget(self.chips)
        buttons = QHBoxLayout()
        self.pause_button = QPushButton(_("Pause"))
        self.pause_button.setObjectName("pauseButton")
        self.resume_button = QPushButton(pgettext("button", "Resume"))
        self.resume_button.setObjectName("resumeButton")
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip(_("Stop the upload; it can be resumed later."))
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        # No grid here: repainting a grid of Python-backed cells ten times a second competes with the
        # upload thread for the GIL (tens of ms per repaint). The grid shows every outcome in Results.
        self.note = QLabel(_(
            "Every row's outcome is shown in the next step. You can pause, or cancel and resume later: "
            "rows already sent are never sent twice."
        ))
        self.note.setWordWrap(True)
        self.note.setObjectName("Hint")
        inner.addWidget(self.note)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(self.card, 3)
        centre.addStretch(1)
        layout.addLayout(centre)
        layout.addStretch(2)
        self.set_running(False)

    def start(self, total: int, title: str) -> None:
        self.title.setText(title)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.bar.setFormat(_rows_done(0, total) + " (%p%)")
        self.progress_text.setText(_rows_done(0, total))
        self.counts.setText(_("Starting…"))
        self.chips.set_counts({})
        self.rate.setText("")
        self.set_running(True)

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.cancel_button.setEnabled(running)

    def show_progress(self, progress: Progress) -> None:
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        done = _rows_done(progress.done, progress.total)
        self.bar.setFormat(done + " (%p%)")
        pct = 100 * progress.done // max(progress.total, 1)
        self.progress_text.setText(f"{done} ({pct}%)")
        counts = {str(k): v for k, v in progress.counts.items()}
        self.counts.setText(counts_text(counts))
        self.chips.set_counts(counts)
        if progress.waiting_message:  # the provider asked us to hold new requests: say when it continues
            rate = progress.waiting_message
        else:
            rate = _("{rate} rows/s · {eta} left").format(rate=number(round(progress.rate)),
                                                         eta=format_eta(progress.eta))
        self.rate.setText(_("paused · {rate}").format(rate=rate) if progress.paused else rate)


def _rows_done(done: int, total: int) -> str:
    """"1,200 of 100,000 rows"."""
    return ngettext("{done} of {total} row", "{done} of {total} rows", total).format(
        done=number(done), total=number(total))

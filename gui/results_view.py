"""Step 5 of the import: how every row ended, counts per outcome as coloured chips, "Export report" and
"Retry failed". ("Import another file" sits with the step buttons of :class:`gui.import_view.ImportView`.)
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.i18n import _, ngettext, number
from gui.import_widgets import BAD, ChipRow, make_card
from gui.table_model import PreviewProxy
from gui.table_view import PreviewTable


class ResultsView(QWidget):
    def __init__(self, proxy: PreviewProxy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        card, inner = make_card("")
        inner.setContentsMargins(20, 14, 20, 14)
        inner.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.summary = QLabel()
        self.summary.setObjectName("CardTitle")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.resume_button = QPushButton(_("Resume upload"))
        self.resume_button.setObjectName("resumeUploadButton")
        self.resume_button.setToolTip(_("Send the rows the interrupted upload did not reach."))
        self.export_button = QPushButton(_("Export report…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip(_("A CSV with every row of the file and how it ended."))
        self.retry_button = QPushButton(_("Retry failed"))
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setToolTip(_("Send again only the rows that failed (not the invalid ones)."))
        top.addWidget(self.resume_button)
        top.addWidget(self.export_button)
        top.addWidget(self.retry_button)
        inner.addLayout(top)
        self.counts = ChipRow()
        self.counts.setObjectName("resultsCounts")
        row = QHBoxLayout()
        row.addWidget(self.counts, 1)
        self.errors_only = QCheckBox(_("Only rows that need attention"))
        self.errors_only.setObjectName("resultsErrorsOnly")
        self.errors_only.toggled.connect(proxy.set_errors_only)
        row.addWidget(self.errors_only)
        inner.addLayout(row)
        layout.addWidget(card)
        self.table = PreviewTable(proxy)
        layout.addWidget(self.table, 1)

    def show_counts(self, counts: Mapping[str, int], summary: str) -> None:
        self.summary.setText(summary)
        self.counts.set_counts(counts)
        problems = sum(v for k, v in counts.items() if k in BAD)
        self.summary.setToolTip(ngettext("{n} row needs attention.", "{n} rows need attention.", problems)
                                .format(n=number(problems)) if problems else "")
        self.retry_button.setEnabled(counts.get("failed", 0) > 0)

    def clear(self) -> None:
        self.summary.setText("")
        self.counts.set_counts({})
        self.retry_button.setEnabled(False)

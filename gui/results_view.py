"""Step 5 of the import: how every row ended, counts per outcome, "Export report" and "Retry failed"."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.table_model import PreviewProxy
from gui.table_view import PreviewTable
from gui.upload_view import counts_text


class ResultsView(QWidget):
    def __init__(self, proxy: PreviewProxy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("resultsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.counts = QLabel()
        self.counts.setObjectName("resultsCounts")
        layout.addWidget(self.counts)
        row = QHBoxLayout()
        self.errors_only = QCheckBox("Only rows that need attention")
        self.errors_only.setObjectName("resultsErrorsOnly")
        self.errors_only.toggled.connect(proxy.set_errors_only)
        self.export_button = QPushButton("Export report…")
        self.export_button.setObjectName("exportButton")
        self.retry_button = QPushButton("Retry failed")
        self.retry_button.setObjectName("retryButton")
        row.addWidget(self.errors_only)
        row.addStretch(1)
        self.resume_button = QPushButton("Resume upload")
        self.resume_button.setObjectName("resumeUploadButton")
        self.resume_button.setToolTip("Send the rows the interrupted upload did not reach.")
        row.addWidget(self.resume_button)
        row.addWidget(self.export_button)
        row.addWidget(self.retry_button)
        layout.addLayout(row)
        self.table = PreviewTable(proxy)
        layout.addWidget(self.table, 1)

    def show_counts(self, counts: dict[str, int], summary: str) -> None:
        self.summary.setText(summary)
        self.counts.setText(counts_text(counts))
        self.retry_button.setEnabled(counts.get("failed", 0) > 0)

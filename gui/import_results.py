"""Step 5 of the import, the results: every row's outcome in the grid, the report, retry and resume.

The buttons of :class:`gui.results_view.ResultsView` are wired by :class:`gui.import_view.ImportView`
("Retry failed" and "Resume upload" start a new run of step 4); this step writes the report.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.i18n import _
from gui.import_host import ImportHost
from gui.upload_view import counts_text


class ResultsStep(ImportHost):
    """Step 5 of :class:`gui.import_view.ImportView`: the report of the upload."""

    def _export_clicked(self) -> None:
        path = self._ask_save_path()
        if path:
            self.export_report(path)

    def _ask_save_path(self) -> str:
        table = self.state.table
        name = Path(table.path).stem + "-report.csv" if table is not None else "report.csv"
        path, _filter = QFileDialog.getSaveFileName(self, _("Export report"), name, _("CSV (*.csv)"))
        return path

    def export_report(self, path: str | Path) -> None:
        """Write the report (one row per source row) on a worker thread."""
        from core.report import write_report

        table = self.state.table
        if table is None:
            return
        outcomes = self.state.results.copy()  # a later upload changes the window's, not this report's
        checks = list(self.state.checks)

        def write(target: Path) -> None:  # the RowResults are built on the worker thread
            write_report(target, table, outcomes.to_dict(), checks)

        self._run(write, Path(path), text=_("Writing the report…"),
                  on_result=lambda _r: self.results_view.summary.setText(
                      _("Report saved to {path}.").format(path=path)))

    def counts_text(self) -> str:
        return counts_text(self.model.counts())

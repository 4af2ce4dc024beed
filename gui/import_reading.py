"""Step 1 of the import, the file: read a preview, then the whole table, on a worker thread.

:func:`load_file` is the worker body (it yields the preview for the header-row picker, then returns the
:class:`core.reading.Table`); :class:`ReadingStep` drives the :class:`gui.import_file_step.FileStep` widget
and hands the table read to the columns step.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from core.errors import UploaderError, UsageError
from core.i18n import _, number
from core.saved_import import Reading
from gui.import_columns import suggest_mapping
from gui.import_file_step import ReadSettings
from gui.import_host import ImportHost
from gui.import_state import Step
from gui.memory import bulk_work, forget_source_lines
from gui.table_model import compact_rows

if TYPE_CHECKING:
    from core.job import JobSpec
    from core.mapping import Suggestion
    from core.reading import RawSheet, Table

log = logging.getLogger(__name__)

RAW_LIMIT = 200  # rows read for the live preview and the header-row picker


# ---------------------------------------------------------------------------------------------- worker bodies
def load_file(path: Path, settings: ReadSettings, expect_fingerprint: str | None = None,
              spec: JobSpec | None = None) -> Generator[tuple[list[str], RawSheet], None, Table]:
    """Generator: yields (sheets, RawSheet) for the preview, returns the whole Table.

    Resuming (``expect_fingerprint``): the file must read exactly as when the job started; the job's
    spec (:class:`core.job.JobSpec`, kept by the journal) says how it was read, whichever front end
    started it.
    """
    from core.journal import table_fingerprint
    from core.reading import list_sheets, read_raw

    changed = UsageError(_(
        "{file} has changed since the upload was interrupted, so it cannot be resumed safely; "
        "open it again and start a new upload (rows already sent will be reported as existing)."
    ).format(file=path.name))
    if spec is not None and expect_fingerprint is not None and spec.fingerprint() != expect_fingerprint:
        raise changed
    sheets = list_sheets(path)
    raw = read_raw(path, sheet=settings.sheet, encoding=settings.encoding, delimiter=settings.delimiter,
                   limit=RAW_LIMIT)
    yield sheets, raw
    number(0)  # Babel's number formats, loaded here rather than on the GUI thread (~40 ms the first time)
    table = read_whole(path, settings)
    if expect_fingerprint is not None and table_fingerprint(table) != expect_fingerprint:
        raise changed
    return table


def read_whole(path: Path, settings: ReadSettings) -> Table:
    """The whole table, its rows kept compact (:class:`gui.table_model.CompactRows`): the window holds
    every row of the file for as long as the import is open (a million of them in well under 1 GB)."""
    from core.reading import read_table

    with bulk_work():
        table = read_table(path, sheet=settings.sheet, header_row=settings.header_row,
                           encoding=settings.encoding, delimiter=settings.delimiter)
        table.rows = compact_rows(table.rows)
        return table


# ---------------------------------------------------------------------------------------------- the step
class ReadingStep(ImportHost):
    """Step 1 of :class:`gui.import_view.ImportView`: the file and how to read it."""

    def open_file(self, path: str | Path) -> None:
        """Start the import of ``path``: read a preview, then the whole table, on a worker thread."""
        if self.has_running_upload():
            return
        path = Path(path)
        self.state.resume = None
        self.state.saved_reading = Reading()
        self.file_step.start(path)
        self.state.table = None
        self._go(Step.FILE)
        self._read(path, self._saved_settings() if self.state.saved is not None else ReadSettings())

    def _reload(self) -> None:
        self.state.saved_reading = Reading()  # the user's choice now
        if self.file_step.path is not None:
            self.state.table = None
            self._read(self.file_step.path, self.file_step.settings(with_header=False))

    def _header_row_changed(self, _row: int) -> None:
        path = self.file_step.path
        if path is None:
            return
        self.state.saved_reading = Reading()  # the user's choice now
        self._generation += 1
        gen = self._generation
        self.state.table = None
        settings = self.file_step.settings()
        self._run(read_whole, path, settings, text=_("Reading the file…"),
                  on_result=lambda table: self._table_read(gen, table), on_failed=self._file_failed)

    def _read(self, path: Path, settings: ReadSettings, fingerprint: str | None = None,
              spec: JobSpec | None = None) -> None:
        self._generation += 1
        gen = self._generation
        self._run(
            load_file, path, settings, fingerprint, spec,
            text=_("Reading {file}…").format(file=path.name),
            on_progress=lambda value: self._raw_read(gen, value),
            on_result=lambda table: self._table_read(gen, table),
            on_failed=self._file_failed,
        )

    def _raw_read(self, gen: int, value: tuple[list[str], RawSheet]) -> None:
        if gen == self._generation:
            sheets, raw = value
            self.file_step.show_raw(sheets, raw)
            if self.state.saved is not None:
                self._show_saved_reading(self.state.saved[0].reading)

    def _show_saved_reading(self, reading: Reading) -> None:
        """The file step shows the saved import's choices, not the detected ones (without reading again)."""
        self.file_step.show_choices(reading.encoding, reading.delimiter, reading.header_row)

    def _table_read(self, gen: int, table: Table | None) -> None:
        if gen != self._generation or table is None:
            return
        self.state.table = table
        self.state.suggested = None
        self.file_step.show_table_info(table)
        self._update_buttons()
        forget_source_lines()  # of the reading modules, imported on the way
        if self.state.saved is not None and self.state.resume is None:
            self._apply_saved_now()
            return
        if self.state.resume is None:
            provider = self.context.provider
            self._run(suggest_mapping, list(table.headers), provider, table.rows,
                      on_result=lambda m: self._suggestion(gen, provider.name, m), on_failed=lambda _e: None)
        if self.state.resume is not None:
            _job_id, spec = self.state.resume
            try:
                mapping = spec.mapping_for(table.headers)
            except UploaderError as exc:
                self._file_failed(exc)
                return
            self._show_mapping(mapping, spec.settings.constants, spec.default_region)
            self._check()

    def _suggestion(self, gen: int, provider: str,
                    suggested: tuple[dict[int, str], list[Suggestion]]) -> None:
        if gen == self._generation:
            self.state.suggested = (provider, *suggested)
            QTimer.singleShot(0, self, self.prepare_mapping)  # a turn of its own

    def _file_failed(self, exc: BaseException) -> None:
        self.state.resume = None
        if isinstance(exc, UploaderError):
            self.file_step.show_problem(str(exc))
            self._go(Step.FILE)
        else:
            from gui.errors import show_error

            show_error(self, exc)

"""The spreadsheet import, as five steps: 1 File · 2 Columns · 3 Check · 4 Upload · 5 Results.

The data flows one way, each step a ``core`` call run off the GUI thread::

    file ──read_raw/read_table──▶ Table ──auto_map/MappingMemory──▶ mapping ──prepare──▶ checks
         ──build_grid──▶ PreviewModel ──run_job (UploadWorker)──▶ RowResults ──write_report──▶ CSV

The GUI thread only swaps finished results in (one model reset per prepared file, ``dataChanged`` over
ranges for upload batches ten times a second), so the window stays responsive with 100 000 rows.
Editing a cell re-validates that one row on the GUI thread (microseconds) and updates the counts.

A job lives in the :class:`core.journal.Journal`: cancelling, closing the window or a crash leaves it
open, and :meth:`ImportView.offer_resume` offers it again at the next start.
"""

from __future__ import annotations

import bisect
import gc
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from operator import attrgetter
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import CredentialError, UploaderError, UsageError
from core.model import Contact, FieldKind, RowResult
from core.providers.base import Provider
from core.saved_import import Reading, SavedImport
from core.upload import column_headers
from gui import theme
from gui.import_file_step import FileStep, ReadSettings
from gui.import_widgets import ChipRow, StepIndicator
from gui.mapping_view import MappingView
from gui.memory import forget_source_lines, release_free_memory
from gui.payload_preview import PayloadPreview, placeholder_credentials
from gui.results_view import ResultsView
from gui.table_model import (
    INVALID,
    READY,
    GridData,
    PreviewModel,
    PreviewProxy,
    build_grid,
    cell_problems_of,
    short_message,
)
from gui.table_view import PreviewTable
from gui.upload_view import UploadPanel, counts_text
from gui.upload_worker import JobSpec, UploadBatch, UploadRequest, UploadTask, find_read_settings

log = logging.getLogger(__name__)

DEMO_PROFILE = "demo"  # the journal profile of demo jobs, as core.upload names it
RAW_LIMIT = 200  # rows read for the live preview and the header-row picker
PAGE_MARGIN = 32  # as the contact form's page margin
APPLY_CHUNK = 1500  # upload results shown in the grid per turn of the event loop (about 2 ms of work)


class Step(IntEnum):
    FILE = 0
    COLUMNS = 1
    CHECK = 2
    UPLOAD = 3
    RESULTS = 4


STEP_TITLES = ("File", "Columns", "Check", "Upload", "Results")


# ---------------------------------------------------------------------------------------------- worker bodies
def load_file(path: Path, settings: ReadSettings, expect_fingerprint: str | None = None,
              spec: JobSpec | None = None) -> Iterator[tuple[list[str], Any]]:
    """Generator: yields (sheets, RawSheet) for the preview, returns the whole Table.

    Resuming (``expect_fingerprint``): the file must read exactly as when the job started. A job the
    command line started does not say how it read the file; the reading that matches is looked up.
    """
    from core.journal import table_fingerprint
    from core.reading import list_sheets, read_raw

    changed = UsageError(
        f"{path.name} has changed since the upload was interrupted, so it cannot be resumed safely; "
        "open it again and start a new upload (rows already sent will be reported as existing)."
    )
    if spec is not None and expect_fingerprint is not None:
        if spec.reading_known:
            if spec.fingerprint() != expect_fingerprint:
                raise changed
        else:
            found = find_read_settings(path, expect_fingerprint)
            if found is None:
                raise changed
            raw, header_row = found
            settings = ReadSettings(raw.sheet, header_row, raw.encoding, raw.delimiter)
    sheets = list_sheets(path)
    raw = read_raw(path, sheet=settings.sheet, encoding=settings.encoding, delimiter=settings.delimiter,
                   limit=RAW_LIMIT)
    yield sheets, raw
    table = read_whole(path, settings)
    if expect_fingerprint is not None and table_fingerprint(table) != expect_fingerprint:
        raise changed
    return table


def read_whole(path: Path, settings: ReadSettings) -> Any:
    from core.reading import read_table

    with bulk_work():
        return read_table(path, sheet=settings.sheet, header_row=settings.header_row,
                          encoding=settings.encoding, delimiter=settings.delimiter)


_gc_lock = threading.Lock()
_gc_holds = 0


@contextmanager
def bulk_work() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a bulk step, then freeze what it built.

    A full collection walks every tracked object while holding the GIL; with 100 000 rows being built
    that is a pause of the whole process, GUI thread included. The rows are plain lists, strings and
    frozen dataclasses that reference counting frees; ``gc.freeze()`` keeps them out of later scans.
    What the step freed on the way is handed back to the system (:func:`gui.memory.release_free_memory`).
    """
    global _gc_holds
    with _gc_lock:
        _gc_holds += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holds -= 1
            last = _gc_holds == 0
            if last:
                gc.freeze()
                gc.enable()
        if last:
            release_free_memory()


def suggest_mapping(headers: list[str], provider: Provider,
                    rows: Sequence[Sequence[str]] | None = None) -> tuple[dict[int, str], list[Any]]:
    """The remembered mapping for this file shape, else the automatic suggestion from the headers and the
    rows, with the :class:`core.mapping.Suggestion` of each column (why it was suggested) (worker thread)."""
    from core.mapping import MappingMemory, Suggestion, suggest

    try:
        remembered = MappingMemory().recall(headers, provider)
    except UploaderError:
        remembered = None
    if remembered is not None:
        return remembered, [Suggestion(i, headers[i], fid, "remembered") for i, fid in remembered.items()]
    suggestions = suggest(headers, provider, rows)
    return {s.column: s.field for s in suggestions}, suggestions


class Identities:
    """(field id, comparable value) → the key of the first row with it, for the duplicate check of an
    edited row. Nested dicts rather than one dict of tuples: no tuple per contact (100 000 of them)."""

    def __init__(self) -> None:
        self._by_field: dict[str, dict[str, int]] = {}

    def get(self, ident: tuple[str, str]) -> int | None:
        values = self._by_field.get(ident[0])
        return None if values is None else values.get(ident[1])

    def setdefault(self, ident: tuple[str, str], key: int) -> int:
        return self._by_field.setdefault(ident[0], {}).setdefault(ident[1], key)

    def __setitem__(self, ident: tuple[str, str], key: int) -> None:
        self._by_field.setdefault(ident[0], {})[ident[1]] = key

    def __delitem__(self, ident: tuple[str, str]) -> None:
        del self._by_field[ident[0]][ident[1]]

    def __len__(self) -> int:
        return sum(map(len, self._by_field.values()))


@dataclass
class Checked:
    """The outcome of :func:`check_table` for the grid and the upload.

    The checks (in source order, one per row) are the only per-row record of the verdicts: the ready
    contacts are looked up in them by key (:meth:`ImportView.contact_of`) rather than copied into a dict.
    """

    grid: GridData
    checks: list[Any]
    options: dict[str, str]
    ready: int  # how many rows are ready to send
    identities: Identities = field(default_factory=Identities)
    fingerprint: str = ""  # core.journal.table_fingerprint(table): the journal key of the CLI


def _differs(wanted: Any, actual: Any) -> bool:
    """A reading choice a saved import makes (not None) that the file was not read with."""
    if wanted is None:
        return False
    if isinstance(wanted, str) and isinstance(actual, str):
        return wanted.casefold() != actual.casefold()
    return bool(wanted != actual)


def field_columns(mapping: dict[int, str]) -> dict[str, int]:
    return {fid: index for index, fid in mapping.items()}


def column_resolver(headers: list[str], mapping: dict[int, str]) -> Any:
    by_field = field_columns(mapping)
    by_header = {h: i for i, h in enumerate(headers)}

    def column_of(problem: Any) -> int | None:
        if problem.field in by_field:
            return by_field[problem.field]
        return by_header.get(problem.column)

    return column_of


def identity(provider: Provider, fields: Any) -> tuple[str, str] | None:
    """(field id, comparable value) the provider identifies a contact by (as core.validation does)."""
    for fid in provider.identity_fields:
        value = fields.get(fid)
        if value:
            spec = provider.field(fid)
            if spec is not None and spec.kind is FieldKind.EMAIL:
                folded = value.casefold()
                if folded != value:  # keep the contact's own string when folding changes nothing
                    value = folded
            return fid, value
    return None


def check_table(table: Any, mapping: dict[int, str], constants: dict[str, str], provider: Provider,
                region: str, chosen: dict[int, str] | None = None) -> Checked:
    """Validate every row (worker thread) and build what the grid shows. ``chosen``: the mapping to
    remember for this file shape when it differs from ``mapping`` (without the Netcore attributes the
    user asked for on this file only)."""
    from core.mapping import MappingMemory
    from core.validation import prepare

    with bulk_work():
        prepared = prepare(table, mapping, constants, provider, region or None)
        grid = build_grid(table.headers, table.rows, table.row_numbers, prepared.checks,
                          column_resolver(table.headers, mapping))
        identities = Identities()
        for contact in prepared.contacts:
            ident = identity(provider, contact.fields)
            if ident is not None:
                identities.setdefault(ident, contact.key)
    try:
        MappingMemory().remember(table.headers, provider, mapping if chosen is None else chosen)
    except (UploaderError, OSError) as exc:
        log.warning("could not remember the mapping: %s", exc)
    # the upload step needs these; import them here rather than on the GUI thread
    import core.engine
    import core.report  # noqa: F401
    from core.journal import table_fingerprint

    return Checked(grid, prepared.checks, prepared.options, len(prepared.contacts), identities,
                   table_fingerprint(table))


# ---------------------------------------------------------------------------------------------- the view
class ImportView(QWidget):
    """The whole import, from a file to the results; F1's main window shows one of these."""

    stepChanged = Signal(int)
    uploadRunningChanged = Signal(bool)
    busyChanged = Signal(bool)
    settingsSaved = Signal(str)  # the path of a .cuimport just written (File → Recent lists it)

    def __init__(self, context: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = PreviewModel(self)
        self.proxy = PreviewProxy(self)
        self.proxy.setSourceModel(self.model)
        self._generation = 0
        self._busy = 0
        self._table: Any = None
        self._provider: Provider = context.provider
        self._mapping: dict[int, str] = {}
        self._constants: dict[str, str] = {}
        self._region = ""
        self._options: dict[str, str] = {}
        self._fingerprint = ""
        self._checks: list[Any] = []  # RowCheck per source row, in source order (ascending keys)
        self._ready = 0  # how many of them hold a contact ready to send
        self._identities = Identities()
        self._results: dict[int, RowResult] = {}
        self._unapplied: list[RowResult] = []  # arrived, not yet shown in the grid (see _apply_some)
        self._apply_due = False
        self._task: UploadTask | None = None
        self._upload_refused = False  # the last upload was refused: another process owns the job
        self._job_id: int | None = None
        self._job_total = 0
        self._job_open = False
        self._resume: tuple[int, JobSpec] | None = None
        self._preview_creds: dict[str, str] | None = None
        self._suggested: tuple[str, dict[int, str], list[Any]] | None = None
        self._saved: tuple[SavedImport, str] | None = None  # a saved import to apply to the next table read
        self._saved_reading = Reading()  # the reading of the saved import applied, until the user changes it
        self._build()
        self.model.cellEdited.connect(self._revalidate)
        self.model.countsChanged.connect(self._update_counts)
        if hasattr(context, "providerChanged"):
            context.providerChanged.connect(self._provider_changed)
        if hasattr(context, "credentialsChanged"):  # the group picker lists the account's groups again
            context.credentialsChanged.connect(self._refresh_groups)
            context.profileChanged.connect(lambda _p: self._refresh_groups())
        self._go(Step.FILE)
        forget_source_lines()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.setObjectName("ImportView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(PAGE_MARGIN, 20, PAGE_MARGIN, 14)
        layout.setSpacing(10)
        self.heading = QLabel()
        self.heading.setObjectName("PageTitle")
        layout.addWidget(self.heading)
        self.subheading = QLabel(
            "Open a file, match its columns, check every row, then upload. Nothing is sent before step 4."
        )
        self.subheading.setObjectName("PageSubtitle")
        self.subheading.setWordWrap(True)
        layout.addWidget(self.subheading)
        self.steps = StepIndicator(STEP_TITLES)
        self.step_labels: list[QLabel] = self.steps.pills
        for i, pill in enumerate(self.step_labels):
            pill.setObjectName("StepPill")
            pill.setProperty("step", i)
        layout.addSpacing(2)
        layout.addWidget(self.steps)
        layout.addSpacing(4)
        self._update_heading()

        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        self.file_step = FileStep()
        self.file_step.fileChosen.connect(self.open_file)
        self.file_step.settingsChanged.connect(self._reload)
        self.file_step.headerRowChanged.connect(self._header_row_changed)
        self.stack.addWidget(self.file_step)

        self.mapping_view = MappingView()
        self.mapping_view.group_source = self._group_source
        self.mapping_view.mappingChanged.connect(self._update_buttons)
        self.stack.addWidget(self.mapping_view)

        check = QWidget()
        cl = QVBoxLayout(check)
        bar = QHBoxLayout()
        self.check_counts = QLabel()
        self.check_counts.setObjectName("checkCounts")
        self.check_chips = ChipRow()
        self.check_chips.setObjectName("checkChips")
        self.errors_only = QCheckBox("Only rows with problems")
        self.errors_only.setObjectName("errorsOnly")
        self.errors_only.toggled.connect(self.proxy.set_errors_only)
        self.check_counts.hide()  # read by tests and screen readers; the chips show the same counts
        bar.addWidget(self.check_chips, 1)
        bar.addWidget(self.errors_only)
        self.save_settings_button = QPushButton("Save import settings…")
        self.save_settings_button.setObjectName("saveImportButton")
        self.save_settings_button.setToolTip(
            "Keep the platform, reading choices, column mapping and options in a .cuimport file, to apply "
            "to next month's file here or with 'contact-uploader upload FILE --use SAVED.cuimport'.")
        self.save_settings_button.clicked.connect(self._save_settings_clicked)
        bar.addWidget(self.save_settings_button)
        cl.addLayout(bar)
        cl.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Double-click a cell to correct it; the row is checked again at once.")
        hint.setObjectName("Hint")
        cl.addWidget(hint)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.grid = PreviewTable(self.proxy, editable=True)
        self.grid.setObjectName("checkGrid")
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        self.payload = PayloadPreview()
        split.addWidget(self.grid)
        split.addWidget(self.payload)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        cl.addWidget(split, 1)
        self.stack.addWidget(check)

        self.upload_panel = UploadPanel(self.proxy)
        self.upload_panel.pause_button.clicked.connect(self.pause_upload)
        self.upload_panel.resume_button.clicked.connect(self.resume_paused)
        self.upload_panel.cancel_button.clicked.connect(self.cancel_upload)
        self.stack.addWidget(self.upload_panel)

        self.results_view = ResultsView(self.proxy)
        self.results_view.export_button.clicked.connect(self._export_clicked)
        self.results_view.retry_button.clicked.connect(self.retry_failed)
        self.resume_button = self.results_view.resume_button
        self.resume_button.clicked.connect(self.resume_upload)
        self.stack.addWidget(self.results_view)

        nav = QHBoxLayout()
        self.busy_label = QLabel()
        self.busy_label.setObjectName("busyLabel")
        nav.addWidget(self.busy_label, 1)
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("nextButton")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_next)
        self.new_button = QPushButton("Import another file")
        self.new_button.setObjectName("importAnotherButton")
        self.new_button.setToolTip("Back to step 1 with nothing kept from this import.")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.reset)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.new_button)
        self.next_button.setProperty("primary", True)
        self.next_button.setObjectName("nextButton")
        layout.addLayout(nav)

    # ------------------------------------------------------------------ public API
    @property
    def step(self) -> Step:
        return Step(self.stack.currentIndex())

    @property
    def table(self) -> Any:
        return self._table

    @property
    def job_id(self) -> int | None:
        return self._job_id

    def results(self) -> dict[int, RowResult]:
        return dict(self._results)

    def is_busy(self) -> bool:
        return self._busy > 0

    def open_file(self, path: str | Path) -> None:
        """Start the import of ``path``: read a preview, then the whole table, on a worker thread."""
        if self.has_running_upload():
            return
        path = Path(path)
        self._resume = None
        self._saved_reading = Reading()
        self.file_step.start(path)
        self._table = None
        self._go(Step.FILE)
        self._read(path, self._saved_settings() if self._saved is not None else ReadSettings())

    def reset(self) -> None:
        """Back to step 1 with a clean state (the "Import another file" button): no file, no mapping,
        no results; the job in the journal is left as it is."""
        if self.has_running_upload():
            return
        self._generation += 1  # results of reads still running are dropped
        self._table = None
        self._resume = None
        self._mapping = {}
        self._constants = {}
        self._region = ""
        self._options = {}
        self._fingerprint = ""
        self._checks = []
        self._ready = 0
        self._identities = Identities()
        self._results = {}
        self._unapplied = []
        self._job_id = None
        self._job_total = 0
        self._job_open = False
        self._preview_creds = None
        self._suggested = None
        self._saved = None
        self._saved_reading = Reading()
        self.errors_only.setChecked(False)
        self.results_view.errors_only.setChecked(False)
        self.results_view.clear()
        self.payload.show_message("")
        self.model.clear()
        self.file_step.clear()
        self._go(Step.FILE)

    def has_running_upload(self) -> bool:
        return self._task is not None and self._task.running

    def request_close(self) -> bool:
        """True when the window may close; during an upload, ask first and leave the job resumable."""
        if not self.has_running_upload():
            return True
        answer = self._ask(
            "Stop the upload?",
            "An upload is running. Stop it and close? Rows already sent are kept, and the upload is "
            "offered for resumption the next time you start Contact Uploader.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        assert self._task is not None
        self._task.cancel()
        self._task.wait(20000)
        return True

    def stop_for_shutdown(self, timeout_ms: int = 20000) -> None:
        """The session ends or the application quits: stop the upload as Cancel does, without asking —
        the requests already out get the engine's grace period to answer and are recorded, the job stays
        open in the journal and is offered for resumption at the next start."""
        if self.has_running_upload():
            assert self._task is not None
            log.info("session ending: stopping the running upload (it stays resumable)")
            self._task.cancel()
            self._task.wait(timeout_ms)

    def offer_resume(self) -> bool:
        """At start: offer the newest unfinished upload of the window; True when one is resumed."""
        from core.journal import Journal
        from core.providers import PROVIDERS

        try:
            journal = Journal()
        except UploaderError as exc:
            log.warning("journal unavailable: %s", exc)
            self._journal_trouble(exc)
            return False
        demo = bool(getattr(self.context, "is_demo", False))
        try:
            jobs = journal.unfinished_jobs()
            for job in jobs:
                spec = JobSpec.from_job(job)
                if spec is None or job.provider not in PROVIDERS or not Path(spec.path).is_file():
                    continue
                if (spec.profile == DEMO_PROFILE) != demo:
                    continue  # a demo job resumes only in the demo, a real one only with real credentials
                name = Path(spec.path).name
                answer = self._ask(
                    "Resume the unfinished upload?",
                    f"The upload of {name} to {PROVIDERS[job.provider].title} stopped after "
                    f"{job.finished_rows:,} of {job.total:,} rows. Resume it now? Rows already sent are "
                    "not sent again.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                    | QMessageBox.StandardButton.Discard,
                    QMessageBox.StandardButton.Yes,
                )
                if answer == QMessageBox.StandardButton.Discard:
                    journal.finish(job.id)
                    continue
                if answer != QMessageBox.StandardButton.Yes:
                    return False
                self._start_resume(job.id, job.provider, job.fingerprint, spec)
                return True
        except UploaderError as exc:
            log.warning("journal unavailable: %s", exc)
            self._journal_trouble(exc)
        finally:
            journal.close()
        return False

    # ------------------------------------------------------------------ navigation
    def go_next(self) -> None:
        step = self.step
        if step is Step.FILE and self._table is not None:
            self._show_mapping()
        elif step is Step.COLUMNS:
            self._check()
        elif step is Step.CHECK:
            self.start_upload()

    def go_back(self) -> None:
        if self.has_running_upload() or self.step is Step.FILE:
            return
        if self.step in (Step.UPLOAD, Step.RESULTS):
            self._go(Step.CHECK)
        else:
            self._go(Step(self.step - 1))

    def _go(self, step: Step) -> None:
        self.stack.setCurrentIndex(int(step))
        self.steps.set_current(int(step))
        self.model.set_editable(step is Step.CHECK and self._job_id is None)
        self._update_buttons()
        self.stepChanged.emit(int(step))

    def _update_buttons(self) -> None:
        step = self.step
        running = self.has_running_upload()
        busy = self._busy > 0
        self.back_button.setEnabled(step is not Step.FILE and not running and not busy)
        self.next_button.setVisible(step in (Step.FILE, Step.COLUMNS, Step.CHECK))
        self.new_button.setVisible(step is Step.RESULTS)
        self.new_button.setEnabled(not running and not busy)
        if step is Step.FILE:
            self.next_button.setText("Next")
            self.next_button.setEnabled(self._table is not None and not busy)
        elif step is Step.COLUMNS:
            self.next_button.setText("Check rows")
            self.next_button.setEnabled(not busy and not self.mapping_view.problems())
        elif step is Step.CHECK:
            ready = self._ready
            self.next_button.setText(f"Upload {ready:,} contacts")
            self.next_button.setEnabled(ready > 0 and not busy and not running)
        self.resume_button.setVisible(self._job_open and not running and self._job_id is not None)
        self.save_settings_button.setEnabled(self.can_save_settings())

    def _set_busy(self, delta: int, text: str = "") -> None:
        self._busy = max(0, self._busy + delta)
        self.busy_label.setText(text if self._busy else "")
        self._update_buttons()
        self.busyChanged.emit(self._busy > 0)

    # ------------------------------------------------------------------ step 1: the file
    def _reload(self) -> None:
        self._saved_reading = Reading()  # the user's choice now
        if self.file_step.path is not None:
            self._table = None
            self._read(self.file_step.path, self.file_step.settings(with_header=False))

    def _header_row_changed(self, _row: int) -> None:
        path = self.file_step.path
        if path is None:
            return
        self._saved_reading = Reading()  # the user's choice now
        self._generation += 1
        gen = self._generation
        self._table = None
        settings = self.file_step.settings()
        self._run(read_whole, path, settings, text="Reading the file…",
                  on_result=lambda table: self._table_read(gen, table), on_failed=self._file_failed)

    def _read(self, path: Path, settings: ReadSettings, fingerprint: str | None = None,
              spec: JobSpec | None = None) -> None:
        self._generation += 1
        gen = self._generation
        self._run(
            load_file, path, settings, fingerprint, spec,
            text=f"Reading {path.name}…",
            on_progress=lambda value: self._raw_read(gen, value),
            on_result=lambda table: self._table_read(gen, table),
            on_failed=self._file_failed,
        )

    def _raw_read(self, gen: int, value: tuple[list[str], Any]) -> None:
        if gen == self._generation:
            sheets, raw = value
            self.file_step.show_raw(sheets, raw)
            if self._saved is not None:
                self._show_saved_reading(self._saved[0].reading)

    def _show_saved_reading(self, reading: Reading) -> None:
        """The file step shows the saved import's choices, not the detected ones (without reading again)."""
        step = self.file_step
        for combo, value in ((step.encoding, reading.encoding), (step.delimiter, reading.delimiter)):
            pos = combo.findData(value) if value is not None else -1
            if pos >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(pos)
                combo.blockSignals(False)
        if reading.header_row is not None:
            step.header_row.blockSignals(True)
            step.header_row.setValue(reading.header_row)
            step.header_row.blockSignals(False)
            step._fill_preview()  # marks it

    def _table_read(self, gen: int, table: Any) -> None:
        if gen != self._generation or table is None:
            return
        self._table = table
        self._suggested = None
        self.file_step.show_table_info(table)
        self._update_buttons()
        forget_source_lines()  # of the reading modules, imported on the way
        if self._saved is not None and self._resume is None:
            self._apply_saved_now()
            return
        if self._resume is None:
            provider = self.context.provider
            self._run(suggest_mapping, list(table.headers), provider, table.rows,
                      on_result=lambda m: self._suggestion(gen, provider.name, m), on_failed=lambda _e: None)
        if self._resume is not None:
            _job_id, spec = self._resume
            self._show_mapping(spec.mapping, spec.constants, spec.region or None)
            self._check()

    def _suggestion(self, gen: int, provider: str, suggested: tuple[dict[int, str], list[Any]]) -> None:
        if gen == self._generation:
            self._suggested = (provider, *suggested)

    def _file_failed(self, exc: BaseException) -> None:
        self._resume = None
        if isinstance(exc, UploaderError):
            self.file_step.show_problem(str(exc))
            self._go(Step.FILE)
        else:
            from gui.errors import show_error

            show_error(self, exc)

    # ------------------------------------------------------------------ step 2: columns
    def _show_mapping(self, mapping: dict[int, str] | None = None, constants: dict[str, str] | None = None,
                      region: str | None = None) -> None:
        table = self._table
        provider = self._provider = self.context.provider
        suggestions: list[Any] = []
        if mapping is None:
            if self._suggested is not None and self._suggested[0] == provider.name:
                _name, mapping, suggestions = self._suggested
            else:
                mapping, suggestions = suggest_mapping(table.headers, provider, table.rows)
        if region is None:
            getter = getattr(self.context, "default_region", None)
            region = getter() if callable(getter) else provider.default_region
        self.mapping_view.set_source(table.headers, table.rows[:20], provider, mapping,
                                     constants if constants is not None else self._constants, region,
                                     suggestions=suggestions)
        self._go(Step.COLUMNS)

    # ------------------------------------------------------------------ saved imports
    def apply_saved(self, saved: SavedImport, source: str) -> bool:
        """Apply a saved import (its provider and profile already chosen by the window) to the open file:
        read it again when the saved reading differs, then fill the columns step from it and show where
        the file differs. Without an open file it waits for the next one; False then."""
        if self.has_running_upload():
            return False
        self._saved = (saved, source)
        table = self._table
        if table is None:
            if self.file_step.path is None:
                return False
            self._resume = None  # a file is being read (or could not be): read it again as saved
            self._go(Step.FILE)
            self._read(self.file_step.path, self._saved_settings())
            return True
        wanted = self._saved_settings()
        if _differs(wanted.sheet, table.sheet) or _differs(wanted.header_row, table.header_row) or \
                _differs(wanted.encoding, table.encoding) or _differs(wanted.delimiter, table.delimiter):
            self._table = None
            self._go(Step.FILE)
            self._read(Path(table.path), wanted)
        else:
            self._apply_saved_now()
        return True

    def _saved_settings(self) -> ReadSettings:
        """How to read a file for the pending saved import: its reading, what it leaves out detected."""
        assert self._saved is not None
        reading = self._saved[0].reading
        return ReadSettings(reading.sheet, reading.header_row, reading.encoding, reading.delimiter)

    def _apply_saved_now(self) -> None:
        assert self._saved is not None
        assert self._table is not None
        saved, source = self._saved
        self._saved = None
        self._saved_reading = saved.reading
        fit = saved.fit(self._table.headers)
        self._constants = dict(saved.constants)
        self._show_mapping(dict(fit.mapping), dict(saved.constants), saved.default_region)
        self.mapping_view.show_saved(source, fit.missing, fit.new)

    def can_save_settings(self) -> bool:
        """Settings can be saved once the rows were checked (step 3 and after)."""
        return self._table is not None and bool(self._fingerprint) and self.step >= Step.CHECK

    def saved_settings(self) -> SavedImport:
        """The settings of the checked import, minus the file: what :meth:`save_settings` writes."""
        table = self._table
        if table is None:
            raise UsageError("Open a spreadsheet and check its rows before saving the import settings.")
        demo = bool(getattr(self.context, "is_demo", False))
        profile = "default" if demo else str(getattr(self.context, "profile", "default") or "default")
        chosen = self.file_step.settings(with_header=False)
        raw = getattr(self.file_step, "_raw", None)
        detected_header = getattr(raw, "header_row", None)
        first_sheet = self.file_step.sheet.itemText(0) if self.file_step.sheet.count() else None
        kept = self._saved_reading  # what the saved import applied chose, unless the user changed it since
        reading = Reading(  # as chosen; None = detected again for each file
            sheet=table.sheet if table.sheet and (table.sheet != first_sheet or kept.sheet) else None,
            header_row=table.header_row if table.header_row != detected_header or kept.header_row is not None
            else None,
            encoding=chosen.encoding or kept.encoding, delimiter=chosen.delimiter or kept.delimiter,
        )
        # the region only when it is not the usual one (the profile's country, else the provider's): as
        # on the command line, without one the profile's default keeps applying wherever the file runs
        getter = getattr(self.context, "default_region", None)
        usual = str(getter() if callable(getter) else self._provider.default_region or "").upper()
        region = self._region.strip().upper()
        given = region if region and region != usual else None
        return SavedImport.from_choices(
            self._provider, headers=table.headers, mapping=self._mapping, profile=profile, reading=reading,
            constants=self._constants, default_region=given,
        )

    def save_settings(self, path: str | Path) -> Path:
        """Write the ``.cuimport`` file (never a secret: the credentials' secret values are refused)."""
        saved = self.saved_settings()
        secrets: list[str] = []
        try:
            creds = dict(self.context.credentials())
            secrets = [creds.get(c.id, "") for c in self._provider.credential_fields if c.secret]
        except (UploaderError, OSError):
            secrets = []
        written = saved.save(path, secrets=secrets)
        log.info("saved the import settings to %s", written)
        return written

    def _save_settings_clicked(self) -> None:
        from core.saved_import import SUFFIX

        if not self.can_save_settings():
            return
        name = Path(self._table.path).stem + SUFFIX
        path, _ = QFileDialog.getSaveFileName(self, "Save import settings", name,
                                              f"Saved imports (*{SUFFIX})")
        if not path:
            return
        if not path.endswith(SUFFIX):
            path += SUFFIX
        try:
            written = self.save_settings(path)
        except UploaderError as exc:
            from gui.errors import show_error

            show_error(self, exc)
            return
        self.busy_label.setText(f"Import settings saved to {written.name}.")
        self.settingsSaved.emit(str(written))

    # ------------------------------------------------------------------ step 3: check
    def _check(self) -> None:
        table = self._table
        if table is None:
            return
        self._mapping = self.mapping_view.mapping()
        self._constants = self.mapping_view.constants()
        self._region = self.mapping_view.default_region()
        provider = self._provider
        self._job_id = None if self._resume is None else self._resume[0]
        self._job_open = False
        self._results = {}
        self._unapplied = []
        self.model.clear()
        self._run(check_table, table, dict(self._mapping), dict(self._constants), provider, self._region,
                  self.mapping_view.chosen_mapping(), text=f"Checking {len(table.rows):,} rows…",
                  on_result=self._checked, on_failed=self._check_failed)

    def _check_failed(self, exc: BaseException) -> None:
        self._resume = None
        if isinstance(exc, UploaderError):
            self.mapping_view.problem.setText(str(exc))
            self._go(Step.COLUMNS)
        else:
            from gui.errors import show_error

            show_error(self, exc)

    def _checked(self, checked: Checked) -> None:
        self._checks = checked.checks
        self._ready = checked.ready
        self._identities = checked.identities
        self._options = checked.options
        self._fingerprint = checked.fingerprint
        self._preview_creds = None
        self.model.set_rows(checked.grid)
        self._go(Step.CHECK)
        forget_source_lines()  # of the validation and upload modules, imported on the way
        if self._resume is not None:
            job_id, _spec = self._resume
            self._resume = None
            self._start(job_id=job_id, contacts=self._ready_contacts())

    def _update_counts(self) -> None:
        counts = self.model.counts()
        ready = counts.get(READY, 0)
        invalid = counts.get(INVALID, 0)
        self.check_counts.setText(f"{ready:,} ready · {invalid:,} with problems (not sent)")
        chips = {"ready": ready}
        if invalid:
            chips["invalid"] = invalid
        self.check_chips.set_counts(chips, order=("ready", "invalid"))
        bad = self.check_chips.chips.get("invalid")
        if bad is not None:
            bad.setText(f"{invalid:,} with problems (not sent)")
        good = self.check_chips.chips.get("ready")
        if good is not None:
            theme.set_prop(good, "tone", "good")
        if self.step is Step.CHECK:
            self._update_buttons()

    def _revalidate(self, row: int, column: int) -> None:
        """A cell was edited: check its row again, as :func:`core.validation.prepare` would."""
        from core.validation import Problem, RowCheck, build_contact, check_cell

        provider = self._provider
        key = self.model.key_at(row)
        cells = self.model.source_rows()[row]
        headers = self._table.headers
        problems: list[Any] = []
        values: dict[str, str] = {}
        for index, fid in self._mapping.items():
            spec = provider.field(fid)
            if spec is None or spec.option or fid in self._constants:
                continue
            value = cells[index] if index < len(cells) else ""
            values[fid] = value
            reason = check_cell(provider, fid, value, self._region or None)
            if reason:
                message = f"Row {key}, column '{headers[index]}': {reason}"
                problems.append(Problem(key, headers[index], fid, message))
        for fid, value in self._constants.items():
            spec = provider.field(fid)
            if spec is not None and not spec.option:
                values[fid] = value
        contact = None
        if not problems:
            verdict = build_contact(provider, values, key=key, default_region=self._region or None)
            problems = [Problem(key, p.column, p.field, f"Row {key}: {p.message}") for p in verdict.problems]
            contact = verdict.contact
        pos = self._check_index(key)
        old = self._checks[pos].contact if pos is not None else None
        if old is not None:
            old_ident = identity(provider, old.fields)
            if old_ident is not None and self._identities.get(old_ident) == key:
                del self._identities[old_ident]
        if contact is not None and not problems:
            ident = identity(provider, contact.fields)
            first = self._identities.get(ident) if ident is not None else None
            if ident is not None and first is not None and first != key:
                spec = provider.field(ident[0])
                label = spec.label.lower() if spec else ident[0]
                col = field_columns(self._mapping).get(ident[0])
                problems = [Problem(key, headers[col] if col is not None else "", ident[0],
                                     f"Row {key}: same {label} as row {first} (kept row {first}).")]
                contact = None
            elif ident is not None:
                self._identities[ident] = key
        check = RowCheck(key, contact if not problems else None, list(problems))
        if pos is not None:
            self._checks[pos] = check
            self._ready += (check.contact is not None) - (old is not None)
        cells_bad = cell_problems_of(problems, column_resolver(headers, self._mapping))
        self.model.set_row_check(row, READY if check.ok else INVALID, check.message, cells_bad)
        self._show_payload_for_row(row)

    # ------------------------------------------------------------------ payload preview
    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._show_payload_for_row(self.proxy.mapToSource(indexes[0]).row())

    def select_row(self, source_row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.grid.selectRow(index.row())

    def _show_payload_for_row(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        key = self.model.key_at(row)
        contact = self.contact_of(key)
        if contact is None:
            reason = short_message(self.model.message_at(row))
            self.payload.show_message(f"Row {key} is not sent.\n\n{reason}")
            return
        if self._preview_creds is None:
            try:
                self._preview_creds = dict(self.context.credentials())
            except CredentialError:
                self._preview_creds = placeholder_credentials(self._provider)
        try:
            base_url = self.context.base_url(self._preview_creds)
        except UploaderError:
            base_url = self._provider.default_base_url(self._preview_creds)
        self.payload.show_contact(self._provider, contact, self._options, self._preview_creds, base_url)

    # ------------------------------------------------------------------ step 4: upload
    def _check_index(self, key: int) -> int | None:
        """The position of row ``key``'s check in ``_checks`` (they are in ascending key order)."""
        checks = self._checks
        pos = bisect.bisect_left(checks, key, key=attrgetter("key"))
        return pos if pos < len(checks) and checks[pos].key == key else None

    def contact_of(self, key: int) -> Contact | None:
        """Row ``key``'s contact when it is ready to send, else None."""
        pos = self._check_index(key)
        return None if pos is None else self._checks[pos].contact

    def _ready_contacts(self) -> list[Contact]:
        return [c.contact for c in self._checks if c.contact is not None and not c.problems]

    def start_upload(self) -> None:
        """Send every ready row; an unfinished job of the same file, account and mapping (one the window
        or the command line left) is offered first, as ``upload --resume`` would continue it."""
        if self.has_running_upload():
            return
        job_id = None
        try:
            found = self._find_unfinished()
        except UploaderError as exc:  # the journal is damaged, newer or unwritable: send nothing
            self._journal_trouble(exc)
            return
        if found is not None:
            answer = self._ask(
                "Continue the unfinished upload?",
                f"An earlier upload of this file with these columns stopped after {found.finished_rows:,} of "
                f"{found.total:,} rows. Continue it (rows already sent are not sent again), or start over "
                "and send every row?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Yes:
                job_id = found.id
        self._start(job_id=job_id, contacts=self._ready_contacts())

    def _job_spec(self) -> JobSpec:
        """The journal identity of an upload of the current table, exactly as ``core.upload`` makes it."""
        table = self._table
        demo = bool(getattr(self.context, "is_demo", False))
        profile = str(getattr(self.context, "profile", "default") or "default")
        return JobSpec(
            path=str(Path(table.path).resolve()), sheet=table.sheet, header_row=table.header_row,
            encoding=table.encoding, delimiter=table.delimiter, mapping=dict(self._mapping),
            constants=dict(self._constants), region=self._key_region(profile),
            profile=DEMO_PROFILE if demo else profile,
        )

    def _refresh_groups(self) -> None:
        from gui.group_picker import GroupPicker

        picker = self.mapping_view.option_inputs.get("group_id")
        if isinstance(picker, GroupPicker) and picker.isVisible():
            picker.refresh()

    def _group_source(self) -> tuple[dict[str, str], str]:
        """Credentials and base URL for the group picker of the options (raises when none are stored)."""
        creds = dict(self.context.credentials())
        return creds, self.context.base_url(creds)

    def _key_region(self, profile: str) -> str:
        """The region as the CLI puts it in the journal key: ``--default-region``, else the profile's
        default country, else "" (the provider's default). The window always has a region in its field,
        so the default one is written as the CLI writes it when no region is given."""
        settings_default = ""
        try:
            from core import settings

            settings_default = str(settings.load().default_country(self._provider.name, profile) or "")
        except (ImportError, OSError, ValueError, UploaderError):
            settings_default = ""
        implicit = settings_default or self._provider.default_region or ""
        region = self._region.strip()
        if region.upper() == implicit.upper():
            return settings_default
        return region

    def _find_unfinished(self) -> Any:
        """The open job :meth:`core.journal.Journal.find_unfinished` finds for this upload, or None."""
        if self._table is None or not self._fingerprint:
            return None
        from core.journal import Journal

        spec = self._job_spec()
        try:
            with Journal() as journal:
                job_id = journal.find_unfinished(self._fingerprint, self._provider.name, spec.profile,
                                                 spec.journal_mapping())
                return None if job_id is None else journal.job(job_id)
        except UploaderError as exc:
            log.warning("journal unavailable: %s", exc)
            from core.journal import JournalError

            if isinstance(exc, JournalError):
                raise  # start_upload says so and sends nothing, as the command line does
            return None

    def _journal_trouble(self, exc: UploaderError) -> None:
        """A journal that is damaged (now moved aside), newer or unwritable is said in a dialog."""
        from core.journal import JournalError

        if isinstance(exc, JournalError):
            from gui.errors import show_error

            show_error(self, exc)

    def resume_upload(self) -> None:
        """Continue the open job (rows that ended are not sent again)."""
        if self._job_id is not None and not self.has_running_upload():
            self._start(job_id=self._job_id, contacts=self._ready_contacts())

    def retry_failed(self) -> None:
        """A new job with only the rows that failed."""
        keys = self.model.keys_with_status("failed")
        contacts = [c for c in map(self.contact_of, keys) if c is not None]
        if contacts and not self.has_running_upload():
            self.model.reset_statuses(keys, READY, "")
            self._start(job_id=None, contacts=contacts)

    def _start(self, *, job_id: int | None, contacts: list[Contact]) -> None:
        if not contacts or self._table is None:
            return
        try:
            creds = dict(self.context.credentials())
            base_url = self.context.base_url(creds)
        except UploaderError as exc:
            from gui.errors import show_error

            show_error(self, exc)
            return
        spec = self._job_spec()
        request = UploadRequest(
            provider=self._provider, creds=creds, base_url=base_url, contacts=contacts,
            options=dict(self._options), spec=spec, fingerprint=self._fingerprint, job_id=job_id,
            total_rows=len(contacts),
            columns=column_headers(self._table.headers, self._mapping) if self._table is not None else {},
        )
        task = UploadTask(request, self)
        task.progress.connect(self._upload_batch)
        task.result.connect(self._upload_done)
        task.failed.connect(self._upload_failed)
        task.finished.connect(self._upload_finished)
        task.jobCreated.connect(self._job_created)
        self._task = task
        self._job_id = job_id
        self._job_open = True
        self.model.set_editable(False)
        title = f"Uploading {len(contacts):,} contacts to {self._provider.title}…"
        self.upload_panel.start(len(contacts), title)
        self._go(Step.UPLOAD)
        task.start()
        self.uploadRunningChanged.emit(True)
        self._update_buttons()

    def _job_created(self, job_id: int) -> None:
        self._job_id = job_id

    def pause_upload(self) -> None:
        if self._task is not None and self._task.running:
            self._task.pause()
            self.upload_panel.set_running(True, paused=True)

    def resume_paused(self) -> None:
        if self._task is not None and self._task.running:
            self._task.resume()
            self.upload_panel.set_running(True, paused=False)

    def cancel_upload(self) -> None:
        if self._task is not None and self._task.running:
            self.upload_panel.cancel_button.setEnabled(False)
            self.upload_panel.title.setText("Cancelling… (waiting for the requests already sent)")
            self._task.cancel()

    def _upload_batch(self, batch: UploadBatch) -> None:
        if batch.results:
            self._unapplied.extend(batch.results)
            if not self._apply_due:  # else the chunks already scheduled take these too
                self._apply_some()
        if batch.progress is not None:
            self.upload_panel.show_progress(batch.progress)

    def _apply_some(self) -> None:
        """Show at most :data:`APPLY_CHUNK` waiting results, the rest in later turns of the event loop:
        a batch of several thousand rows applied at once would hold the GUI thread for 10 ms or more."""
        self._apply_due = False
        pending = self._unapplied
        if not pending:
            return
        chunk = pending[:APPLY_CHUNK]
        del pending[:APPLY_CHUNK]
        self._record(chunk)
        if pending:
            self._apply_due = True
            QTimer.singleShot(0, self, self._apply_some)

    def _apply_all(self) -> None:
        pending, self._unapplied = self._unapplied, []
        if pending:
            self._record(pending)

    def _record(self, results: list[RowResult]) -> None:
        kept = self._results
        for result in results:
            kept[result.key] = result
        self.model.apply_results(results)

    def _upload_done(self, summary: Any) -> None:
        self._apply_all()
        self._job_open = not summary.finished or summary.cancelled or summary.auth_error is not None
        if summary.auth_error is not None:
            from gui.errors import show_error

            show_error(self, summary.auth_error)
            if hasattr(self.context, "record_verdict"):
                self.context.record_verdict(False, str(summary.auth_error))
        counts = self.model.counts()
        minutes = summary.elapsed
        if summary.cancelled:
            text = "The upload was cancelled. Rows already sent are kept; 'Resume upload' sends the rest."
        elif summary.stopped_reason:
            text = summary.stopped_reason
        else:
            text = f"Upload finished in {minutes:.1f} s."
        self.results_view.show_counts(counts, text)

    def _upload_failed(self, exc: BaseException) -> None:
        self._apply_all()
        from gui.errors import show_error

        show_error(self, exc)
        self.results_view.show_counts(self.model.counts(), f"The upload stopped: {exc}")
        from core.errors import JobBusy

        # refused before anything was sent (another window or a CLI run owns the job): back to the check
        self._upload_refused = isinstance(exc, JobBusy)

    def _upload_finished(self) -> None:
        self._apply_all()
        self.upload_panel.set_running(False)
        self.uploadRunningChanged.emit(False)
        task = self._task
        if task is not None:
            task.deleteLater()
        self._task = None
        refused, self._upload_refused = self._upload_refused, False
        self._go(Step.CHECK if refused else Step.RESULTS)
        forget_source_lines()  # of httpx and the engine's other modules

    # ------------------------------------------------------------------ step 5: results
    def _export_clicked(self) -> None:
        path = self._ask_save_path()
        if path:
            self.export_report(path)

    def _ask_save_path(self) -> str:
        name = Path(self._table.path).stem + "-report.csv" if self._table is not None else "report.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export report", name, "CSV (*.csv)")
        return path

    def export_report(self, path: str | Path) -> None:
        """Write the report (one row per source row) on a worker thread."""
        from core.report import write_report

        results = dict(self._results)
        checks = list(self._checks)
        self._run(write_report, Path(path), self._table, results, checks, text="Writing the report…",
                  on_result=lambda _r: self.results_view.summary.setText(f"Report saved to {path}."))

    def counts_text(self) -> str:
        return counts_text(self.model.counts())

    # ------------------------------------------------------------------ resume at start
    def _start_resume(self, job_id: int, provider: str, fingerprint: str, spec: JobSpec) -> None:
        if getattr(self.context, "provider", None) is None or self.context.provider.name != provider:
            self.context.set_provider(provider)
        if hasattr(self.context, "set_profile") and spec.profile != DEMO_PROFILE:
            self.context.set_profile(spec.profile)
        path = Path(spec.path)
        self.file_step.start(path)
        self._table = None
        self._resume = (job_id, spec)
        self._go(Step.FILE)
        settings = ReadSettings(spec.sheet, spec.header_row, spec.encoding, spec.delimiter)
        self._read(path, settings, fingerprint, spec)

    # ------------------------------------------------------------------ plumbing
    def _update_heading(self) -> None:
        provider = getattr(self.context, "provider", None)
        title = getattr(provider, "title", "") or "a platform"
        self.heading.setText(f"Import a spreadsheet into {title}")

    def _provider_changed(self, provider: Any) -> None:
        if self.has_running_upload():
            return
        self._provider = self.context.provider
        self._update_heading()
        self._preview_creds = None
        if self._table is not None and self.step in (Step.COLUMNS, Step.CHECK, Step.RESULTS):
            self._constants = {}
            self._job_id = None
            self.model.clear()
            self._show_mapping()

    def _run(self, fn: Any, *args: Any, text: str = "", on_result: Any = None, on_failed: Any = None,
             on_progress: Any = None) -> Any:
        from gui.workers import start_task

        self._set_busy(+1, text)
        task = start_task(fn, *args, parent=self, on_result=on_result, on_failed=on_failed,
                          on_progress=on_progress, on_finished=lambda: self._set_busy(-1),
                          name=getattr(fn, "__name__", "import"))
        return task

    def _ask(self, title: str, text: str, buttons: Any, default: Any) -> Any:
        """A question to the user (tests replace this)."""
        return QMessageBox.question(self, title, text, buttons, default)

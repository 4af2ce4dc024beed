"""The spreadsheet import, as five steps: 1 File · 2 Columns · 3 Check · 4 Upload · 5 Results.

The data flows one way, each step a ``core`` call run off the GUI thread::

    file ──read_raw/read_table──▶ Table ──auto_map/MappingMemory──▶ mapping ──prepare──▶ checks
         ──build_grid──▶ PreviewModel ──run_job (UploadJob)──▶ RowResults ──write_report──▶ CSV

Each step is one module, whose class :class:`ImportView` is assembled from:

=====================  ======================================================================
:mod:`gui.import_reading`   step 1, the file (:class:`~gui.import_reading.ReadingStep`)
:mod:`gui.import_columns`   step 2, the columns and saved imports (:class:`~gui.import_columns.ColumnsStep`)
:mod:`gui.import_check`     step 3, the check (:class:`~gui.import_check.CheckStep`)
:mod:`gui.import_upload`    step 4, the upload and its resumption (:class:`~gui.import_upload.UploadStep`)
:mod:`gui.import_results`   step 5, the report (:class:`~gui.import_results.ResultsStep`)
:mod:`gui.import_host`      what they share: widgets, navigation, worker tasks
:mod:`gui.import_state`     what they remember: one :class:`~gui.import_state.ImportState`
=====================  ======================================================================

The GUI thread only swaps finished results in (one model reset per prepared file, ``dataChanged`` over
ranges for upload batches ten times a second), so the window stays responsive with 100 000 rows.
Editing a cell re-validates that one row on the GUI thread (microseconds) and updates the counts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.i18n import _, warm_up
from core.model import RowResult
from core.providers.base import Provider
from gui.context import AppContext
from gui.import_check import CheckStep
from gui.import_columns import ColumnsStep
from gui.import_file_step import FileStep
from gui.import_reading import ReadingStep
from gui.import_results import ResultsStep
from gui.import_state import STEP_TITLES, ImportState, Step
from gui.import_upload import UploadStep
from gui.import_widgets import ChipRow, StepIndicator
from gui.mapping_view import MappingView
from gui.memory import forget_source_lines, let_go
from gui.payload_preview import PayloadPreview
from gui.results_view import ResultsView
from gui.table_model import PreviewModel, PreviewProxy
from gui.table_view import PreviewTable
from gui.upload_view import UploadPanel

if TYPE_CHECKING:
    from core.model import Contact
    from core.reading import Table

__all__ = ["ImportView", "Step"]

log = logging.getLogger(__name__)

PAGE_MARGIN = 32  # as the contact form's page margin
COUNTS_INTERVAL_MS = 200  # see ImportView._counts_changed


class ImportView(ReadingStep, ColumnsStep, CheckStep, UploadStep, ResultsStep):
    """The whole import, from a file to the results; F1's main window shows one of these."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Babel's locale data now, before the window is shown: loaded by the reading worker it held the
        # GIL 120-220 ms mid-read at a million rows (issue 12)
        warm_up()
        self.context = context
        self.state = ImportState()
        self.model = PreviewModel(self)
        self.proxy = PreviewProxy(self)
        self.proxy.setSourceModel(self.model)
        self._provider = context.provider
        self._generation = 0
        self._busy = 0
        self._task = None
        self._upload = None
        self._apply_due = False
        self._upload_refused = False
        self._mapping_shown = None
        self._build()
        self.model.cellEdited.connect(self._revalidate)
        self.model.countsChanged.connect(self._counts_changed)
        # during an upload the counts change with every chunk of outcomes shown (several times per turn of
        # the event loop): the check step's labels follow at most every COUNTS_INTERVAL_MS
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_INTERVAL_MS)
        self._counts_timer.timeout.connect(self._update_counts)
        context.providerChanged.connect(self._provider_changed)
        context.credentialsChanged.connect(self._refresh_groups)  # the group picker lists the groups again
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
            _("Open a file, match its columns, check every row, then upload. Nothing is sent before step 4.")
        )
        self.subheading.setObjectName("PageSubtitle")
        self.subheading.setWordWrap(True)
        layout.addWidget(self.subheading)
        self.steps = StepIndicator([_(title) for title in STEP_TITLES])
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
        self.errors_only = QCheckBox(_("Only rows with problems"))
        self.errors_only.setObjectName("errorsOnly")
        self.errors_only.toggled.connect(self.proxy.set_errors_only)
        self.check_counts.hide()  # read by tests and screen readers; the chips show the same counts
        bar.addWidget(self.check_chips, 1)
        bar.addWidget(self.errors_only)
        self.save_settings_button = QPushButton(_("Save import settings…"))
        self.save_settings_button.setObjectName("saveImportButton")
        self.save_settings_button.setToolTip(_(
            "Keep the platform, reading choices, column mapping and options in a .cuimport file, to apply "
            "to next month's file here or with 'contact-uploader upload FILE --use SAVED.cuimport'."))
        self.save_settings_button.clicked.connect(self._save_settings_clicked)
        bar.addWidget(self.save_settings_button)
        cl.addLayout(bar)
        cl.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(_("Double-click a cell to correct it; the row is checked again at once."))
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
        self.back_button = QPushButton(_("Back"))
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(_("Next"))
        self.next_button.setObjectName("nextButton")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_next)
        self.new_button = QPushButton(_("Import another file"))
        self.new_button.setObjectName("importAnotherButton")
        self.new_button.setToolTip(_("Back to step 1 with nothing kept from this import."))
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
    def table(self) -> Table | None:
        return self.state.table

    @property
    def job_id(self) -> int | None:
        return self.state.job_id

    def results(self) -> dict[int, RowResult]:
        return self.state.results.to_dict()

    def reset(self) -> None:
        """Back to step 1 with a clean state (the "Import another file" button): no file, no mapping,
        no results; the job in the journal is left as it is."""
        if self.has_running_upload():
            return
        self._generation += 1  # results of reads still running are dropped
        old, self.state = self.state, ImportState()
        let_go(old)  # a million rows and checks: freed on gui.memory's reaper thread, a slice at a time
        del old
        self.errors_only.setChecked(False)
        self.results_view.errors_only.setChecked(False)
        self.results_view.clear()
        self.payload.show_message("")
        self.model.clear()
        self.file_step.clear()
        self._go(Step.FILE)

    def go_next(self) -> None:
        step = self.step
        if step is Step.FILE and self.state.table is not None:
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

    def _provider_changed(self, _provider: Provider) -> None:
        if self.has_running_upload():
            return
        self._provider = self.context.provider
        self._update_heading()
        self.state.preview_creds = None
        if self.state.table is not None and self.step in (Step.COLUMNS, Step.CHECK, Step.RESULTS):
            self.state.constants = {}
            self.state.job_id = None
            self.model.clear()
            self._show_mapping()

    def contact_of(self, key: int) -> Contact | None:
        """Row ``key``'s contact when it is ready to send, else None."""
        return self.state.contact_of(key)

"""What the import's steps share: the widgets, the :class:`~gui.import_state.ImportState`, navigation.

:class:`gui.import_view.ImportView` is assembled from one class per step (:mod:`gui.import_reading`,
:mod:`gui.import_columns`, :mod:`gui.import_check`, :mod:`gui.import_upload`, :mod:`gui.import_results`),
each a subclass of :class:`ImportHost`. The host declares what they all use (the widgets, built by the view;
the state; busy work on worker threads; moving between steps) and the few entry points by which one step
hands over to another (:meth:`ImportHost._read`, :meth:`ImportHost._show_mapping`, …), each implemented by
its step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QMessageBox, QPushButton, QStackedWidget, QWidget

from core.i18n import _, ngettext, number
from core.providers.base import Provider
from gui.import_state import ImportState, Step
from gui.workers import Task, start_task

if TYPE_CHECKING:
    from core.job import JobSpec
    from gui.context import AppContext
    from gui.import_file_step import FileStep, ReadSettings
    from gui.import_widgets import ChipRow, StepIndicator
    from gui.mapping_view import MappingView
    from gui.payload_preview import PayloadPreview
    from gui.results_view import ResultsView
    from gui.table_model import PreviewModel, PreviewProxy
    from gui.table_view import PreviewTable
    from gui.upload_view import UploadPanel
    from gui.upload_worker import UploadJob

Buttons = QMessageBox.StandardButton


class ImportHost(QWidget):
    """The shared part of the import view (see the module docstring)."""

    stepChanged = Signal(int)
    uploadRunningChanged = Signal(bool)
    busyChanged = Signal(bool)
    settingsSaved = Signal(str)  # the path of a .cuimport just written (File → Recent lists it)
    resumeStarted = Signal()  # an unfinished upload offered at start is being resumed

    # ---------------------------------------------------------------- built by ImportView.__init__/_build
    context: AppContext
    state: ImportState
    model: PreviewModel
    proxy: PreviewProxy
    heading: QLabel
    subheading: QLabel
    steps: StepIndicator
    step_labels: list[QLabel]
    stack: QStackedWidget
    file_step: FileStep
    mapping_view: MappingView
    check_counts: QLabel
    check_chips: ChipRow
    errors_only: QCheckBox
    save_settings_button: QPushButton
    grid: PreviewTable
    payload: PayloadPreview
    upload_panel: UploadPanel
    results_view: ResultsView
    resume_button: QPushButton
    busy_label: QLabel
    back_button: QPushButton
    next_button: QPushButton
    new_button: QPushButton

    # ---------------------------------------------------------------- what is not reset with the state
    _provider: Provider
    _generation: int  # results of reads started before the last change are dropped
    _busy: int  # worker tasks running for the steps
    _task: Task | None  # the running upload
    _upload: UploadJob | None  # its body (pause / resume)
    _apply_due: bool  # upload results waiting in state.unapplied have a turn of the event loop booked
    _upload_refused: bool  # the last upload was refused: another process owns the job
    _counts_timer: QTimer  # the check step's counts, updated at most this often during an upload
    # what the columns step was filled with ahead of "Next" (ColumnsStep.prepare_mapping), until shown
    _mapping_shown: tuple[Any, ...] | None

    # ---------------------------------------------------------------- hand-overs between steps
    def _read(self, path: Path, settings: ReadSettings, fingerprint: str | None = None,
              spec: JobSpec | None = None) -> None:
        """Read ``path`` (step 1, :mod:`gui.import_reading`)."""
        raise NotImplementedError

    def prepare_mapping(self) -> None:
        """Fill the columns step ahead of "Next" (:mod:`gui.import_columns`)."""
        raise NotImplementedError

    def _show_mapping(self, mapping: dict[int, str] | None = None, constants: dict[str, str] | None = None,
                      region: str | None = None) -> None:
        """Show the columns step (step 2, :mod:`gui.import_columns`)."""
        raise NotImplementedError

    def _apply_saved_now(self) -> None:
        """Fill the columns step from the pending saved import (:mod:`gui.import_columns`)."""
        raise NotImplementedError

    def _check(self) -> None:
        """Check every row (step 3, :mod:`gui.import_check`)."""
        raise NotImplementedError

    def _start(self, *, job_id: int | None, contacts: list[Any] | None = None) -> None:
        """Start an upload (step 4, :mod:`gui.import_upload`)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- navigation
    @property
    def step(self) -> Step:
        return Step(self.stack.currentIndex())

    def is_busy(self) -> bool:
        return self._busy > 0

    def has_running_upload(self) -> bool:
        return self._task is not None and self._task.running

    def can_save_settings(self) -> bool:
        """Settings can be saved once the rows were checked (step 3 and after)."""
        return self.state.table is not None and bool(self.state.fingerprint) and self.step >= Step.CHECK

    def _go(self, step: Step) -> None:
        self.stack.setCurrentIndex(int(step))
        self.steps.set_current(int(step))
        self.model.set_editable(step is Step.CHECK and self.state.job_id is None)
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
            self.next_button.setText(_("Next"))
            self.next_button.setEnabled(self.state.table is not None and not busy)
        elif step is Step.COLUMNS:
            self.next_button.setText(_("Check rows"))
            self.next_button.setEnabled(not busy and not self.mapping_view.problems())
        elif step is Step.CHECK:
            ready = self.state.ready
            self.next_button.setText(ngettext("Upload {n} contact", "Upload {n} contacts", ready)
                                     .format(n=number(ready)))
            self.next_button.setEnabled(ready > 0 and not busy and not running)
        self.resume_button.setVisible(self.state.job_open and not running and self.state.job_id is not None)
        self.save_settings_button.setEnabled(self.can_save_settings())

    def _update_heading(self) -> None:
        title = self.context.provider.title
        self.heading.setText(_("Import a spreadsheet into {platform}").format(platform=title))

    def _saved_settings(self) -> ReadSettings:
        """How to read a file for the pending saved import: its reading, what it leaves out detected."""
        from gui.import_file_step import ReadSettings

        assert self.state.saved is not None
        reading = self.state.saved[0].reading
        return ReadSettings(reading.sheet, reading.header_row, reading.encoding, reading.delimiter)

    # ---------------------------------------------------------------- plumbing
    def _set_busy(self, delta: int, text: str = "") -> None:
        self._busy = max(0, self._busy + delta)
        self.busy_label.setText(text if self._busy else "")
        self._update_buttons()
        self.busyChanged.emit(self._busy > 0)

    def _run(self, fn: Callable[..., Any], *args: Any, text: str = "",
             on_result: Callable[[Any], None] | None = None,
             on_failed: Callable[[BaseException], None] | None = None,
             on_progress: Callable[[Any], None] | None = None) -> Task:
        """Run a step's ``core`` call on a worker thread; the view says ``text`` meanwhile."""
        self._set_busy(+1, text)
        return start_task(fn, *args, parent=self, on_result=on_result, on_failed=on_failed,
                          on_progress=on_progress, on_finished=lambda: self._set_busy(-1),
                          name=getattr(fn, "__name__", "import"))

    def _ask(self, title: str, text: str, buttons: Buttons, default: Buttons) -> Buttons:
        """A question to the user (tests replace this)."""
        return QMessageBox.question(self, title, text, buttons, default)

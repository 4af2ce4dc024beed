"""Step 1 of the import: pick a file (drop or Open…), then its sheet, header row, encoding and delimiter.

Every change re-reads the file on a worker thread (see :class:`gui.import_view.ImportView`); this widget
only shows the choices and a live preview of the first rows, the header row in bold and the rows above
it greyed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

PREVIEW_ROWS = 30
MAX_PREVIEW_WIDTH = 260  # pixels: a long cell is cut there (its whole text is in the tooltip)
# QSpinBox is not covered by the application style sheet: give it the look of the line edits beside it
SPIN_STYLE = (
    "QSpinBox { background: #FFFFFF; border: 1px solid #D0D5DD; border-radius: 8px; padding: 7px 10px;"
    " min-height: 20px; } QSpinBox:focus { border: 1px solid #5B7FF0; }"
    " QSpinBox:disabled { background: #F9FAFB; color: #667085; }"
    " QSpinBox::up-button, QSpinBox::down-button { width: 18px; border: none; }"
)
FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.tsv *.txt);;All files (*)"
ENCODINGS = (
    ("Detect", None),
    ("UTF-8", "utf-8"),
    ("UTF-8 with BOM", "utf-8-sig"),
    ("UTF-16", "utf-16"),
    ("Turkish (Windows-1254)", "cp1254"),
    ("Turkish (ISO-8859-9)", "iso-8859-9"),
    ("Western (Windows-1252)", "cp1252"),
)
DELIMITERS = (("Detect", None), ("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "\t"), ("Pipe |", "|"))
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}


@dataclass(frozen=True)
class ReadSettings:
    """How to read the file; None means 'detect'."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None


class DropZone(QFrame):
    """A framed area that accepts a dropped file."""

    fileDropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(80)
        layout = QHBoxLayout(self)
        self.label = QLabel("Drop a spreadsheet here (Excel, OpenDocument or CSV)")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.label, 1)
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("openButton")
        layout.addWidget(self.open_button)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.fileDropped.emit(urls[0].toLocalFile())


class FileStep(QWidget):
    """The file, its reading choices and a preview of its first rows."""

    fileChosen = Signal(str)
    settingsChanged = Signal()  # sheet, encoding or delimiter: the file must be read again
    headerRowChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self._raw: Any = None
        layout = QVBoxLayout(self)
        self.drop = DropZone()
        self.drop.fileDropped.connect(self.fileChosen)
        self.drop.open_button.clicked.connect(self._browse)
        layout.addWidget(self.drop)

        self.sheet = QComboBox()
        self.sheet.setObjectName("sheetCombo")
        self.header_row = QSpinBox()
        self.header_row.setObjectName("headerRowSpin")
        self.header_row.setRange(1, 1_000_000)
        self.header_row.setToolTip("The row that holds the column names; rows above it are ignored.")
        self.encoding = QComboBox()
        self.encoding.setObjectName("encodingCombo")
        for text, value in ENCODINGS:
            self.encoding.addItem(text, value)
        self.delimiter = QComboBox()
        self.delimiter.setObjectName("delimiterCombo")
        for text, value in DELIMITERS:
            self.delimiter.addItem(text, value)
        # one row of compact choices (they hold a sheet name or a number, not a paragraph)
        self.header_row.setStyleSheet(SPIN_STYLE)
        self.header_row.setMinimumWidth(90)
        self.sheet.setMinimumWidth(200)
        self.encoding.setMinimumWidth(170)
        self.delimiter.setMinimumWidth(150)
        choices = QHBoxLayout()
        choices.setSpacing(8)
        for text, widget in (("Sheet", self.sheet), ("Header row", self.header_row),
                             ("Encoding", self.encoding), ("Delimiter", self.delimiter)):
            label = QLabel(text)
            label.setBuddy(widget)
            choices.addWidget(label)
            choices.addWidget(widget)
            choices.addSpacing(12)
        choices.addStretch(1)
        layout.addLayout(choices)

        self.status = QLabel("No file yet.")
        self.status.setObjectName("fileStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.preview = QTableWidget()
        self.preview.setObjectName("rawPreview")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        layout.addWidget(self.preview, 1)

        self.sheet.currentIndexChanged.connect(self._settings_changed)
        self.encoding.currentIndexChanged.connect(self._settings_changed)
        self.delimiter.currentIndexChanged.connect(self._settings_changed)
        self.header_row.valueChanged.connect(self._header_changed)
        self._set_enabled(False, text_file=False)

    # ------------------------------------------------------------------ choices
    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a spreadsheet", "", FILE_FILTER)
        if path:
            self.fileChosen.emit(path)

    def settings(self, *, with_header: bool = True) -> ReadSettings:
        sheet = self.sheet.currentText() if self.sheet.count() else None
        return ReadSettings(
            sheet=sheet or None,
            header_row=self.header_row.value() if with_header and self._raw is not None else None,
            encoding=self.encoding.currentData(),
            delimiter=self.delimiter.currentData(),
        )

    def start(self, path: Path) -> None:
        """A new file: forget the previous choices."""
        self.path = path
        self._raw = None
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(True)
        self.sheet.clear()
        self.encoding.setCurrentIndex(0)
        self.delimiter.setCurrentIndex(0)
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(False)
        self.preview.clear()
        self.preview.setRowCount(0)
        self.status.setText(f"Reading {path.name}…")
        self.status.setStyleSheet("")
        self._set_enabled(False, text_file=path.suffix.lower() in TEXT_SUFFIXES)

    def show_raw(self, sheets: list[str], raw: Any) -> None:
        """The first rows as read, with the detected header row preselected."""
        self._raw = raw
        text_file = not sheets
        self.sheet.blockSignals(True)
        if [self.sheet.itemText(i) for i in range(self.sheet.count())] != sheets:
            self.sheet.clear()
            self.sheet.addItems(sheets)
        if raw.sheet:
            self.sheet.setCurrentText(raw.sheet)
        self.sheet.blockSignals(False)
        self.header_row.blockSignals(True)
        self.header_row.setRange(1, max(raw.row_numbers[-1] if raw.row_numbers else 1, raw.header_row))
        self.header_row.setValue(raw.header_row)
        self.header_row.blockSignals(False)
        self._set_enabled(True, text_file=text_file)
        self._fill_preview()

    def show_table_info(self, table: Any) -> None:
        notes = " ".join(getattr(table, "notes", []) or [])
        self.status.setStyleSheet("")
        self.status.setText(
            f"{table.path.name}: {len(table.rows):,} rows with data below the header on row "
            f"{table.header_row}, {len(table.headers)} columns. {notes}".strip()
        )

    def show_problem(self, text: str) -> None:
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText(text)

    def _set_enabled(self, enabled: bool, *, text_file: bool) -> None:
        self.sheet.setEnabled(enabled and not text_file and self.sheet.count() > 1)
        self.header_row.setEnabled(enabled)
        self.encoding.setEnabled(enabled and text_file)
        self.delimiter.setEnabled(enabled and text_file)

    def _settings_changed(self, *_: Any) -> None:
        if self.path is not None:
            self.settingsChanged.emit()

    def _header_changed(self, value: int) -> None:
        self._fill_preview()
        self.headerRowChanged.emit(value)

    def _fill_preview(self) -> None:
        from core.reading import column_letter

        raw = self._raw
        if raw is None:
            return
        rows = raw.rows[:PREVIEW_ROWS]
        width = max((len(r) for r in rows), default=0)
        self.preview.clear()
        self.preview.setRowCount(len(rows))
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(c) for c in range(width)])
        header = self.header_row.value()
        bold = QFont(self.preview.font())
        bold.setBold(True)
        grey = QBrush(QColor(150, 150, 150))
        for r, (cells, number) in enumerate(zip(rows, raw.row_numbers, strict=False)):
            self.preview.setVerticalHeaderItem(r, QTableWidgetItem(str(number)))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if len(text) > 30:
                    item.setToolTip(text)
                if number == header:
                    item.setFont(bold)
                elif number < header:
                    item.setForeground(grey)
                self.preview.setItem(r, c, item)
        # widths from the rows below the title lines (a long title must not widen column A)
        self.preview.resizeColumnsToContents()
        for c in range(width):
            self.preview.setColumnWidth(c, min(max(self.preview.columnWidth(c), 60), MAX_PREVIEW_WIDTH))

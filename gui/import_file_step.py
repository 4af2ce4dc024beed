"""Step 1 of the import: pick a file (drop or Open…), then its sheet, header row, encoding and delimiter.

Every change re-reads the file on a worker thread (see :class:`gui.import_view.ImportView`); this widget
only shows the choices and a live preview of the first rows, the header row in bold and the rows above
it greyed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDragLeaveEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.i18n import N_, _, ngettext, number, pgettext
from gui import theme

if TYPE_CHECKING:
    from core.reading import RawSheet, Table

PREVIEW_ROWS = 30
MAX_PREVIEW_WIDTH = 260  # pixels: a long cell is cut there (its whole text is in the tooltip)
FILE_FILTER = N_("Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.tsv *.txt);;All files (*)")
# (label, value): the labels are translated where shown
ENCODINGS = (
    (N_("Detect"), None),
    (N_("UTF-8"), "utf-8"),
    (N_("UTF-8 with BOM"), "utf-8-sig"),
    (N_("UTF-16"), "utf-16"),
    (N_("Turkish (Windows-1254)"), "cp1254"),
    (N_("Turkish (ISO-8859-9)"), "iso-8859-9"),
    (N_("Western (Windows-1252)"), "cp1252"),
    (N_("Central European (Windows-1250)"), "cp1250"),
    (N_("Cyrillic (Windows-1251)"), "cp1251"),
    (N_("Western (Mac Roman)"), "mac_roman"),
    (N_("Turkish (Mac)"), "mac_turkish"),
)
DELIMITERS = ((N_("Detect"), None), (N_("Comma ,"), ","), (N_("Semicolon ;"), ";"), (N_("Tab"), "\t"),
              (N_("Pipe |"), "|"))
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}


@dataclass(frozen=True)
class ReadSettings:
    """How to read the file; None means 'detect'."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None


class DropZone(QFrame):
    """A dashed area that accepts a dropped file: large and centred while no file is open, a compact bar
    naming the open file afterwards (a file can still be dropped on it)."""

    fileDropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropZone")
        self.setAcceptDrops(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(6)

        # empty: icon, a large hint and "or Open…", centred
        self.empty = QWidget()
        col = QVBoxLayout(self.empty)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(8)
        col.addStretch(1)
        self.icon = QLabel()
        self.icon.setObjectName("DropIcon")
        self.icon.setPixmap(theme.pixmap("drop-file", 48))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(self.icon)
        self.label = QLabel(_("Drop a spreadsheet here"))
        self.label.setObjectName("DropTitle")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(self.label)
        self.hint = QLabel(_("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV — the first rows are shown "
                             "before anything is sent."))
        self.hint.setObjectName("DropHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        col.addWidget(self.hint)
        line = QHBoxLayout()
        line.addStretch(1)
        self.or_label = QLabel(_("or"))
        self.or_label.setObjectName("DropHint")
        line.addWidget(self.or_label)
        self.open_button = QPushButton(_("Open…"))
        self.open_button.setObjectName("openButton")
        self.open_button.setProperty("primary", True)
        self.open_button.setToolTip(_("Choose a spreadsheet on this computer (Ctrl+O)"))
        line.addWidget(self.open_button)
        line.addStretch(1)
        col.addLayout(line)
        col.addStretch(1)
        outer.addWidget(self.empty, 1)

        # a file is open: its name, and another file can be dropped or opened
        self.loaded = QWidget()
        bar = QHBoxLayout(self.loaded)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(12)
        small = QLabel()
        small.setPixmap(theme.pixmap("drop-file", 28))
        bar.addWidget(small)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.file_name = QLabel()
        self.file_name.setObjectName("DropTitle")
        names.addWidget(self.file_name)
        again = QLabel(_("Drop another file here to replace it."))
        again.setObjectName("DropHint")
        names.addWidget(again)
        bar.addLayout(names, 1)
        self.change_button = QPushButton(_("Open another…"))
        self.change_button.setObjectName("changeFileButton")
        bar.addWidget(self.change_button)
        outer.addWidget(self.loaded)
        self.show_file(None)

    def show_file(self, path: Path | None) -> None:
        """The large empty zone (None), or the compact bar naming ``path``."""
        self.empty.setVisible(path is None)
        self.loaded.setVisible(path is not None)
        self.file_name.setText(path.name if path is not None else "")
        self.file_name.setToolTip(str(path) if path is not None else "")
        self.setMinimumHeight(220 if path is None else 0)
        self.setSizePolicy(QSizePolicy.Policy.Preferred,
                           QSizePolicy.Policy.Expanding if path is None else QSizePolicy.Policy.Fixed)

    def _set_drag(self, on: bool) -> None:
        theme.set_prop(self, "drag", on)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self._set_drag(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drag(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drag(False)
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
        self._raw: RawSheet | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.drop = DropZone()
        self.drop.fileDropped.connect(self.fileChosen)
        self.drop.open_button.clicked.connect(self._browse)
        self.drop.change_button.clicked.connect(self._browse)
        layout.addWidget(self.drop, 1)

        self.sheet = QComboBox()
        self.sheet.setObjectName("sheetCombo")
        self.header_row = QSpinBox()
        self.header_row.setObjectName("headerRowSpin")
        self.header_row.setRange(0, 1_000_000)
        # 0: the sheet has no header row, every row is data
        self.header_row.setSpecialValueText(pgettext("header row", "None"))
        self.header_row.setToolTip(_("The row that holds the column names; rows above it are ignored. "
                                     "None: the sheet has no column names and every row is a contact."))
        self.encoding = QComboBox()
        self.encoding.setObjectName("encodingCombo")
        for text, value in ENCODINGS:
            self.encoding.addItem(_(text), value)
        self.delimiter = QComboBox()
        self.delimiter.setObjectName("delimiterCombo")
        for text, value in DELIMITERS:
            self.delimiter.addItem(_(text), value)
        # one row of compact choices (they hold a sheet name or a number, not a paragraph)
        self.header_row.setMinimumWidth(90)
        self.sheet.setMinimumWidth(200)
        self.encoding.setMinimumWidth(170)
        self.delimiter.setMinimumWidth(150)
        self.details = QWidget()  # hidden until a file is open: the drop zone has the page to itself
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(8)
        # two lines of two choices: room for "Fila de encabezado" or "Karakter kodlaması" beside their fields
        choices = QGridLayout()
        choices.setHorizontalSpacing(8)
        choices.setVerticalSpacing(6)
        pairs = ((_("Sheet"), self.sheet), (_("Header row"), self.header_row), (_("Encoding"), self.encoding),
                 (_("Delimiter"), self.delimiter))
        for pos, (text, widget) in enumerate(pairs):
            label = QLabel(text)
            label.setObjectName("FieldLabel")
            label.setBuddy(widget)
            r, c = divmod(pos, 2)
            choices.addWidget(label, r, c * 3, Qt.AlignmentFlag.AlignVCenter)
            choices.addWidget(widget, r, c * 3 + 1, Qt.AlignmentFlag.AlignVCenter)
        choices.setColumnMinimumWidth(2, 24)
        choices.setColumnStretch(5, 1)
        details.addLayout(choices)

        self.status = QLabel(_("No file yet."))
        self.status.setObjectName("fileStatus")
        self.status.setWordWrap(True)
        details.addWidget(self.status)
        self.preview = QTableWidget()
        self.preview.setObjectName("rawPreview")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.preview.horizontalHeader().setStretchLastSection(True)
        details.addWidget(self.preview, 1)
        layout.addWidget(self.details, 1)

        self.sheet.currentIndexChanged.connect(self._settings_changed)
        self.encoding.currentIndexChanged.connect(self._settings_changed)
        self.delimiter.currentIndexChanged.connect(self._settings_changed)
        self.header_row.valueChanged.connect(self._header_changed)
        self._set_enabled(False, text_file=False)
        self.details.setVisible(False)

    # ------------------------------------------------------------------ choices
    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a spreadsheet"), "", _(FILE_FILTER))
        if path:
            self.fileChosen.emit(path)

    @property
    def raw(self) -> RawSheet | None:
        """The first rows as last read (None before the preview arrives)."""
        return self._raw

    def show_choices(self, encoding: str | None, delimiter: str | None, header_row: int | None) -> None:
        """Show these reading choices (a saved import's) instead of the detected ones, without reading
        the file again; None leaves a choice as it is."""
        for combo, value in ((self.encoding, encoding), (self.delimiter, delimiter)):
            pos = combo.findData(value) if value is not None else -1
            if pos >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(pos)
                combo.blockSignals(False)
        if header_row is not None:
            self.header_row.blockSignals(True)
            self.header_row.setValue(header_row)
            self.header_row.blockSignals(False)
            self._fill_preview()  # marks it

    def settings(self, *, with_header: bool = True) -> ReadSettings:
        sheet = self.sheet.currentText() if self.sheet.count() else None
        return ReadSettings(
            sheet=sheet or None,
            header_row=self.header_row.value() if with_header and self._raw is not None else None,
            encoding=self.encoding.currentData(),
            delimiter=self.delimiter.currentData(),
        )

    def _forget_choices(self) -> None:
        """Drop the previous file's rows and sheet list; encoding and delimiter back to 'Detect'."""
        self._raw = None
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(True)
        self.sheet.clear()
        self.encoding.setCurrentIndex(0)
        self.delimiter.setCurrentIndex(0)
        for combo in (self.sheet, self.encoding, self.delimiter):
            combo.blockSignals(False)

    def clear(self) -> None:
        """No file: the large drop zone again, every choice back to its default."""
        self.path = None
        self._forget_choices()
        self.header_row.blockSignals(True)
        self.header_row.setValue(1)
        self.header_row.blockSignals(False)
        self.preview.clear()
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.status.setText(_("No file yet."))
        self.status.setObjectName("fileStatus")
        self.status.setStyleSheet("")
        self.drop.show_file(None)
        self.details.setVisible(False)
        self._set_enabled(False, text_file=False)

    def start(self, path: Path) -> None:
        """A new file: forget the previous choices."""
        self.path = path
        self.drop.show_file(path)
        self.details.setVisible(True)
        self._forget_choices()
        self.preview.clear()
        self.preview.setRowCount(0)
        self.status.setText(_("Reading {file}…").format(file=path.name))
        self.status.setStyleSheet("")
        self._set_enabled(False, text_file=path.suffix.lower() in TEXT_SUFFIXES)

    def show_raw(self, sheets: list[str], raw: RawSheet) -> None:
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
        self.header_row.setRange(0, max(raw.row_numbers[-1] if raw.row_numbers else 1, raw.header_row))
        self.header_row.setValue(raw.header_row)
        self.header_row.blockSignals(False)
        self._set_enabled(True, text_file=text_file)
        self._fill_preview()

    def show_table_info(self, table: Table) -> None:
        notes = " ".join(table.notes)
        self.status.setStyleSheet("")
        rows, columns = len(table.rows), len(table.headers)
        if table.header_row:
            text = ngettext(
                "{file}: {rows} rows with data below the header on row {header}, {columns} column.",
                "{file}: {rows} rows with data below the header on row {header}, {columns} columns.", columns)
        else:
            text = ngettext("{file}: {rows} rows with data and no header row, {columns} column.",
                            "{file}: {rows} rows with data and no header row, {columns} columns.", columns)
        summary = text.format(file=table.path.name, rows=number(rows), header=table.header_row,
                              columns=columns)
        self.status.setText(f"{summary} {notes}".strip())

    def show_problem(self, text: str) -> None:
        self.status.setStyleSheet("color: #B42318; font-weight: 600;")
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
        for r, (cells, row_number) in enumerate(zip(rows, raw.row_numbers, strict=False)):
            self.preview.setVerticalHeaderItem(r, QTableWidgetItem(str(row_number)))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if len(text) > 30:
                    item.setToolTip(text)
                if row_number == header:
                    item.setFont(bold)
                elif row_number < header:
                    item.setForeground(grey)
                self.preview.setItem(r, c, item)
        # widths from the rows below the title lines (a long title must not widen column A)
        self.preview.resizeColumnsToContents()
        for c in range(width):
            self.preview.setColumnWidth(c, min(max(self.preview.columnWidth(c), 60), MAX_PREVIEW_WIDTH))

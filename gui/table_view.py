"""The grid widget shared by the Check, Upload and Results steps: a QTableView tuned for 100 000 rows.

Uniform row heights (a fixed vertical header, hidden: the Row column shows the spreadsheet row), no
resize-to-contents over the data (the first
:data:`RESIZE_ROWS` rows set the columns' widths), sorting through :class:`gui.table_model.PreviewProxy`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gui.table_model import COL_MESSAGE, COL_ROW, COL_STATUS, FIRST_SOURCE_COLUMN, PreviewProxy

# PySide makes an enum's Python class the first time it is used (~40 ms for Qt.CursorShape): here, at
# import, rather than when the first big sort starts
BUSY = Qt.CursorShape.BusyCursor
RESIZE_ROWS = 50  # rows measured for the columns' widths, whatever the size of the table


class PreviewTable(QTableView):
    def __init__(self, proxy: PreviewProxy, parent: QWidget | None = None, *, editable: bool = False) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self.setModel(proxy)
        vh = self.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vh.hide()
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setDefaultSectionSize(140)
        hh.setStretchLastSection(True)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        if editable:
            self.setEditTriggers(
                QAbstractItemView.EditTrigger.DoubleClicked
                | QAbstractItemView.EditTrigger.EditKeyPressed
                | QAbstractItemView.EditTrigger.AnyKeyPressed
            )
        else:
            self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._widths_due = False
        proxy.modelReset.connect(self._reset)
        proxy.sortingChanged.connect(self._sorting)
        self._widths()

    def _sorting(self, busy: bool) -> None:
        """A big table is being sorted on a worker: the grid shows the busy cursor until the new order."""
        if busy:
            self.viewport().setCursor(BUSY)
        else:
            self.viewport().unsetCursor()

    def _reset(self) -> None:
        """New rows: fit the columns again, but not inside the reset. Three grids share the model, and
        measuring each one's columns costs several milliseconds: a hidden grid does it when it is shown,
        the visible one in the next turn of the event loop."""
        if not self._widths_due:
            self._widths_due = True
            if self.isVisible():
                QTimer.singleShot(0, self, self._due_widths)

    def showEvent(self, event: QShowEvent) -> None:
        self._due_widths()
        super().showEvent(event)

    def _due_widths(self) -> None:
        if self._widths_due:
            self._widths_due = False
            self._widths()

    def _widths(self) -> None:
        columns = self._proxy.columnCount()
        if columns > COL_MESSAGE:
            self.setColumnWidth(COL_ROW, 60)
            self.setColumnWidth(COL_STATUS, 80)
            self.setColumnWidth(COL_MESSAGE, 340)
        # the spreadsheet's columns as wide as their first RESIZE_ROWS rows need, within bounds. Measured
        # here rather than by resizeColumnToContents: Qt reads the visible rows plus a thousand more (the
        # precision it uses is the vertical header's), and every row when the grid is hidden — 60-80 ms at
        # a million rows. This reads RESIZE_ROWS rows whatever the size of the table, and measures their
        # text with the font metrics: the delegate's size hint of every cell (eight data() calls into
        # Python each) cost 25-40 ms per grid shown; one size hint gives the delegate's margins.
        proxy = self._proxy
        rows = [proxy.source_cells(row) for row in range(min(proxy.rowCount(), RESIZE_ROWS))]
        header = self.horizontalHeader()
        grid = 1 if self.showGrid() else 0
        metrics = self.fontMetrics()
        measured: dict[str, int] = {}  # a column's values repeat (cities, surnames): measured once

        def text_width(text: str) -> int:
            width = measured.get(text)
            if width is None:
                width = measured[text] = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            return width

        for column in range(COL_MESSAGE + 1, columns):
            width = header.sectionSizeHint(column)
            if rows:
                first = proxy.index(0, column)
                margin = self.sizeHintForIndex(first).width() - text_width(str(proxy.data(first) or ""))
                src = column - FIRST_SOURCE_COLUMN
                texts = {cells[src] if src < len(cells) else "" for cells in rows}  # as the grid shows them
                width = max(width, max(map(text_width, texts)) + margin + grid)
            self.setColumnWidth(column, min(max(width, 70), 240))

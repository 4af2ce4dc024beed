"""The preview grid: one :class:`PreviewModel` row per source row, and its sort/filter proxy.

Data lives in plain parallel lists (never a widget or an item per cell), so 100 000 rows cost a few
lists of references. Columns: ``COL_ROW`` (the row number a spreadsheet shows), ``COL_STATUS``
(ready / invalid, later the outcome), ``COL_MESSAGE`` (the reason or the provider's readable answer),
then the source columns in their original order.

Heavy preparation (statuses and per-cell problems of 100 000 rows) runs off the GUI thread in
:func:`build_grid`; the GUI thread only swaps the prepared lists in with :meth:`PreviewModel.set_rows`
(one reset). Later changes arrive in batches (:meth:`PreviewModel.apply_results`) and are announced with
``dataChanged`` over contiguous ranges, never with a reset per row.

Sorting: ``SORT_ROLE`` returns native values (int row numbers, text). Qt's own proxy sort would call back
into Python once per comparison (≈1.7 million calls for 100 000 rows, seconds of a frozen window), so
:class:`PreviewProxy` hands ``sort()`` to the source model, which orders its lists with one Python
``sorted()`` over the same ``SORT_ROLE`` values and announces it as a layout change. The proxy is a thin
one (no ``QSortFilterProxyModel``, whose row mapping costs 160 ms after every reset at a million rows):
with the errors-only filter off it maps row to row; on, it keeps the list of model rows shown, found by
reading the status list in chunks (see :class:`PreviewProxy`).
"""

from __future__ import annotations

import gc
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from core.i18n import N_, _
from core.model import Outcome, RowResult
from gui.grid_sort import SortPlan, discard, keys_ascend
from gui.import_widgets import status_label
from gui.memory import let_go

COL_ROW = 0
COL_STATUS = 1
COL_MESSAGE = 2
FIRST_SOURCE_COLUMN = 3
FIXED_HEADERS = (N_("Row"), N_("Status"), N_("Message"))  # the grid's own columns (translated when shown)

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # native values for sorting
STATUS_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the row's status text, for the errors-only filter
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 3  # the row's key (spreadsheet row number)

READY = str(Outcome.READY)
INVALID = str(Outcome.INVALID)
PENDING = str(Outcome.PENDING)
FAILED = str(Outcome.FAILED)
ERROR_STATUSES = (INVALID, FAILED)
# one shared text per outcome (str() of a StrEnum member makes a new string each time: 100 000 of them)
_STATUS_TEXT: dict[Outcome, str] = {o: str(o) for o in Outcome}

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)

_BAD_CELL = QBrush(QColor(255, 205, 205))
_STATUS_BRUSH: dict[str, QBrush] = {
    INVALID: QBrush(QColor(255, 225, 225)),
    str(Outcome.FAILED): QBrush(QColor(255, 210, 210)),
    str(Outcome.ADDED): QBrush(QColor(215, 245, 215)),
    str(Outcome.UPDATED): QBrush(QColor(215, 235, 250)),
    str(Outcome.EXISTS): QBrush(QColor(235, 240, 245)),
    str(Outcome.SKIPPED): QBrush(QColor(250, 240, 210)),
}
_GREY = QBrush(QColor(110, 110, 110))
# combined once: an enum "|" is a Python call, and flags() is asked for every cell painted
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_EDITABLE_FLAGS = _FLAGS | Qt.ItemFlag.ItemIsEditable
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


SEP = "\x1f"  # the ASCII unit separator, between the cells of a compact row
POOL_SAMPLE = 2000  # rows looked at to find the columns whose values repeat (cities, surnames, "yes")
POOL_RATIO = 0.05  # a column repeats when it has at most this share of distinct values in the sample


class CompactRows(Sequence[list[str]]):
    """The cells of a table's rows, one string per row (the cells joined by :data:`SEP`).

    A list of cells costs its list object plus one string per cell, about 340 bytes for a row of five
    contact cells; one joined string costs about 110. A row is handed out as a new list of cells
    (``rows[i]``, iteration, slices), so a change is written back with ``rows[i] = cells``. Columns whose
    values repeat share one string per value when split, as :mod:`core.reading` shares them. A row whose
    cells hold :data:`SEP` themselves (or a row without cells) is kept as a tuple, unchanged.
    """

    __slots__ = ("_data", "_pools")

    def __init__(self, rows: Iterable[Sequence[str]] = (), *, consume: bool = False) -> None:
        """``consume``: ``rows`` is a list whose rows are dropped one by one as they are copied, so that
        its million lists are not freed in one go later (one long call that holds the GIL: a pause of
        the window)."""
        data: list[str | tuple[str, ...]] = []
        append = data.append
        join = SEP.join
        source: Iterable[Sequence[str]] = _consumed(rows) if consume and isinstance(rows, list) else rows
        for cells in source:
            joined = join(cells)
            if cells and joined.count(SEP) == len(cells) - 1:
                append(joined)
            else:
                append(tuple(cells))
        self._data = data
        self._pools = self._find_pools(data)

    @staticmethod
    def _find_pools(data: list[str | tuple[str, ...]]) -> list[tuple[int, dict[str, str]]]:
        sample = [row.split(SEP) if isinstance(row, str) else list(row) for row in data[:POOL_SAMPLE]]
        if not sample:
            return []
        limit = max(1, int(len(sample) * POOL_RATIO))
        pools = []
        for index in range(max(map(len, sample))):
            values = {cells[index] for cells in sample if index < len(cells)}
            if len(values) <= limit:
                pools.append((index, {v: v for v in values}))
        return pools

    def _cells(self, row: str | tuple[str, ...]) -> list[str]:
        if not isinstance(row, str):
            return list(row)
        cells = row.split(SEP)
        width = len(cells)
        for index, pool in self._pools:
            if index < width:
                value = cells[index]
                cells[index] = pool.get(value, value)
        return cells

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> list[str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[str]]: ...

    def __getitem__(self, index: int | slice) -> list[str] | list[list[str]]:
        if isinstance(index, slice):
            return [self._cells(row) for row in self._data[index]]
        return self._cells(self._data[index])

    def __iter__(self) -> Iterator[list[str]]:
        cells = self._cells
        for row in self._data:
            yield cells(row)

    def __setitem__(self, index: int, cells: Sequence[str]) -> None:
        joined = SEP.join(cells)
        self._data[index] = joined if cells and joined.count(SEP) == len(cells) - 1 else tuple(cells)


def _consumed(rows: list[Any]) -> Iterator[Sequence[str]]:
    for index in range(len(rows)):
        cells = rows[index]
        rows[index] = None
        yield cells
    rows.clear()


def compact_rows(rows: Sequence[list[str]]) -> list[list[str]]:
    """``rows`` as :class:`CompactRows`, typed as the ``list[list[str]]`` of :class:`core.reading.Table`.

    Everything in ``core`` only reads a table's rows as a sequence of rows (``prepare``, ``write_report``,
    ``suggest``, ``Table.column``); only the window edits them, through :meth:`CompactRows.__setitem__`.
    A list given is emptied on the way (see :class:`CompactRows`).
    """
    if isinstance(rows, CompactRows):
        return rows  # type: ignore[return-value]  # see the docstring
    return CompactRows(rows, consume=True)  # type: ignore[return-value]  # see the docstring


@dataclass
class GridData:
    """Everything the grid shows, as parallel lists (built off the GUI thread by :func:`build_grid`)."""

    headers: list[str]
    rows: Sequence[list[str]]  # the source cells (the Table's own rows: edits land in the Table too)
    keys: list[int]  # the row number a spreadsheet shows, one per row (shared with the Table, never changed)
    status: list[str]
    message: list[str]
    # row index -> {source column index -> reason}; only rows with a problem have an entry
    cell_problems: dict[int, dict[int, str]] = field(default_factory=dict)
    # row index -> the row's problems without its row number, which the grid's Row column shows already
    # ("Phone: '06 12 ab' is not a valid…", from the problems' fields: core.validation.RowCheck.short);
    # only rows whose message names its row have an entry (the tooltip and the report keep the sentence)
    short: dict[int, str] = field(default_factory=dict)
    # key -> row index, computed by finish() off the GUI thread; None when the keys ascend (a table in
    # source order), where a binary search over ``keys`` finds a row without a 100 000-entry dict
    row_of_key: dict[int, int] | None = None
    counts: Counter[str] | None = None
    finished: bool = False

    def finish(self) -> GridData:
        """Compute the lookup tables here (a worker thread) rather than in :meth:`PreviewModel.set_rows`.

        The counts of statuses are taken :data:`COUNT_CHUNK` rows at a time with the GIL let go between
        them: ``Counter`` over a million rows is one C call that would hold it (and stall the window)
        ~50-150 ms. :func:`build_grid` counts as it goes and passes them already."""
        keys = self.keys
        self.row_of_key = None if keys_ascend(keys) else {k: i for i, k in enumerate(keys)}
        if self.counts is None:
            self.counts = count_chunked(self.status)
        self.finished = True
        return self


SYNC_SORT_ROWS = 20_000  # a bigger table is sorted on a worker (gui.grid_sort): ~1 s per million rows
COUNT_CHUNK = 50_000  # items counted in one C call before the GIL is let go (a few ms)


def count_chunked(values: Sequence[str]) -> Counter[str]:
    """``Counter(values)``, in chunks of :data:`COUNT_CHUNK` with ``time.sleep(0)`` (a GIL release)
    between them, so another thread — the GUI's — never waits on one long C call."""
    counts: Counter[str] = Counter()
    for start in range(0, len(values), COUNT_CHUNK):
        if start:
            time.sleep(0)
        counts.update(values[start:start + COUNT_CHUNK])
    return counts



def build_grid(
    headers: Sequence[str],
    rows: Sequence[list[str]],
    keys: Sequence[int],
    checks: Sequence[Any],
    column_of: Callable[[Any], int | None],
) -> GridData:
    """The grid of a prepared table. ``checks`` are ``RowCheck``s in source order (one per row);
    ``column_of(problem)`` names the source column index a problem belongs to (None: the whole row)."""
    status: list[str] = []
    message: list[str] = []
    short: dict[int, str] = {}
    cell_problems: dict[int, dict[int, str]] = {}
    invalid = 0  # counted here: a Counter of the million statuses afterwards is one long C call
    for index, check in enumerate(checks):
        problems = check.problems
        if problems or check.contact is None:
            invalid += 1
            status.append(INVALID)
            message.append(check.message)
            short[index] = check.short
            cells = cell_problems_of(problems, column_of)
            if cells:
                cell_problems[index] = cells
        else:
            status.append(READY)
            message.append("")
    counts = Counter({READY: len(status) - invalid, INVALID: invalid})
    missing = len(rows) - len(status)
    if missing > 0:  # rows without a check (should not happen): show them as pending
        status.extend([PENDING] * missing)
        message.extend([""] * missing)
        counts[PENDING] = missing
    counts = +counts  # no zero entries, as Counter(status) has none
    return GridData(list(headers), rows, keys if isinstance(keys, list) else list(keys), status, message,
                    cell_problems, short, counts=counts).finish()


def cell_problems_of(problems: Iterable[Any], column_of: Callable[[Any], int | None]) -> dict[int, str]:
    cells: dict[int, str] = {}
    for p in problems:
        col = column_of(p)
        if col is not None:
            cells[col] = f"{cells[col]} {p.message}" if col in cells else p.message
    return cells


class PreviewModel(QAbstractTableModel):
    """Source rows with their status and message; editable source cells while ``editable``."""

    # emitted after a source cell was edited in place: (row index, source column index)
    cellEdited = Signal(int, int)
    countsChanged = Signal()
    # a sort of many rows is being planned on a worker (True), or it is shown (False)
    sortingChanged = Signal(bool)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: Sequence[list[str]] = []  # the Table's rows, in source order (never reordered)
        self._order: array[int] | None = None  # model row -> index in _rows once sorted; None: the same
        self._keys: list[int] = []
        self._status: list[str] = []
        self._message: list[str] = []
        self._cells: dict[int, dict[int, str]] = {}
        self._short: dict[int, str] = {}  # see GridData.short
        self._row_of_key: dict[int, int] | None = None  # None: keys ascend, see row_of_key()
        # once sorted on a big table: the table's keys (ascending, source order) and, per index in the
        # table's rows, its model row — a row found by binary search rather than a million-entry dict
        self._source_keys: list[int] | None = None
        self._row_of_source: array[int] | None = None
        self._sort_generation = 0  # a sort's plan that comes back older than this is dropped
        self._sort_task: Any = None
        self._sort_changed: set[int] | None = None  # keys whose row changed while a sort was planned
        self._sort_asked: tuple[int, bool] = (-1, False)  # (column, descending) of the last sort asked
        self._counts: Counter[str] = Counter()
        self._failed: set[int] = set()  # the keys of the rows whose status is failed (for "Retry failed")
        self._moves: Sequence[int] | None = None  # set while sort() announces its layout change
        self._editable = False
        self._status_label = _status_labels()  # status -> what the Status column shows

    # ------------------------------------------------------------------ loading
    def set_rows(self, data: GridData) -> None:
        """Replace everything the model shows (one reset)."""
        if not data.finished:
            data.finish()
        self.beginResetModel()
        # the previous rows' lists are freed on gui.memory's reaper thread, a slice at a time
        self._drop_sort()
        old = [self._rows, *self._swap(None, data.keys, data.status, data.message, data.cell_problems,
                                       data.short)]
        self._headers = list(data.headers)
        self._rows = data.rows
        self._row_of_key = data.row_of_key
        self._source_keys = data.keys if data.row_of_key is None else None
        self._row_of_source = None
        self._counts = Counter(data.counts)
        # a checked grid has no failed row (build_grid): the status list is only read when it has some
        self._failed = set(compress(data.keys, map(FAILED.__eq__, data.status))) if self._counts[FAILED] \
            else set()
        self._status_label = _status_labels()  # in the language chosen now
        self.endResetModel()
        let_go(*old)
        del old
        self.countsChanged.emit()
        # The lists just handed over hold a reference per row. A cyclic-garbage collection (on whichever
        # thread allocates next) walks every reference a tracked container holds, frozen referents too:
        # a million-row list left in the collected generations costs ~100 ms of held GIL per full
        # collection. Freezing moves them out of those scans (objects still go when unreferenced).
        gc.freeze()

    def clear(self) -> None:
        self.set_rows(GridData([], [], [], [], []))

    def set_editable(self, editable: bool) -> None:
        self._editable = editable

    # ------------------------------------------------------------------ reading
    @property
    def headers(self) -> list[str]:
        return list(self._headers)

    def source_rows(self) -> Sequence[list[str]]:
        """The rows as the Table has them, in source order (whatever the grid's sort)."""
        return self._rows

    def cells_at(self, row: int) -> list[str]:
        """The source cells of model row ``row`` (a new list for compact rows: see :class:`CompactRows`)."""
        order = self._order
        return self._rows[row if order is None else order[row]]

    def key_at(self, row: int) -> int:
        return self._keys[row]

    def row_of_key(self, key: int) -> int | None:
        index = self._row_of_key
        if index is not None:
            return index.get(key)
        inverse = self._row_of_source
        if inverse is not None:
            source = self._source_keys
            assert source is not None
            pos = bisect_left(source, key)
            return inverse[pos] if pos < len(source) and source[pos] == key else None
        keys = self._keys
        row = bisect_left(keys, key)
        return row if row < len(keys) and keys[row] == key else None

    def keys_ascend(self) -> bool:
        """True when the keys ascend down the grid (not sorted, or sorted on Row ascending)."""
        return self._row_of_key is None and self._row_of_source is None

    def _row_of_ascending_key(self, key: int, _bisect: Callable[..., int] = bisect_left) -> int | None:
        """:meth:`row_of_key` while the keys ascend (no sort, no dict): one call less per row."""
        keys = self._keys
        row = _bisect(keys, key)
        return row if row < len(keys) and keys[row] == key else None

    def status_at(self, row: int) -> str:
        return self._status[row]

    def message_at(self, row: int) -> str:
        return self._message[row]

    def short_message_at(self, row: int) -> str:
        """The row's message as the grid shows it: without the row number the Row column shows."""
        short = self._short.get(row)
        return self._message[row] if short is None else short

    def cell_problem(self, row: int, column: int) -> str:
        """The reason a source cell (source column index) is invalid, or ""."""
        return self._cells.get(row, {}).get(column, "")

    def counts(self) -> dict[str, int]:
        """How many rows have each status."""
        return {k: v for k, v in self._counts.items() if v}

    def keys_with_status(self, *statuses: str) -> list[int]:
        """The keys of the rows with one of ``statuses``, in the grid's order. The failed rows are kept
        as they change (:attr:`_failed`): "Retry failed" never reads a million statuses."""
        wanted = set(statuses)
        if wanted == {FAILED}:
            if self.keys_ascend():  # the keys ascend down the grid: its order is theirs
                return sorted(self._failed)
            rows = [row for row in map(self.row_of_key, self._failed) if row is not None]
            keys = self._keys
            return [keys[row] for row in sorted(rows)]
        return list(compress(self._keys, map(wanted.__contains__, self._status)))

    def status_list(self) -> Sequence[str]:
        """Every model row's status, in model order (read only)."""
        return self._status

    def rows_with_status(self, statuses: frozenset[str], first: int, end: int) -> list[int]:
        """The model rows in ``first``..``end - 1`` whose status is one of ``statuses`` (C-speed scan)."""
        return list(compress(range(first, end), map(statuses.__contains__, self._status[first:end])))

    def last_moves(self) -> Sequence[int] | None:
        """During the layout change of :meth:`sort`: old model row -> new model row; else None."""
        return self._moves

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else FIRST_SOURCE_COLUMN + len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == _DISPLAY:
                if section < FIRST_SOURCE_COLUMN:
                    return _(FIXED_HEADERS[section])
                col = section - FIRST_SOURCE_COLUMN
                if col < len(self._headers):  # the file's own column names, as they are
                    return self._headers[col] or _("Column {n}").format(n=col + 1)
            return None
        if role == _DISPLAY and 0 <= section < len(self._keys):
            return str(self._keys[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        return self.value(index.row(), index.column(), role)

    def value(self, row: int, col: int, role: int = _DISPLAY) -> Any:
        """:meth:`data` of model row ``row``, column ``col`` (no index: the proxy calls this directly)."""
        if col >= FIRST_SOURCE_COLUMN:
            src = col - FIRST_SOURCE_COLUMN
            if role == _DISPLAY or role == _EDIT or role == SORT_ROLE:
                order = self._order
                cells = self._rows[row if order is None else order[row]]
                return cells[src] if src < len(cells) else ""
            if role == _BACKGROUND or role == _TOOLTIP:
                problems = self._cells.get(row)
                if problems is None or src not in problems:
                    return None
                return _BAD_CELL if role == _BACKGROUND else problems[src]
        elif col == COL_STATUS:
            if role == _DISPLAY:
                status = self._status[row]
                return self._status_label.get(status, status)
            if role == SORT_ROLE or role == STATUS_ROLE:
                return self._status[row]
            if role == _BACKGROUND:
                return _STATUS_BRUSH.get(self._status[row])
            if role == _TOOLTIP:
                return self._message[row] or None
        elif col == COL_MESSAGE:
            if role == _DISPLAY:
                return self.short_message_at(row)
            if role == SORT_ROLE or role == _TOOLTIP:
                return self._message[row] or (None if role == _TOOLTIP else "")
        elif col == COL_ROW:
            if role == SORT_ROLE:
                return self._keys[row]
            if role == _DISPLAY:
                return str(self._keys[row])
            if role == _FOREGROUND:
                return _GREY
            if role == _ALIGN:
                return _RIGHT
        if role == STATUS_ROLE:
            return self._status[row]
        if role == KEY_ROLE:
            return self._keys[row]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        return self.column_flags(index.column())

    def column_flags(self, column: int) -> Qt.ItemFlag:
        """The flags of every cell of ``column`` (they do not depend on the row)."""
        return _EDITABLE_FLAGS if self._editable and column >= FIRST_SOURCE_COLUMN else _FLAGS

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or not index.isValid() or not self._editable:
            return False
        col = index.column() - FIRST_SOURCE_COLUMN
        if col < 0:
            return False
        row = index.row()
        order = self._order
        source = row if order is None else order[row]
        cells = self._rows[source]
        text = "" if value is None else str(value)
        if col >= len(cells):
            cells.extend([""] * (col + 1 - len(cells)))
        if cells[col] == text:
            return False
        cells[col] = text
        self._rows[source] = cells  # type: ignore[index]  # a list or CompactRows: both take a row back
        self._row_changed(row)
        self.dataChanged.emit(index, index, [_DISPLAY, _EDIT])
        self.cellEdited.emit(row, col)
        return True

    # ------------------------------------------------------------------ updates
    def set_row_check(self, row: int, status: str, message: str, cells: Mapping[int, str],
                      short: str = "") -> None:
        """A re-validated row: its status, message (``short``: without the row number) and invalid cells."""
        self._row_changed(row)
        self._set_status(row, status)
        self._message[row] = message
        if short:
            self._short[row] = short
        else:
            self._short.pop(row, None)
        if cells:
            self._cells[row] = dict(cells)
        else:
            self._cells.pop(row, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.countsChanged.emit()

    def _set_status(self, row: int, status: str) -> None:
        old = self._status[row]
        if old != status:
            self._counts[old] -= 1
            self._counts[status] += 1
            self._status[row] = status
            if old == FAILED:
                self._failed.discard(self._keys[row])
            elif status == FAILED:
                self._failed.add(self._keys[row])

    def apply_results(self, results: Iterable[RowResult]) -> None:
        """Outcomes from the upload, in one batch: ``dataChanged`` once per contiguous range of rows."""
        touched: list[int] = []
        row_of = self._row_of_ascending_key if self.keys_ascend() else self.row_of_key
        changed = self._sort_changed
        status_text = _STATUS_TEXT
        status = self._status
        message = self._message
        shorts = self._short
        counts = self._counts
        failed = self._failed
        for result in results:
            key = result.key
            row = row_of(key)
            if row is None:
                continue
            new = status_text[result.outcome]
            old = status[row]
            if old != new:  # _set_status, inlined: this loop runs for every uploaded row
                counts[old] -= 1
                counts[new] += 1
                status[row] = new
                if old == FAILED:
                    failed.discard(key)
                elif new == FAILED:
                    failed.add(key)
            message[row] = result.message
            if shorts:
                shorts.pop(row, None)
            if changed is not None:
                changed.add(key)
            touched.append(row)
        if not touched:
            return
        for first, last in _ranges(touched):
            self.dataChanged.emit(self.index(first, COL_STATUS), self.index(last, COL_MESSAGE))
        self.countsChanged.emit()
        # what the upload built meanwhile (the job's per-row tables, on its worker) out of the
        # collector's scans too, as in set_rows; the few cycles alive now stay (a few kB per upload)
        gc.freeze()

    def reset_statuses(self, keys: Iterable[int], status: str = PENDING, message: str = "") -> None:
        """Put rows back to ``status`` (e.g. pending before a retry)."""
        touched = []
        for key in keys:
            row = self.row_of_key(key)
            if row is not None:
                self._row_changed(row)
                self._set_status(row, status)
                self._message[row] = message
                self._short.pop(row, None)
                touched.append(row)
        for first, last in _ranges(touched):
            self.dataChanged.emit(self.index(first, COL_STATUS), self.index(last, COL_MESSAGE))
        if touched:
            self.countsChanged.emit()

    # ------------------------------------------------------------------ sorting
    def sort_key(self, column: int) -> Callable[[int], Any]:
        """The SORT_ROLE value of ``column`` for a row index, without a Qt call per row."""
        if column == COL_ROW:
            return self._keys.__getitem__
        if column == COL_STATUS:
            return self._status.__getitem__
        if column == COL_MESSAGE:
            return self._message.__getitem__
        src = column - FIRST_SOURCE_COLUMN
        rows = self._rows
        order = self._order

        def cell(i: int) -> str:
            cells = rows[i if order is None else order[i]]
            return cells[src].casefold() if src < len(cells) else ""

        return cell

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Show the rows ordered on ``column``. Up to :data:`SYNC_SORT_ROWS` rows this happens at once;
        a bigger table is sorted on a worker (:mod:`gui.grid_sort`, ``sortingChanged`` says so) while the
        window goes on — an upload's outcomes and edits meanwhile are carried over to the new order."""
        if column < 0 or column >= self.columnCount() or not self._rows:
            return
        from gui import grid_sort

        now = len(self._rows) <= SYNC_SORT_ROWS
        descending = order == Qt.SortOrder.DescendingOrder
        if not now and self._sort_changed is not None and self._sort_asked == (column, descending):
            return  # the same sort is being planned (a header click asks Qt's view to sort twice)
        if now:
            self._drop_sort()
        self._sort_generation += 1
        self._sort_asked = (column, descending)
        args = (column, descending, self.sort_key(column), self._keys, self._status, self._message,
                dict(self._cells), dict(self._short), self._order, self._sort_generation)
        if now:
            self._sort_changed = set()
            self._show_sort(grid_sort.plan_rows(*args))
            return
        from gui.workers import start_task

        self._sort_changed = self._sort_changed if self._sort_changed is not None else set()
        generation = self._sort_generation

        def wanted() -> bool:  # read on the worker: a newer sort or new rows make this one pointless
            return self._sort_generation == generation

        self._sort_task = start_task(grid_sort.plan_sort, *args, wanted, on_result=self._show_sort,
                                     on_failed=self._sort_failed, name="sort")
        self.sortingChanged.emit(True)

    def _swap(self, order: array[int] | None, keys: list[int], status: list[str], message: list[str],
              cells: dict[int, dict[int, str]], short: dict[int, str]) -> list[Any]:
        """Show these per-row columns (no row look-up table yet); returns the ones shown until now."""
        old = [self._order, self._keys, self._status, self._message, self._cells, self._short,
               self._row_of_key, self._row_of_source]
        self._order, self._keys, self._status, self._message = order, keys, status, message
        self._cells, self._short = cells, short
        self._row_of_key = self._row_of_source = None
        return old

    def is_sorting(self) -> bool:
        return self._sort_changed is not None

    def _drop_sort(self) -> None:
        """Forget a sort being planned (its plan is dropped when it comes)."""
        self._sort_generation += 1
        if self._sort_changed is not None:
            self._sort_changed = None
            self._sort_task = None
            self.sortingChanged.emit(False)

    def _sort_failed(self, exc: BaseException) -> None:
        from gui.grid_sort import Dropped

        if isinstance(exc, Dropped):
            return  # a newer sort or new rows: already taken care of
        import logging

        logging.getLogger(__name__).error("the sort failed", exc_info=exc)
        self._drop_sort()

    def _row_changed(self, row: int) -> None:
        if self._sort_changed is not None:
            self._sort_changed.add(self._keys[row])

    def _show_sort(self, plan: SortPlan) -> None:
        """Swap in the planned order (references only), with the rows that changed meanwhile as they are
        now, and tell the views where each row went."""
        changed = self._sort_changed
        if plan.generation != self._sort_generation or changed is None:
            discard(plan)  # a newer sort, or new rows, came since it was asked for
            return
        moves = plan.moves
        carried = []
        for key in changed:  # read in the order shown until now
            row = self.row_of_key(key)
            if row is not None:
                carried.append((moves[row], self._status[row], self._message[row], self._short.get(row),
                                self._cells.get(row)))
        self.layoutAboutToBeChanged.emit()
        old = self._swap(plan.order, plan.keys, plan.status, plan.message, plan.cells, plan.short)
        if not plan.keys_ascend:
            if self._source_keys is not None:
                self._row_of_source = plan.row_of_source
            else:  # a table whose keys did not ascend to begin with (not one read from a file)
                self._row_of_key = {k: i for i, k in enumerate(plan.keys)}
        for row, status, message, short, cells in carried:
            self._status[row] = status
            self._message[row] = message
            if short is None:
                self._short.pop(row, None)
            else:
                self._short[row] = short
            if cells is None:
                self._cells.pop(row, None)
            else:
                self._cells[row] = cells
        self._sort_changed = None
        self._sort_task = None
        old_indexes = self.persistentIndexList()
        new_indexes = [self.index(moves[i.row()], i.column()) for i in old_indexes]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self._moves = moves
        try:
            self.layoutChanged.emit()
        finally:
            self._moves = None
        let_go(*old)
        del old
        self.sortingChanged.emit(False)
        gc.freeze()  # the new order's lists, as set_rows does


def _status_labels() -> dict[str, str]:
    return {o: status_label(o) for o in _STATUS_TEXT.values()}


def _ranges(rows: list[int], gap: int = 32) -> list[tuple[int, int]]:
    """Sorted rows merged into (first, last) ranges; rows less than ``gap`` apart share a range."""
    rows = sorted(rows)
    out: list[tuple[int, int]] = []
    first = last = rows[0] if rows else 0
    for r in rows[1:]:
        if r - last > gap:
            out.append((first, last))
            first = r
        last = r
    if rows:
        out.append((first, last))
    return out


ERROR_SET = frozenset(ERROR_STATUSES)
FILTER_CHUNK = 50_000  # rows the errors-only filter looks at per turn of the event loop (a few ms)


@dataclass
class _Scan:
    """The errors-only filter being computed over a large model, :data:`FILTER_CHUNK` rows per turn."""

    end: int  # the model's row count when the scan started
    position: int = 0
    found: list[int] = field(default_factory=list)
    dirty: list[tuple[int, int]] = field(default_factory=list)  # rows changed meanwhile: checked again


class PreviewProxy(QAbstractProxyModel):
    """What the grids show of a :class:`PreviewModel`: every row, or only rows with errors.

    A thin proxy: with the filter off, proxy row = model row (no mapping kept at all); with it on, a
    sorted list of the model rows shown. Qt's ``QSortFilterProxyModel`` rebuilds a mapping of every row
    after each reset (160 ms of frozen window at a million rows, even with no filter) and calls the
    model's ``data()`` once per row to filter; here the filter reads the model's status list in chunks
    (:data:`FILTER_CHUNK` rows per turn of the event loop, so a million rows never freeze the window),
    and sorting is the model's own (:meth:`PreviewModel.sort`), which announces a layout change.
    """

    sortingChanged = Signal(bool)  # the model's: a sort is being planned on a worker (True) or shown

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._model: PreviewModel | None = None
        self._visible: list[int] | None = None  # proxy row -> model row (ascending); None: all rows
        self._errors_only = False
        self._scan: _Scan | None = None
        self._layout_saved: list[tuple[QPersistentModelIndex, QPersistentModelIndex]] = []
        self._connections: list[tuple[Any, Callable[..., Any]]] = []

    # ------------------------------------------------------------------ source
    def setSourceModel(self, model: Any) -> None:
        if model is not None and not isinstance(model, PreviewModel):
            raise TypeError("PreviewProxy shows a PreviewModel")
        self.beginResetModel()
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        super().setSourceModel(model)  # type: ignore[arg-type]  # None detaches, as in Qt
        self._model = model
        self._visible = None
        self._scan = None
        if model is not None:
            pairs: list[tuple[Any, Callable[..., Any]]] = [
                (model.modelAboutToBeReset, self.beginResetModel),
                (model.modelReset, self._source_reset),
                (model.layoutAboutToBeChanged, self._source_layout_about),
                (model.layoutChanged, self._source_layout_changed),
                (model.dataChanged, self._source_data_changed),
                (model.headerDataChanged, self.headerDataChanged.emit),
                (model.sortingChanged, self.sortingChanged.emit),
                # PreviewModel never inserts, removes or moves rows or columns (it resets); if it did,
                # a reset keeps the proxy right
                (model.rowsAboutToBeInserted, self.beginResetModel),
                (model.rowsInserted, self._source_reset),
                (model.rowsAboutToBeRemoved, self.beginResetModel),
                (model.rowsRemoved, self._source_reset),
                (model.columnsAboutToBeInserted, self.beginResetModel),
                (model.columnsInserted, self._source_reset),
                (model.columnsAboutToBeRemoved, self.beginResetModel),
                (model.columnsRemoved, self._source_reset),
            ]
            for signal, slot in pairs:
                signal.connect(slot)
            self._connections = pairs
            if self._errors_only:
                self._visible = []
        self.endResetModel()
        if model is not None and self._errors_only:
            self._start_scan()

    # ------------------------------------------------------------------ the filter
    @property
    def errors_only(self) -> bool:
        return self._errors_only

    def set_errors_only(self, on: bool) -> None:
        """Show only rows whose status is invalid or failed. Up to :data:`FILTER_CHUNK` rows this takes
        effect at once; beyond, after a few turns of the event loop (all rows stay shown meanwhile)."""
        if on == self._errors_only:
            return
        self._errors_only = on
        self._scan = None
        if on:
            self._start_scan()
        elif self._visible is not None:
            self._change_layout(None)

    def filter_pending(self) -> bool:
        """Whether the errors-only filter is still being computed (a large model)."""
        return self._scan is not None

    def _start_scan(self) -> None:
        model = self._model
        if model is None:
            return
        n = len(model.status_list())
        if n <= FILTER_CHUNK:
            self._scan = None
            self._change_layout(model.rows_with_status(ERROR_SET, 0, n))
            return
        self._scan = _Scan(n)
        QTimer.singleShot(0, self, self._scan_step)

    def _scan_step(self) -> None:
        scan = self._scan
        model = self._model
        if scan is None or model is None:
            return
        end = min(scan.position + FILTER_CHUNK, scan.end)
        scan.found.extend(model.rows_with_status(ERROR_SET, scan.position, end))
        scan.position = end
        if end < scan.end:
            QTimer.singleShot(0, self, self._scan_step)
            return
        self._scan = None
        found = scan.found
        for first, last in scan.dirty:  # rows whose status changed after they were looked at
            if first < end:
                last = min(last, end - 1)
                found[bisect_left(found, first):bisect_right(found, last)] = model.rows_with_status(
                    ERROR_SET, first, last + 1)
        self._change_layout(found)

    def _change_layout(self, visible: list[int] | None) -> None:
        """Show ``visible`` (model rows, ascending; None: all) as one layout change: the selection and
        the current row follow their rows (or go, when their row is filtered out)."""
        if visible == self._visible:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [QPersistentModelIndex(self.mapToSource(i)) for i in old]
        self._visible = visible
        self.changePersistentIndexList(old, [self.mapFromSource(s) for s in sources])
        self.layoutChanged.emit()

    # ------------------------------------------------------------------ source signals
    def _source_reset(self) -> None:
        self._scan = None
        self._visible = [] if self._errors_only else None
        self.endResetModel()
        if self._errors_only:
            self._start_scan()

    def _source_layout_about(self, *_args: Any) -> None:
        self.layoutAboutToBeChanged.emit()
        self._layout_saved = [(QPersistentModelIndex(i), QPersistentModelIndex(self.mapToSource(i)))
                              for i in self.persistentIndexList()]

    def _source_layout_changed(self, *_args: Any) -> None:
        model = self._model
        moved = model.last_moves() if model is not None else None
        if self._visible is not None:
            if moved is not None:  # the model sorted: the rows shown are the same ones, elsewhere
                self._visible = sorted(moved[r] for r in self._visible)
            else:
                self._visible = []
        saved, self._layout_saved = self._layout_saved, []
        self.changePersistentIndexList([self.createIndex(p.row(), p.column()) for p, _s in saved],
                                       [self.mapFromSource(s) for _p, s in saved])
        self.layoutChanged.emit()
        if self._scan is not None or (self._errors_only and moved is None):
            self._start_scan()  # the rows looked at so far moved: look again

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                             roles: Sequence[int] = ()) -> None:
        if not top_left.isValid() or not bottom_right.isValid():
            return
        first, last = top_left.row(), bottom_right.row()
        left, right = top_left.column(), bottom_right.column()
        if self._scan is not None:
            self._scan.dirty.append((first, last))
        visible = self._visible
        if visible is None:
            self.dataChanged.emit(self.createIndex(first, left), self.createIndex(last, right), roles)
            return
        lo = bisect_left(visible, first)
        hi = bisect_right(visible, last)
        if not self._errors_only or self._scan is not None:  # showing what the filter found before
            now = visible[lo:hi]
        else:
            assert self._model is not None
            now = self._model.rows_with_status(ERROR_SET, first, last + 1)
        if now != visible[lo:hi]:  # rows came in or went: a layout change
            updated = visible[:lo] + now + visible[hi:]
            self._change_layout(updated)
        elif lo < hi:
            self.dataChanged.emit(self.createIndex(lo, left), self.createIndex(hi - 1, right), roles)

    # ------------------------------------------------------------------ Qt proxy
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        """The model's :meth:`PreviewModel.value`, called from here: Qt's own proxy ``data()`` calls
        back into Python twice per cell and role (``mapToSource``, then the model's ``data``), which
        doubled the cost of painting the grid (~35 ms a repaint instead of ~18)."""
        model = self._model
        if model is None or not index.isValid():
            return None
        row = index.row()
        visible = self._visible
        return model.value(row if visible is None else visible[row], index.column(), role)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        model = self._model
        if model is None or not index.isValid():
            return _NO_FLAGS
        return model.column_flags(index.column())

    def mapToSource(self, proxy_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        model = self._model
        if model is None or not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        visible = self._visible
        return model.createIndex(row if visible is None else visible[row], proxy_index.column())

    def mapFromSource(self, source_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if self._model is None or not source_index.isValid():
            return QModelIndex()
        row = source_index.row()
        visible = self._visible
        if visible is not None:
            at = bisect_left(visible, row)
            if at == len(visible) or visible[at] != row:
                return QModelIndex()
            row = at
        return self.createIndex(row, source_index.column())

    def index(self, row: int, column: int,
              parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or row < 0 or column < 0 or row >= self.rowCount() \
                or column >= self.columnCount():
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, _index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        model = self._model
        if model is None or parent.isValid():
            return 0
        visible = self._visible
        return model.rowCount() if visible is None else len(visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        model = self._model
        return 0 if model is None or parent.isValid() else model.columnCount()

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.rowCount() > 0 and self.columnCount() > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        model = self._model
        if model is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            visible = self._visible
            if visible is not None:
                if not 0 <= section < len(visible):
                    return None
                section = visible[section]
        return model.headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._model is not None:
            self._model.sort(column, order)

    def source_row(self, proxy_row: int) -> int:
        """The model row shown at ``proxy_row``."""
        visible = self._visible
        return proxy_row if visible is None else visible[proxy_row]

    def source_cells(self, proxy_row: int) -> list[str]:
        """The source cells of the row shown at ``proxy_row`` (see :meth:`PreviewModel.cells_at`)."""
        assert self._model is not None
        return self._model.cells_at(self.source_row(proxy_row))

"""PreviewModel / PreviewProxy without a window: roles, editing, batches, sorting, errors-only filter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from core.model import Outcome, RowResult
from core.providers import get_provider
from core.validation import prepare
from gui import table_model
from gui.table_model import (
    COL_MESSAGE,
    COL_ROW,
    COL_STATUS,
    FIRST_SOURCE_COLUMN,
    INVALID,
    READY,
    SORT_ROLE,
    CompactRows,
    GridData,
    PreviewModel,
    PreviewProxy,
    build_grid,
)

FAIL = QAbstractItemModelTester.FailureReportingMode.Fatal


@dataclass
class _Table:
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]


def _grid(rows: list[list[str]]):
    provider = get_provider("octopush")
    table = _Table(["Mobile", "First name"], rows, [i + 2 for i in range(len(rows))])
    prepared = prepare(table, {0: "phone_number", 1: "first_name"}, {}, provider)
    field_col = {"phone_number": 0, "first_name": 1}
    return table, build_grid(table.headers, table.rows, table.row_numbers, prepared.checks,
                             lambda p: field_col.get(p.field))


@pytest.fixture
def model(qtbot):
    m = PreviewModel()
    _table, data = _grid([["+33612345678", "Ann"], ["not a phone", "Bob"], ["+33612345679", "Cy"]])
    m.set_rows(data)
    return m


def test_model_and_proxy_pass_the_model_tester(qtbot):
    model = PreviewModel()
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    QAbstractItemModelTester(model, FAIL)
    QAbstractItemModelTester(proxy, FAIL)
    rows = [[f"+336123456{i:02d}", f"N{i}"] for i in range(40)] + [["bad", "X"]]
    _table, data = _grid(rows)
    model.set_rows(data)
    model.set_editable(True)
    proxy.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)
    proxy.set_errors_only(True)
    assert proxy.rowCount() == 1
    proxy.set_errors_only(False)
    model.apply_results([RowResult(k, Outcome.ADDED, message="Added.") for k in range(2, 30)])
    proxy.setData(proxy.index(0, FIRST_SOURCE_COLUMN), "+33699999999")
    proxy.sort(COL_ROW)
    assert proxy.rowCount() == 41


def test_invalid_cell_is_highlighted_with_its_reason(model):
    idx = model.index(1, FIRST_SOURCE_COLUMN)
    assert model.data(idx) == "not a phone"
    assert model.data(idx, Qt.ItemDataRole.BackgroundRole) is not None
    assert "not a valid phone number" in model.data(idx, Qt.ItemDataRole.ToolTipRole)
    # the fine cell next to it is not highlighted
    assert model.data(model.index(1, FIRST_SOURCE_COLUMN + 1), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(1, COL_STATUS)) == INVALID
    # the grid's Row column already says which row: the message starts with the column; the tooltip
    # keeps core's whole sentence (as the report does)
    message = model.index(1, COL_MESSAGE)
    assert model.data(message).startswith("Mobile: 'not a phone' is not a valid phone number")
    assert model.data(message, Qt.ItemDataRole.ToolTipRole).startswith("Row 3, column 'Mobile': ")
    assert model.data(model.index(0, COL_STATUS)) == READY
    assert model.counts() == {READY: 2, INVALID: 1}


def test_headers_and_sort_role_are_native(model):
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Row", "Status", "Message", "Mobile", "First name"]
    assert model.data(model.index(2, COL_ROW), SORT_ROLE) == 4
    assert model.data(model.index(2, COL_ROW)) == "4"


def test_editing_only_when_editable_and_signals_the_cell(model, qtbot):
    idx = model.index(1, FIRST_SOURCE_COLUMN)
    assert not model.flags(idx) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(idx, "+33612345600")
    model.set_editable(True)
    assert model.flags(idx) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(1, COL_STATUS)) & Qt.ItemFlag.ItemIsEditable
    with qtbot.waitSignal(model.cellEdited) as blocker:
        assert model.setData(idx, "+33612345600")
    assert blocker.args == [1, 0]
    assert model.source_rows()[1][0] == "+33612345600"
    model.set_row_check(1, READY, "", {})
    assert model.data(idx, Qt.ItemDataRole.BackgroundRole) is None
    assert model.counts() == {READY: 3}


def test_results_arrive_in_batches_with_ranges(model, qtbot):
    changes = []
    model.dataChanged.connect(
        lambda a, b, roles=(): changes.append((a.row(), b.row(), a.column(), b.column()))
    )
    model.apply_results([
        RowResult(2, Outcome.ADDED, message="Added."),
        RowResult(4, Outcome.FAILED, code="117", message="No valid number."),
    ])
    assert changes == [(0, 2, COL_STATUS, COL_MESSAGE)]  # one range, not one signal per row
    assert model.data(model.index(2, COL_STATUS)) == "failed"
    assert model.data(model.index(2, COL_MESSAGE)) == "No valid number."
    assert model.counts() == {"added": 1, "failed": 1, INVALID: 1}
    assert model.keys_with_status("failed") == [4]


def test_errors_only_filter_keeps_invalid_and_failed(model):
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    proxy.set_errors_only(True)
    assert [proxy.data(proxy.index(r, COL_ROW)) for r in range(proxy.rowCount())] == ["3"]
    model.apply_results([RowResult(4, Outcome.FAILED, message="x")])
    assert [proxy.data(proxy.index(r, COL_ROW)) for r in range(proxy.rowCount())] == ["3", "4"]
    proxy.set_errors_only(False)
    assert proxy.rowCount() == 3


def test_sort_keeps_table_order_and_selection(model):
    table_rows = model.source_rows()
    before = [list(r) for r in table_rows]
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    persistent = [model.index(1, FIRST_SOURCE_COLUMN)]
    p = QPersistentModelIndex(persistent[0])
    proxy.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)  # by first name: Cy, Bob, Ann
    assert [proxy.data(proxy.index(r, FIRST_SOURCE_COLUMN + 1)) for r in range(3)] == ["Cy", "Bob", "Ann"]
    assert p.row() == 1
    assert p.data() == "not a phone"
    # the highlighted cell moved with its row
    assert model.data(model.index(1, FIRST_SOURCE_COLUMN), Qt.ItemDataRole.ToolTipRole)
    assert [list(r) for r in table_rows] == before  # the Table's own order is untouched
    assert model.row_of_key(2) == 2
    proxy.sort(COL_ROW)
    assert [model.key_at(r) for r in range(3)] == [2, 3, 4]


def test_the_grid_shows_problems_without_their_row_from_their_fields(qtbot) -> None:
    """The Row column shows the row: the message column shows the problem from its fields (column and
    reason), the tooltip the whole sentence; nothing parses a sentence back."""
    model = PreviewModel()
    _table, data = _grid([["+33612345678", "Ann"], ["06 12", "Bob"], ["+33612345678", "Cy"]])
    model.set_rows(data)
    shown = model.data(model.index(1, COL_MESSAGE))
    tooltip = model.data(model.index(1, COL_MESSAGE), Qt.ItemDataRole.ToolTipRole)
    assert shown.startswith("Mobile: '06 12' is not a valid phone number")
    assert tooltip == f"Row 3, column 'Mobile': {shown.removeprefix('Mobile: ')}"
    assert model.data(model.index(2, COL_MESSAGE)) == "Same mobile phone as row 2 (kept row 2)."
    assert model.data(model.index(0, COL_MESSAGE)) == ""
    # sorted, the short texts move with their rows
    model.sort(COL_MESSAGE, Qt.SortOrder.DescendingOrder)
    row = model.row_of_key(3)
    assert row is not None
    assert model.data(model.index(row, COL_MESSAGE)) == shown
    # an upload result replaces it: a provider's sentence is shown whole
    model.apply_results([RowResult(3, Outcome.FAILED, message="Octopush refused the number.")])
    assert model.data(model.index(row, COL_MESSAGE)) == "Octopush refused the number."


def test_rows_are_found_by_key_in_source_order_and_after_sorting(qtbot):
    model = PreviewModel()
    rows = [[f"+336123456{i:02d}", f"N{i:02d}"] for i in range(40)]
    _table, data = _grid(rows)
    assert data.row_of_key is None  # keys ascend: a binary search, no 40-entry (or 100 000-entry) dict
    model.set_rows(data)
    assert [model.row_of_key(k) for k in (2, 3, 41)] == [0, 1, 39]
    assert model.row_of_key(1) is None
    assert model.row_of_key(42) is None
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)
    assert model.key_at(0) == 41
    assert model.row_of_key(41) == 0
    assert model.row_of_key(2) == 39
    model.apply_results([RowResult(2, Outcome.ADDED, message="Added."),
                         RowResult(41, Outcome.FAILED, message="No.")])
    assert (model.status_at(39), model.message_at(39)) == ("added", "Added.")
    assert (model.status_at(0), model.message_at(0)) == ("failed", "No.")
    assert model.counts() == {"ready": 38, "added": 1, "failed": 1}
    model.sort(COL_ROW)
    assert model.key_at(0) == 2
    assert model.row_of_key(41) == 39
    assert model.status_at(0) == "added"


def test_compact_rows_hand_out_the_cells_as_read_and_take_edits_back() -> None:
    rows = [["Ann", "Martin", "+33612345678"], ["Bob", "Martin", ""], ["a\x1fb", "Martin", "x"], [], [""]]
    rows += [[f"N{i}", "Martin", f"+3361234{i:04d}"] for i in range(100)]
    compact = CompactRows(rows)
    assert len(compact) == len(rows)
    assert list(compact) == rows  # iteration, the separator inside a cell and empty rows included
    assert [compact[i] for i in range(len(rows))] == rows
    assert compact[1:3] == rows[1:3]
    assert compact[2] == ["a\x1fb", "Martin", "x"]
    assert compact[0] is not compact[0]  # a new list each time: an edit goes back with rows[i] = cells
    assert compact[0][1] is compact[5][1]  # a repeating column shares its strings, as core.reading does
    cells = compact[1]
    cells[2] = "+33612345600"
    compact[1] = cells
    assert compact[1] == ["Bob", "Martin", "+33612345600"]
    assert Counted.size(compact) < Counted.size(rows) / 2  # what it is for
    copy = [list(r) for r in rows]
    consumed = CompactRows(copy, consume=True)
    assert copy == []  # its rows were dropped as they were copied
    assert list(consumed) == rows


class Counted:
    @staticmethod
    def size(rows: object) -> int:
        import sys

        if isinstance(rows, CompactRows):
            data = rows._data
            return sys.getsizeof(data) + sum(sys.getsizeof(r) for r in data)
        assert isinstance(rows, list)
        return sys.getsizeof(rows) + sum(sys.getsizeof(r) + sum(map(sys.getsizeof, r)) for r in rows)


def test_an_edit_in_a_sorted_grid_of_compact_rows_lands_in_the_tables_row(qtbot) -> None:
    table, data = _grid([["+33612345678", "Cy"], ["not a phone", "Ann"], ["+33612345679", "Bob"]])
    table.rows = CompactRows(table.rows)  # type: ignore[assignment]
    data.rows = table.rows
    model = PreviewModel()
    model.set_rows(data)
    QAbstractItemModelTester(model, FAIL)
    model.set_editable(True)
    model.sort(FIRST_SOURCE_COLUMN + 1)  # by first name: Ann, Bob, Cy
    assert [model.data(model.index(r, FIRST_SOURCE_COLUMN + 1)) for r in range(3)] == ["Ann", "Bob", "Cy"]
    assert model.setData(model.index(0, FIRST_SOURCE_COLUMN), "+33612345600")  # Ann's phone
    assert model.cells_at(0) == ["+33612345600", "Ann"]
    assert table.rows[1] == ["+33612345600", "Ann"]  # the Table's row 3 (index 1), not its first row
    assert table.rows[0] == ["+33612345678", "Cy"]


def _plain_data(n: int, bad_every: int = 7) -> GridData:
    """``n`` rows (keys 2..n+1), every ``bad_every``-th one invalid, without validating anything."""
    status = [INVALID if i % bad_every == 0 else READY for i in range(n)]
    return GridData(["Mobile", "First name"], [[f"+336{i:08d}", f"N{i:03d}"] for i in range(n)],
                    [i + 2 for i in range(n)], status, [""] * n)


def _plain_model(n: int) -> PreviewModel:
    model = PreviewModel()
    model.set_rows(_plain_data(n))
    return model


def _shown_rows(proxy: PreviewProxy) -> list[int]:
    return [proxy.source_row(r) for r in range(proxy.rowCount())]


def _error_rows(model: PreviewModel) -> list[int]:
    return [r for r in range(model.rowCount()) if model.status_at(r) in ("invalid", "failed")]


def _errors_only(monkeypatch, rows: int) -> tuple[PreviewModel, PreviewProxy]:
    """A plain model of ``rows`` rows under a proxy showing errors only, looked at 10 rows per turn."""
    monkeypatch.setattr(table_model, "FILTER_CHUNK", 10)
    model = _plain_model(rows)
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    QAbstractItemModelTester(proxy, FAIL)
    proxy.set_errors_only(True)
    return model, proxy


def test_a_large_model_is_filtered_in_chunks_and_changes_meanwhile_count(qtbot, monkeypatch) -> None:
    model, proxy = _errors_only(monkeypatch, 95)
    assert proxy.errors_only
    assert proxy.filter_pending()
    assert proxy.rowCount() == 95  # every row stays shown until the filter is known
    for _ in range(3):
        proxy._scan_step()  # rows 0..29 looked at
    # rows already looked at change: row 5 fails, row 7 (invalid) is now added; row 60 fails later on
    model.apply_results([RowResult(7, Outcome.FAILED, message="No."), RowResult(9, Outcome.ADDED),
                         RowResult(62, Outcome.FAILED, message="No.")])
    qtbot.waitUntil(lambda: not proxy.filter_pending(), timeout=5000)
    assert 5 in _shown_rows(proxy)
    assert 7 not in _shown_rows(proxy)
    assert 60 in _shown_rows(proxy)
    assert _shown_rows(proxy) == _error_rows(model)
    # once known, the filter follows every change: a row comes in, another goes, in one layout change
    model.apply_results([RowResult(3, Outcome.FAILED, message="No."), RowResult(16, Outcome.ADDED)])
    assert _shown_rows(proxy) == _error_rows(model)
    assert 1 in _shown_rows(proxy)
    assert 14 not in _shown_rows(proxy)
    proxy.set_errors_only(False)
    assert proxy.rowCount() == 95
    assert not proxy.filter_pending()


def test_a_new_table_under_the_filter_shows_its_errors_once_looked_at(qtbot, monkeypatch) -> None:
    model, proxy = _errors_only(monkeypatch, 30)
    qtbot.waitUntil(lambda: not proxy.filter_pending(), timeout=5000)
    assert _shown_rows(proxy) == [0, 7, 14, 21, 28]
    model.set_rows(_plain_data(50, bad_every=10))
    assert proxy.rowCount() == 0  # nothing shown until the new rows are looked at (no stale rows)
    qtbot.waitUntil(lambda: not proxy.filter_pending(), timeout=5000)
    assert _shown_rows(proxy) == [0, 10, 20, 30, 40]


def test_sorting_under_the_filter_keeps_the_rows_and_the_selection(qtbot) -> None:
    model = _plain_model(40)
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    QAbstractItemModelTester(proxy, FAIL)
    proxy.set_errors_only(True)  # small: at once
    keys = sorted(model.key_at(r) for r in _shown_rows(proxy))
    assert keys == [2, 9, 16, 23, 30, 37]
    selected = QPersistentModelIndex(proxy.index(1, FIRST_SOURCE_COLUMN + 1))  # key 9, "N007"
    proxy.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)
    shown = [proxy.index(r, FIRST_SOURCE_COLUMN + 1).data() for r in range(proxy.rowCount())]
    assert shown == ["N035", "N028", "N021", "N014", "N007", "N000"]
    assert selected.row() == 4
    assert selected.data() == "N007"
    assert _shown_rows(proxy) == _error_rows(model)
    proxy.set_errors_only(False)
    assert selected.data() == "N007"
    assert proxy.mapFromSource(model.index(model.row_of_key(9) or 0, 0)).row() == selected.row()
    # the columns keep their names when no row is shown at all
    model.apply_results([RowResult(k, Outcome.ADDED) for k in keys])
    proxy.set_errors_only(True)
    assert proxy.rowCount() == 0
    assert proxy.headerData(FIRST_SOURCE_COLUMN, Qt.Orientation.Horizontal) == "Mobile"
    assert proxy.headerData(COL_STATUS, Qt.Orientation.Horizontal) == "Status"


def test_the_grids_lists_stay_out_of_the_garbage_collectors_scans(qtbot) -> None:
    """A full collection walks every reference a tracked container holds: the per-row lists handed to
    the model are frozen (a million-row list walked again and again is ~100 ms of held GIL each time)."""
    import gc

    data = _plain_data(100)
    PreviewModel().set_rows(data)
    scanned = {id(o) for o in gc.get_objects()}
    assert id(data.status) not in scanned
    assert id(data.keys) not in scanned
    assert id(data.message) not in scanned


def test_the_grids_counts_never_take_one_long_c_call(monkeypatch) -> None:
    """Issue 12: ``Counter`` over a million statuses held the GIL 50-150 ms in one C call, stalling the
    window while the check finished. build_grid counts in its loop; finish() counts in chunks with a GIL
    release (time.sleep(0)) between them — both give exactly Counter(status)."""
    sleeps: list[float] = []
    monkeypatch.setattr(table_model, "COUNT_CHUNK", 10)
    monkeypatch.setattr(table_model.time, "sleep", sleeps.append)
    data = _plain_data(95, bad_every=4)
    expected = Counter(data.status)
    assert data.finish().counts == expected
    assert sleeps == [0] * 9  # 10 chunks of at most 10 rows, a release between two

    # build_grid: counted as it goes (pending rows without a check included), no Counter of the rows
    def no_counter(*_args: object) -> Counter[str]:
        raise AssertionError("a Counter of every status")

    rows = [["+33612345678", "Ann"], ["not a phone", "Bob"], ["+33612345679", "Cy"], ["x", "Di"]]
    table = _Table(["Mobile", "First name"], rows, [2, 3, 4, 5])
    prepared = prepare(table, {0: "phone_number", 1: "first_name"}, {}, get_provider("octopush"))
    monkeypatch.setattr(table_model, "count_chunked", no_counter)
    grid = build_grid(table.headers, table.rows, table.row_numbers, prepared.checks[:3], lambda _p: None)
    assert grid.counts == Counter(grid.status) == {READY: 2, INVALID: 1, table_model.PENDING: 1}
    ok = build_grid(table.headers, rows[:1], [2], prepared.checks[:1], lambda _p: None)
    assert ok.counts == Counter(ok.status) == {READY: 1}
    assert INVALID not in ok.counts  # no zero entries, as Counter(status) has none


def _shown_grid(qtbot, model: PreviewModel):
    """A PreviewTable of ``model`` (through a PreviewProxy), shown."""
    from gui import table_view

    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    grid = table_view.PreviewTable(proxy)
    qtbot.addWidget(grid)
    grid.resize(900, 400)
    grid.show()
    qtbot.waitExposed(grid)
    return grid


def test_the_grids_column_widths_read_only_the_first_rows(qtbot) -> None:
    """Issue 12: Qt's resizeColumnToContents read the visible rows plus a thousand more (every row of a
    hidden grid): 60-80 ms at a million rows each time a grid was shown. The widths come from the first
    RESIZE_ROWS rows, whatever the table's size, and still fit their contents within bounds."""
    from gui import table_view

    read: set[int] = set()

    class Counting(PreviewModel):
        def value(self, row, col, role=Qt.ItemDataRole.DisplayRole):  # data() and the proxy's come here
            read.add(row)
            return super().value(row, col, role)

        def cells_at(self, row):
            read.add(row)
            return super().cells_at(row)

    model = Counting()
    model.set_rows(_plain_data(5000))
    grid = _shown_grid(qtbot, model)
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())  # the last rows on screen
    qtbot.wait(10)
    read.clear()
    grid._widths()
    assert read
    assert max(read) < table_view.RESIZE_ROWS
    first = FIRST_SOURCE_COLUMN
    assert 70 <= grid.columnWidth(first) <= 240
    text = model.data(model.index(0, first))
    assert grid.columnWidth(first) >= grid.fontMetrics().horizontalAdvance(text)


def test_the_grids_column_widths_ask_the_delegate_once_per_column(qtbot) -> None:
    """Issue 12: the delegate's size hint of each of the first rows' cells (eight data() calls into Python
    each) cost 25-40 ms every time a grid was shown at a million rows. The text is measured with the font
    metrics, one size hint per column giving the delegate's margins, to the same widths."""
    from gui import table_view

    rows = [[f"Ann{i}" * (i % 7 + 1), "Martin Ğüşçö", "+33612345678", "İstanbul" * (i % 3),
             f"a{i}@example.com" + "x" * (i % 40)] for i in range(80)]
    model = PreviewModel()
    model.set_rows(GridData(["Prénom", "Nom", "Tél", "Ville", "E-mail"], rows, list(range(2, 82)),
                            [READY] * 80, [""] * 80))
    grid = _shown_grid(qtbot, model)
    proxy = grid.model()
    hints: list[int] = []
    delegate_hint = grid.sizeHintForIndex

    def counting(index):
        hints.append(index.row())
        return delegate_hint(index)

    grid.sizeHintForIndex = counting  # type: ignore[method-assign]
    grid._widths()
    assert len(hints) == len(rows[0])  # one per source column
    got = [grid.columnWidth(FIRST_SOURCE_COLUMN + c) for c in range(len(rows[0]))]
    header = grid.horizontalHeader()
    wanted = []  # what measuring every cell with the delegate gives
    for column in range(FIRST_SOURCE_COLUMN, proxy.columnCount()):
        width = max([header.sectionSizeHint(column)] + [
            delegate_hint(proxy.index(r, column)).width() + 1 for r in range(table_view.RESIZE_ROWS)])
        wanted.append(min(max(width, 70), 240))
    assert got == wanted
    assert min(got) > 70  # the sample has narrow columns…
    assert max(got) == 240  # …and clipped ones


def test_the_proxy_answers_data_and_flags_from_the_model_without_mapping_each_cell(model, qtbot) -> None:
    """Issue 12: Qt's proxy data() called back into Python twice per cell and role (mapToSource, then the
    model's data): painting the grid cost twice as much. The proxy reads the model's values itself, the
    same ones, filtered or not."""
    from gui import table_view

    mapped: list[int] = []

    class Counting(PreviewProxy):
        def mapToSource(self, proxy_index):
            mapped.append(proxy_index.row())
            return super().mapToSource(proxy_index)

    proxy = Counting()
    proxy.setSourceModel(model)
    model.set_editable(True)
    roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
             Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.FontRole, SORT_ROLE,
             table_model.STATUS_ROLE, table_model.KEY_ROLE]
    for errors_only in (False, True):
        proxy.set_errors_only(errors_only)
        assert proxy.rowCount() == (1 if errors_only else 3)
        for row in range(proxy.rowCount()):
            for column in range(proxy.columnCount()):
                index = proxy.index(row, column)
                source = model.index(proxy.source_row(row), column)
                assert [proxy.data(index, r) for r in roles] == [model.data(source, r) for r in roles]
                assert proxy.flags(index) == model.flags(source)
    assert proxy.data(proxy.index(5, 0)) is None  # no such row
    proxy.set_errors_only(False)
    grid = table_view.PreviewTable(proxy)
    qtbot.addWidget(grid)
    grid.show()
    qtbot.waitExposed(grid)
    mapped.clear()
    grid.viewport().repaint()
    assert mapped == []


def test_new_rows_hand_the_previous_ones_to_the_reaper(qtbot, monkeypatch) -> None:
    """Issue 12: a new check or "Import another file" freed the grid's million-entry lists on the GUI
    thread (~110 ms); set_rows hands them to gui.memory.let_go, which frees them on its own thread."""
    handed: list[object] = []
    monkeypatch.setattr(table_model, "let_go", lambda *objects: handed.extend(objects))
    model = PreviewModel()
    data = _plain_data(10)
    model.set_rows(data)
    model.clear()
    for old in (data.rows, data.keys, data.status, data.message, data.cell_problems, data.short):
        assert any(h is old for h in handed)
    assert model.rowCount() == 0
    assert model.status_list() is not data.status


class _Unread(list):  # type: ignore[type-arg]
    """A status list that must not be read whole."""

    def __iter__(self):
        raise AssertionError("every status was read")


def test_the_failed_rows_are_known_without_reading_every_status(qtbot) -> None:
    """Issue 12: "Retry failed" looked for the failed rows in every status (~60 ms at a million rows);
    the model keeps their keys as statuses change, and gives them in the grid's order."""
    n = 12
    model = PreviewModel()
    model.set_rows(_plain_data(n))
    keys = [model.key_at(r) for r in range(n)]

    def scanned() -> list[int]:
        return [model.key_at(r) for r in range(n) if model.status_at(r) == "failed"]

    model.apply_results([RowResult(k, Outcome.FAILED, message="Down.") for k in keys[::3]]
                        + [RowResult(k, Outcome.ADDED) for k in keys[1::3]])
    model.apply_results([RowResult(keys[3], Outcome.ADDED)])  # a failed row that ended well after all
    model.reset_statuses([keys[6]], READY, "")  # back to ready (a retry)
    model.set_row_check(model.row_of_key(keys[1]), INVALID, "Bad.", {})
    assert model.keys_with_status("failed") == scanned() == [keys[0], keys[9]]  # in source order
    model.sort(COL_MESSAGE, Qt.SortOrder.DescendingOrder)  # the grid's order changes
    expected = scanned()
    assert expected == [keys[9], keys[0]]
    statuses = model._status
    model._status = _Unread(statuses)
    assert model.keys_with_status("failed") == expected
    model._status = statuses
    assert model.keys_with_status("failed", INVALID) == [
        model.key_at(r) for r in range(n) if model.status_at(r) in ("failed", INVALID)]
    data = _plain_data(3)
    data.status[1] = "failed"  # a grid given with failed rows (not one build_grid makes)
    model.set_rows(data)
    assert model.keys_with_status("failed") == [data.keys[1]]


def _sorted_keys_sync(rows: list[list[str]], column: int, order: Qt.SortOrder) -> list[int]:
    reference = PreviewModel()
    reference.set_rows(_grid(rows)[1])
    reference.sort(column, order)
    return [reference.key_at(r) for r in range(reference.rowCount())]


def test_a_big_table_is_sorted_on_a_worker_and_shown_in_one_swap(qtbot, monkeypatch) -> None:
    """Issue 12: sorted() over a million rows held the GUI thread 1-3 s. Above SYNC_SORT_ROWS the order is
    planned on a worker (gui.grid_sort); the model says so (sortingChanged) and keeps showing the old order
    until the new one is swapped in, the same order the synchronous sort gives."""
    rows = [[f"+336123{(i * 7919) % 1000:05d}", f"N{(i * 31) % 97:02d}"] for i in range(300)]
    expected = _sorted_keys_sync(rows, FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)
    monkeypatch.setattr(table_model, "SYNC_SORT_ROWS", 50)
    model = PreviewModel()
    QAbstractItemModelTester(model, FAIL)
    model.set_rows(_grid(rows)[1])
    states: list[bool] = []
    model.sortingChanged.connect(states.append)
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)
    assert model.is_sorting()
    assert model.key_at(0) == 2  # not yet: the old order is shown meanwhile
    qtbot.waitUntil(lambda: not model.is_sorting(), timeout=20000)
    assert states == [True, False]
    assert [model.key_at(r) for r in range(300)] == expected
    assert all(model.row_of_key(model.key_at(r)) == r for r in range(300))
    assert model._row_of_key is None  # found through the table's keys, not a dict of every row


def _big_model(monkeypatch) -> tuple[list[list[str]], PreviewModel]:
    """300 rows, sorted on a worker as a table over SYNC_SORT_ROWS is."""
    rows = [[f"+336123{i:05d}", f"N{(i * 31) % 97:02d}"] for i in range(300)]
    monkeypatch.setattr(table_model, "SYNC_SORT_ROWS", 50)
    model = PreviewModel()
    model.set_rows(_grid(rows)[1])
    return rows, model


def test_outcomes_and_edits_that_come_while_the_sort_is_planned_are_kept(qtbot, monkeypatch) -> None:
    _rows, model = _big_model(monkeypatch)
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.AscendingOrder)
    model.apply_results([RowResult(2, Outcome.ADDED, message="Added."),
                         RowResult(150, Outcome.FAILED, message="No.")])
    qtbot.waitUntil(lambda: not model.is_sorting(), timeout=20000)
    row2, row150 = model.row_of_key(2), model.row_of_key(150)
    assert row2 is not None
    assert row150 is not None
    assert (model.status_at(row2), model.message_at(row2)) == ("added", "Added.")
    assert (model.status_at(row150), model.message_at(row150)) == ("failed", "No.")
    assert model.counts() == {"ready": 298, "added": 1, "failed": 1}
    assert model.keys_with_status("failed") == [150]
    assert sum(model.status_at(r) == "ready" for r in range(300)) == 298


def test_only_the_last_sort_asked_for_is_shown_and_new_rows_drop_a_pending_one(qtbot, monkeypatch) -> None:
    rows, model = _big_model(monkeypatch)
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.AscendingOrder)
    model.sort(COL_ROW, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not model.is_sorting(), timeout=20000)
    qtbot.wait(200)  # the first plan, if it came late, must not be shown over the second
    assert [model.key_at(r) for r in range(3)] == [301, 300, 299]
    model.sort(COL_ROW, Qt.SortOrder.AscendingOrder)
    model.set_rows(_grid(rows[:10])[1])  # another check: the sort asked for the old rows is dropped
    assert not model.is_sorting()
    qtbot.wait(300)
    assert [model.key_at(r) for r in range(10)] == list(range(2, 12))


def test_the_grid_shows_the_busy_cursor_while_a_big_sort_is_planned(qtbot, monkeypatch) -> None:
    from gui.table_view import PreviewTable

    monkeypatch.setattr(table_model, "SYNC_SORT_ROWS", 50)
    model = PreviewModel()
    proxy = PreviewProxy()
    proxy.setSourceModel(model)
    grid = PreviewTable(proxy)
    qtbot.addWidget(grid)
    model.set_rows(_grid([[f"+336123{i:05d}", f"N{i % 7}"] for i in range(300)])[1])
    grid.sortByColumn(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.AscendingOrder)
    assert grid.viewport().cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: not model.is_sorting(), timeout=20000)
    assert grid.viewport().cursor().shape() != Qt.CursorShape.BusyCursor
    assert proxy.data(proxy.index(0, FIRST_SOURCE_COLUMN + 1)) == "N0"


def test_one_header_click_plans_one_sort(qtbot, monkeypatch) -> None:
    """Qt's view asks the model to sort twice for one click; a big sort is planned once."""
    monkeypatch.setattr(table_model, "SYNC_SORT_ROWS", 50)
    model = PreviewModel()
    model.set_rows(_grid([[f"+336123{i:05d}", f"N{i % 7}"] for i in range(300)])[1])
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.AscendingOrder)
    first = model._sort_task
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.AscendingOrder)
    assert model._sort_task is first
    model.sort(FIRST_SOURCE_COLUMN + 1, Qt.SortOrder.DescendingOrder)  # another order: a new plan
    assert model._sort_task is not first
    qtbot.waitUntil(lambda: not model.is_sorting(), timeout=20000)
    assert model.data(model.index(0, FIRST_SOURCE_COLUMN + 1)) == "N6"

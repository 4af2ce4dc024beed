"""The grid's sort, computed on a worker thread without long holds of the GIL.

``sorted()`` over a million rows is one C call: 1-3 s during which no other thread runs Python — the window
froze that long when a column header was clicked. :func:`sorted_order` sorts runs of :data:`SORT_RUN` rows
(each one C call of a few milliseconds) and merges them with :func:`heapq.merge`, a Python loop between
whose steps the GUI thread gets the GIL; :func:`plan_sort` then builds the grid's reordered columns the same
way, so the GUI thread only swaps references (:meth:`gui.table_model.PreviewModel.sort`).
"""

from __future__ import annotations

import heapq
import threading
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.slices import strictly_ascending
from gui.memory import bulk_work, let_go

SORT_RUN = 20_000  # rows sorted in one C call (a few ms of held GIL)
STEP = 20_000  # rows handled between two GIL releases while building the reordered columns


class Dropped(Exception):
    """The sort is no longer wanted (another one was asked for, or new rows came): stop early."""


def _always() -> bool:
    return True


class _Local(threading.local):
    wanted: Callable[[], bool] = staticmethod(_always)


_local = _Local()  # the plan of this thread still wanted? (plan_sort sets it for its worker)


@dataclass
class SortPlan:
    """The grid in its new order; ``moves[old model row]`` is its new model row."""

    column: int
    descending: bool
    order: array[int]  # new model row -> index in the table's rows (source order)
    keys: list[int]
    status: list[str]
    message: list[str]
    cells: dict[int, dict[int, str]]
    short: dict[int, str]
    moves: array[int]
    generation: int
    keys_ascend: bool = False  # the keys ascend down the new order (sorted on Row, ascending)
    row_of_source: array[int] | None = None  # index in the table's rows -> new model row


def discard(plan: SortPlan) -> None:
    """Free a plan no longer wanted on gui.memory's reaper thread (its lists hold a million entries)."""
    parts = [plan.order, plan.keys, plan.status, plan.message, plan.cells, plan.short, plan.moves,
             plan.row_of_source]
    plan.order, plan.moves, plan.row_of_source = array("q"), array("q"), None
    plan.keys, plan.status, plan.message, plan.cells, plan.short = [], [], [], {}, {}
    let_go(*parts)


def sorted_order(value_of: Callable[[int], Any], tiebreak: Sequence[int], count: int,
                 descending: bool) -> list[int]:
    """The indexes 0..count-1 ordered by (value_of(i), tiebreak[i]), descending as a whole when asked
    (the order ``sorted(range(count), key=..., reverse=descending)`` gives)."""
    def key(i: int) -> tuple[Any, int]:
        return value_of(i), tiebreak[i]

    # runs of plain indexes: the (value, tie-break) pairs live only while their run is sorted or merged
    # (a million of them kept at once cost ~100 MB the window would keep resident afterwards)
    runs: list[list[int]] = []
    for start in range(0, count, SORT_RUN):
        run = list(range(start, min(count, start + SORT_RUN)))
        run.sort(key=key, reverse=descending)
        runs.append(run)
        _yield()  # let the GUI thread in between two runs
    if len(runs) == 1:
        return runs[0]
    merged = heapq.merge(*runs, key=key, reverse=descending)
    order = list(merged)
    del merged
    runs.clear()
    return order


def _yield() -> None:
    time.sleep(0)
    if not _local.wanted():
        raise Dropped


def _pause(i: int) -> None:
    if i % STEP == 0:
        _yield()


def plan_sort(column: int, descending: bool, value_of: Callable[[int], Any], keys: Sequence[int],
              status: Sequence[str], message: Sequence[str], cells: dict[int, dict[int, str]],
              short: dict[int, str], shown: Sequence[int] | None, generation: int,
              wanted: Callable[[], bool] = _always) -> SortPlan:
    """:func:`plan_rows` on a worker thread: without the cyclic collector walking the million tuples made
    meanwhile (:func:`gui.memory.bulk_work`); ``wanted()`` turning False stops it (:class:`Dropped`)."""
    _local.wanted = wanted
    try:
        with bulk_work():
            return plan_rows(column, descending, value_of, keys, status, message, cells, short, shown,
                             generation)
    finally:
        _local.wanted = _always


def plan_rows(column: int, descending: bool, value_of: Callable[[int], Any], keys: Sequence[int],
              status: Sequence[str], message: Sequence[str], cells: dict[int, dict[int, str]],
              short: dict[int, str], shown: Sequence[int] | None, generation: int) -> SortPlan:
    """The grid sorted on ``column``; ``value_of(model row)`` is the row's sort value, ``shown`` the current
    model row -> index in the table's rows (None: the same)."""
    count = len(keys)
    new_order = sorted_order(value_of, keys, count, descending)
    moves = array("q", bytes(8 * count))
    for new, old in enumerate(new_order):
        moves[old] = new
        _pause(new)
    order = array("q")
    for start in range(0, count, STEP):
        part = new_order[start:start + STEP]
        order.extend(part if shown is None else [shown[i] for i in part])
        time.sleep(0)
    new_keys = _take(keys, new_order)
    ascend = keys_ascend(new_keys)
    inverse = None
    if not ascend:  # a row found by its key: its index in the table's rows (a binary search), then this
        inverse = array("q", bytes(8 * count))
        for row, source in enumerate(order):
            inverse[source] = row
            _pause(row)
    return SortPlan(
        column=column, descending=descending, order=order,
        keys=new_keys, status=_take(status, new_order), message=_take(message, new_order),
        cells={moves[r]: c for r, c in cells.items()}, short={moves[r]: t for r, t in short.items()},
        moves=moves, generation=generation, keys_ascend=ascend, row_of_source=inverse,
    )


def keys_ascend(keys: Sequence[int]) -> bool:
    """True when each key is greater than the one before (:func:`core.slices.strictly_ascending`), a plan
    no longer wanted stopping between two slices."""
    return strictly_ascending(keys, step=STEP, pause=_yield)


def _take(values: Sequence[Any], order: list[int]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(order), STEP):
        out.extend([values[i] for i in order[start:start + STEP]])
        time.sleep(0)
    return out

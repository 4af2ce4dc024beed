"""The grid's sort computed off the GUI thread in short pieces (gui.grid_sort, issue 12)."""

from __future__ import annotations

import random
from typing import Any

from gui import grid_sort
from gui.grid_sort import plan_sort, sorted_order


def test_the_order_is_the_one_sorted_gives_runs_and_ties_included(monkeypatch: Any) -> None:
    monkeypatch.setattr(grid_sort, "SORT_RUN", 97)  # many runs to merge
    rnd = random.Random(5)
    values = [rnd.choice(["ann", "bob", "", "Zoé", "émile"]) for _ in range(1000)]
    keys = list(range(2, 1002))
    for descending in (False, True):
        expected = sorted(range(1000), key=lambda i: (values[i], keys[i]), reverse=descending)
        assert sorted_order(values.__getitem__, keys, 1000, descending) == expected


def test_the_gil_is_let_go_between_runs_and_between_pieces(monkeypatch: Any) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(grid_sort.time, "sleep", sleeps.append)
    monkeypatch.setattr(grid_sort, "SORT_RUN", 100)
    monkeypatch.setattr(grid_sort, "STEP", 100)
    n = 1000
    values = [str(n - i) for i in range(n)]
    plan_sort(3, False, values.__getitem__, list(range(n)), ["ready"] * n, [""] * n, {}, {}, None, 1)
    assert sleeps.count(0) >= 10 + 10 * 4  # 10 runs; 10 pieces of the order and of each of 3 columns


def test_the_plan_moves_every_column_with_its_row() -> None:
    keys = [2, 3, 4, 5]
    values = ["d", "b", "a", "c"]
    status = ["ready", "invalid", "ready", "failed"]
    message = ["", "bad phone", "", "refused"]
    plan = plan_sort(3, False, values.__getitem__, keys, status, message, {1: {2: "bad phone"}},
                     {1: "Phone: bad"}, None, 7)
    assert plan.keys == [4, 3, 5, 2]
    assert plan.status == ["ready", "invalid", "failed", "ready"]
    assert plan.message == ["", "bad phone", "refused", ""]
    assert list(plan.order) == [2, 1, 3, 0]
    assert list(plan.moves) == [3, 1, 0, 2]  # old model row -> new model row
    assert plan.cells == {1: {2: "bad phone"}}
    assert plan.short == {1: "Phone: bad"}
    assert plan.generation == 7
    # sorted again from that order: the source indexes follow the rows already shown in order
    again = plan_sort(0, True, plan.keys.__getitem__, plan.keys, plan.status, plan.message, plan.cells,
                      plan.short, plan.order, 8)
    assert again.keys == [5, 4, 3, 2]
    assert list(again.order) == [3, 2, 1, 0]


def test_a_plan_no_longer_wanted_stops_at_its_next_pause(monkeypatch: Any) -> None:
    import pytest

    monkeypatch.setattr(grid_sort, "SORT_RUN", 100)
    n = 1000
    values = [str(n - i) for i in range(n)]
    asked = iter([True, True, False])
    with pytest.raises(grid_sort.Dropped):
        plan_sort(3, False, values.__getitem__, list(range(n)), ["ready"] * n, [""] * n, {}, {}, None, 1,
                  lambda: next(asked, False))
    # the thread's next plan is wanted again unless told otherwise
    plan = plan_sort(3, False, values.__getitem__, list(range(n)), ["ready"] * n, [""] * n, {}, {}, None, 2)
    assert plan.keys[0] == n - 1

"""gui.memory.let_go: big tables freed on a background thread a slice at a time (issue 12).

Python frees a container in one C call holding the GIL: a checked million-row table takes ~600 ms, a frozen
window. ``let_go`` hands the last references to a reaper thread that takes them apart in slices.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from gui import memory


class Probe:
    """Something a weak reference can watch."""


@dataclass(slots=True)
class Slotted:
    rows: list[Any]
    index: dict[str, Any] = field(default_factory=dict)


class Plain:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.tables = [{f"k{i}": [i] for i in range(3000)} for _ in range(3)]


def _wait_until(cond: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def test_what_is_let_go_is_freed_down_to_the_last_row() -> None:
    first, deep = Probe(), Probe()
    rows: list[Any] = [first] + [[f"a{i}", "b"] for i in range(50_000)]
    holder = Slotted(rows, {"big": [deep, *list(range(5000))]})
    watch = weakref.ref(first), weakref.ref(deep)
    del first, deep, rows
    memory.let_go(holder, Plain([Probe() for _ in range(10)]))
    del holder
    assert _wait_until(lambda: all(w() is None for w in watch))


def test_what_is_still_used_elsewhere_is_left_whole() -> None:
    """A mistaken hand-over must never empty a list the window still shows."""
    shown = [[f"a{i}"] for i in range(20_000)]
    table = {"x": list(range(5000))}
    keep = Plain(shown)
    memory.let_go(Slotted(shown, table), keep)
    assert _wait_until(lambda: memory._reaper is not None and memory._reaper.empty())
    time.sleep(0.2)
    assert len(shown) == 20_000
    assert len(table["x"]) == 5000
    assert keep.rows is shown
    assert len(keep.tables) == 3


def test_big_containers_are_taken_apart_in_slices_with_the_gil_let_go_between(monkeypatch: Any) -> None:
    """Each slice is at most RELEASE_CHUNK entries, then time.sleep(0) lets the window's thread run."""
    sleeps: list[float] = []
    monkeypatch.setattr(memory.time, "sleep", sleeps.append)
    rows = [[str(i)] for i in range(10 * memory.RELEASE_CHUNK)]
    index = {str(i): i for i in range(5 * memory.RELEASE_CHUNK)}
    item: Any = Slotted(rows, index)
    del rows, index
    memory.take_apart(item)
    assert item.rows is None
    assert item.index is None
    assert len(sleeps) >= 15  # 10 slices of the list, 5 of the dict


def test_a_few_big_tables_inside_a_small_container_are_taken_apart_too(monkeypatch: Any) -> None:
    """An identity table is a short list of big dictionaries (core.validation.Duplicates): freeing the list
    in one go would free them all in one C call."""
    sleeps: list[float] = []
    monkeypatch.setattr(memory.time, "sleep", sleeps.append)
    shards = [{f"+3361{i:07d}{s}": i for i in range(3 * memory.RELEASE_CHUNK)} for s in range(4)]
    item: Any = Slotted([], {"phone_number": shards})
    del shards
    memory.take_apart(item)
    assert len(sleeps) >= 4 * 3  # each dictionary emptied slice by slice, not freed whole

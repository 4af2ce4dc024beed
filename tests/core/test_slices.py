"""core.slices: one C call per slice, the GIL let go between slices (issue 12)."""

from __future__ import annotations

import pytest

from core.model import Contact
from core.slices import strictly_ascending


@pytest.mark.parametrize("step", [1, 2, 3, 5, 100])
def test_strictly_ascending_sees_a_repeat_or_a_drop_within_and_across_slices(step: int) -> None:
    assert strictly_ascending([], step=step)
    assert strictly_ascending([7], step=step)
    assert strictly_ascending([1, 2, 3, 4, 5, 6, 7], step=step)
    assert not strictly_ascending([1, 2, 3, 3, 5, 6], step=step)
    assert not strictly_ascending([4, 5, 6, 7, 8, 9, 8], step=step)
    assert not strictly_ascending([2, 1], step=step)


def test_strictly_ascending_reads_a_lazy_run_and_pauses_only_between_slices() -> None:
    pauses: list[int] = []
    contacts = [Contact(key=k, fields={}) for k in range(10)]
    read: list[int] = []

    def key(contact: Contact) -> int:
        read.append(contact.key)
        return contact.key

    assert strictly_ascending(map(key, contacts), step=4, pause=lambda: pauses.append(len(read)))
    assert read == list(range(10))
    assert pauses == [8, 10]  # after the 2nd and 3rd slices were read, before each was compared


def test_a_pause_that_raises_stops_the_comparison() -> None:
    class Dropped(Exception):
        pass

    def drop() -> None:
        raise Dropped

    assert strictly_ascending(range(3), step=3, pause=drop)  # one slice: no pause at all
    with pytest.raises(Dropped):
        strictly_ascending(range(10), step=3, pause=drop)

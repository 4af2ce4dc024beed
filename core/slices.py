"""Work over a million values in C-speed slices, the GIL let go between them.

One C call over a million values (``all(map(...))``, ``sorted``, ``list(map(...))``) holds the GIL for tens
of milliseconds: no other thread runs Python meanwhile, and the window's GUI thread calls into Python at every
repaint. A Python loop over the same values lets go of the GIL only every few milliseconds yet runs ten
times slower. Slices of :data:`STEP` values, each one C call of a millisecond or two, with the GIL let go
between them, keep both the speed and the window.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterable
from itertools import islice

STEP = 20_000  # values handled in one C call (~1-2 ms of held GIL)


def release_gil() -> None:
    """Let another thread that waits for the GIL take it."""
    time.sleep(0)


def strictly_ascending(values: Iterable[int], *, step: int = STEP,
                       pause: Callable[[], None] = release_gil) -> bool:
    """True when each value is greater than the one before (an empty run is). ``values`` may be lazy
    (``map(attrgetter("key"), contacts)``): it is read ``step`` values at a time, compared in one C call,
    and ``pause`` is called between two slices (it may raise to stop early)."""
    it = iter(values)
    previous: int | None = None
    chunk = list(islice(it, step))
    while chunk:
        if previous is not None and chunk[0] <= previous:
            return False
        if not all(map(operator.lt, chunk, islice(chunk, 1, None))):
            return False
        previous = chunk[-1]
        chunk = list(islice(it, step))
        if chunk:
            pause()
    return True

"""Giving back memory the window no longer uses, so its resident size is what it holds (SPEC §10).

Two things keep freed or merely cached memory resident after a bulk step:

- glibc keeps memory freed in a thread's malloc arena resident until it is trimmed: calamine's copy of a
  whole sheet (~20 MB for 100 000 rows), httpx's buffers, the validation caches. :func:`release_free_memory`
  hands those free pages back (``malloc_trim``; a no-op off glibc). It runs at the end of a worker's
  bulk step, on the worker thread (ctypes releases the GIL during the call). But it walks every free
  chunk of the heap holding each arena's lock in turn, the main arena's too — where the GUI thread
  allocates: the window waits for the walk of a big heap (~1 s after an upload of a million rows). A
  caller passes ``unless_resident_mb`` to skip it when the process is that big.
- PySide6's import hook (``shibokensupport.feature``) reads the source of every module imported after
  PySide6 (``inspect.getsource``), which leaves all their lines in :mod:`linecache`: ~13 MB for the
  modules the window and ``core`` import. :func:`forget_source_lines` drops that cache (tracebacks read
  the lines again when they need them). :mod:`linecache` is not thread-safe, so this runs on the GUI
  thread, which is also the thread that imports; it takes about 2 ms.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import linecache
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_trim: Any = None
# above this resident size the heap is not trimmed after a bulk step or an upload: malloc_trim walks the whole
# heap holding the main arena's lock, where the GUI thread allocates (66-138 ms measured for a 0.65-1.3 GB
# heap, ~1 s after the upload of a million rows); a 100 000-row window holds ~250 MB and is trimmed
TRIM_LIMIT_MB = 400.0


def resident_mb() -> float:
    """The process's resident memory in MB (Linux; 0 elsewhere): one small read, no heap walk."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def release_free_memory(*, unless_resident_mb: float | None = None) -> bool:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    With ``unless_resident_mb``, nothing is done when the process holds more than that (see the module's
    docstring: the walk of a big heap blocks the GUI thread's allocations). True when trimmed."""
    global _trim
    if unless_resident_mb is not None and resident_mb() > unless_resident_mb:
        return False
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                trim = libc.malloc_trim
                trim.argtypes = [ctypes.c_size_t]
                trim.restype = ctypes.c_int
                _trim = trim
            except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
                _trim = False
    if _trim:
        _trim(0)
        return True
    return False


def forget_source_lines() -> None:
    """Drop the source lines PySide6's import hook left in :mod:`linecache` (GUI thread only)."""
    linecache.clearcache()


_gc_lock = threading.Lock()
_gc_holds = 0


@contextmanager
def bulk_work() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a bulk step, then freeze what it built.

    A full collection walks every tracked object while holding the GIL; with 100 000 rows being built
    that is a pause of the whole process, GUI thread included. The rows are plain lists, strings and
    frozen dataclasses that reference counting frees; ``gc.freeze()`` keeps them out of later scans.
    What the step freed on the way is handed back to the system (:func:`release_free_memory`) while the
    process is small enough for that to be quick (:data:`TRIM_LIMIT_MB`).
    """
    global _gc_holds
    with _gc_lock:
        _gc_holds += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holds -= 1
            last = _gc_holds == 0
            if last:
                gc.freeze()
                gc.enable()
        if last:
            release_free_memory(unless_resident_mb=TRIM_LIMIT_MB)


# ---------------------------------------------------------------------------------------------- letting go
RELEASE_CHUNK = 2000  # entries freed in one C call before the GIL is let go (about a millisecond)
_BIG = 1000  # a container with more entries than this is taken apart rather than freed in one call
_SOLE = 3  # see take_apart
REAP_DELAY = 0.05  # seconds the reaper waits after a hand-over before it looks at what it was given
_DEPTH = 4  # how far into an object's attributes and containers the taking apart goes

_reaper_lock = threading.Lock()
_reaper: queue.SimpleQueue[tuple[Any, ...]] | None = None


def let_go(*objects: Any) -> None:
    """Free ``objects`` on a background thread, a few thousand entries at a time.

    Python frees a container in one C call that holds the GIL: the checked table of a million rows — its
    rows, checks and identity tables — takes ~600 ms, during which the window cannot paint. The caller hands
    its last references over here and drops its own; the reaper takes each object apart — lists, dicts and
    sets by slices of :data:`RELEASE_CHUNK`, objects attribute by attribute — letting go of the GIL between
    slices. Anything still referenced elsewhere is left whole (only the reaper's reference is dropped), so a
    mistaken hand-over never empties a list that is still in use.
    """
    global _reaper
    with _reaper_lock:
        if _reaper is None:
            _reaper = queue.SimpleQueue()
            threading.Thread(target=_reap, args=(_reaper,), name="let-go", daemon=True).start()
        _reaper.put(objects)


def _reap(work: queue.SimpleQueue[tuple[Any, ...]]) -> None:
    while True:
        objects = list(work.get())
        time.sleep(REAP_DELAY)  # the caller drops its own references right after the hand-over
        while objects:
            item = objects.pop()
            take_apart(item)
            del item
        del objects


def take_apart(obj: Any, depth: int = 0) -> None:
    """Empty ``obj`` piece by piece when the caller's reference is the only one (see :func:`let_go`)."""
    # references when nobody else holds it: the caller's variable, this argument, getrefcount's own
    if sys.getrefcount(obj) > _SOLE or depth > _DEPTH:
        return
    kind = type(obj)
    if kind is list:
        while obj:
            if _big(obj[-1]):
                item = obj.pop()
                take_apart(item, depth + 1)
                del item
                continue
            del obj[-RELEASE_CHUNK:]
            time.sleep(0)
    elif kind is dict or kind is set:
        pop = obj.popitem if kind is dict else obj.pop
        while obj:
            for _ in range(min(RELEASE_CHUNK, len(obj))):
                entry = pop()
                value = entry[1] if kind is dict else None
                if _big(value):
                    del entry
                    take_apart(value, depth + 1)
                del value
            time.sleep(0)
    elif kind not in (str, bytes, int, float, tuple, bytearray):
        for name in _attribute_names(obj):
            value = getattr(obj, name, None)
            if value is None or type(value) in (str, bytes, int, float, bool):
                continue
            try:
                object.__setattr__(obj, name, None)
            except (AttributeError, TypeError):  # a read-only attribute: leave it
                continue
            take_apart(value, depth + 1)
            del value


def _big(value: Any) -> bool:
    """A container worth taking apart: many entries, or a few that are containers themselves (the 64
    dictionaries of an identity table, core.validation.Duplicates)."""
    kind = type(value)
    if kind not in (list, dict, set) or not value:
        return False
    if len(value) > _BIG:
        return True
    sample = list(value.values())[:4] if kind is dict else list(value)[:4] if kind is list else []
    return any(type(v) in (list, dict, set) and len(v) > _BIG for v in sample)


def _attribute_names(obj: Any) -> list[str]:
    names: list[str] = []
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    names.extend(getattr(obj, "__dict__", {}))
    return [n for n in names if n not in ("__dict__", "__weakref__")]

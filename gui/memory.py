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
import linecache
import os
import sys
from typing import Any

_trim: Any = None


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

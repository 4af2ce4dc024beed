"""Giving back memory the window no longer uses, so its resident size is what it holds (SPEC §10).

Two things keep freed or merely cached memory resident after a bulk step:

- glibc keeps memory freed in a thread's malloc arena resident until it is trimmed: calamine's copy of a
  whole sheet (~20 MB for 100 000 rows), httpx's buffers, the validation caches. :func:`release_free_memory`
  hands those free pages back (``malloc_trim``; a no-op off glibc). It runs at the end of a worker's
  bulk step, on the worker thread (ctypes releases the GIL during the call).
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
import sys
from typing import Any

_trim: Any = None


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing)."""
    global _trim
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


def forget_source_lines() -> None:
    """Drop the source lines PySide6's import hook left in :mod:`linecache` (GUI thread only)."""
    linecache.clearcache()

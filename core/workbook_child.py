"""Reading a big workbook in a child process, so that the process asking for it keeps its GIL to itself.

python-calamine parses a sheet into one cell range with the GIL released, but frees that range — and the
workbook's shared strings — while holding it: about 100 ms for a million-row sheet, in one C call. In the
window that is a frozen window, whichever thread reads. It can also abort the whole process when a
hostile workbook makes it run out of memory. Here a child process opens the workbook and sends its rows
back through a pipe in pickled chunks of :data:`CHUNK_ROWS`; the parent unpickles one chunk at a time (a
millisecond or two each) and the child's calamine range dies with the child.

:func:`isolate` turns this on for workbooks above a size (the window does; the
command line reads in its own process). The child is ``python -m core.workbook_child``, or, in a frozen
build, the program itself started with :data:`CHILD_FLAG` first (:func:`gui.launcher.main` hands it over
to :func:`main` before anything else). The request goes to the child's standard input, the answer comes
on its standard output:

- ``("sheets", [names])`` for a list of sheets;
- ``("source", sheet, sheets, cut)``, then ``("rows", [(row number, cells), …])`` chunks, then
  ``("end",)`` for the rows of a sheet;
- ``("error", kind, sentence)`` in place of any of those: the :class:`core.errors.FileProblem` or
  :class:`core.errors.UsageError` the reading raised, already in the caller's language.

The pipe carries only this process's own pickles, between the two halves of the same program.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from core.errors import FileProblem, UploaderError, UsageError
from core.i18n import _, language, set_language

log = logging.getLogger(__name__)

CHILD_FLAG: Final = "--read-workbook-child"
CHUNK_ROWS: Final = 2000
EXIT_INTERNAL: Final = 70

_KINDS: Final[dict[str, type[UploaderError]]] = {"FileProblem": FileProblem, "UsageError": UsageError}


_isolate_above: int | None = None


def isolate(above_bytes: int | None) -> None:
    """Read workbooks bigger than ``above_bytes`` in a child process from now on (None: never, the
    default). The window does so; the command line reads in its own process."""
    global _isolate_above
    _isolate_above = above_bytes


def wanted(path: Path) -> bool:
    """True when the workbook at ``path`` is to be read by a child process."""
    limit = _isolate_above
    if limit is None:
        return False
    try:
        return path.stat().st_size > limit
    except OSError:
        return False


def child_command() -> list[str]:
    """How to start the child: this Python with ``-m``, or the frozen program with :data:`CHILD_FLAG`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "core.workbook_child"]


def _child_env() -> dict[str, str]:
    """The parent's environment, with the folder holding this package first on the path (a checkout run
    from another folder, a test that put the package on ``sys.path`` itself)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


class _Child:
    """One child process answering one request."""

    def __init__(self, request: dict[str, Any]) -> None:
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console window flashes up
        self.name = Path(request["path"]).name
        self.errors = tempfile.TemporaryFile()  # what the child says on standard error, for the log
        self.proc = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errors, env=_child_env(), creationflags=flags)
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.out: IO[bytes] = self.proc.stdout
        try:
            pickle.dump(request, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except OSError:  # it died at once; receive() says so
            pass

    def receive(self) -> tuple[Any, ...]:
        try:
            message: tuple[Any, ...] = pickle.load(self.out)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            self.proc.kill()
            self.proc.wait()
            self.errors.seek(0)
            said = self.errors.read()[-4000:].decode("utf-8", "replace")
            self.close()
            log.error("the workbook reader stopped without an answer (exit status %s, %s): %s",
                      self.proc.returncode, type(exc).__name__, said)
            if self.proc.returncode == EXIT_INTERNAL:  # a bug in the child: an internal error here too
                raise RuntimeError(f"the workbook reader failed: {said.strip().splitlines()[-1:] or ''}") \
                    from None
            raise FileProblem(_("{name} could not be read: the reading stopped unexpectedly (the file may "
                                "be too big for the memory left); close other programs and try again.")
                              .format(name=self.name)) from None
        if message[0] == "error":
            self.close()
            raise _KINDS.get(message[1], FileProblem)(message[2])
        return message

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.out.close()
        self.errors.close()  # closing twice is harmless


def child_sheets(path: Path) -> list[str]:
    """:func:`core.reading.list_sheets`, answered by a child process."""
    child = _Child({"op": "sheets", "path": str(path), "lang": language()})
    try:
        return list(child.receive()[1])
    finally:
        child.close()


Records = Iterator[tuple[int, list[str]]]


def child_source(path: Path, sheet: str | int | None,
                 nrows: int | None) -> tuple[str, list[str], bool, Records]:
    """The sheet a child process reads: (sheet, sheets, cut, records); the records come as they are read,
    and stopping early (closing the iterator) stops the child."""
    child = _Child({"op": "source", "path": str(path), "sheet": sheet, "nrows": nrows, "lang": language()})
    try:
        _kind, chosen, sheets, cut = child.receive()
    except BaseException:
        child.close()
        raise
    return chosen, sheets, cut, _records(child)


def _records(child: _Child) -> Iterator[tuple[int, list[str]]]:
    try:
        while True:
            message = child.receive()
            if message[0] == "end":
                return
            yield from message[1]
    finally:
        child.close()


# ---------------------------------------------------------------------------------------------- the child
def serve(source: IO[bytes], out: IO[bytes]) -> None:
    """Answer the one request read from ``source`` on ``out`` (the child's side)."""
    from core import reading

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    request: dict[str, Any] = pickle.load(source)
    set_language(request.get("lang"))
    path = Path(request["path"])
    try:
        if request["op"] == "sheets":
            send(("sheets", reading.list_sheets(path)))
            return
        head = reading.read_head(path)
        found = reading.workbook_source(path, head, request["sheet"], request["nrows"])
        send(("source", found.sheet, found.sheets, found.cut))
        chunk: list[tuple[int, list[str]]] = []
        for record in found.records:
            chunk.append(record)
            if len(chunk) >= CHUNK_ROWS:
                send(("rows", chunk))
                chunk = []
        if chunk:
            send(("rows", chunk))
        send(("end",))
    except UploaderError as exc:
        send(("error", type(exc).__name__ if type(exc).__name__ in _KINDS else "FileProblem", str(exc)))
    finally:
        out.flush()


def main() -> int:
    """The child's entry: one request on standard input, its answer on standard output, then exit at once
    (leaving the sheet's memory to the system rather than freeing it cell by cell)."""
    out = sys.stdout.buffer if sys.stdout is not None else os.fdopen(1, "wb")
    source = sys.stdin.buffer if sys.stdin is not None else os.fdopen(0, "rb")
    try:
        serve(source, out)
    except BrokenPipeError:  # the parent stopped listening (it closed the reading early)
        pass
    except Exception:  # a bug: the parent says the reading stopped; the details go to standard error
        log.exception("the workbook reader failed")
        sys.stderr.flush()
        os._exit(EXIT_INTERNAL)
    os._exit(0)


if __name__ == "__main__":
    main()

"""Big workbooks read by a child process for the window (core.workbook_child, issue 12).

calamine frees a sheet while holding the GIL (~100 ms for a million rows: a frozen window), so the window
has workbooks above a size read by a child process. These tests force every workbook through the child
(``isolate(0)``) and compare with the same reading in this process: the real-world corpus, the errors and
their language, a sheet chosen by name and by index, a preview that stops early, and the child started the
way a frozen build starts it (through the launcher).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import i18n, reading, workbook_child
from core.errors import FileProblem, UsageError
from tests.core import filegen as g
from tests.core.test_realworld import _corpus

ROWS = [g.CONTACT_HEADERS, *g.contact_rows(30)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def isolated() -> Iterator[None]:
    workbook_child.isolate(0)
    try:
        yield
    finally:
        workbook_child.isolate(None)


def _both(call: object) -> tuple[object, object]:
    """(in this process, in a child) — the value, or the error's type and sentence."""
    def run() -> object:
        try:
            table = call()  # type: ignore[operator]
        except (FileProblem, UsageError) as exc:
            return type(exc).__name__, str(exc)
        if isinstance(table, list):
            return table
        return (table.headers, table.rows, table.row_numbers, table.sheet, table.sheets, table.notes,
                table.header_row)

    workbook_child.isolate(None)
    here = run()
    workbook_child.isolate(0)
    try:
        there = run()
    finally:
        workbook_child.isolate(None)
    return here, there


def test_every_workbook_of_the_corpus_reads_the_same_in_the_child() -> None:
    files = sorted(p for p in _corpus().iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".xlsm"))
    assert len(files) >= 5
    for path in files:
        here, there = _both(lambda path=path: reading.read_table(path))
        assert here == there, path.name
        sheets_here, sheets_there = _both(lambda path=path: reading.list_sheets(path))
        assert sheets_here == sheets_there, path.name


def test_sheets_chosen_by_name_or_index_and_the_preview(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "two.xlsx", {"Old": [["x"], ["1"]], "Contacts": ROWS})
    for sheet in ("Contacts", "contacts", 1):
        here, there = _both(lambda sheet=sheet: reading.read_table(path, sheet=sheet))
        assert here == there
    workbook_child.isolate(0)
    try:
        raw = reading.read_raw(path, sheet="Contacts", limit=5)  # stops early: the child is stopped
    finally:
        workbook_child.isolate(None)
    assert raw.truncated
    assert len(raw.rows) == 5
    assert raw.sheet == "Contacts"


def test_the_errors_come_back_as_the_same_sentence_in_the_callers_language(tmp_path: Path) -> None:
    good = g.write_xlsx(tmp_path / "book.xlsx", ROWS)
    locked = g.write_encrypted_xlsx(tmp_path / "locked.xlsx", ROWS)
    cut = g.write_truncated(tmp_path / "cut.xlsx", good)
    cases = [lambda: reading.read_table(locked), lambda: reading.read_table(cut),
             lambda: reading.read_table(good, sheet="Nope")]
    for lang in ("en", "tr"):
        i18n.set_language(lang)
        try:
            for call in cases:
                here, there = _both(call)
                assert isinstance(here, tuple)
                assert here[0] in ("FileProblem", "UsageError")
                assert here == there
        finally:
            i18n.set_language("en")
    i18n.set_language("tr")
    try:
        _here, there = _both(lambda: reading.read_table(good, sheet="Nope"))
    finally:
        i18n.set_language("en")
    assert there[0] == "UsageError"
    assert "Nope" in there[1]
    assert "sayfa" in there[1].lower()


def test_a_child_that_dies_is_one_sentence_and_a_bug_in_it_an_internal_error(
        tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = g.write_xlsx(tmp_path / "book.xlsx", ROWS)
    monkeypatch.setattr(workbook_child, "child_command",
                        lambda: [sys.executable, "-c", "import os; os._exit(9)"])
    with pytest.raises(FileProblem, match=r"book\.xlsx could not be read: the reading stopped unexpectedly"):
        reading.read_table(book)
    monkeypatch.setattr(workbook_child, "child_command",
                        lambda: [sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(70)"])
    with pytest.raises(RuntimeError, match="workbook reader failed"):
        reading.read_table(book)


def test_the_parent_never_loads_calamine_and_small_files_stay_in_process(tmp_path: Path) -> None:
    book = g.write_xlsx(tmp_path / "book.xlsx", ROWS)
    code = (
        "import sys; from core import workbook_child, reading; "
        f"workbook_child.isolate(0); t = reading.read_table({str(book)!r}); "
        "print(len(t.rows), 'python_calamine' in sys.modules); "
        f"workbook_child.isolate(10**9); t = reading.read_table({str(book)!r}); "
        "print(len(t.rows), 'python_calamine' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         timeout=120).stdout.split("\n")
    assert out[0] == "30 False"
    assert out[1] == "30 True"


def test_the_launcher_hands_the_child_flag_over_first(tmp_path: Path) -> None:
    """A frozen build starts itself with the flag: gui.launcher.main answers the request on its pipe."""
    book = g.write_xlsx(tmp_path / "book.xlsx", ROWS)
    request = pickle.dumps({"op": "source", "path": str(book), "sheet": None, "nrows": None, "lang": "en"})
    done = subprocess.run([sys.executable, "-c", "import sys; from gui.launcher import main; "
                           f"sys.exit(main([{workbook_child.CHILD_FLAG!r}]))"],
                          input=request, capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    stream = __import__("io").BytesIO(done.stdout)
    messages = []
    while True:
        try:
            messages.append(pickle.load(stream))
        except EOFError:
            break
    assert messages[0][0] == "source"
    assert messages[-1] == ("end",)
    rows = [cells for message in messages if message[0] == "rows" for _number, cells in message[1]]
    assert rows[0] == g.CONTACT_HEADERS
    assert len(rows) == 31

"""Benchmark: hostile files are read or refused within seconds and about 1.5 GB, never an abort (issue 10).

    python -m tests.benchmarks.bench_hostile_files

Each file is generated in a temporary folder and read with ``read_table`` in a fresh child process (no
memory limit, so a regression shows its real cost); the table prints the outcome, the wall time and the
child's peak resident memory (``ru_maxrss`` from ``wait4``). An XLS reaching its format's last cell is read
(BIFF8 bounds the grid at 65 536 × 256), and a 100 000-row XLSX is printed for the cost of the checks on an
ordinary workbook.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from core.errors import FileProblem
from core.reading import read_table
try:
    table = read_table(sys.argv[1])
except FileProblem as exc:
    print("refused:", str(exc)[:90])
else:
    print("read:", len(table.rows), "rows")
"""


def measure(path: Path) -> tuple[str, float, float, int]:
    """(first output line, seconds, peak MB, exit status) of read_table(path) in a child."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    out = child.stdout.read().strip() if child.stdout else ""
    err = child.stderr.read().strip() if child.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 1024 / 1024
    lines = (out or err).splitlines()
    return (lines[-1] if lines else ""), seconds, peak_mb, code


def main() -> None:
    from tests.core import filegen as g
    from tests.core.test_hostile_files import (
        HEADER_ROWS,
        ODS_CELL,
        _add_member_stream,
        cell,
        write_ods_table,
        write_xlsx_xml,
    )

    def fifo(path: Path) -> Path:
        os.mkfifo(path)
        return path

    def nul_csv(path: Path) -> Path:
        text = g.csv_text([g.CONTACT_HEADERS, *g.contact_rows(5000)]).split("\r\n")
        text[4000] = text[4000].replace("kisi", "ki\x00si")
        path.write_bytes("\r\n".join(text).encode("utf-8"))
        return path

    def huge_cell(path: Path) -> Path:
        body = "Name,Email\r\nA,a@b.co\r\n" + "x" * (20 * 1024 * 1024) + ",b@b.co\r\n"
        path.write_text(body, encoding="utf-8")
        return path

    def bomb(path: Path) -> Path:
        write_xlsx_xml(path, HEADER_ROWS)
        piece = b"<si><t>x</t></si>" * (1024 * 1024 // 17) + b" " * (1024 * 1024 % 17)
        _add_member_stream(path, "xl/sharedStrings.xml", piece, 1024)
        return path

    def far_xls(path: Path) -> Path:
        import xlwt  # test dependency

        book = xlwt.Workbook()
        sheet = book.add_sheet("Contacts")
        for row, values in enumerate([["Name", "Email"], ["A", "a@b.co"]]):
            for col, value in enumerate(values):
                sheet.write(row, col, value)
        sheet.write(65535, 255, "x")  # BIFF8's last cell, IV65536: calamine's grid is bounded by the format
        book.save(str(path))
        return path

    cases: list[tuple[str, Callable[[Path], Path]]] = [
        ("xlsx, one cell at XFD1048576", lambda p: write_xlsx_xml(
            p.with_suffix(".xlsx"), f'<row r="1048576">{cell("XFD1048576", "x")}</row>')),
        ("xlsx, A1 and AAA200000", lambda p: write_xlsx_xml(
            p.with_suffix(".xlsx"), HEADER_ROWS + f'<row r="200000">{cell("AAA200000", "x")}</row>')),
        ("ods, a cell after 1 M repeated rows", lambda p: write_ods_table(
            p.with_suffix(".ods"),
            f"<table:table-row>{ODS_CELL}</table:table-row>"
            '<table:table-row table:number-rows-repeated="1048570">'
            f'<table:table-cell table:number-columns-repeated="16000"/>{ODS_CELL}</table:table-row>')),
        ("xlsx, sharedStrings of 1 GiB", lambda p: bomb(p.with_suffix(".xlsx"))),
        ("named pipe x.csv", lambda p: fifo(p.with_suffix(".csv"))),
        ("csv, NUL in row 4001 (after 64 KB)", lambda p: nul_csv(p.with_suffix(".csv"))),
        ("csv, 20 MB unquoted cell", lambda p: huge_cell(p.with_suffix(".csv"))),
        ("xls, A1 and IV65536 (read, not refused)", lambda p: far_xls(p.with_suffix(".xls"))),
        ("xlsx, 100 000 ordinary rows", lambda p: g.write_big_xlsx(p.with_suffix(".xlsx"), 100_000)),
    ]
    print(f"{'file':38} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, make) in enumerate(cases):
            path = make(Path(tmp) / f"case{index}")
            outcome, seconds, peak, status = measure(path)
            note = "" if status == 0 else f" [exit {status}]"
            print(f"{label:38} {seconds:8.2f} {peak:8.0f}  {outcome}{note}")


if __name__ == "__main__":
    main()

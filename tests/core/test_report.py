"""The upload report: BOM, columns, source order, row numbers, formula neutralisation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.model import Contact, Outcome, RowResult
from core.reading import read_table
from core.report import HEADER, neutralise, write_report
from core.validation import Problem, RowCheck
from tests.core.filegen import write_csv, write_xlsx


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("+HYPERLINK(\"http://x\")", "'+HYPERLINK(\"http://x\")"),
        ("+905321234567", "+905321234567"),
        ("+90 532 123 45 67", "+90 532 123 45 67"),
        ("+33 (0)6-11.22.33.44", "+33 (0)6-11.22.33.44"),
        ("-12.5", "-12.5"),
        ("+1e5", "+1e5"),
        ("-", "'-"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def _read(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return raw, list(csv.reader(fh))


def test_report_from_a_real_csv(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "in.csv",
        [
            ["Title row above the header"],
            ["E-mail", "Phone", "Note"],
            ["ayse@ornek.com.tr", "+905321112233", "=HYPERLINK(\"http://evil\")"],
            ["", "", ""],
            ["bad-email", "+905321112234", "two\nlines"],
            ["can@ornek.com.tr", "+905321112235", "Şehir İstanbul"],
            ["dora@ornek.com.tr", "+905321112236", "@x"],
        ],
    )
    table = read_table(source)
    numbers = table.row_numbers
    assert len(numbers) == 4
    results = {
        numbers[0]: RowResult(numbers[0], Outcome.ADDED, "", "ok", "İleti Merkezi added the contact.", "771"),
        numbers[2]: RowResult(numbers[2], Outcome.FAILED, "466", "Geçersiz numara", "The number is invalid."),
    }
    checks = [
        RowCheck(numbers[0], Contact(numbers[0], {"email": "ayse@ornek.com.tr"})),
        RowCheck(numbers[1], None, []),
        RowCheck(numbers[2], Contact(numbers[2], {"email": "can@ornek.com.tr"})),
        RowCheck(numbers[3], Contact(numbers[3], {"email": "dora@ornek.com.tr"})),
    ]
    problem = Problem(numbers[1], "E-mail", "email", "Row 5, column 'E-mail': not an e-mail.")
    checks[1].problems.append(problem)
    out = write_report(tmp_path / "sub" / "report.csv", table, results, checks)
    raw, rows = _read(out)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    assert rows[0] == [*HEADER, "E-mail", "Phone", "Note"]
    assert [r[0] for r in rows[1:]] == [str(n) for n in numbers]
    assert rows[1][:5] == [str(numbers[0]), "added", "", "İleti Merkezi added the contact.", "771"]
    assert rows[1][5:] == ["ayse@ornek.com.tr", "+905321112233", "'=HYPERLINK(\"http://evil\")"]
    assert rows[2][1:4] == ["invalid", "", "Row 5, column 'E-mail': not an e-mail."]
    assert rows[2][7] == "two\nlines"  # one record, kept as read
    assert rows[3][1:3] == ["failed", "466"]
    assert rows[3][7] == "Şehir İstanbul"
    # never sent (the job stopped): pending, empty code
    assert rows[4][1:3] == ["pending", ""]
    assert rows[4][7] == "'@x"


def test_report_keeps_excel_numbers_as_text(tmp_path: Path) -> None:
    rows = [["phone_number", "Amount"], [33611223344, -5], ["+33611223355", 1.5]]
    source = write_xlsx(tmp_path / "in.xlsx", rows)
    table = read_table(source)
    results = {n: RowResult(n, Outcome.ADDED) for n in table.row_numbers}
    out = write_report(tmp_path / "r.csv", table, results)
    _, rows = _read(out)
    assert rows[1][5:] == ["33611223344", "-5"]
    assert rows[2][5:] == ["+33611223355", "1.5"]
    assert [r[1] for r in rows[1:]] == ["added", "added"]


def test_report_replaces_atomically(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [["email"], ["a@b.co"]])
    table = read_table(source)
    target = tmp_path / "r.csv"
    target.write_text("old")
    write_report(target, table, {2: RowResult(2, Outcome.READY, message="Ready to send.")})
    _, rows = _read(target)
    assert rows[1][:4] == ["2", "ready", "", "Ready to send."]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")] == []

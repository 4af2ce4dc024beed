"""Streaming reading (core.reading.stream_table) gives exactly what read_table gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import FileProblem, UsageError
from core.reading import read_table, stream_table

CASES = {
    "plain": "Name,E-mail,Phone\nAna,ana@example.com,0532 123 45 67\nBob,bob@example.com,+33611223344\n",
    "title_and_blanks": "Export of June\n\n\nName;Phone\n\nAna;0532\n;\nBob;0533\n",
    "extra_cells": "Name,Phone\nAna,1,extra,\nBob,2\nCem,3,,more\n",
    "blank_column": ",Name,Phone\n,Ana,1\n,Bob,2\n",
    "blank_named_with_data": "Name,,Phone\nAna,x,1\nBob,,2\n",
    "headerless": ("ana@example.com,+905321234567\nbob@example.com,+905331234567\n"
                   "cem@example.com,+905341234567\n"),
    "sep_line": "sep=;\nName;Phone\nAna;1\nBob;2\n",
    "quoted_multiline": 'Name,Note\nAna,"line one\nline two"\n\nBob,x\n',
    "tabs": "Name\tPhone\nAna\t1\nBob\t2\n",
    "duplicate_names": "Phone,phone,Name\n1,2,Ana\n3,4,Bob\n",
}


def _both(path: Path, **kw: object) -> None:
    table = read_table(path, **kw)  # type: ignore[arg-type]
    stream = stream_table(path, **kw)  # type: ignore[arg-type]
    assert stream.table is None  # a text file is streamed, not held
    assert stream.headers == table.headers
    assert (stream.header_row, stream.encoding, stream.delimiter, stream.sheet) == (
        table.header_row, table.encoding, table.delimiter, table.sheet)
    assert stream.notes == table.notes
    assert stream.header_detected == table.header_detected
    assert len(stream) == len(table.rows)
    rows = list(stream)
    assert [n for n, _r in rows] == table.row_numbers
    assert [r for _n, r in rows] == table.rows
    assert list(stream) == rows  # every iteration reads the file again, the same way


@pytest.mark.parametrize("name", sorted(CASES))
def test_stream_table_reads_like_read_table(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(CASES[name], encoding="utf-8")
    _both(path)


@pytest.mark.parametrize("header_row", [0, 1, 4])
def test_stream_table_with_a_chosen_header_row(tmp_path: Path, header_row: int) -> None:
    path = tmp_path / "t.csv"
    path.write_text(CASES["title_and_blanks"], encoding="utf-8")
    _both(path, header_row=header_row)


def test_stream_table_refuses_like_read_table(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(CASES["title_and_blanks"], encoding="utf-8")
    for kw in ({"header_row": 2}, {"header_row": 40}):
        with pytest.raises(UsageError) as streamed:
            stream_table(path, **kw)  # type: ignore[arg-type]
        with pytest.raises(UsageError) as whole:
            read_table(path, **kw)  # type: ignore[arg-type]
        assert str(streamed.value) == str(whole.value)
    only_header = tmp_path / "h.csv"
    only_header.write_text("Name,Phone\n", encoding="utf-8")
    with pytest.raises(FileProblem) as streamed_problem:
        stream_table(only_header)
    with pytest.raises(FileProblem) as whole_problem:
        read_table(only_header)
    assert str(streamed_problem.value) == str(whole_problem.value)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"Name,Phone\n" + b"Ana,1\n" * 40000 + b"Bob,\x002\n")
    with pytest.raises(FileProblem, match="NUL"):
        stream_table(nul)  # refused before anything is sent: the first pass reads the whole file


def test_stream_table_cp1254(tmp_path: Path) -> None:
    path = tmp_path / "tr.csv"
    path.write_bytes("Ad;Soyad;Cep Telefonu\nŞule;Işık;0532 123 45 67\nĞül;Çağ;0533\n".encode("cp1254"))
    _both(path)
    _both(path, encoding="cp1254", delimiter="semicolon")


def _realworld_files() -> list[Path]:
    import os

    folder = Path(os.environ.get("REALWORLD_FILES") or Path(__file__).resolve().parents[3] / "shared" /
                  "realworld" / "files")
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []


@pytest.mark.parametrize("path", _realworld_files(), ids=lambda p: p.name)
def test_stream_table_reads_the_real_world_corpus_like_read_table(path: Path) -> None:
    """Every real export (skipped without the corpus): the same rows, or the same refusal."""
    refused: FileProblem | UsageError | None = None
    try:
        table = read_table(path)
    except (FileProblem, UsageError) as exc:
        refused = exc
    if refused is not None:
        with pytest.raises(type(refused)) as streamed:
            stream_table(path)
        assert str(streamed.value) == str(refused)
        return
    stream = stream_table(path)
    assert stream.headers == table.headers
    assert stream.notes == table.notes
    assert (stream.header_row, stream.encoding, stream.delimiter) == (
        table.header_row, table.encoding, table.delimiter)
    rows = list(stream)
    assert [n for n, _r in rows] == table.row_numbers
    assert [r for _n, r in rows] == table.rows
    quick = stream_table(path, scan=False)
    quick_rows = list(quick)
    if quick.confirmed:  # else the command line reads it again with the first pass
        assert quick.headers == table.headers
        assert quick.notes == table.notes
        assert quick_rows == rows


@pytest.mark.parametrize("name", sorted(CASES))
def test_without_the_first_pass_the_rows_are_the_same_or_the_shape_is_refuted(tmp_path: Path,
                                                                              name: str) -> None:
    """``scan=False`` assumes the header's columns; a whole iteration confirms it (then the rows are
    read_table's) or refutes it (a row has cells to the right of the header: read again with the pass)."""
    path = tmp_path / f"{name}.csv"
    path.write_text(CASES[name], encoding="utf-8")
    table = read_table(path)
    stream = stream_table(path, scan=False)
    rows = list(stream)
    if stream.table is not None or name in ("headerless", "blank_column", "blank_named_with_data"):
        assert stream.confirmed is True  # read with the first pass: nothing assumed
        return
    if name == "extra_cells":
        assert stream.confirmed is False
        return
    assert stream.confirmed is True
    assert stream.headers == table.headers
    assert stream.notes == table.notes
    assert len(stream) == len(table.rows)
    assert [n for n, _r in rows] == table.row_numbers
    assert [r for _n, r in rows] == table.rows


def test_without_the_first_pass_a_file_with_no_rows_is_refused_the_same(tmp_path: Path) -> None:
    only_header = tmp_path / "h.csv"
    only_header.write_text("Name,Phone\n\n\n", encoding="utf-8")
    with pytest.raises(FileProblem) as whole:
        read_table(only_header)
    stream = stream_table(only_header, scan=False)
    with pytest.raises(FileProblem) as streamed:
        list(stream)
    assert str(streamed.value) == str(whole.value)


def test_the_cli_reads_a_file_wider_than_its_header_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from core.model import Outcome, RowResult
    from core.providers import get_provider
    from core.report import write_report
    from core.validation import prepare
    from tests.core.test_upload_cli import run_cli

    rows = "Ad,Cep Telefonu\n" + "".join(f"Ana {i},+905321234{i:03d}\n" for i in range(50))
    rows += "Bob,+905329999999,extra cell\n"  # a cell beyond the header: a column 'Column C'
    source = tmp_path / "wide.csv"
    source.write_text(rows, encoding="utf-8")
    report = tmp_path / "r.csv"
    status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--map",
                                "Cep Telefonu=phone_number", "--map", "Column C=last_name", "--dry-run",
                                "--report", str(report)], monkeypatch)
    assert status == 0, err
    assert "51 ready" in out
    table = read_table(source)
    assert table.headers == ["Ad", "Cep Telefonu", "Column C"]
    prepared = prepare(table, {1: "phone_number", 2: "last_name"}, {}, get_provider("octopush"))
    expected = tmp_path / "expected.csv"
    ready = {c.key: RowResult(c.key, Outcome.READY, message="Ready to send to Octopush.")
             for c in prepared.contacts}
    write_report(expected, table, ready, prepared.checks)
    assert report.read_bytes() == expected.read_bytes()

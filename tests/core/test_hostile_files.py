"""Hostile files (issue 10, item 4): each one is refused with one sentence or read, never an abort or a hang.

Files are generated here in ``tmp_path``. The cases that aborted the process or exhausted memory before the
fix run the reader in a child process with an address-space limit of 1.5 GB and a time limit, so a
regression shows as a failed test (the child dies or times out) instead of a dead test run or a swapping
machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from core.errors import FileProblem
from core.reading import list_sheets, read_table
from tests.core import filegen as g

ROOT = Path(__file__).resolve().parents[2]
LIMIT_BYTES = 1536 * 1024 * 1024  # the bound: about 1.5 GB

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROWS = (
    f'<row r="1">{cell("A1", "Name")}{cell("B1", "Email")}</row>'
    f'<row r="2">{cell("A2", "Ayşe")}{cell("B2", "ayse@example.com")}</row>'
)


def write_xlsx_xml(path: Path, rows_xml: str, *, dimension: str | None = None) -> Path:
    """A minimal real XLSX whose one sheet ("Contacts") holds ``rows_xml`` as its sheetData."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows_xml}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def read_in_child(path: Path) -> str:
    """Run read_table(path) in a child limited to 1.5 GB of address space (where the OS allows it); its
    one-line outcome."""
    code = textwrap.dedent(
        f"""
        import sys
        try:  # POSIX; where it is missing or refused the child still runs, without the bound
            import resource
            resource.setrlimit(resource.RLIMIT_AS, ({LIMIT_BYTES}, {LIMIT_BYTES}))
        except (ImportError, ValueError, OSError):
            pass
        from core.errors import FileProblem
        from core.reading import read_table
        try:
            table = read_table(sys.argv[1])
        except FileProblem as exc:
            print("FileProblem:", exc)
        else:
            print("read:", len(table.rows), "rows")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, f"the reader died (status {done.returncode}): {done.stderr[-2000:]}"
    return done.stdout.strip()


def one_sentence(text: str, name: str) -> str:
    assert name in text
    assert "\n" not in text
    assert "Traceback" not in text
    assert text.rstrip().endswith(".")
    return text


# ------------------------------------------------------------------------------------------ sheet extent


def test_single_cell_at_xfd1048576_is_refused_not_an_abort(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "far.xlsx", f'<row r="1048576">{cell("XFD1048576", "x")}</row>')
    assert path.stat().st_size < 4096
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:")
    text = one_sentence(outcome, "far.xlsx")
    assert "XFD1048576" in text
    assert "Ctrl+End" in text


def test_sparse_cell_at_aaa200000_is_refused(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "sparse.xlsx",
                          HEADER_ROWS + f'<row r="200000">{cell("AAA200000", "x")}</row>')
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:")
    assert "AAA200000" in one_sentence(outcome, "sparse.xlsx")


@pytest.mark.parametrize(
    ("name", "far_rows"),
    [
        # XML allows each of these spellings of the same attribute; calamine reads them all
        ("single_quotes", "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>"),
        ("tab", '<row\tr="1048576"><c\tr="XFD1048576"\tt="inlineStr"><is><t>x</t></is></c></row>'),
        ("newline", '<row\nr="1048576"><c\nr="XFD1048576"\nt="inlineStr"><is><t>x</t></is></c></row>'),
        ("spaces_around_equals",
         '<row r = "1048576"><c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'),
        ("lower_case", '<row r="1048576"><c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c></row>'),
        ("r_not_first", '<row r="1048576"><c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>'),
        # a canonical-looking reference in a text balances the count of a non-canonical cell
        ("decoy_text", '<row r="3"><c r="A3" t="inlineStr"><is><t> r="B3</t></is></c></row>'
                       "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>"),
        # one tag of megabytes: the scanner must not drop it
        ("huge_tag", '<row r="1048576"><c r="XFD1048576" t="inlineStr" x="' + "a" * (5 * 1024 * 1024)
                     + '"><is><t>x</t></is></c></row>'),
    ],
    ids=lambda value: value if len(value) < 30 else "",
)
def test_a_far_cell_written_in_any_xml_spelling_is_refused_not_an_abort(
    tmp_path: Path, name: str, far_rows: str
) -> None:
    path = write_xlsx_xml(tmp_path / f"{name}.xlsx", HEADER_ROWS + far_rows)
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:"), outcome
    one_sentence(outcome, f"{name}.xlsx")


def test_cells_without_references_are_placed_and_counted(tmp_path: Path) -> None:
    # rows and cells may omit r=""; 1 200 rows of 21 000 cells each would be a 25.2 M-cell grid
    wide = '<c t="inlineStr"><is><t>a</t></is></c>' + "<c/>" * 20_999
    path = write_xlsx_xml(tmp_path / "implicit.xlsx", HEADER_ROWS + f'<row r="1200">{wide}</row>')
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "AFBK1200" in str(exc.value) or "1,200 rows × 21,000 columns" in str(exc.value)


def test_a_lying_dimension_does_not_refuse_a_small_sheet(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "dim.xlsx", HEADER_ROWS, dimension="A1:XFD1048576")
    table = read_table(path)
    assert table.headers == ["Name", "Email"]
    assert table.rows == [["Ayşe", "ayse@example.com"]]


def test_a_stray_cell_within_the_limit_is_still_read(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "stray.xlsx", HEADER_ROWS + f'<row r="5000">{cell("Z5000", " ")}</row>')
    table = read_table(path)
    assert table.rows[0][:2] == ["Ayşe", "ayse@example.com"]


def write_ods_table(path: Path, table_xml: str) -> Path:
    """A real ODS (via filegen) whose one table's rows are replaced by ``table_xml``."""
    g.write_ods(path, {"Contacts": [["Name"], ["x"]]})
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    content = items["content.xml"].decode("utf-8")
    start = content.index('<table:table table:name="Contacts">') + len('<table:table table:name="Contacts">')
    end = content.index("</table:table>")
    items["content.xml"] = (content[:start] + table_xml + content[end:]).encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), items.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in items.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def test_ods_cell_after_repeated_rows_and_columns_is_refused(tmp_path: Path) -> None:
    path = write_ods_table(
        tmp_path / "far.ods",
        f"<table:table-row>{ODS_CELL}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048570">'
        f'<table:table-cell table:number-columns-repeated="16000"/>{ODS_CELL}</table:table-row>',
    )
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:")
    assert "Contacts" in one_sentence(outcome, "far.ods")
    with pytest.raises(FileProblem):
        list_sheets(path)  # the window's sheet list reads the same workbook: refused the same way


@pytest.mark.parametrize(("quote", "before"), [("'", ""), ('"', ""), ('"', "table:style-name='a>b' ")])
def test_ods_repeats_in_any_xml_spelling_are_counted(tmp_path: Path, quote: str, before: str) -> None:
    # single quotes, spaces around "=" and a ">" inside an attribute value are XML too: 11 000 rows ×
    # 9 000 columns is below calamine's own 100 M-cell limit, but would cost it about 3 GB
    rows = f"{before}table:number-rows-repeated = {quote}11000{quote}"
    cols = f"{before}table:number-columns-repeated ={quote}9000{quote}"
    path = write_ods_table(
        tmp_path / "quoted.ods",
        f"<table:table-row>{ODS_CELL}</table:table-row>"
        f"<table:table-row {rows}><table:table-cell/></table:table-row>"
        f"<table:table-row><table:table-cell {cols}/>{ODS_CELL}</table:table-row>",
    )
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:"), outcome
    assert "far too large" in one_sentence(outcome, "quoted.ods")


def test_ods_trailing_repeated_empty_rows_cost_nothing(tmp_path: Path) -> None:
    # what LibreOffice writes after the last row: a million repeated empty rows of 1 024 empty cells
    path = write_ods_table(
        tmp_path / "trail.ods",
        f"<table:table-row>{ODS_CELL}{ODS_CELL}</table:table-row>"
        f"<table:table-row>{ODS_CELL}{ODS_CELL}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    )
    assert read_table(path).rows == [["x", "x"]]


# ------------------------------------------------------------------------------------------ zip members


def _add_member_stream(path: Path, member: str, piece: bytes, repeat: int) -> None:
    """Append ``member`` holding ``piece`` × ``repeat`` to the zip, compressed as it is written."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open(member, "w", force_zip64=True) as fh:
        for _ in range(repeat):
            fh.write(piece)


def test_shared_strings_expanding_to_1_gib_are_refused_before_reading(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "bomb.xlsx", HEADER_ROWS)
    piece = b"<si><t>x</t></si>" * (1024 * 1024 // 17) + b" " * (1024 * 1024 % 17)
    _add_member_stream(path, "xl/sharedStrings.xml", piece, 1024)  # 1 GiB once unpacked
    assert path.stat().st_size < 8 * 1024 * 1024
    outcome = read_in_child(path)
    assert outcome.startswith("FileProblem:")
    assert "unpacked" in one_sentence(outcome, "bomb.xlsx")


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the zip directory and local header so ``member`` claims to expand to ``declared`` bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    data[local + 22:local + 26] = declared.to_bytes(4, "little")
    name = member.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0
        length = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + length]) == name:
            break
        pos += 4
    data[pos + 24:pos + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_a_member_that_expands_beyond_its_declared_size_is_refused(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "liar.xlsx", HEADER_ROWS)
    _add_member_stream(path, "xl/sharedStrings.xml", b" " * (1024 * 1024), 64)  # 64 MB of spaces
    _lie_about_size(path, "xl/sharedStrings.xml", 1000)  # ...that claim to be 1 000 bytes
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "damaged" in str(exc.value)


def test_declared_sizes_are_checked_first(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "declared.xlsx", HEADER_ROWS)
    _add_member_stream(path, "xl/styles.xml", b"<styleSheet/>", 1)
    _lie_about_size(path, "xl/styles.xml", 4_000_000_000)  # claims 4 GB
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "unpacked" in str(exc.value)


def test_a_normal_workbook_passes_the_checks(tmp_path: Path) -> None:
    path = g.write_xlsx(tmp_path / "ok.xlsx", [g.CONTACT_HEADERS, *g.contact_rows(50)])
    assert len(read_table(path).rows) == 50


# ------------------------------------------------------------------------------------------ text files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_called_csv_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    outcome = read_in_child(fifo)  # before the fix the child blocked until the 120 s timeout
    assert outcome.startswith("FileProblem:")
    assert "named pipe" in one_sentence(outcome, "x.csv")


def test_a_nul_byte_after_the_first_64_kb_is_refused_with_its_row(tmp_path: Path) -> None:
    rows = [g.CONTACT_HEADERS, *g.contact_rows(2000)]
    text = g.csv_text(rows)
    assert len(text.encode("utf-8")) > 96 * 1024
    lines = text.split("\r\n")
    lines[1500] = lines[1500].replace("kisi", "ki\x00si")  # row 1501 as a spreadsheet shows it
    path = tmp_path / "nul.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    text = str(exc.value)
    assert "NUL" in text
    assert "row 1501" in text


def test_a_20_mb_unquoted_cell_gets_its_own_sentence(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Name,Email\r\nAyşe,ayse@example.com\r\n")
        fh.write("x" * (20 * 1024 * 1024) + ",b@example.com\r\n")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    text = str(exc.value)
    assert "never closed" not in text
    assert "cell of more than 16 MB" in text
    assert "row 3" in text


def test_a_1_mb_unquoted_cell_is_a_big_cell_not_a_quote(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Name,Email\r\nAyşe,ayse@example.com\r\n" + "y" * (1024 * 1024) + ",c@example.com\r\n",
                    encoding="utf-8", newline="")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    text = str(exc.value)
    assert "never closed" not in text
    assert "cell of more than 128 KB" in text
    assert "row 3" in text


def test_an_unclosed_quote_is_still_named_as_such(tmp_path: Path) -> None:
    body = "Name,Email\r\nAyşe,ayse@example.com\r\n\"Open,quote@example.com\r\n" + "z,z\r\n" * 40_000
    path = tmp_path / "quote.csv"
    path.write_text(body, encoding="utf-8", newline="")
    with pytest.raises(FileProblem) as exc:
        read_table(path)
    assert "never closed" in str(exc.value)

"""Checks that keep a hostile workbook from exhausting memory or aborting the process (SPEC 5).

python-calamine is native code: when it cannot allocate it aborts the whole process (no exception), and it
lays every sheet out as a dense grid from the first to the last used cell. So before calamine sees a
workbook we look at it ourselves, within fixed time and memory:

* **Zip members** (:func:`check_zip_members`): the sizes the zip directory declares — each member and all
  together — and the compression ratio, then every member is decompressed in 1 MB pieces up to its
  declared size and its CRC checked, so a directory that understates a member's size (a "zip bomb" with a
  lying header) is caught by the CRC instead of by an allocation.
* **Sheet extent** (:func:`check_sheet_extent`): the cells a dense grid of the chosen sheet would hold,
  counted from A1 as our reader lays it out. For XLSX/XLSM the sheet's XML is scanned as a stream for
  row and cell references (``<dimension>`` is not trusted: it is optional and can lie; cells without an
  ``r`` attribute are placed as Excel places them). For ODS the table's rows and columns are counted
  with their ``number-rows-repeated``/``number-columns-repeated`` attributes, up to the last cell that
  holds a value (LibreOffice's repeated empty rows at the end cost nothing).

A sheet whose grid would exceed :data:`MAX_SHEET_CELLS` is refused with one sentence: such a sheet is
almost always a contact list with one stray cell far away (a space typed in XFD1048576), which the user
removes in seconds, whereas reading it sparsely ourselves would duplicate calamine's date and number
formatting. XLS (BIFF8) cannot go beyond 65 536 × 256 cells, which calamine holds in about 0.5 GB, and
XLSB is binary; both are left to calamine.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, Final
from xml.etree import ElementTree
from xml.parsers import expat

from core.errors import FileProblem
from core.i18n import N_, _, number

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_SHEET_BYTES",
    "MAX_SHEET_CELLS",
    "MAX_TOTAL_BYTES",
    "check_sheet_extent",
    "check_zip_members",
]

MIB: Final = 1024 * 1024
#: A member calamine holds whole (the shared strings, styles, the workbook) may expand to this much;
#: 128 MiB of the smallest shared strings cost calamine about 450 MB and 6 s (measured: 250 MiB, 841 MB).
MAX_MEMBER_BYTES: Final = 128 * MIB
#: A worksheet is read as a stream (its cost is its grid, checked separately), so it may be larger.
MAX_SHEET_BYTES: Final = 1024 * MIB
#: All members together.
MAX_TOTAL_BYTES: Final = 1536 * MIB
#: Above this expansion ratio a member larger than RATIO_FLOOR is a bomb, not a spreadsheet (real sheets
#: compress 5–30×; rows of identical empty cells reach about 100×).
MAX_RATIO: Final = 250
RATIO_FLOOR: Final = 16 * MIB
#: Cells of the dense grid a sheet may need (calamine: 32 bytes each, then our text rows).
MAX_SHEET_CELLS: Final = 25_000_000
_PIECE: Final = 1024 * 1024
_SMALL_XML: Final = 8 * MIB  # workbook.xml and its relationships are parsed whole only below this

_DAMAGED = N_("{name} is damaged or incomplete (it may have been cut off while copying); "
              "open it in Excel or LibreOffice and save it again.")


def _too_big(name: str) -> FileProblem:
    return FileProblem(
        _("{name} cannot be opened safely: once unpacked, a part of it would take more memory than this "
          "program allows (a workbook like this is damaged or built to exhaust memory); save the data as "
          "CSV or split it into smaller files.").format(name=name)
    )


def check_zip_members(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip whose members expand beyond the limits, declared or real (see the module docstring)."""
    infos = zf.infolist()
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        sheet = info.filename.startswith(("xl/worksheets/", "content.xml"))
        if size > (MAX_SHEET_BYTES if sheet else MAX_MEMBER_BYTES) or total > MAX_TOTAL_BYTES:
            raise _too_big(name)
        if size > RATIO_FLOOR and size > MAX_RATIO * max(1, info.compress_size):
            raise _too_big(name)
    for info in infos:
        if info.is_dir():
            continue
        try:
            with zf.open(info) as member:
                # ZipExtFile never returns more than the declared size and checks the CRC at the end:
                # a member that really expands further fails the CRC instead of filling memory.
                while member.read(_PIECE):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise FileProblem(_(_DAMAGED).format(name=name)) from None


# ------------------------------------------------------------------------------------------ extent


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _member_bytes(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """The member's bytes in pieces that each end at a ``>`` (no tag is cut in two)."""
    carry = b""
    with zf.open(member) as fh:
        while piece := fh.read(_PIECE):
            data = carry + piece
            cut = data.rfind(b">") + 1
            carry = data[cut:]
            if len(carry) > 4 * _PIECE:  # one tag of megabytes: not a spreadsheet we can lay out
                raise _Unreadable
            if cut:
                yield data[:cut]
    if carry:
        yield carry


_COLUMN_REF: Final = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
# the start of every cell element, however its attributes are written, with or without a prefix
_CELL_START: Final = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ANY_REF: Final = re.compile(r"([A-Za-z]*)([0-9]*)")
_NUMBER_REF: Final = re.compile(rb' r="[A-Z]{0,3}([0-9]{1,9})"')


def _xlsx_extent(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """(last row, last column), 1-based, of the cells of one XLSX worksheet, scanned as a stream.

    The fast path (every cell has its ``r="B7"``, as Excel and every common library write it) only
    collects the distinct column letters and the largest row number; about 0.3 s for 100 000 rows.
    """
    max_row = 0
    columns: set[bytes] = set()
    for data in _member_bytes(zf, member):
        letters = _COLUMN_REF.findall(data)
        # every cell must open exactly as <c r="B7" (what the count of _COLUMN_REF matches): a cell in any
        # other spelling XML allows (r='B7', a tab or a newline before r, r = "B7", r="b7", r not first,
        # a prefix) is counted here but not there, and the sheet is read by the XML parser instead
        # "<c" also starts <col>, <cols>…: counted exactly (the regular expression, also for a prefixed
        # <x:c …>) only in the pieces where the quick count does not settle it
        cells = data.count(b"<c")
        if cells != len(letters) or b":c" in data:
            cells = len(_CELL_START.findall(data))
        if len(letters) != cells:
            return _xlsx_extent_slow(zf, member)
        columns.update(letters)
        numbers = _NUMBER_REF.findall(data)
        if numbers:
            # equal-length digit strings compare as numbers; only mixed lengths need a second look
            longest = len(max(numbers, key=len))
            if len(min(numbers, key=len)) != longest:
                numbers = [n for n in numbers if len(n) == longest]
            max_row = max(max_row, int(max(numbers)))
    max_col = max((_column_number(c.decode("ascii")) for c in columns), default=0)
    return max_row, max_col


def _xlsx_extent_slow(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """Like :func:`_xlsx_extent` for sheets in any other spelling, read by expat as calamine's XML reader
    reads them (any quotes and white space, references in either case, character references decoded);
    rows and cells without ``r`` each follow the last."""
    extent = [0, 0, 0, 0]  # row, column, last row, last column

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag not in ("row", "c"):
            return
        ref = attrs.get("r")
        if ref is None:
            ref = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "r"), None)
        found = _ANY_REF.fullmatch(ref.strip()) if ref is not None else None
        letters, digits = (found.group(1).upper(), found.group(2)) if found else ("", "")
        if tag == "row":
            extent[0] = int(digits) if digits else extent[0] + 1
            extent[1] = 0
        else:
            extent[1] = _column_number(letters) if letters else extent[1] + 1
            if letters and digits:
                extent[0] = int(digits)
            extent[3] = max(extent[3], extent[1])
        extent[2] = max(extent[2], extent[0])

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with zf.open(member) as fh:
            while piece := fh.read(_PIECE):
                parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        # not well-formed XML: what calamine would make of it cannot be told, so it is not read
        raise _Unreadable from None
    return extent[2], extent[3]


class _Unreadable(Exception):
    """A worksheet that is not well-formed XML, or holds a single tag of megabytes."""


_ODS_TABLE_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_extents(zf: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Table name → (last row, last column), 1-based, of the cells holding a value, for every ODS table.

    Read by expat with namespaces (whatever the prefixes, quotes, white space or a ``>`` inside an
    attribute value); ``number-rows-repeated``/``number-columns-repeated`` are counted. A cell holds a value
    when it has a ``value-type`` or any content (a paragraph, text).
    """
    table_ns = _ODS_TABLE_NS + " "
    extents: dict[str, tuple[int, int]] = {}
    state: dict[str, Any] = {"table": None, "row": 0, "col": 0, "rows_repeat": 1, "max_row": 0, "max_col": 0,
                             "cell": None}  # cell: [first column, repeat, has content] of an open cell

    def repeat(attrs: dict[str, str], name: str) -> int:
        value = attrs.get(table_ns + name, "1").strip()
        return int(value) if value.isdigit() else 1

    def count(first: int, cols_repeat: int) -> None:
        state["max_col"] = max(state["max_col"], first + cols_repeat - 1)
        state["max_row"] = max(state["max_row"], state["row"] + state["rows_repeat"] - 1)

    def start(name: str, attrs: dict[str, str]) -> None:
        cell = state["cell"]
        if cell is not None:
            cell[2] = True  # an element inside the cell: content
        if not name.startswith(table_ns):
            return
        tag = name[len(table_ns):]
        if tag == "table":
            state.update(table=attrs.get(table_ns + "name", ""), row=0, col=0, max_row=0, max_col=0)
        elif state["table"] is None:
            return
        elif tag == "table-row":
            state["rows_repeat"] = repeat(attrs, "number-rows-repeated")
            state["row"] += 1
            state["col"] = 0
        elif tag in ("table-cell", "covered-table-cell"):
            cols_repeat = repeat(attrs, "number-columns-repeated")
            first = state["col"] + 1
            state["col"] += cols_repeat
            if any(key.rpartition(" ")[2] == "value-type" for key in attrs):
                count(first, cols_repeat)
            else:
                state["cell"] = [first, cols_repeat, False]

    def end(name: str) -> None:
        if not name.startswith(table_ns):
            return
        tag = name[len(table_ns):]
        if tag == "table" and state["table"] is not None:
            extents[state["table"]] = (state["max_row"], state["max_col"])
            state["table"] = None
        elif tag == "table-row":
            state["row"] += state["rows_repeat"] - 1
            state["rows_repeat"] = 1
        elif tag in ("table-cell", "covered-table-cell"):
            cell = state["cell"]
            if cell is not None and cell[2]:
                count(cell[0], cell[1])
            state["cell"] = None

    def text(data: str) -> None:
        cell = state["cell"]
        if cell is not None and data.strip():
            cell[2] = True

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with zf.open("content.xml") as fh:
            while piece := fh.read(_PIECE):
                parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise _Unreadable from None
    if state["table"] is not None:
        extents[state["table"]] = (state["max_row"], state["max_col"])
    return extents


def _xlsx_sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of each worksheet, from xl/workbook.xml and its relationships."""
    try:
        infos = {i.filename: i for i in zf.infolist()}
        book, rels = infos.get("xl/workbook.xml"), infos.get("xl/_rels/workbook.xml.rels")
        if book is None or rels is None or book.file_size > _SMALL_XML or rels.file_size > _SMALL_XML:
            return {}
        targets: dict[str, str] = {}
        for element in ElementTree.fromstring(zf.read(rels)).iter():
            if element.tag.endswith("Relationship"):
                target = element.get("Target", "")
                member = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[element.get("Id", "")] = member
        members: dict[str, str] = {}
        for element in ElementTree.fromstring(zf.read(book)).iter():
            if element.tag.endswith("}sheet") or element.tag == "sheet":
                rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
                if rid in targets:
                    members[element.get("name", "")] = targets[rid]
        return members
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile, zlib.error, OSError):
        return {}


def check_sheet_extent(zf: zipfile.ZipFile, name: str, sheet: str | None = None) -> None:
    """Refuse a workbook whose sheet would need too large a dense grid (see the module docstring).

    XLSX/XLSM: the sheet ``sheet`` (calamine reads one sheet at a time). ODS: every table, whatever
    ``sheet`` says, since calamine reads them all when it opens the file.
    """
    names = set(zf.namelist())
    extents: dict[str, tuple[int, int]]
    if "content.xml" in names and "xl/workbook.xml" not in names:
        try:
            extents = _ods_extents(zf)
        except _Unreadable:
            raise FileProblem(_(_DAMAGED).format(name=name)) from None
    elif "xl/workbook.xml" in names and sheet is not None:
        members = _xlsx_sheet_members(zf)
        member = members.get(sheet)
        if member is not None and member in names:
            candidates = [member]
        else:  # an unusual layout: judge by the largest grid of any worksheet
            candidates = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        try:
            found = [_xlsx_extent(zf, m) for m in candidates]
        except _Unreadable:
            raise FileProblem(_(_DAMAGED).format(name=name)) from None
        extents = {sheet: max(found, key=lambda e: e[0] * e[1], default=(0, 0))}
    else:
        return
    for table, (rows, cols) in extents.items():
        if rows * cols > MAX_SHEET_CELLS:
            corner = f"{_column_letters(cols)}{rows}"
            raise FileProblem(
                _("{name}: sheet “{sheet}” reaches cell {corner} ({rows} rows × {columns} columns), which "
                  "is far too large to read; in Excel or LibreOffice press Ctrl+End to find the last cell, "
                  "delete the empty rows and columns beyond your data, and save again.").format(
                    name=name, sheet=table, corner=corner, rows=number(rows), columns=number(cols))
            )

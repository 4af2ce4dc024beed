"""Read a spreadsheet into a :class:`Table` of text cells, as the user typed them.

Formats: CSV/TSV/TXT (any delimiter among ``,`` ``;`` tab ``|``), XLSX, XLSM, XLS and ODS. Workbooks are
read with python-calamine (openpyxl is about ten times slower). The format is decided from the file's
content first and its name second, so an ``.xlsx`` renamed ``.csv`` still opens, and a web page or text file
saved as ``.xls`` is recognised.

Contract of the cells
    Every cell is a ``str``. Text cells are kept exactly as read: **no trimming** (validation trims), no
    loss of leading zeros or ``+``. Workbook values are turned into the text the user sees: integers
    without ``.0`` and never in scientific notation (a phone Excel stored as the number 33611223344 and
    shows as ``3.36112E+10`` comes back as ``33611223344``), other numbers with Excel's 15 significant
    digits, dates as ISO ``2026-01-31`` (``2026-01-31 13:45:00`` with a time), booleans ``TRUE``/``FALSE``.
    A CSV cell typed as ``3.36112E+10`` has already lost digits and cannot be recovered; it is kept as is
    and :func:`looks_scientific` lets validation flag it.

Rows
    Empty rows (every cell empty or blank) are dropped everywhere. ``Table.row_numbers[i]`` is the row
    number a spreadsheet program shows for ``Table.rows[i]``: the workbook row index + 1, or for a CSV
    the record number (a quoted field containing line breaks is still one row; blank lines count, as they
    do when Excel or LibreOffice opens the file; an Excel ``sep=;`` first line is not a row).

Headers
    The header row is detected among the first rows (title and blank rows above it are skipped); an
    explicit ``header_row`` (1-based, as shown) wins. Rows above the header are ignored. Header names are
    the only trimmed text (runs of spaces and line breaks become one space: "Cep\nTelefonu" →
    "Cep Telefonu"). An empty header cell is named after its column letter (``"Column C"``); repeated
    names get a suffix (``"Phone (2)"``, compared case-insensitively). A column with neither a name nor
    any data (e.g. column A when the table starts in B) is left out.

Cells beyond the header width
    Nothing is silently dropped: when a data row has non-empty cells to the right of the last header, the
    table is widened and the new columns are named ``"Column F"`` etc. (a note is added to ``Table.notes``).
    Every row is then padded with ``""`` (or has its trailing empty cells cut) to exactly
    ``len(headers)`` cells.

Errors
    A file that cannot be read raises :class:`core.errors.FileProblem` with one sentence naming the file
    (missing, empty, header only, corrupt or truncated, password-protected, binary, undecodable). A bad
    argument (unknown sheet, encoding or delimiter name, header row outside the file) raises
    :class:`core.errors.UsageError`. Both exit with status 2.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import math
import os
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Final

from core.errors import FileProblem, UsageError
from core.i18n import N_, _, ngettext, pgettext
from core.i18n import number as localised_number
from core.workbook_guard import check_sheet_extent, check_zip_members

__all__ = [
    "DELIMITERS",
    "TEXT_SUFFIXES",
    "WORKBOOK_SUFFIXES",
    "RawSheet",
    "Table",
    "TableStream",
    "cell_text",
    "column_letter",
    "detect_encoding",
    "detect_header_row",
    "list_sheets",
    "looks_scientific",
    "read_raw",
    "read_table",
    "sniff_delimiter",
    "stream_table",
]

TEXT_SUFFIXES: Final = frozenset({".csv", ".tsv", ".txt", ".tab"})
WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
#: Delimiters we sniff, in order of preference when two score the same.
DELIMITERS: Final = (",", ";", "\t", "|")
DELIMITER_NAMES: Final = {
    "comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|", "space": " ",
}

HEADER_SCAN_ROWS: Final = 30   # rows looked at to find the header
_SAMPLE_BYTES: Final = 64 * 1024
_CHUNK: Final = 1024 * 1024

_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")

# Bytes that are Turkish letters in cp1254/ISO-8859-9 (Ğ İ Ş ğ ı ş) but Icelandic ones in cp1252.
_TURKISH_BYTES: Final = (0xD0, 0xDD, 0xDE, 0xF0, 0xFD, 0xFE)
# Control bytes that never occur in text (tab, LF, VT, FF, CR and Ctrl-Z are allowed).
_BINARY_BYTES: Final = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))

_SCIENTIFIC = re.compile(r"^\s*[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+\s*$")
_NUMBERISH = re.compile(r"^[\s+\-().,/:%€$£₺0-9]*$")

_ODS_PASSWORD_SENTENCE = N_(
    "{name} is protected by a password; open it in LibreOffice, choose File → Save As, untick "
    "“Save with password” and save again."
)
_PASSWORD_SENTENCE = N_(
    "{name} is protected by a password; remove the password in Excel "
    "(File → Info → Protect Workbook) and save again."
)


# ------------------------------------------------------------------------------------------ results


@dataclass(slots=True)
class Table:
    """A sheet read as text: the header names and the data rows below them.

    ``rows[i]`` has exactly ``len(headers)`` cells and is shown as row ``row_numbers[i]`` by a
    spreadsheet program. ``header_row`` is 1-based, as shown; 0 when the sheet has no header row (its
    columns are then named ``Column A``…). ``encoding``/``delimiter`` are what was detected (or given) for a
    text file, ``None`` for a workbook. ``header_detected`` is False when the
    caller chose the header row; ``header_confidence`` (0–1) says how sure the detection was.
    """

    path: Path
    sheet: str | None
    sheets: list[str]
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row: int
    encoding: str | None
    delimiter: str | None
    header_detected: bool = True
    header_confidence: float = 1.0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, index: int) -> list[str]:
        """All data cells of one column, in row order."""
        return [row[index] for row in self.rows]


@dataclass(slots=True)
class RawSheet:
    """Every non-empty row of a sheet, untouched, for a header-row picker.

    ``rows[i]`` is shown as row ``row_numbers[i]``; rows are padded to the same width. ``header_row`` is
    the detected header (1-based; 0 when the first row is already a contact). ``truncated`` is True when
    ``limit`` stopped the reading early.
    """

    path: Path
    sheet: str | None
    sheets: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row: int
    encoding: str | None
    delimiter: str | None
    truncated: bool = False
    header_confidence: float = 1.0


# ------------------------------------------------------------------------------------------ public API


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read the file at ``path`` into a :class:`Table`.

    ``sheet``: a sheet name (exact, else case-insensitive) or a 0-based index; default the first visible
    worksheet; ignored for text files. ``header_row``: 1-based row number as shown, 0 for a sheet without a
    header row; default detected.
    ``encoding`` and ``delimiter`` override detection for text files and are ignored for workbooks
    (``delimiter`` may also be ``"tab"``, ``"comma"``, ``"semicolon"`` or ``"pipe"``).
    Raises FileProblem (the file) or UsageError (an argument); cells are not trimmed.
    """
    source = _open_source(Path(path), sheet=sheet, encoding=encoding, delimiter=delimiter)
    rows, numbers = _collect(source.records, limit=None)
    name = source.path.name
    if not rows:
        raise _empty_problem(name, source)

    if header_row is None:
        index, confidence = detect_header_row(rows[:HEADER_SCAN_ROWS])
        detected = True
        if headerless(rows[:HEADER_SCAN_ROWS], index):
            header_row = 0
    elif header_row == 0:  # chosen: the sheet has no header row
        confidence, detected = 1.0, False
    else:
        index = _header_index(numbers, header_row, source)
        confidence, detected = 1.0, False
    if header_row == 0:  # no header row: every row is data, the columns are named by their letters
        header_number = 0
        headers, notes = _shape(letter_headers(max(len(r) for r in rows)), rows)
        notes.insert(0, _headerless_note(name, numbers[0]))
    else:
        header = rows[index]
        header_number = numbers[index]
        del rows[: index + 1]
        del numbers[: index + 1]
        if not rows:
            raise _no_data_problem(name, header_number, source)
        headers, notes = _shape(header, rows)
    return Table(
        path=source.path,
        sheet=source.sheet,
        sheets=source.sheets,
        headers=headers,
        rows=rows,
        row_numbers=numbers,
        header_row=header_number,
        encoding=source.encoding,
        delimiter=source.delimiter,
        header_detected=detected,
        header_confidence=confidence,
        notes=notes,
    )


@dataclass(slots=True)
class TableStream:
    """A sheet read row by row: the headers, row numbers and cells :func:`read_table` gives, without
    holding the rows.

    A text file is read once here (to find the header row and the columns' shape, and to refuse a bad
    file before anything is sent) and once more per iteration; memory does not grow with its rows. A
    workbook is read whole (``table`` holds it). Iterating yields ``(row number as shown, cells)``, each
    row exactly ``len(headers)`` cells, as ``zip(Table.row_numbers, Table.rows)`` would.
    """

    path: Path
    sheet: str | None
    sheets: list[str]
    headers: list[str]
    header_row: int
    encoding: str | None
    delimiter: str | None
    count: int  # data rows
    header_detected: bool = True
    header_confidence: float = 1.0
    notes: list[str] = field(default_factory=list)
    table: Table | None = None  # a workbook, read whole
    _rows: Any = None  # () -> Iterator[tuple[int, list[str]]] for a text file
    # read without the first pass (``scan=False``): None until a whole iteration says whether the shape
    # assumed from the header row (its columns, nothing to the right) was the file's; True when read
    # with the first pass
    confirmed: bool | None = True

    @classmethod
    def of(cls, table: Table) -> TableStream:
        return cls(path=table.path, sheet=table.sheet, sheets=table.sheets, headers=table.headers,
                   header_row=table.header_row, encoding=table.encoding, delimiter=table.delimiter,
                   count=len(table.rows), header_detected=table.header_detected,
                   header_confidence=table.header_confidence, notes=table.notes, table=table)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        if self.table is not None:
            return zip(self.table.row_numbers, self.table.rows, strict=True)
        rows: Iterator[tuple[int, list[str]]] = self._rows()
        return rows

    def sample(self, limit: int) -> list[list[str]]:
        """The first ``limit`` data rows (what mapping suggestions look at)."""
        if self.table is not None:
            return self.table.rows[:limit]
        return [row for _number, row in itertools.islice(iter(self), limit)]


def stream_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    scan: bool = True,
) -> TableStream:
    """:func:`read_table` for a file too large to hold: the same arguments, errors and result, as a
    :class:`TableStream` (a CSV/TXT file streamed; a workbook read whole).

    ``scan=False`` saves the first pass over a text file whose header row names every column: its shape
    (the header's columns) is assumed, and a whole iteration then sets :attr:`TableStream.confirmed` —
    False when a row had cells to the right of the header (the rows read were not what
    :func:`read_table` gives: read it again with ``scan=True``). Errors of the file's body (no data rows, a
    NUL byte, a huge cell) are then raised by the iteration."""
    p = Path(path)
    if _kind(p, read_head(p)) == "workbook":
        return TableStream.of(read_table(p, sheet=sheet, header_row=header_row, encoding=encoding,
                                         delimiter=delimiter))
    first = _open_source(p, sheet=sheet, encoding=encoding, delimiter=delimiter)
    if first.encoding is None:  # not a text source after all
        return TableStream.of(read_table(p, sheet=sheet, header_row=header_row, encoding=encoding,
                                         delimiter=delimiter))
    # the reading as detected, so that every later pass reads the file the same way
    codec_name, delim = first.encoding, first.delimiter

    def records() -> Iterator[tuple[int, list[str]]]:
        source = _open_source(p, sheet=None, encoding=codec_name, delimiter=delim)
        strip = str.strip
        for number, row in source.records:
            if any(map(strip, row)):
                yield number, row

    name = first.path.name
    strip = str.strip
    rest = ((n, r) for n, r in first.records if any(map(strip, r)))
    detected = True
    confidence = 1.0
    head: list[tuple[int, list[str]]] = []
    header: list[str] = []
    header_number = 0
    if header_row is None or header_row == 0:
        head = list(itertools.islice(rest, HEADER_SCAN_ROWS))
        if not head:
            raise _empty_problem(name, first)
        if header_row is None:
            rows = [r for _n, r in head]
            index, confidence = detect_header_row(rows)
            if headerless(rows, index):
                header_row = 0
            else:
                header, header_number = head[index][1], head[index][0]
                head = head[index + 1:]
        else:
            detected = False
    else:
        detected = False
        numbers: list[int] = []
        for number, row in rest:
            numbers.append(number)
            if number >= header_row:
                header = row
                break
        if not numbers:
            raise _empty_problem(name, first)
        index = _header_index(numbers, header_row, first)
        header_number = numbers[index]
    shape = _StreamShape(header, headerless=header_row == 0)
    if not scan and header_row != 0 and shape.header_width and not shape.blank_named:
        return _unscanned(first, records, header, header_number, detected, confidence)
    for _number, row in itertools.chain(head, rest):
        shape.add(row)
    if not shape.count:
        raise _no_data_problem(name, header_number, first)
    headers, notes, width, keep = shape.result()
    if header_row == 0:
        notes.insert(0, _headerless_note(name, head[0][0]))

    def data() -> Iterator[tuple[int, list[str]]]:
        for number, row in records():
            if number <= header_number:
                continue
            n = len(row)
            if n < width:
                row.extend([""] * (width - n))
            elif n > width:
                del row[width:]
            yield number, (row if keep is None else [row[i] for i in keep])

    return TableStream(path=first.path, sheet=first.sheet, sheets=first.sheets, headers=headers,
                       header_row=header_number, encoding=first.encoding, delimiter=first.delimiter,
                       count=shape.count, header_detected=detected, header_confidence=confidence,
                       notes=notes, _rows=data)


def _unscanned(source: _Source, records: Any, header: list[str], header_number: int, detected: bool,
               confidence: float) -> TableStream:
    """A text file read without the first pass (see :func:`stream_table`)."""
    name = source.path.name
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    headers = _header_names(header[:width])
    stream = TableStream(path=source.path, sheet=source.sheet, sheets=source.sheets, headers=headers,
                         header_row=header_number, encoding=source.encoding, delimiter=source.delimiter,
                         count=0, header_detected=detected, header_confidence=confidence, confirmed=None)

    def data() -> Iterator[tuple[int, list[str]]]:
        shape = _StreamShape(header, headerless=False)
        add = shape.add
        for number, row in records():
            if number <= header_number:
                continue
            add(row)
            n = len(row)
            if n < width:
                row.extend([""] * (width - n))
            elif n > width:
                del row[width:]
            yield number, row
        if not shape.count:
            raise _no_data_problem(name, header_number, source)
        stream.count = shape.count
        found, notes, found_width, keep = shape.result()
        stream.confirmed = found == headers and not notes and found_width == width and keep is None

    stream._rows = data
    return stream


class _StreamShape:
    """What :func:`_shape` decides from all the rows, gathered one row at a time."""

    def __init__(self, header: list[str], *, headerless: bool) -> None:
        self.header = header
        self.headerless = headerless
        width = len(header)
        while width and not header[width - 1].strip():
            width -= 1
        self.header_width = width
        self.width = width
        self.widened_rows = 0
        self.max_len = 0
        self.count = 0
        # columns without a name (within the header) and whether any row has data there
        self.blank_named = [i for i in range(width) if not header[i].strip()]
        self.filled: set[int] = set()

    def add(self, row: list[str]) -> None:
        self.count += 1
        n = len(row)
        if n > self.max_len:
            self.max_len = n
        if self.headerless:
            return
        width = self.width
        header_width = self.header_width
        if n > width:
            last = n
            while last > width and not row[last - 1].strip():
                last -= 1
            if last > width:
                self.width = last
        if n > header_width:
            extra = [i for i in range(header_width, n) if row[i].strip()]
            if extra:
                self.widened_rows += 1
                self.filled.update(extra)
        filled = self.filled
        for i in self.blank_named:
            if i < n and i not in filled and row[i].strip():
                filled.add(i)

    def result(self) -> tuple[list[str], list[str], int, list[int] | None]:
        """(headers, notes, width every row is padded or cut to, the columns kept or None for all)."""
        if self.headerless:
            width = self.max_len
            return letter_headers(width), [], width, None
        header = self.header
        width = max(self.width, 1)
        names = _header_names(header[:width] + [""] * max(0, width - len(header)))
        keep: list[int] | None = None
        filled = self.filled
        blank = {i for i in range(width) if (i >= len(header) or not header[i].strip()) and i not in filled}
        if blank and len(blank) < width:
            keep = [i for i in range(width) if i not in blank]
            names = [names[i] for i in keep]
        notes: list[str] = []
        if width > self.header_width and self.widened_rows:
            kept = keep if keep is not None else list(range(width))
            extra = ", ".join(name for i, name in zip(kept, names, strict=True) if i >= self.header_width)
            notes.append(_widened_note(self.widened_rows, extra))
        return names, notes, width, keep


def read_raw(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    limit: int | None = None,
) -> RawSheet:
    """Every non-empty row (at most ``limit``) with its row number, plus the detected header row."""
    hint = None if limit is None else 2 * limit + 64
    source = _open_source(Path(path), sheet=sheet, encoding=encoding, delimiter=delimiter, nrows=hint)
    rows, numbers = _collect(source.records, limit=limit)
    if limit is not None and len(rows) < limit and source.cut:
        # Many empty rows in the first part of the sheet: read it whole.
        source = _open_source(Path(path), sheet=sheet, encoding=encoding, delimiter=delimiter)
        rows, numbers = _collect(source.records, limit=limit)
    truncated = limit is not None and len(rows) >= limit and (source.cut or _has_more(source.records))
    if not rows:
        raise _empty_problem(source.path.name, source)
    index, confidence = detect_header_row(rows[:HEADER_SCAN_ROWS])
    no_header = headerless(rows[:HEADER_SCAN_ROWS], index)
    width = max(len(r) for r in rows)
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return RawSheet(
        path=source.path,
        sheet=source.sheet,
        sheets=source.sheets,
        rows=rows,
        row_numbers=numbers,
        header_row=0 if no_header else numbers[index],
        encoding=source.encoding,
        delimiter=source.delimiter,
        truncated=truncated,
        header_confidence=confidence,
    )


def list_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The worksheet names of a workbook in workbook order (hidden ones included); ``[]`` for a text file."""
    p = Path(path)
    head = read_head(p)
    if _kind(p, head) != "workbook":
        return []
    if _in_child(p):
        from core.workbook_child import child_sheets

        return child_sheets(p)
    book = _open_workbook(p, head)
    try:
        return _worksheet_names(book)
    finally:
        book.close()


def _in_child(path: Path) -> bool:
    """True when the workbook at ``path`` is read by a child process (:func:`core.workbook_child.isolate`)."""
    from core.workbook_child import wanted

    return wanted(path)


# ------------------------------------------------------------------------------------------ cells


def cell_text(value: Any) -> str:
    """The text a spreadsheet program shows for a workbook value (see the module docstring)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is float:
        return _float_text(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return str(value.date().isoformat())
        return str(value.isoformat(sep=" ", timespec="seconds"))
    if kind is dt.date or kind is dt.time:
        return str(value.isoformat())
    if kind is dt.timedelta:
        return _duration_text(value)
    if value is None:
        return ""
    return str(value)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(value, ".15g")  # Excel keeps 15 significant digits
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _duration_text(value: dt.timedelta) -> str:
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


def looks_scientific(text: str) -> bool:
    """True for text such as ``3.36112E+10``: a number Excel displayed in scientific notation that was
    then saved as text, so its last digits are lost and cannot be recovered."""
    return bool(_SCIENTIFIC.match(text))


def column_letter(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``: the column letters a spreadsheet program shows."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ------------------------------------------------------------------------------------------ header


def _header_like(cell: str) -> bool:
    text = cell.strip()
    if not text or len(text) > 60 or "@" in text:
        return False
    if _NUMBERISH.match(text):
        return False
    return any(ch.isalpha() for ch in text)


def _width(row: Sequence[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def detect_header_row(rows: Sequence[Sequence[str]]) -> tuple[int, float]:
    """Index (into ``rows``) of the likely header among the first rows, and a confidence 0–1.

    The header is the first row that is about as wide as the rows that follow it and whose cells are
    mostly words (not numbers, dates, e-mail addresses or phone numbers). Title rows ("Customer export
    2026") are narrower than the data below them and are skipped.
    """
    if not rows:
        return 0, 0.0
    widths = [_width(r) for r in rows]
    best, best_score = 0, -1.0
    for i, row in enumerate(rows):
        w = widths[i]
        if w == 0:
            continue
        following = widths[i + 1 : i + 11]
        typical = Counter(following).most_common(1)[0][0] if following else w
        if w < 2 and typical >= 2:
            continue
        fit = min(1.0, w / typical) if typical else 1.0
        words = sum(1 for cell in row if _header_like(cell)) / w
        score = fit * words
        if fit >= 0.7 and words >= 0.5:
            return i, round(score, 2)
        if words == 1.0 and w >= 2 and _names_data_below(row, rows[i + 1 :], typical):
            return i, 0.6
        if score > best_score:
            best, best_score = i, score
    return best, round(max(best_score, 0.0) * 0.5, 2)


def _names_data_below(row: Sequence[str], below: Sequence[Sequence[str]], typical: int) -> bool:
    """True when ``row`` (all words, but with blank cells: "", "email", "status", "") sits right above a
    full-width data row whose cell under one of its words is plainly a value (an e-mail, a number, a
    date): a header row some of whose columns were left unnamed, not a title above the header."""
    following = next((r for r in below if _width(r) > 0), None)
    if following is None or _width(following) < typical:
        return False
    return any(
        cell.strip() and j < len(following) and following[j].strip() and not _header_like(following[j])
        for j, cell in enumerate(row)
    )


_EMAIL_CELL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_CELL = re.compile(r"\+?[\d\s().\-/]{7,}")


def _value_cell(cell: str) -> bool:
    """An e-mail address or a phone number: what no header cell ever holds."""
    text = cell.strip()
    if _EMAIL_CELL.fullmatch(text):
        return True
    return bool(_PHONE_CELL.fullmatch(text)) and sum(ch.isdigit() for ch in text) >= 7


def headerless(rows: Sequence[Sequence[str]], index: int) -> bool:
    """True when the row detected as the header (``rows[index]``) is a contact itself: one of its cells
    is an e-mail address or a phone number, and the next row holds the same kind of value in that column
    (a sheet exported without column names, its first row a contact like the others)."""
    if not 0 <= index < len(rows):
        return False
    row = rows[index]
    following = next((r for r in rows[index + 1 :] if _width(r) > 0), None)
    if following is None:
        return any(_value_cell(cell) for cell in row)
    return any(
        _value_cell(cell) and j < len(following) and _value_cell(following[j]) for j, cell in enumerate(row)
    )


def letter_headers(width: int) -> list[str]:
    """The names of the columns of a sheet without a header row: ``Column A``, ``Column B``…"""
    return [f"Column {column_letter(i)}" for i in range(width)]


def _header_index(numbers: list[int], header_row: int, source: _Source) -> int:
    if header_row < 1:
        raise UsageError(_("The header row must be 1 or more, not {row}.").format(row=header_row))
    for i, number in enumerate(numbers):
        if number == header_row:
            return i
        if number > header_row:
            break
    last = numbers[-1] if numbers else 0
    sheet = _sheet_shown(source)
    if header_row > last:
        if sheet is None:
            raise UsageError(_("Row {row} is beyond the last row with data ({last}) of {name}.").format(
                row=header_row, last=last, name=source.path.name))
        raise UsageError(_("Row {row} is beyond the last row with data ({last}) of {name} (sheet “{sheet}”).")
                         .format(row=header_row, last=last, name=source.path.name, sheet=sheet))
    if sheet is None:
        raise UsageError(_("Row {row} of {name} is empty; choose the row that holds the column names.")
                         .format(row=header_row, name=source.path.name))
    raise UsageError(_("Row {row} of {name} (sheet “{sheet}”) is empty; choose the row that holds the column "
                       "names.").format(row=header_row, name=source.path.name, sheet=sheet))


def _shape(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[str]]:
    """Name the columns, pad/trim every row to the header width (widening it for extra cells) and drop
    columns that are empty from top to bottom (no name, no data: e.g. column A when the table starts in B).
    """
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    header_width = width
    widened_rows = 0
    for row in rows:
        if len(row) > width:
            last = len(row)
            while last > width and not row[last - 1].strip():
                last -= 1
            if last > width:
                width = last
        if len(row) > header_width and any(c.strip() for c in row[header_width:]):
            widened_rows += 1
    width = max(width, 1)
    for row in rows:
        n = len(row)
        if n < width:
            row.extend([""] * (width - n))
        elif n > width:
            del row[width:]
    names = _header_names(header[:width] + [""] * max(0, width - len(header)))
    keep = list(range(width))
    blank = {i for i in range(width) if i >= len(header) or not header[i].strip()}
    if blank:
        for row in rows:
            for i in [i for i in blank if row[i].strip()]:
                blank.discard(i)
            if not blank:
                break
        if blank and len(blank) < width:
            keep = [i for i in range(width) if i not in blank]
            names = [names[i] for i in keep]
            for index, row in enumerate(rows):
                rows[index] = [row[i] for i in keep]
    notes: list[str] = []
    if width > header_width and widened_rows:
        extra = ", ".join(name for i, name in zip(keep, names, strict=True) if i >= header_width)
        notes.append(_widened_note(widened_rows, extra))
    return names, notes


def _widened_note(rows: int, columns: str) -> str:
    return ngettext("{n} row has cells to the right of the last column name; they are kept as {columns}.",
                    "{n} rows have cells to the right of the last column name; they are kept as {columns}.",
                    rows).format(n=localised_number(rows), columns=columns)


def _header_names(cells: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        base = " ".join(cell.split()) or f"Column {column_letter(i)}"
        name, n = base, 1
        while name.casefold() in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name.casefold())
        names.append(name)
    return names


# ------------------------------------------------------------------------------------------ sources


@dataclass(slots=True)
class _Source:
    path: Path
    sheet: str | None
    sheets: list[str]
    encoding: str | None
    delimiter: str | None
    records: Iterator[tuple[int, list[str]]]   # (row number as shown, cells) — empty rows included
    cut: bool = False   # True when ``records`` stop early (a workbook read with ``nrows``)


def _sheet_shown(source: _Source) -> str | None:
    """The sheet to name in a sentence: only a workbook with several sheets."""
    return source.sheet if source.sheet is not None and len(source.sheets) > 1 else None


def _empty_problem(name: str, source: _Source) -> FileProblem:
    sheet = _sheet_shown(source)
    if sheet is None:
        return FileProblem(_("{name} is empty: it has no rows with data.").format(name=name))
    return FileProblem(_("{name} is empty: it has no rows with data (sheet “{sheet}”).").format(name=name,
                                                                                              sheet=sheet))


def _no_data_problem(name: str, header_number: int, source: _Source) -> FileProblem:
    sheet = _sheet_shown(source)
    if sheet is None:
        return FileProblem(_("{name} has a header row (row {row}) but no data rows below it.").format(
            name=name, row=header_number))
    return FileProblem(_("{name} has a header row (row {row}) but no data rows below it (sheet “{sheet}”).")
                       .format(name=name, row=header_number, sheet=sheet))


def _headerless_note(name: str, first: int) -> str:
    return _("{name} has no header row: row {row} holds a contact like the rows below it, so every row is "
             "read as data and the columns are named by their letters.").format(name=name, row=first)


# Columns whose values repeat (a city, a country, a list name) share one string object per distinct value
# instead of one per cell: 100 000 rows of "Paris" cost one string rather than 5 MB of copies. Which
# columns repeat is decided on the first SHARE_SAMPLE rows (at most SHARE_RATIO of them distinct); a
# column that stops repeating later is dropped again at each doubling of the rows read.
SHARE_SAMPLE: Final = 1000
SHARE_RATIO: Final = 0.5


def _collect(
    records: Iterator[tuple[int, list[str]]], limit: int | None
) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    numbers: list[int] = []
    strip = str.strip
    pools: list[tuple[int, dict[str, str]]] = []  # (column index, value -> the one shared string)
    review = SHARE_SAMPLE
    for number, row in records:
        if any(map(strip, row)):
            if pools:
                width = len(row)
                for index, pool in pools:
                    if index < width:
                        value = row[index]
                        row[index] = pool.setdefault(value, value)
            rows.append(row)
            numbers.append(number)
            if limit is not None and len(rows) >= limit:
                break
            if len(rows) == review:
                pools = _share_repeats(rows, pools)
                review *= 2
    return rows, numbers


def _share_repeats(rows: list[list[str]], pools: list[tuple[int, dict[str, str]]]
                   ) -> list[tuple[int, dict[str, str]]]:
    """The pools to keep using after ``rows``: the first time, one per repeating column of the sample
    (whose cells then share their strings too); later, those still repeating enough."""
    limit = int(len(rows) * SHARE_RATIO)
    if pools:
        return [(index, pool) for index, pool in pools if len(pool) <= limit]
    width = max(map(len, rows))
    found = []
    for index in range(width):
        pool: dict[str, str] = {}
        for row in rows:
            if index < len(row):
                value = row[index]
                row[index] = pool.setdefault(value, value)
        if len(pool) <= limit:
            found.append((index, pool))
    return found


def _has_more(records: Iterator[tuple[int, list[str]]]) -> bool:
    return any(any(map(str.strip, row)) for _, row in records)


def read_head(path: Path) -> bytes:
    """The first bytes of ``path``, or one sentence saying why it cannot be opened."""
    name = path.name
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            # opening a named pipe waits for a writer for ever; a device never ends
            if stat.S_ISFIFO(mode):
                raise FileProblem(_("{name} is a named pipe, not a spreadsheet file; save the spreadsheet as "
                                    "a file and choose that file.").format(name=name))
            raise FileProblem(_("{name} is a device or socket, not a spreadsheet file; save the spreadsheet "
                                "as a file and choose that file.").format(name=name))
        with path.open("rb") as fh:
            return fh.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise FileProblem(_("{name} does not exist (looked for {path}).").format(name=name, path=path)) \
            from None
    except IsADirectoryError:
        raise FileProblem(_("{name} is a folder, not a spreadsheet file.").format(name=name)) from None
    except PermissionError:
        raise FileProblem(_("{name} cannot be opened: permission denied.").format(name=name)) from None
    except OSError as exc:
        raise FileProblem(_("{name} cannot be read: {reason}.").format(
            name=name, reason=exc.strerror or exc)) from None


def _kind(path: Path, head: bytes) -> str:
    """``workbook`` or ``text``, from the content first, then the name."""
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        return "workbook"
    return "text"


def _open_source(path: Path, *, sheet: str | int | None, encoding: str | None,
                 delimiter: str | None, nrows: int | None = None) -> _Source:
    head = read_head(path)
    name = path.name
    if not head:
        raise FileProblem(_("{name} is empty (0 bytes).").format(name=name))
    if _kind(path, head) == "workbook":
        if _in_child(path):
            from core.workbook_child import child_source

            chosen, sheets, cut, records = child_source(path, sheet, nrows)
            return _Source(path=path, sheet=chosen, sheets=sheets, encoding=None, delimiter=None,
                           records=records, cut=cut)
        return workbook_source(path, head, sheet, nrows)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        probe = head.lstrip()[:512].lower()
        if probe.startswith(b"<") and (b"<html" in probe or b"<table" in probe or b"<!doctype" in probe):
            raise FileProblem(
                _("{name} is a web page saved with a spreadsheet name, not a real workbook; "
                  "open it in Excel and save it as .xlsx or .csv.").format(name=name)
            )
        if _looks_binary(head):
            raise FileProblem(
                _("{name} is damaged or is not a spreadsheet: it is not a valid {kind} workbook.").format(
                    name=name, kind=suffix[1:].upper())
            )
        # Many programs export tab- or comma-separated text with an .xls name: read it as text.
    return _text_source(path, head, encoding=encoding, delimiter=delimiter)


# ------------------------------------------------------------------------------------------ text files


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls / len(sample) > 0.01 or b"\x00\x00\x00" in sample


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the sample looks like mostly-ASCII UTF-16 without a BOM."""
    even = sample[0::2]
    odd = sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) / len(odd) > 0.6 and even.count(0) / len(even) < 0.1:
        return "utf-16-le"
    if even.count(0) / len(even) > 0.6 and odd.count(0) / len(odd) < 0.1:
        return "utf-16-be"
    return None


def detect_encoding(path: str | os.PathLike[str], sample: bytes | None = None) -> str:
    """The text encoding of a file: BOM first, then strict UTF-8 over the whole file, then the legacy code
    page whose reading of the non-ASCII bytes looks most like text (:func:`_legacy_encoding`): cp1254
    (Turkish), cp1252 (Western), cp1250 (Central European: Polish, Czech…), cp1251 (Cyrillic), or the
    mac_roman / mac_turkish of a "CSV" saved by Excel for Mac.

    Raises FileProblem when the content is binary, not text.
    """
    p = Path(path)
    head = read_head(p) if sample is None else sample
    name = p.name
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        guess = _utf16_without_bom(head)
        if guess:
            return guess
        raise FileProblem(_("{name} does not look like a text or spreadsheet file: it contains binary data.")
                          .format(name=name))
    if _looks_binary(head):
        raise FileProblem(_("{name} does not look like a text or spreadsheet file: it contains binary data.")
                          .format(name=name))

    utf8 = codecs.getincrementaldecoder("utf-8")()
    valid_utf8 = True
    non_ascii = False
    scored = bytearray()   # text around the first non-ASCII bytes, for the legacy code pages' scores
    present: set[int] = set()   # bytes some code page leaves undefined, found anywhere in the file
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if valid_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
            if not chunk.isascii():
                non_ascii = True
                present.update(b for b in _UNDEFINED_ANY if b in chunk)
                if len(scored) < _SCORE_BYTES:
                    first = _HIGH_BYTE.search(chunk)
                    begin = max(0, (first.start() if first else 0) - 256)
                    scored += chunk[begin : begin + _SCORE_BYTES - len(scored)]
    if valid_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            valid_utf8 = False
    if valid_utf8 or not non_ascii:
        return "utf-8"
    return _legacy_encoding(bytes(scored), present)


# Legacy (single-byte) code pages, in order of preference when two read the text equally well: Turkish
# first (our main market), then Western, the two Mac ones (Excel for Mac saves "CSV" in them), Central
# European, Cyrillic.
LEGACY_ENCODINGS: Final = ("cp1254", "cp1252", "mac_roman", "mac_turkish", "cp1250", "cp1251")
_SCORE_BYTES: Final = 64 * 1024
_HIGH_BYTE: Final = re.compile(rb"[\x80-\xff]")
_TURKISH_LETTERS: Final = "çğıöşüâîûÇĞİÖŞÜÂÎÛ"
_WESTERN_LETTERS: Final = "àáâãäåæçèéêëìíîïñòóôõöøùúûüÿœßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜŒªº"
_WESTERN_RARE: Final = "šžŠŽŸ"  # in cp1252 for loanwords; everyday letters in Czech, Slovak, Croatian…
_ICELANDIC_LETTERS: Final = "ðþýÐÞÝ"
_CENTRAL_LETTERS: Final = (
    "ąćęłńśźżčďěňřťůĺľŕőűăşţđșțšžáâäçéëíîóôöúüýĄĆĘŁŃŚŹŻČĎĚŇŘŤŮĹĽŔŐŰĂŞŢĐȘȚŠŽÁÂÄÇÉËÍÎÓÔÖÚÜÝ"
)
_CYRILLIC_CORE: Final = "".join(chr(c) for c in range(0x410, 0x450)) + "ёЁ"
_CYRILLIC_OTHER: Final = "ђѓєѕіїјљњћќўџґЂЃЄЅІЇЈЉЊЋЌЎЏҐ"
# Punctuation any of them may hold: never counts for or against a code page.
_NEUTRAL: Final = frozenset("€‚„…†‡‘’“”•–—™«»°§©®×·\u00a0")
_WESTERN_NEUTRAL: Final = frozenset("¿¡£")


def _weights(*groups: tuple[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for letters, weight in groups:
        for ch in letters:
            out.setdefault(ch, weight)
    return out


# How typical each letter is of the languages written in each code page (1: typical; less: also used).
_LETTER_WEIGHTS: Final = {
    "cp1254": _weights((_TURKISH_LETTERS, 1.0), (_WESTERN_LETTERS + _WESTERN_RARE, 0.5)),
    "cp1252": _weights((_WESTERN_LETTERS, 1.0), (_ICELANDIC_LETTERS + _WESTERN_RARE, 0.5)),
    "mac_roman": _weights((_WESTERN_LETTERS, 1.0), (_ICELANDIC_LETTERS + _WESTERN_RARE, 0.5)),
    "mac_turkish": _weights((_TURKISH_LETTERS, 1.0), (_WESTERN_LETTERS + _WESTERN_RARE, 0.5)),
    "cp1250": _weights((_CENTRAL_LETTERS, 1.0)),
    "cp1251": _weights((_CYRILLIC_CORE, 1.0), (_CYRILLIC_OTHER, 0.5)),
}
# Letters of one language only. A file is written in one language (a name or two from elsewhere aside):
# the letters of the other languages' groups count against the code page. Czech read as cp1252 turns ř into
# the Danish ø and ě ů ň into the Italian ì ù ò; Italian read as cp1250 turns à into the Slovak ŕ and
# ì ò ù into the Czech ě ň ů.
_WESTERN_GROUPS: Final = ("øØåÅæÆ", "ìÌòÒùÙ", "ðÐþÞýÝ", "ãÃõÕ")
_LANGUAGE_GROUPS: Final = {
    "cp1252": _WESTERN_GROUPS,
    "mac_roman": _WESTERN_GROUPS,
    "cp1250": ("řŘěĚůŮňŇďĎťŤ", "ĺĹľĽŕŔ", "ąĄęĘłŁśŚźŹżŻńŃ", "őŐűŰ", "ăĂşŞţŢșȘțȚ", "đĐ"),
    "cp1254": (),
    "mac_turkish": (),
    "cp1251": (),
}
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
# A non-ASCII letter right after a lower-case letter ("HŽlŹne" is Mac Roman "Hélène" read as cp1250): an
# upper-case one there means the wrong code page.
_AFTER_LOWER: Final = re.compile(r"(?<=[^\W\d_])[^\x00-\x7f]")
# Three non-ASCII letters in a row: a Latin-script word is never made of accented letters only ("Àëåêñ" is
# Russian read as cp1252).
_HIGH_RUN: Final = re.compile(r"[^\x00-\x7f\W\d_]{3,}")
# A Cyrillic letter touching a Latin one ("Hйlиne" is French read as cp1251).
_MIXED_SCRIPT: Final = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")


def _undefined_in(codec: str, byte: int) -> bool:
    try:
        bytes([byte]).decode(codec)
    except UnicodeDecodeError:
        return True
    return False


#: The bytes each code page leaves undefined: a file holding one of them is not in that code page.
_UNDEFINED: Final = {
    codec: frozenset(b for b in range(0x80, 0x100) if _undefined_in(codec, b)) for codec in LEGACY_ENCODINGS
}
_UNDEFINED_ANY: Final = frozenset().union(*_UNDEFINED.values())


def legacy_score(text: str, codec: str) -> float:
    """How much ``text`` (decoded with ``codec``) looks like text of that code page's languages: each
    non-ASCII letter typical of them counts for it; each other non-ASCII character, letters of several
    languages' own groups together, each upper-case letter inside a word, each accented-only word and each
    Cyrillic letter glued to a Latin one count against."""
    weights = _LETTER_WEIGHTS[codec]
    neutral = _NEUTRAL if codec in ("cp1250", "cp1251") else _NEUTRAL | _WESTERN_NEUTRAL
    score = 0.0
    counts = Counter(_NON_ASCII.findall(text))
    for ch, n in counts.items():
        if ch in neutral:
            continue
        weight = weights.get(ch)
        score += n * weight if weight is not None else -2 * n
    if codec in ("cp1252", "mac_roman"):
        # õ without ã is Hungarian ő, not Portuguese; æ without ø or å is Croatian/Polish ć, not Nordic
        for letters, companions in (("õÕ", "ãÃ"), ("æÆ", "øØåÅ")):
            if not any(counts[ch] for ch in companions):
                score -= sum(counts[ch] for ch in letters) * weights[letters[0]]
    groups = [sum(counts[ch] for ch in group) for group in _LANGUAGE_GROUPS[codec]]
    if groups:
        # the letters of every language group but the most used one count against, not for
        score -= 3 * (sum(groups) - max(groups))
    score -= 2 * sum(1 for ch in _AFTER_LOWER.findall(text) if ch.isupper())
    if codec == "cp1251":
        score -= 2 * len(_MIXED_SCRIPT.findall(text))
    else:
        score -= 2 * sum(len(run) for run in _HIGH_RUN.findall(text))
    return score


def _legacy_encoding(sample: bytes, present: set[int]) -> str:
    """The legacy code page that reads ``sample`` best, among those that can decode every byte of the
    file (``present``: the bytes some of them leave undefined). cp1252 rather than cp1254 when the two
    read the sample identically (no Turkish letter in it)."""
    best, best_score = "cp1252", -math.inf
    for codec in LEGACY_ENCODINGS:
        if present & _UNDEFINED[codec]:
            continue
        score = legacy_score(sample.decode(codec, errors="replace"), codec)
        if score > best_score:
            best, best_score = codec, score
    if best == "cp1254" and not any(b in sample for b in _TURKISH_BYTES):
        return "cp1252"  # the same text either way: name it the Western way, as Excel would
    return best


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UsageError(_("“{name}” is not an encoding this program knows (try utf-8, cp1254 or cp1252).")
                         .format(name=name)) from None


def _normalise_delimiter(delimiter: str) -> str:
    value = DELIMITER_NAMES.get(delimiter.lower(), delimiter) if len(delimiter) > 1 else delimiter
    if len(value) != 1 or value in "\"\r\n":
        raise UsageError(_("“{delimiter}” cannot separate columns: give one character such as , ; | or tab.")
                         .format(delimiter=delimiter))
    return value


def _effective_encoding(requested: str, head: bytes) -> str:
    """Honour the override but never leave a BOM in the first header."""
    codec = _check_encoding(requested)
    if codec == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if codec in ("utf-16-le", "utf-16-be") and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return requested


def sniff_delimiter(text: str, candidates: Iterable[str] = DELIMITERS) -> str:
    """The delimiter among ``candidates`` that splits the sample's records most consistently.

    Records are parsed with the csv module (quotes respected); the score of a delimiter is the share of
    non-empty records that have its most common field count (which must be at least 2), so a title line
    above the header or a comma inside an address does not mislead it. Ties go to the earlier candidate.
    Without any delimiter in the sample, ``,``.
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-record
    sample = "".join(lines[:200])
    best, best_score = ",", 0.0
    for delim in candidates:
        if delim not in sample:
            continue
        counts: list[int] = []
        try:
            for record in csv.reader(sample.splitlines(keepends=True), delimiter=delim, strict=False):
                if any(c.strip() for c in record):
                    counts.append(len(record))
                if len(counts) >= 100:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = freq / len(counts) + min(mode, 20) / 1000
        if score > best_score:
            best, best_score = delim, score
    return best


def _text_source(path: Path, head: bytes, *, encoding: str | None, delimiter: str | None) -> _Source:
    name = path.name
    if encoding:
        codec = _effective_encoding(encoding, head)
    else:
        codec = detect_encoding(path, head)
    reported = encoding or codec

    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        sample = decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise _decode_problem(name, reported, exc) from None
    except LookupError:
        raise UsageError(_("“{name}” is not an encoding this program knows.").format(name=encoding)) from None

    skip_first = False
    first_line = sample.split("\n", 1)[0].rstrip("\r").lstrip("\ufeff")
    if delimiter:
        delim = _normalise_delimiter(delimiter)
    elif first_line.lower().startswith("sep=") and len(first_line) == 5:
        delim, skip_first = first_line[4], True
    elif path.suffix.lower() in (".tsv", ".tab"):
        delim = "\t"
    else:
        delim = sniff_delimiter(sample)
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        skip_first = True

    return _Source(
        path=path,
        sheet=None,
        sheets=[],
        encoding=reported,
        delimiter=delim,
        records=_text_records(path, codec, reported, delim, skip_first),
    )


def _decode_problem(name: str, encoding: str, exc: UnicodeDecodeError, offset: int = 0) -> FileProblem:
    """``offset``: where in the file ``exc.object`` starts, so the position given is the file's."""
    if exc.start < len(exc.object):
        return FileProblem(
            _("{name} cannot be read as {encoding}: byte {byte} near position {position} is not valid there; "
              "choose another encoding.").format(name=name, encoding=encoding,
                                                 byte=f"0x{exc.object[exc.start]:02X}",
                                                 position=offset + exc.start))
    return FileProblem(_("{name} cannot be read as {encoding}: the file ends in the middle of a character.")
                       .format(name=name, encoding=encoding))


def _text_lines(fh: BinaryIO, codec: str, name: str, reported: str) -> Iterator[list[str]]:
    """The decoded lines of a text file, a list of them per megabyte read, each ending with its own line
    break (LF, CR LF or a lone CR), as a text file opened with ``newline=""`` gives them to the csv module.

    The file is read in large chunks on purpose: a text-mode file reads 8 KB at a time and releases the
    GIL around every read, and a thread that gives the GIL up and takes it back that often keeps a waiting
    thread (the window's) from ever asking for it — the window froze for the whole parse of a large CSV.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    carry: list[str] = []   # the start of a line that continues in the next chunk
    carried = 0  # characters in ``carry``
    offset = 0  # bytes of the file read before ``chunk``
    while True:
        chunk = fh.read(_CHUNK)
        final = not chunk
        pending = len(decoder.getstate()[0])
        try:
            piece = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise _decode_problem(name, reported, exc, offset - pending) from None
        offset += len(chunk)
        if not final and "\n" not in piece and "\r" not in piece:
            carry.append(piece)  # a very long line: do not copy it again for every chunk
            carried += len(piece)
            if carried > MAX_LINE_CHARS:
                raise _TextTrouble("long")
            continue
        if carry:
            carry.append(piece)
            piece = "".join(carry)
        lines = io.StringIO(piece, newline="").readlines()
        if not final and lines:
            last = lines[-1]
            # An unfinished line, or a "\r" that the next chunk may continue with "\n": wait for more.
            carry = [lines.pop()] if last.endswith("\r") or not last.endswith("\n") else []
        else:
            carry = []
        carried = sum(map(len, carry))
        if "\x00" in piece:
            # a NUL character is never text: a damaged file (a block of zeros) or a binary one
            bad = next((i for i, line in enumerate(lines) if "\x00" in line), len(lines))
            if lines[:bad]:
                yield lines[:bad]
            raise _TextTrouble("nul")
        if lines:
            yield lines
        if final:
            return


class _TextTrouble(Exception):
    """Raised by :func:`_text_lines` where the next line cannot be read: ``"nul"`` or ``"long"``."""


#: A line (a record without quoted line breaks) longer than this is refused rather than held in memory.
MAX_LINE_CHARS: Final = 16 * 1024 * 1024


def _text_records(path: Path, codec: str, reported: str, delim: str,
                  skip_first: bool) -> Iterator[tuple[int, list[str]]]:
    name = path.name
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise FileProblem(_("{name} cannot be read: {reason}.").format(
            name=name, reason=exc.strerror or exc)) from None
    with fh:
        lines = itertools.chain.from_iterable(_text_lines(fh, codec, name, reported))
        reader = csv.reader(lines, delimiter=delim, quotechar='"', doublequote=True, strict=False)
        number = 0
        lines_before = 0  # lines the reader had taken when the last record ended
        record: list[str] = []
        try:
            for record in reader:
                lines_before = reader.line_num
                number += 1
                if skip_first and number == 1:
                    number = 0
                    skip_first = False
                    continue
                yield number, record
        except UnicodeDecodeError as exc:
            raise _decode_problem(name, reported, exc) from None
        except _TextTrouble as trouble:
            if str(trouble) == "nul":
                raise FileProblem(
                    _("{name} contains binary data (a NUL character) in row {row}, so it is damaged or not a "
                      "text file; nothing was read: open it in Excel or LibreOffice, check that row and save "
                      "the file again.").format(name=name, row=number + 1)
                ) from None
            raise _huge_cell(name, number + 1, MAX_LINE_CHARS) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                if reader.line_num - lines_before <= 1:  # one physical line: a huge cell, no open quote
                    raise _huge_cell(name, number + 1, csv.field_size_limit()) from None
                raise _unclosed_quote(name, number + 1) from None
            raise FileProblem(
                _("{name} cannot be read as a file separated by {delimiter} near row {row}: {reason}.")
                .format(name=name, delimiter=_delimiter_label(delim), row=number + 1, reason=_short(exc))
            ) from None
        # A quote that is never closed swallows the rest of the file (line breaks included) into the last
        # cell; a closed multi-line last cell would leave the file ending with its closing quote instead.
        if record and ("\n" in record[-1] or "\r" in record[-1]) and not _ends_with_quote(path):
            raise _unclosed_quote(name, number)


def _ends_with_quote(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 16))
        tail = fh.read().rstrip(b"\r\n\x00")
    return tail.endswith(b'"')


def _huge_cell(name: str, row: int, limit: int) -> FileProblem:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return FileProblem(
        _("{name} has a cell of more than {size} of text in row {row}; a contact list has no cells this "
          "large, so the file is damaged or not a contact list: check that row and save the file again.")
        .format(name=name, size=size, row=row)
    )


def _unclosed_quote(name: str, row: int) -> FileProblem:
    return FileProblem(
        _("{name} has a quote (\") that is never closed in row {row}, so the rest of the file would be read "
          "as one cell; correct that row or save the file again from Excel.").format(name=name, row=row)
    )


def _delimiter_label(delim: str) -> str:
    names = {",": pgettext("delimiter", "commas"), ";": pgettext("delimiter", "semicolons"),
             "\t": pgettext("delimiter", "tabs"), "|": pgettext("delimiter", "pipes")}
    return names.get(delim, repr(delim))


# ------------------------------------------------------------------------------------------ workbooks


def _calamine() -> Any:
    import python_calamine  # imported lazily: keeps start-up fast

    return python_calamine


def _open_workbook(path: Path, head: bytes) -> Any:
    name = path.name
    suffixes: tuple[str, ...] = ()
    if head.startswith(_OLE_MAGIC):
        if _ole_is_encrypted(path):
            raise FileProblem(_(_PASSWORD_SENTENCE).format(name=name))
        suffixes = (".xls",)
    elif head.startswith(_ZIP_MAGIC):
        suffixes = _check_zip(path)
    pc = _calamine()
    try:
        if path.suffix.lower() in suffixes:
            return pc.CalamineWorkbook.from_path(str(path))
        # calamine picks the format from the name; with a misleading name let it look at the content
        with path.open("rb") as fh:
            return pc.CalamineWorkbook.from_filelike(fh)
    except pc.PasswordError:
        raise FileProblem(_(_PASSWORD_SENTENCE).format(name=name)) from None
    except OSError as exc:
        raise FileProblem(_("{name} cannot be read: {reason}.").format(
            name=name, reason=exc.strerror or exc)) from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several types, incl. plain ValueError
        raise FileProblem(_("{name} is damaged or incomplete and cannot be opened as a workbook "
                            "({reason}).").format(name=name, reason=_short(exc))) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120].rstrip(".")


def _ole_is_encrypted(path: Path) -> bool:
    """An OOXML workbook with a password is an OLE file holding an ``EncryptedPackage`` stream."""
    with path.open("rb") as fh:
        data = fh.read(4 * 1024 * 1024)
    return _ENCRYPTED_STREAM in data


def _check_zip(path: Path) -> tuple[str, ...]:
    """Refuse a damaged, encrypted or non-spreadsheet zip; return the file endings its content fits."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if {"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names:
                check_zip_members(zf, name)  # before calamine unpacks anything
                if "content.xml" in names and "xl/workbook.xml" not in names and not _encrypted_ods(zf):
                    # (an encrypted content.xml is no XML to measure: its password sentence follows)
                    check_sheet_extent(zf, name)  # calamine lays out every ODS table when it opens
    except (zipfile.BadZipFile, EOFError, OSError):
        raise FileProblem(_("{name} is damaged or incomplete (it may have been cut off while copying); "
                            "open it in Excel or LibreOffice and save it again.").format(name=name)) from None
    if not {"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names:
        raise FileProblem(_("{name} is a zip archive or another kind of document, not a spreadsheet "
                            "workbook.").format(name=name))
    if "META-INF/manifest.xml" in names:
        try:
            with zipfile.ZipFile(path) as zf:
                manifest = zf.read("META-INF/manifest.xml")
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
            manifest = b""  # a damaged manifest is calamine's to report
        if b"encryption-data" in manifest:
            raise FileProblem(_(_ODS_PASSWORD_SENTENCE).format(name=name))
    if "xl/workbook.bin" in names:
        return (".xlsb",)
    if "xl/workbook.xml" in names:
        return (".xlsx", ".xlsm")
    return (".ods",)


def _encrypted_ods(zf: zipfile.ZipFile) -> bool:
    try:
        return b"encryption-data" in zf.read("META-INF/manifest.xml")
    except (KeyError, zipfile.BadZipFile, EOFError, OSError, zlib.error):
        return False


def _check_extent(path: Path, sheet: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            check_sheet_extent(zf, path.name, sheet)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
        raise FileProblem(_("{name} is damaged or incomplete (it may have been cut off while copying); "
                            "open it in Excel or LibreOffice and save it again.").format(name=path.name)) \
            from None


def _worksheet_names(book: Any) -> list[str]:
    pc = _calamine()
    names: list[str] = []
    for meta in book.sheets_metadata:
        if meta.typ in (pc.SheetTypeEnum.WorkSheet,):
            names.append(str(meta.name))
    return names


def _default_sheet(book: Any) -> str | None:
    pc = _calamine()
    for meta in book.sheets_metadata:
        if meta.typ == pc.SheetTypeEnum.WorkSheet and meta.visible == pc.SheetVisibleEnum.Visible:
            return str(meta.name)
    names = _worksheet_names(book)
    return names[0] if names else None


def _pick_sheet(path: Path, sheets: list[str], sheet: str | int | None, book: Any) -> str:
    name = path.name
    if not sheets:
        raise FileProblem(_("{name} has no worksheets.").format(name=name))
    if sheet is None:
        return _default_sheet(book) or sheets[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(sheets):
            return sheets[sheet]
    else:
        if sheet in sheets:
            return sheet
        wanted = sheet.strip().casefold()
        for candidate in sheets:
            if candidate.strip().casefold() == wanted:
                return candidate
    listing = ", ".join(f"“{s}”" for s in sheets)
    raise UsageError(_("{name} has no sheet “{sheet}”; its sheets are {sheets}.").format(
        name=name, sheet=sheet, sheets=listing))


def workbook_source(path: Path, head: bytes, sheet: str | int | None, nrows: int | None) -> _Source:
    """The rows of a workbook's sheet, read in this process (see :func:`isolate_workbooks`)."""
    book = _open_workbook(path, head)
    name = path.name
    try:
        sheets = _worksheet_names(book)
        chosen = _pick_sheet(path, sheets, sheet, book)
        if head.startswith(_ZIP_MAGIC):
            _check_extent(path, chosen)  # before calamine lays the sheet out as a dense grid
        try:
            # Parsing the sheet into calamine's cell range happens with the GIL released; the range
            # outlives the workbook.
            found = book.get_sheet_by_name(chosen)
        except Exception as exc:  # noqa: BLE001 - calamine's errors are not a closed set
            raise _sheet_problem(name, chosen, exc) from None
    finally:
        book.close()
    end = found.end
    height = 0 if end is None else int(end[0]) + 1
    return _Source(path=path, sheet=chosen, sheets=sheets, encoding=None, delimiter=None,
                   records=_workbook_records(found, name, chosen, nrows),
                   cut=nrows is not None and height >= nrows)


def _sheet_problem(name: str, sheet: str, exc: BaseException) -> FileProblem:
    return FileProblem(_("{name} is damaged: sheet “{sheet}” cannot be read ({reason}).").format(
        name=name, sheet=sheet, reason=_short(exc)))


def _workbook_records(found: Any, name: str, sheet: str,
                      nrows: int | None) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows from row 1 and column A, turned into text one row at a time.

    Rows are fetched with ``iter_rows()`` in a Python loop rather than with one ``to_python()`` call:
    converting a 100 000-row sheet in one C call holds the GIL for about 100 ms, which freezes the window
    while a worker thread reads; between two rows the interpreter lets other threads run. ``iter_rows()``
    starts at row 1 but at the first used column, so the columns left of it are added back as ``""``.
    """
    start = found.start
    if start is None:  # an empty sheet (iter_rows() would fail on it)
        return
    text = cell_text
    left = [""] * int(start[1])
    limit = -1 if nrows is None else nrows
    index = 0
    fetch = iter(found.iter_rows()).__next__
    while index != limit:
        try:
            row = fetch()
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - calamine's errors are not a closed set
            raise _sheet_problem(name, sheet, exc) from None
        index += 1
        # Fast path: most cells are already text.
        cells = [v if type(v) is str else text(v) for v in row]
        yield index, (left + cells if left else cells)

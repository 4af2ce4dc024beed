"""Write real spreadsheet files for tests: CSV in every encoding, XLSX, XLSM, XLS, ODS and broken ones.

Every writer takes the target path, writes a real file a user could have produced, and returns the path.
Rows are lists of cell values; ``None`` (or ``""`` in workbooks) is an empty cell. Reuse them anywhere::

    from tests.core.filegen import write_csv, write_xlsx, CONTACT_HEADERS, contact_rows
    rows = [CONTACT_HEADERS, *contact_rows(3)]
    path = write_csv(tmp_path / "c.csv", rows, encoding="cp1254", delimiter=";")

Optional libraries: openpyxl (XLSX/XLSM), xlwt (XLS), msoffcrypto-tool (password-protected XLSX). ODS is
written by hand (a zip with ``mimetype`` stored first and a ``content.xml``), so it needs nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

Rows = Sequence[Sequence[Any]]

#: Headers of a typical contact export, with Turkish letters that differ between cp1254 and cp1252.
CONTACT_HEADERS = ["Ad", "Soyad", "E-posta", "Cep Telefonu", "Müşteri No", "Şehir"]

#: Every encoding the reader must detect, with one that must be told.
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1254", "iso-8859-9", "cp1252")
DELIMITERS = (",", ";", "\t", "|")

_TURKISH_NAMES = [("Ayşe", "Yılmaz"), ("İsmail", "Güneş"), ("Çağrı", "Öztürk"), ("Gülşen", "Şahin"),
                  ("Ömer", "Doğan"), ("Işıl", "Ağaoğlu")]
_CITIES = ["İstanbul", "İzmir", "Muğla", "Eskişehir", "Çanakkale", "Şanlıurfa"]


def contact_rows(n: int, *, start: int = 0) -> list[list[str]]:
    """``n`` realistic contact rows (text only) matching :data:`CONTACT_HEADERS`."""
    rows: list[list[str]] = []
    for i in range(start, start + n):
        first, last = _TURKISH_NAMES[i % len(_TURKISH_NAMES)]
        rows.append([
            first,
            last,
            f"kisi{i}@ornek.com.tr",
            f"+90532{i % 10_000_000:07d}",
            f"{i + 132:08d}",
            _CITIES[i % len(_CITIES)],
        ])
    return rows


#: Rows whose cells only cp1252 can encode (French/Spanish/German letters, no Turkish ones).
WESTERN_HEADERS = ["Prénom", "Nom", "Téléphone portable", "Correo electrónico", "Straße"]
WESTERN_ROWS = [
    ["Hélène", "Lefèvre", "0612345678", "helene@exemple.fr", "Münchner Straße 5"],
    ["José", "Núñez", "+34612345678", "jose@ejemplo.es", "Größe €"],
]


# ------------------------------------------------------------------------------------------ text files


def csv_text(rows: Rows, *, delimiter: str = ",", newline: str = "\r\n") -> str:
    """The text of a CSV file as Excel writes it (minimal quoting, ``""`` for a quote)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_csv(
    path: Path,
    rows: Rows,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\r\n",
    prefix: str = "",
) -> Path:
    """Write ``rows`` as delimited text in ``encoding`` (``utf-16`` and ``utf-8-sig`` write a BOM).

    ``prefix`` is raw text put before the records (e.g. ``"sep=;\\r\\n"`` or a title line).
    """
    path.write_bytes((prefix + csv_text(rows, delimiter=delimiter, newline=newline)).encode(encoding))
    return path


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write literal text (for hand-made CSV edge cases)."""
    path.write_bytes(text.encode(encoding))
    return path


def write_binary(path: Path, size: int = 4096, *, seed: int = 7) -> Path:
    """Pseudo-random bytes with NULs, e.g. an image someone named ``.csv``."""
    data = bytearray(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    x = seed
    while len(data) < size:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        data.append(x >> 16 & 0xFF)
    path.write_bytes(bytes(data))
    return path


# ------------------------------------------------------------------------------------------ workbooks


def write_xlsx(
    path: Path,
    sheets: Mapping[str, Rows] | Rows,
    *,
    number_formats: Mapping[tuple[str, str], str] | None = None,
    hidden: Iterable[str] = (),
    start_cell: Mapping[str, tuple[int, int]] | None = None,
) -> Path:
    """Write an XLSX workbook with openpyxl. ``sheets`` maps sheet name → rows (or is the rows of "Sheet1").

    ``number_formats[(sheet, "C2")] = "0.00E+00"`` sets a cell's number format; ``start_cell[sheet] =
    (row, col)`` (1-based) places the first value elsewhere than A1. Text cells are stored as text
    (``"00000132"`` stays text), numbers as numbers.
    """
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    named = _named(sheets)
    for name, rows in named.items():
        ws = book.create_sheet(name)
        r0, c0 = (start_cell or {}).get(name, (1, 1))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r0 + r, column=c0 + c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, even for "=..." text
        if name in set(hidden):
            ws.sheet_state = "hidden"
    for (name, ref), fmt in (number_formats or {}).items():
        book[name][ref].number_format = fmt
    book.save(path)
    return path


def write_xlsm(path: Path, sheets: Mapping[str, Rows] | Rows) -> Path:
    """An XLSM: an XLSX whose workbook part has the macro-enabled content type (no VBA project needed)."""
    tmp = io.BytesIO()
    write_xlsx(Path(path), sheets)
    data = Path(path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(item, content)
    Path(path).write_bytes(tmp.getvalue())
    return path


def write_xls(path: Path, sheets: Mapping[str, Rows] | Rows) -> Path:
    """A real BIFF8 ``.xls`` written with xlwt (numbers as numbers, text as text, dates as dates)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in _named(sheets).items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    ws.write(r, c, value, date_style)
                else:
                    ws.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: Mapping[str, Rows] | Rows) -> Path:
    """A minimal valid OpenDocument spreadsheet written by hand (strings, floats, booleans, dates)."""
    tables = []
    for name, rows in _named(sheets).items():
        xml_rows = []
        for row in rows:
            cells = "".join(_ods_cell(v) for v in row)
            xml_rows.append(f"<table:table-row>{cells or '<table:table-cell/>'}</table:table-row>")
        tables.append(f'<table:table table:name="{escape(name, {chr(34): "&quot;"})}">'
                      f'{"".join(xml_rows)}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                    compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_cell(value: Any) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        v = "true" if value else "false"
        return (f'<table:table-cell office:value-type="boolean" office:boolean-value="{v}">'
                f"<text:p>{v.upper()}</text:p></table:table-cell>")
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if isinstance(value, dt.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value.isoformat()}</text:p></table:table-cell>")
    lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string">{lines}</table:table-cell>'


def write_encrypted_xlsx(path: Path, rows: Rows, password: str = "secret") -> Path:
    """A password-protected XLSX as Excel saves it (an OLE file with an EncryptedPackage stream)."""
    import msoffcrypto.format.ooxml

    plain = path.with_name(path.stem + ".plain.xlsx")
    write_xlsx(plain, rows)
    out = io.BytesIO()
    with plain.open("rb") as fh:
        msoffcrypto.format.ooxml.OOXMLFile(fh).encrypt(password, out)
    plain.unlink()
    path.write_bytes(out.getvalue())
    return path


def write_encrypted_ods(path: Path, rows: Rows) -> Path:
    """An ODS saved with a password, as LibreOffice stores it: the manifest declares
    ``manifest:encryption-data`` for ``content.xml`` and the content itself is ciphertext."""
    plain = path.with_name(path.stem + ".plain.ods")
    write_ods(plain, rows)
    content_size = len(zipfile.ZipFile(plain).read("content.xml"))
    plain.unlink()
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
        f'manifest:size="{content_size}">'
        '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0#sha256-1k" manifest:checksum="AAAA">'
        '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
        'manifest:initialisation-vector="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" '
        'manifest:iteration-count="100000" manifest:salt="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        "</manifest:encryption-data></manifest:file-entry></manifest:manifest>"
    )
    noise = bytes((i * 131 + 7) % 256 for i in range(max(64, content_size)))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                    compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", noise, compress_type=zipfile.ZIP_STORED)
    return path


def write_truncated(path: Path, source: Path, fraction: float = 0.5) -> Path:
    """A copy of ``source`` cut off part-way, as an interrupted download or copy leaves it."""
    data = source.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * fraction))])
    return path


def write_corrupt_zip(path: Path, source: Path) -> Path:
    """A workbook whose central directory survives but whose sheet data is garbled."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start, min(start + info.compress_size, len(data))):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def write_big_xlsx(path: Path, n_rows: int, *, with_numbers: bool = True) -> Path:
    """A large contact workbook (header + ``n_rows`` rows, 8 columns) with openpyxl's write-only mode."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Contacts")
    ws.append([*CONTACT_HEADERS, "Kayıt Tarihi", "Puan"])
    day = dt.date(2024, 1, 1)
    for i, row in enumerate(contact_rows(n_rows)):
        phone: Any = 905320000000 + i if with_numbers else row[3]
        ws.append([row[0], row[1], row[2], phone, row[4], row[5], day + dt.timedelta(days=i % 700), i % 97])
    book.save(path)
    return path


def _named(sheets: Mapping[str, Rows] | Rows) -> dict[str, Rows]:
    if isinstance(sheets, Mapping):
        return dict(sheets)
    return {"Sheet1": sheets}

"""Make a smaller ``libicudata.so.NN`` for the Linux bundle (build.spec calls :func:`trim_library`).

Qt's ICU data library is 32 MB, a third of the bundle. Qt uses ICU for collation (QCollator, locale-aware
sorting), case mapping, normalisation and locale resolution. The program never needs ICU's multi-byte
code-page converters (Qt 6 needs a UTF-8 locale and our files are decoded in Python; the small single-byte
code pages stay), transliterators, dictionary-based word breaking of Chinese/Japanese/Thai/Khmer/Lao/Burmese,
or the display names of currencies, languages, regions, time zones and units (Qt formats with its own CLDR
tables). Those items are left out; the display-name trees keep the
root data and our four languages. Collation, normalisation, break rules and every locale's own data stay.

The data is an ICU "common data" package (the ``icudtNN_dat`` symbol of the library): a header, a table
of contents (name offset, data offset) and the items, each aligned to 16 bytes (padding 0xAA, as ICU writes
it). The package is rewritten here in Python, then assembled into a shared object with the same soname and
symbol (needs ``gcc``; ``objcopy`` extracts the original). Without those tools the original library is kept.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

KEEP_LOCALES = re.compile(r"^(root|pool|res_index|en|tr|fr|es)(_[A-Za-z0-9_]+)?\.res$")
NAME_TREES = ("curr", "lang", "region", "unit", "zone", "rbnf")


SMALL_CONVERTER = 16 * 1024  # single-byte code pages (windows-1254, ISO-8859-9 …) are a few KB each


def keep_item(name: str, size: int) -> bool:
    """Whether the data item ``icudtNNl/[tree/]file`` of ``size`` bytes stays in the trimmed package."""
    parts = name.split("/")[1:]
    if len(parts) == 1:  # the big multi-byte (CJK, EBCDIC DBCS) converters go; single-byte ones stay
        return not parts[0].endswith(".cnv") or size <= SMALL_CONVERTER
    tree, file = parts[0], parts[-1]
    if tree == "brkitr":
        return not file.endswith(".dict")  # word-break dictionaries; the break rules stay
    if tree == "translit":
        return False
    if tree in NAME_TREES:
        return not file.endswith(".res") or bool(KEEP_LOCALES.match(file))
    return True


def read_package(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(item name, item bytes)]) of an ICU common data package (little-endian)."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    count = struct.unpack_from("<I", data, header_size)[0]
    toc = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    ends = [offset for _, offset in toc[1:]] + [len(data) - header_size]
    items = []
    for (name_at, data_at), end in zip(toc, ends, strict=True):
        stop = data.index(b"\0", header_size + name_at)
        payload = data[header_size + data_at:header_size + end]
        items.append((data[header_size + name_at:stop].decode("ascii"), payload))
    return data[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The package bytes for ``items`` (kept in their sorted order, as ICU's binary search needs)."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    base = len(header)  # offsets count from the table of contents; items align to 16 in the whole file
    data_start = toc_size + len(names)
    data_start += -(base + data_start) % 16
    toc = bytearray(struct.pack("<I", len(items)))
    blob = bytearray()
    name_at = toc_size
    for name, payload in items:
        blob += b"\xaa" * (-(base + data_start + len(blob)) % 16)
        toc += struct.pack("<II", name_at, data_start + len(blob))
        blob += payload
        name_at += len(name) + 1
    body = bytes(toc) + names + b"\xaa" * (data_start - toc_size - len(names)) + bytes(blob)
    return header + body


def trim_package(data: bytes, keep: Callable[[str, int], bool] = keep_item) -> bytes:
    header, items = read_package(data)
    return write_package(header, [(n, d) for n, d in items if keep(n, len(d))])


def trim_library(library: Path, workdir: Path) -> Path | None:
    """A trimmed copy of ``libicudataNN.so`` in ``workdir``, or None when the tools are missing."""
    gcc, objcopy, readelf = shutil.which("gcc"), shutil.which("objcopy"), shutil.which("readelf")
    if not (gcc and objcopy and readelf):
        return None
    symbols = subprocess.run([readelf, "-Ws", str(library)], capture_output=True, text=True,
                             check=True).stdout
    match = re.search(r"\b(icudt\d+_dat)\b", symbols)
    if match is None:
        return None
    symbol = match.group(1)
    workdir.mkdir(parents=True, exist_ok=True)
    raw = workdir / f"{symbol}.orig"
    subprocess.run([objcopy, "-O", "binary", "--only-section=.rodata", str(library), str(raw)], check=True)
    small = workdir / f"{symbol.removesuffix('_dat')}l.dat"  # the name icupkg expects
    small.write_bytes(trim_package(raw.read_bytes()))
    asm = workdir / f"{symbol}.S"
    asm.write_text(
        f'.section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n{symbol}:\n'
        f'.incbin "{small.name}"\n.size {symbol}, .-{symbol}\n.section .note.GNU-stack,"",@progbits\n',
        encoding="ascii",
    )
    out = workdir / library.name
    subprocess.run([gcc, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-Wl,-z,noexecstack",
                    "-o", str(out), asm.name], cwd=workdir, check=True)
    raw.unlink()
    return out

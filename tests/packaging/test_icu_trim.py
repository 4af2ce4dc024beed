"""packaging/icu_trim.py: the ICU data package is rewritten faithfully, and the trimmed library still
collates Turkish, upper-cases the dotted İ and keeps the single-byte code pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.loader import load

icu_trim = load("packaging/icu_trim.py", "icu_trim")


def qt_icu_data() -> Path:
    if not sys.platform.startswith("linux") or not (shutil.which("objcopy") and shutil.which("gcc")):
        pytest.skip("needs Linux with gcc and binutils")
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 carries no ICU")
    return found[0]


@pytest.mark.parametrize(
    ("item", "size", "kept"),
    [
        ("icudt73l/coll/tr.res", 9000, True),
        ("icudt73l/coll/zh.res", 700_000, True),  # every collation stays
        ("icudt73l/nfkc.nrm", 60_000, True),
        ("icudt73l/tr.res", 30_000, True),
        ("icudt73l/curr/tr.res", 9000, True),
        ("icudt73l/curr/es_419.res", 9000, True),
        ("icudt73l/curr/root.res", 9000, True),
        ("icudt73l/curr/de.res", 9000, False),
        ("icudt73l/zone/ja.res", 9000, False),
        ("icudt73l/brkitr/cjdict.dict", 2_000_000, False),
        ("icudt73l/brkitr/word.brk", 9000, True),
        ("icudt73l/translit/root.res", 1_000_000, False),
        ("icudt73l/ibm-5350_P100-1998.cnv", 1200, True),  # windows-1254
        ("icudt73l/gb18030.cnv", 230_000, False),
        ("icudt73l/cnvalias.icu", 90_000, True),
    ],
)
def test_what_stays(item: str, size: int, kept: bool) -> None:
    assert icu_trim.keep_item(item, size) is kept


def test_the_package_round_trips_byte_for_byte(tmp_path: Path) -> None:
    lib = qt_icu_data()
    raw = tmp_path / "icudt.dat"
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", str(lib), str(raw)], check=True)
    data = raw.read_bytes()
    header, items = icu_trim.read_package(data)
    assert len(items) > 1000
    assert [name for name, _ in items] == sorted(name for name, _ in items)
    assert icu_trim.write_package(header, items) == data


TURKISH = """
from PySide6.QtCore import QCollator, QLocale, QStringDecoder
words = ["zeytin", "çilek", "ılık", "iğne", "şeker", "sarı", "öğle", "ufuk", "üzüm", "ceviz"]
print(",".join(sorted(words, key=QCollator(QLocale("tr_TR")).sortKey)))
print(QLocale("tr_TR").toUpper("istanbul ılık"))
print(QStringDecoder("windows-1254").isValid())
"""


@pytest.mark.slow
def test_the_trimmed_library_is_smaller_and_still_works(tmp_path: Path) -> None:
    lib = qt_icu_data()
    small = icu_trim.trim_library(lib, tmp_path)
    assert small is not None
    assert small.name == lib.name
    assert small.stat().st_size < lib.stat().st_size * 0.4
    # the dynamic loader takes the preloaded library for the soname Qt asks for
    env = {**os.environ, "LD_PRELOAD": str(small), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", TURKISH], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    order, upper, decoder = done.stdout.split("\n")[:3]
    assert order == "ceviz,çilek,ılık,iğne,öğle,sarı,şeker,ufuk,üzüm,zeytin"
    assert upper == "İSTANBUL ILIK"
    assert decoder == "True"

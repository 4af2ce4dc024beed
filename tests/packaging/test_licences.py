"""scripts/licences.py: every run-time component's licence, from metadata, and a loud stop without one."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import pytest

from tests.packaging.loader import load

licences = load("scripts/licences.py", "licences")


def names(dists: list[metadata.Distribution]) -> set[str]:
    return {d.metadata["Name"].lower().replace("_", "-").replace(".", "-") for d in dists}


def test_the_closure_holds_the_run_time_dependencies_and_theirs() -> None:
    found = names(licences.runtime_closure())
    for direct in ("pyside6-essentials", "httpx", "keyring", "python-calamine", "phonenumbers",
                   "email-validator", "platformdirs"):
        assert direct in found
    for indirect in ("shiboken6", "httpcore", "h11", "idna", "anyio", "certifi", "dnspython",
                     "jaraco-classes"):
        assert indirect in found
    # test-only extras and the program itself are not third-party run-time components
    assert not found & {"pytest", "pytest-qt", "openpyxl", "ruff", "contact-uploader", "pyinstaller"}


def test_each_component_has_its_licence_text_and_qt_says_how_to_replace_it() -> None:
    comps = {c.name.lower(): c for c in (licences.describe(d) for d in licences.runtime_closure())}
    assert all(c.texts for c in comps.values())
    httpx = comps["httpx"]
    assert httpx.licence == "BSD-3-Clause"
    assert any("Redistribution and use" in text for _, text in httpx.texts)
    qt = comps["pyside6_essentials"] if "pyside6_essentials" in comps else comps["pyside6-essentials"]
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in "\n".join(t for _, t in qt.texts)
    assert "in place of these files" in qt.note
    text = licences.render(list(comps.values()))
    assert "httpx" in text.split("\n\n", 2)[1]  # listed in the index


def test_a_component_without_licence_stops_the_build(tmp_path: Path) -> None:
    info = tmp_path / "silent-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: silent\nVersion: 1.0\n", encoding="utf-8")
    (info / "RECORD").write_text("silent-1.0.dist-info/METADATA,,\nsilent-1.0.dist-info/RECORD,,\n",
                                 encoding="utf-8")
    with pytest.raises(licences.LicenceError, match=r"silent 1\.0 is bundled but .* no licence"):
        licences.describe(metadata.PathDistribution(info))


def test_a_component_with_a_licence_file_in_its_metadata(tmp_path: Path) -> None:
    info = tmp_path / "talkative-2.0.dist-info"
    (info / "licenses").mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: talkative\nVersion: 2.0\nLicense-Expression: MIT\n"
        "License-File: LICENSE\n", encoding="utf-8")
    (info / "licenses" / "LICENSE").write_text("Permission is hereby granted", encoding="utf-8")
    (info / "RECORD").write_text(
        "talkative-2.0.dist-info/METADATA,,\ntalkative-2.0.dist-info/licenses/LICENSE,,\n", encoding="utf-8")
    comp = licences.describe(metadata.PathDistribution(info))
    assert (comp.licence, comp.texts) == ("MIT", [("licenses/LICENSE", "Permission is hereby granted")])


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs a Debian/Ubuntu system")
def test_system_libraries_carry_their_debian_copyright(tmp_path: Path) -> None:
    zlib = next((p for p in ("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1")
                 if Path(p).exists()), None)
    if zlib is None:
        pytest.skip("no libz.so.1 at the usual place")
    (comp,) = licences.system_libraries([zlib])
    assert comp.name.startswith("zlib1g")
    assert "libz.so.1" in comp.name
    assert "Jean-loup Gailly" in comp.texts[0][1]
    stray = tmp_path / "libstray.so.1"
    stray.write_bytes(b"\x7fELF")
    with pytest.raises(licences.LicenceError, match="No package owns"):
        licences.system_libraries([str(stray)])


def test_the_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "THIRD-PARTY-LICENSES"
    assert licences.main(["--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Contact Uploader ")
    assert "Python " in text  # the runtime the bundle carries
    try:
        metadata.distribution("pyinstaller")
    except metadata.PackageNotFoundError:
        bundler = False
    else:
        bundler = True
    assert ("PyInstaller bootloader" in text) is bundler  # its bootloader is in the bundle it builds

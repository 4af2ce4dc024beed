"""Gather the licence texts of every third-party component the packaged program carries into one file.

    python scripts/licences.py [--output dist/THIRD-PARTY-LICENSES] [--system-library PATH ...]

* every distribution in the installed run-time dependency closure of ``contact-uploader`` (walked through
  ``importlib.metadata``, environment markers evaluated, extras left out), with the licence files its
  metadata names (``License-File`` / ``.dist-info/licenses/``);
* the Python runtime and PyInstaller's bootloader, which the bundle also contains;
* on Debian/Ubuntu, each system shared library PyInstaller copied (``--system-library``, which build.spec
  passes), with ``/usr/share/doc/<package>/copyright`` of the package ``dpkg -S`` says owns it.

PySide6 and shiboken6 wheels carry no licence file: the LGPLv3 (and the GPLv3 it builds on) come from
``packaging/licences/`` together with how to replace the Qt libraries. Any other component without a
licence text stops the build with a message naming it: nothing ships without its licence.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
OWN = "contact-uploader"
LICENCE_NAME = re.compile(r"(?i)^(licen[cs]e|copying|notice|copyright|authors)([._-].*)?$")
LGPL_FILES = tuple(ROOT / "packaging" / "licences" / name for name in ("LGPL-3.0.txt", "GPL-3.0.txt"))
QT_NOTE = """\
Qt for Python (PySide6, shiboken6) and the Qt 6 libraries it contains are used under the GNU Lesser General
Public License version 3 (LGPLv3), whose text follows (with the GNU GPLv3 it builds on).

The Qt libraries are separate, replaceable files; they are not linked into the program:
  * Linux (.deb, one-folder bundle): /opt/contact-uploader/_internal/PySide6/Qt/lib/libQt6*.so.6
    and the plugins in _internal/PySide6/Qt/plugins/
  * Windows: <install folder>\\_internal\\PySide6\\Qt6*.dll and _internal\\PySide6\\plugins\\
  * macOS: Contact Uploader.app/Contents/Frameworks/PySide6/Qt/lib/Qt*.framework
To use your own build of Qt, build Qt {qt} (or a binary-compatible release) from its sources and put your
libraries in place of these files, keeping their names. The sources of Qt are at https://download.qt.io/
and https://code.qt.io/ , those of Qt for Python at https://code.qt.io/cgit/pyside/pyside-setup.git/
(tag v{version}). The libraries shipped are those of the PySide6 wheel with their symbol tables stripped;
on Linux the ICU data library (libicudata.so, ICU's Unicode licence) is a reduced rebuild made by
packaging/icu_trim.py, and the wheel's original can be put in its place. The third-party parts of Qt (ICU
among them) and their licences are listed at https://doc.qt.io/qt-6/licenses-used-in-qt.html .
"""
# distributions whose wheels carry no licence file, and where their text comes from instead
SUPPLIED: dict[str, tuple[Path, ...]] = {"pyside6-essentials": LGPL_FILES, "pyside6": LGPL_FILES,
                                         "shiboken6": LGPL_FILES}


class LicenceError(Exception):
    """A bundled component whose licence text cannot be found."""


@dataclass
class Component:
    name: str
    version: str
    licence: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (file name, text)
    note: str = ""


def runtime_closure(root: str = OWN) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time (markers evaluated here, extras left out)."""
    found: dict[str, metadata.Distribution] = {}
    stack = [root]
    while stack:
        name = canonicalize_name(stack.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LicenceError(f"{name} is required by the program but is not installed here.") from None
        found[name] = dist
        for line in dist.requires or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    found.pop(canonicalize_name(root), None)
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """The licence files a distribution's metadata carries, as (name, text)."""
    texts: list[tuple[str, str]] = []
    seen: set[str] = set()
    named = set(dist.metadata.get_all("License-File") or ())
    for file in dist.files or ():
        parts = file.parts
        in_info = bool(parts) and parts[0].endswith(".dist-info")
        if not in_info:
            continue
        if file.name in named or "licenses" in parts[1:-1] or LICENCE_NAME.match(file.name):
            if file.name in ("RECORD", "METADATA", "WHEEL") or str(file) in seen:
                continue
            seen.add(str(file))
            text = Path(str(file.locate())).read_text(encoding="utf-8", errors="replace").strip()
            if text:
                texts.append(("/".join(parts[1:]), text))
    return texts


def describe(dist: metadata.Distribution) -> Component:
    meta = dist.metadata
    name = canonicalize_name(meta["Name"])
    licence = meta.get("License-Expression") or ""
    if not licence:
        raw = (meta.get("License") or "").strip()
        licence = raw if raw and "\n" not in raw and len(raw) < 80 else ""
    if not licence:
        classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or () if
                       c.startswith("License ::")]
        licence = ", ".join(classifiers) or "see the text below"
    comp = Component(meta["Name"], dist.version, licence, licence_texts(dist))
    if name in SUPPLIED:
        comp.note = QT_NOTE.format(qt=_qt_version(dist.version), version=dist.version)
        comp.texts += [(p.name, p.read_text(encoding="utf-8").strip()) for p in SUPPLIED[name]]
    if not comp.texts:
        raise LicenceError(
            f"{comp.name} {comp.version} is bundled but its metadata carries no licence file: "
            "add its licence to scripts/licences.py (SUPPLIED) before shipping."
        )
    return comp


def _qt_version(fallback: str) -> str:
    try:
        from PySide6 import QtCore

        return str(QtCore.qVersion())
    except ImportError:
        return fallback


def python_runtime() -> Component:
    version = sysconfig.get_python_version()
    candidates = [
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(f"/usr/share/doc/python{version}/copyright"),
        Path("/usr/share/doc/python3/copyright"),
    ]
    for path in candidates:
        if path.is_file():
            return Component("Python", sys.version.split()[0], "PSF-2.0",
                             [(path.name, path.read_text(encoding="utf-8", errors="replace").strip())])
    looked = ", ".join(map(str, candidates))
    raise LicenceError(f"The Python runtime's licence was not found (looked at {looked}).")


def pyinstaller_bootloader() -> Component | None:
    try:
        dist = metadata.distribution("pyinstaller")
    except metadata.PackageNotFoundError:
        return None
    comp = Component("PyInstaller bootloader", dist.version, "GPL-2.0-or-later WITH Bootloader-exception",
                     licence_texts(dist))
    if not comp.texts:
        raise LicenceError("PyInstaller's licence (COPYING.txt) was not found in its metadata.")
    return comp


def _owned_by(path: str) -> str | None:
    """The Debian package that owns ``path`` (merged-/usr aware), or None."""
    real = os.path.realpath(path)
    tries = dict.fromkeys([path, real, re.sub(r"^/usr(?=/lib)", "", real),
                           re.sub(r"^/lib", "/usr/lib", real)])
    for candidate in tries:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if out.returncode == 0 and ":" in out.stdout:
            return out.stdout.split(": ", 1)[0].split(",")[0].split(":")[0].strip()
    return None


def system_libraries(paths: Iterable[str]) -> list[Component]:
    """Licences of the system shared libraries copied into the bundle (Debian/Ubuntu: via dpkg)."""
    # the Python runtime and the wheels' own libraries are covered above, by their own licences
    paths_ = sysconfig.get_paths()
    python_dirs = {*site.getsitepackages(), site.getusersitepackages(),
                   *(paths_[k] for k in ("stdlib", "platstdlib", "purelib", "platlib"))}
    python_homes = tuple(str(Path(p).resolve()) + os.sep for p in python_dirs if p)
    libs = sorted({p for p in paths if not os.path.basename(p).startswith("libpython")
                   and not os.path.realpath(p).startswith(python_homes)})
    if not libs:
        return []
    if shutil.which("dpkg") is None:
        return [Component("System libraries", "", "see the operating system", [(
            "note", "This build copied these system libraries; their licences are those of the system "
            "they came from:\n" + "\n".join(libs))])]
    packages: dict[str, list[str]] = {}
    for lib in libs:
        owner = _owned_by(lib)
        if owner is None:
            raise LicenceError(f"No package owns the bundled library {lib}, so its licence is unknown.")
        packages.setdefault(owner, []).append(os.path.basename(lib))
    comps = []
    for pkg, names in sorted(packages.items()):
        copyright_file = Path("/usr/share/doc") / pkg / "copyright"
        if not copyright_file.is_file():
            bundled = ", ".join(names)
            raise LicenceError(f"The Debian package {pkg} (bundled: {bundled}) has no {copyright_file}.")
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True,
                                 check=False).stdout.strip()
        text = copyright_file.read_text(encoding="utf-8", errors="replace").strip()
        comps.append(Component(f"{pkg} (Debian package: {', '.join(sorted(names))})", version,
                               "see the text below", [("copyright", text)]))
    return comps


def gather(system_libs: Sequence[str] = (), bundle: bool = True) -> list[Component]:
    comps = [describe(dist) for dist in runtime_closure()]
    if bundle:
        comps.append(python_runtime())
        boot = pyinstaller_bootloader()
        if boot is not None:
            comps.append(boot)
        comps += system_libraries(system_libs)
    return comps


def render(comps: Sequence[Component]) -> str:
    try:
        version = metadata.version(OWN)
    except metadata.PackageNotFoundError:
        version = "?"
    rule = "=" * 78
    out = [f"Contact Uploader {version}: licences of the third-party components it contains", "",
           "Components:"]
    out += [f"  - {c.name} {c.version}: {c.licence}" for c in comps]
    for c in comps:
        out += ["", rule, f"{c.name} {c.version}".strip() + f" — {c.licence}", rule, ""]
        if c.note:
            out += [c.note]
        for name, text in c.texts:
            out += [f"----- {name} -----", text, ""]
    return "\n".join(out).rstrip() + "\n"


def write(output: Path, system_libs: Sequence[str] = (), bundle: bool = True) -> Path:
    text = render(gather(system_libs, bundle))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "THIRD-PARTY-LICENSES")
    parser.add_argument("--system-library", action="append", default=[], metavar="PATH",
                        help="a system shared library the bundle carries (repeatable)")
    parser.add_argument("--no-bundle", action="store_true",
                        help="only the Python distributions (no Python, bootloader or system libraries)")
    args = parser.parse_args(argv)
    try:
        path = write(args.output, args.system_library, bundle=not args.no_bundle)
    except LicenceError as exc:
        sys.stderr.write(f"licences: {exc}\n")
        return 1
    sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

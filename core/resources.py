"""Find files under ``resources/`` from a checkout, an editable install, a wheel or a PyInstaller bundle.

* PyInstaller bundle: ``sys._MEIPASS/resources`` (build.spec copies the folder there).
* Wheel, editable install or checkout: the ``resources`` package through ``importlib.resources``. Callers
  need real paths (Qt opens icons by file name, the style sheet names its icon folder in ``url()``), which
  every ordinary install gives; a package inside a zip file is copied once to a temporary folder.
* An editable install made before ``resources`` became a package does not map it: the folder beside
  ``core/`` is used then.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import importlib.resources
import shutil
import sys
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "resources"
OWNER = "contact-uploader"


def resource_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return _package_root()


def resource_path(*parts: str) -> Path:
    """The path of ``resources/<parts>``; refuses absolute parts and ``..``."""
    for part in parts:
        if not part or ".." in Path(part).parts or Path(part).is_absolute():
            raise ValueError(f"bad resource path part {part!r}")
    return resource_root().joinpath(*parts)


@functools.cache
def _package_root() -> Path:
    beside_core = Path(__file__).resolve().parent.parent / "resources"
    try:
        module = importlib.import_module(PACKAGE)
    except ImportError:
        return beside_core
    if getattr(module, "OWNER", None) != OWNER:  # somebody else's top-level "resources"
        return beside_core
    root = importlib.resources.files(module)
    if isinstance(root, Path):
        return root
    return _copy_out(root)


def _copy_out(root: Traversable) -> Path:
    """Copy a package that is not on the file system (a zip) to a temporary folder removed at exit."""
    target = Path(tempfile.mkdtemp(prefix="contact-uploader-resources-"))
    atexit.register(shutil.rmtree, target, True)

    def copy(node: Traversable, dest: Path) -> None:
        for child in node.iterdir():
            if child.is_dir():
                if child.name != "__pycache__":
                    (dest / child.name).mkdir()
                    copy(child, dest / child.name)
            else:
                (dest / child.name).write_bytes(child.read_bytes())

    copy(root, target)
    return target

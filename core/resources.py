"""Find files under ``resources/`` whether running from source or from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of ``resources/<parts>``; refuses absolute parts and ``..``."""
    for part in parts:
        if not part or ".." in Path(part).parts or Path(part).is_absolute():
            raise ValueError(f"bad resource path part {part!r}")
    return resource_root().joinpath(*parts)

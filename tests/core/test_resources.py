"""The resource helper finds bundled data from source and refuses paths that climb out."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.resources import resource_path, resource_root


def test_finds_message_tables_from_source() -> None:
    assert resource_path("messages", "en.json").is_file()


@pytest.mark.parametrize("bad", ["..", "../etc", "/etc/passwd", ""])
def test_refuses_paths_outside_resources(bad: str) -> None:
    with pytest.raises(ValueError, match="bad resource path"):
        resource_path(bad)


def test_frozen_bundle_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_root() == tmp_path / "resources"
    assert resource_path("icons", "app.png") == tmp_path / "resources" / "icons" / "app.png"

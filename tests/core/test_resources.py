"""The resource helper finds bundled data from source and refuses paths that climb out."""

from __future__ import annotations

import fnmatch
import sys
import tomllib
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

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


# ---------------------------------------------------------------- found through importlib.resources


@pytest.fixture
def fresh_lookup(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget the cached root and any imported ``resources`` module, before and after the test."""
    from core import resources as module

    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.delitem(sys.modules, "resources", raising=False)
    module._package_root.cache_clear()
    yield
    module._package_root.cache_clear()


CHECKOUT = Path(__file__).resolve().parents[2] / "resources"


@pytest.mark.usefixtures("fresh_lookup")
def test_root_is_the_resources_package() -> None:
    import resources

    assert resources.OWNER == "contact-uploader"
    assert resource_root() == Path(resources.__file__).parent
    assert resource_root() == CHECKOUT


@pytest.mark.usefixtures("fresh_lookup")
def test_someone_elses_resources_package_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "resources", types.ModuleType("resources"))
    assert resource_root() == CHECKOUT


@pytest.mark.usefixtures("fresh_lookup")
def test_a_zipped_package_is_copied_to_real_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("resources/__init__.py", 'OWNER = "contact-uploader"\n')
        zf.writestr("resources/messages/en.json", '{"zipped": "yes"}')
        zf.writestr("resources/icons/app.png", b"\x89PNG")
    monkeypatch.syspath_prepend(str(archive))
    path = resource_path("messages", "en.json")
    assert path.read_text(encoding="utf-8") == '{"zipped": "yes"}'
    assert not str(path).startswith(str(archive))
    assert resource_path("icons", "app.png").read_bytes() == b"\x89PNG"


def test_every_resource_file_goes_into_the_wheel() -> None:
    """pyproject's package-data patterns cover every file under resources/ (else a wheel misses it)."""
    config = tomllib.loads((CHECKOUT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "resources" in config["tool"]["setuptools"]["packages"]
    patterns = config["tool"]["setuptools"]["package-data"]["resources"]
    missing = []
    for path in CHECKOUT.rglob("*"):
        rel = path.relative_to(CHECKOUT).as_posix()
        if path.is_dir() or "__pycache__" in rel or rel.endswith(".py"):
            continue
        if not any(PurePosixPath(rel).match(p) or fnmatch.fnmatch(rel, p) for p in patterns):
            missing.append(rel)
    assert missing == []

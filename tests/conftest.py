"""Fixtures shared by every test: an isolated state directory, no stray credentials, a sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from core.sandbox import Sandbox

pytest_plugins = ["tests.plugins.keyring_plugin"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own CONTACT_UPLOADER_HOME and no CONTACT_UPLOADER_* variables from outside."""
    for name in list(os.environ):
        if name.startswith("CONTACT_UPLOADER_"):
            monkeypatch.delenv(name)
    home = tmp_path / "state"
    monkeypatch.setenv("CONTACT_UPLOADER_HOME", str(home))
    # English unless a test asks for another language, whatever the machine's locale (child processes too)
    monkeypatch.setenv("CONTACT_UPLOADER_LANG", "en")
    from core import i18n, settings

    i18n.set_language("en")
    settings.take_notices()  # a notice another test left pending is not this test's
    return home


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A running loopback simulator of the four platforms (see core.sandbox)."""
    from core.sandbox import Sandbox

    with Sandbox() as sb:
        yield sb

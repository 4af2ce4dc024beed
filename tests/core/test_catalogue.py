"""The translation catalogue is complete and current (scripts/i18n.py check): CI fails on a missing text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_every_text_is_translated_in_every_language_and_none_is_stale() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_check_fails_on_a_missing_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is not a formality: a source text the catalogue lacks is reported."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n as tool  # type: ignore[import-not-found]  # scripts/i18n.py
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    template = tool.extract()
    template.add("A sentence nobody translated {n}.", locations=[("gui/x.py", 1)])
    found = tool.problems("fr", template)
    assert any("missing 'A sentence nobody translated {n}.'" in line for line in found)


@pytest.mark.parametrize(("lang", "expected"), [("tr", "1.196"), ("es", "1.196"), ("fr", "1\u202f196"),
                                                ("en", "1,196")])
def test_numbers_are_written_the_local_way(lang: str, expected: str) -> None:
    i18n.set_language(lang)
    try:
        assert i18n.number(1196) == expected
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("lang", ["tr", "fr", "es"])
def test_plural_forms_follow_the_language(lang: str) -> None:
    """French says 0 and 1 in the singular, Turkish and Spanish only 1 (the catalogue's Plural-Forms)."""
    tr = i18n.translation(lang)
    assert tr.plural(1) == 0  # type: ignore[attr-defined]
    assert tr.plural(2) == 1  # type: ignore[attr-defined]
    assert tr.plural(0) == (0 if lang == "fr" else 1)  # type: ignore[attr-defined]

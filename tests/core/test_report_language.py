"""The language changes what people read, never what programs read (SPEC §4): a Turkish or French run
writes the same report columns, status values and exit status as an English one, its messages in the
language."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from core.sandbox import Sandbox
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv
from tests.core.test_upload_cli import cred_env, run_cli


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("lang", ["tr", "fr", "es"])
def test_a_run_in_another_language_keeps_the_machine_values(lang: str, sandbox: Sandbox, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rows = contact_rows(4)
    rows[1][3] = "0532 12"  # too short: one invalid row with a sentence to translate
    source = write_csv(tmp_path / "contacts.csv", [CONTACT_HEADERS, *rows])
    url = sandbox.base_url("octopush")
    results = {}
    for language in ("en", lang):
        report = tmp_path / f"report-{language}.csv"
        status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--base-url", url,
                                    "--report", str(report), "--lang", language, "--json", "--dry-run"],
                                   monkeypatch, cred_env("octopush"))
        results[language] = (status, json.loads(out), _rows(report), err)
    en_status, en_json, (en_header, en_rows), en_err = results["en"]
    status, data, (header, rows_in_lang), err = results[lang]
    assert status == en_status
    assert header == en_header
    assert header[:5] == ["row", "status", "code", "message", "id"]
    assert [r["status"] for r in rows_in_lang] == [r["status"] for r in en_rows]
    assert [r["row"] for r in rows_in_lang] == [r["row"] for r in en_rows]
    assert set(data["counts"]) == set(en_json["counts"])
    assert data["counts"] == en_json["counts"]
    # ... while every message a person reads is in the language
    changed = [(a["message"], b["message"]) for a, b in zip(en_rows, rows_in_lang, strict=True)
               if a["message"]]
    assert changed
    assert all(a != b for a, b in changed), changed
    assert err != en_err

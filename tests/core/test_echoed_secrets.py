"""Secrets in answers (issue 10, item 6): a server that echoes the request gets no secret shown or stored.

Each provider's sandbox answers every request with a 400 page that repeats the request back (its target as
sent, re-encoded with %20, its headers, its body and all of it as JSON), as a framework's debug page or a
WAF does. The secrets hold characters that change when URL-, JSON- or HTML-encoded. Real ``upload`` and
``add`` runs in child processes, secrets in the environment as a scheduled job gives them; then stdout,
stderr, the report, the journal and the log are searched for every form of every secret.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from core.sandbox import Faults, Sandbox
from tests.core.test_no_leaks import ADD_FIELDS, OCTOPUSH_LOGIN, ROWS, _cli, _files, _write_csv

SECRETS: dict[str, dict[str, str]] = {
    "netcore": {"api_key": 'NETkey é/+&="1 end'},
    "iletimerkezi": {"api_key": "ILETIkey é/+ two", "api_hash": 'ILETIhash "q"/ü+3'},
    "aptania": {"token_uuid": "APTtoken ç/+&4", "user_uuid": 'APTuser "ş"/5'},
    "octopush": {"api_key": "OCTOkey \"q\"/+&=6 x"},  # ASCII: it travels in a header
}


def forms(secret: str) -> set[str]:
    """Every form a secret takes in an echoed request; what must never be shown or stored."""
    encoded = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    encoded |= {re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), e) for e in encoded}
    out: set[str] = set()
    for form in encoded:
        for escaped in (form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]):
            out |= {escaped, html.escape(escaped)}
    return out


def assert_clean(where: str, blob: bytes | str, secrets: Iterable[str]) -> None:
    data = blob if isinstance(blob, bytes) else blob.encode("utf-8", "replace")
    for secret in secrets:
        for form in forms(secret):
            assert form.encode("utf-8") not in data, f"secret {secret!r} (as {form!r}) found in {where}"


def env_for(provider: str) -> dict[str, str]:
    env = {f"CONTACT_UPLOADER_{provider.upper()}_{k.upper()}": v for k, v in SECRETS[provider].items()}
    if provider == "octopush":
        env["CONTACT_UPLOADER_OCTOPUSH_API_LOGIN"] = OCTOPUSH_LOGIN
    return env


@pytest.mark.parametrize("provider", sorted(SECRETS))
def test_an_echoing_server_gets_no_secret_shown_or_stored(
    sandbox: Sandbox, isolated_state: Path, tmp_path: Path, provider: str
) -> None:
    sandbox.faults = Faults(echo=True)
    header, rows, maps = ROWS[provider]
    source = _write_csv(tmp_path / f"{provider}.csv", header, rows)
    report = tmp_path / f"{provider}-report.csv"
    base = ["--provider", provider, "--base-url", sandbox.base_url(provider)]
    upload = _cli(["upload", str(source), *base, *[a for m in maps for a in ("--map", m)], "--report",
                   str(report)], env_for(provider), isolated_state)
    add = _cli(["add", *base, *[a for s in ADD_FIELDS[provider] for a in ("--set", s)]],
               env_for(provider), isolated_state)
    assert upload.returncode == 1, upload.stdout + upload.stderr
    assert add.returncode == 1, add.stdout + add.stderr

    secrets = list(SECRETS[provider].values())
    assert_clean("upload output", upload.stdout + upload.stderr, secrets)
    assert_clean("add output", add.stdout + add.stderr, secrets)
    assert_clean(str(report), report.read_bytes(), secrets)
    files = list(_files(isolated_state))
    assert any(p.name.startswith("journal") for p in files)
    assert any(p.name.startswith("contact-uploader.log") for p in files)
    for path in files:
        assert_clean(str(path), path.read_bytes(), secrets)

    # the test proves something only if the server really echoed each secret in several forms
    assert sandbox.received(provider), upload.stdout + upload.stderr + add.stdout + add.stderr
    assert "Bad request" in add.stdout  # the echoed page is what add prints (its first 300 characters)
    with sqlite3.connect(isolated_state / "journal.sqlite3") as db:
        kept = [raw for (raw,) in db.execute("SELECT raw_text FROM rows WHERE state = 'failed'")]
    assert kept
    assert all("••••••" in raw for raw in kept)  # the echoed secrets, masked in the excerpt kept
    if provider == "netcore":  # its key travels in the URL, the first line of the page: add shows it masked
        assert "••••••" in add.stdout

"""No secret anywhere: run real uploads and adds with distinctive secrets, then search for them.

Every provider gets credentials no other test uses; Netcore also gets a refused key (its key travels in
the URL, and httpx logs URLs). After the runs, every file under the state directory (log files, journal,
settings, remembered mappings), every report, and everything written to stdout/stderr (and, in process,
every log record) is searched for each secret, raw and in its URL- and JSON-encoded forms.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from core.cli import main
from core.credentials import save_credentials

ROOT = Path(__file__).resolve().parents[2]

SECRETS: dict[str, dict[str, str]] = {
    "netcore": {"api_key": "SECRET-netcore-8d3f5a1e9c7b"},
    "iletimerkezi": {"api_key": "SECRET-ileti-key-2b4d6f8a", "api_hash": "SECRET-ileti-hash-1a3c5e7f9b0d"},
    "aptania": {"token_uuid": "SECRET-apt-token-7c9e1b3d", "user_uuid": "SECRET-apt-user-4f6a8c0e"},
    "octopush": {"api_key": "SECRET-octo/key+5e7a9c1b=="},  # characters that change when URL-encoded
}
REFUSED_NETCORE_KEY = "SECRET-refused-netcore-0c0ffee5d1"
OCTOPUSH_LOGIN = "leaktest@example.com"

ROWS: dict[str, tuple[list[str], list[list[str]], list[str]]] = {
    # header, rows (one of them invalid), --map items
    "netcore": (
        ["Email", "Name", "Mobile"],
        [
            ["ann@example.com", "Ann", "+919812345678"],
            ["not-an-email", "Bad", ""],
            ["bob@example.com", "Bob", ""],
        ],
        ["Email=EMAIL", "Name=NAME", "Mobile=MOBILE"],
    ),
    "iletimerkezi": (
        ["Ad", "Soyad", "GSM"],
        [["Ayşe", "Yılmaz", "+905321234567"], ["Can", "Demir", "12"], ["Ece", "Kaya", "+905339876543"]],
        ["Ad=name", "Soyad=surname", "GSM=gsm"],
    ),
    "aptania": (
        ["email", "first", "profile"],
        [["cem@example.com", "Cem", "1"], ["bad@", "Bad", "1"], ["dan@example.com", "Dan", "2"]],
        ["email=contactEmailaddress", "first=contactFirstname", "profile=contactProfileID"],
    ),
    "octopush": (
        ["phone", "first"],
        [["+33612345678", "Luc"], ["0000", "Bad"], ["+33698765432", "Zoé"]],
        ["phone=phone_number", "first=first_name"],
    ),
}
ADD_FIELDS: dict[str, list[str]] = {
    "netcore": ["EMAIL=solo@example.com", "NAME=Solo"],
    "iletimerkezi": ["name=Tek", "gsm=+905551112233"],
    "aptania": ["contactEmailaddress=solo@example.com", "contactProfileID=3"],
    "octopush": ["phone_number=+33611112222", "first_name=Solo"],
}


def _forms(secret: str) -> set[str]:
    """The secret as it could appear in a file or a stream: raw, URL-encoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def _all_secrets() -> list[str]:
    return [v for creds in SECRETS.values() for v in creds.values()] + [REFUSED_NETCORE_KEY]


def _env_for(provider: str, creds: dict[str, str]) -> dict[str, str]:
    env = {f"CONTACT_UPLOADER_{provider.upper()}_{k.upper()}": v for k, v in creds.items()}
    if provider == "octopush":
        env["CONTACT_UPLOADER_OCTOPUSH_API_LOGIN"] = OCTOPUSH_LOGIN
    return env


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file())


def _assert_clean(where: str, blob: bytes | str, secrets: Iterable[str]) -> None:
    data = blob if isinstance(blob, bytes) else blob.encode("utf-8", "replace")
    for secret in secrets:
        for form in _forms(secret):
            assert form.encode("utf-8") not in data, f"secret {secret!r} (as {form!r}) found in {where}"


@pytest.fixture
def leaky_sandbox(sandbox: object) -> object:
    """The sandbox accepting our distinctive credentials (and so refusing the demo ones)."""
    for provider, creds in SECRETS.items():
        sandbox.set_credentials(provider, **creds)  # type: ignore[attr-defined]
    sandbox.set_credentials("octopush", api_login=OCTOPUSH_LOGIN)  # type: ignore[attr-defined]
    return sandbox


@pytest.fixture
def upload_available() -> None:
    if importlib.util.find_spec("core.upload") is None:
        pytest.skip("core/upload.py (engineer D's `upload` command) has not landed yet")


def _cli(args: list[str], env_extra: dict[str, str], state: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_UPLOADER_")}
    env.update(env_extra, CONTACT_UPLOADER_HOME=str(state), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.usefixtures("upload_available")
def test_subprocess_uploads_and_adds_leak_no_secret(
    leaky_sandbox: object, isolated_state: Path, tmp_path: Path
) -> None:
    """Headless runs as a cron job would do them: secrets in environment variables."""
    sb = leaky_sandbox
    outputs: list[tuple[str, str]] = []
    reports: list[Path] = []
    for provider, creds in SECRETS.items():
        header, rows, maps = ROWS[provider]
        source = _write_csv(tmp_path / f"{provider}.csv", header, rows)
        report = tmp_path / f"{provider}-report.csv"
        base = ["--provider", provider, "--base-url", sb.base_url(provider)]  # type: ignore[attr-defined]
        map_args = [a for m in maps for a in ("--map", m)]
        done = _cli(
            ["upload", str(source), *base, *map_args, "--report", str(report)],
            _env_for(provider, creds),
            isolated_state,
        )
        outputs.append((f"upload {provider}", done.stdout + done.stderr))
        assert done.returncode == 1, f"{provider}: {done.stdout} {done.stderr}"  # one row is invalid
        assert report.is_file()
        reports.append(report)
        assert len(sb.contacts(provider)) >= 2, provider  # type: ignore[attr-defined]

        set_args = [a for s in ADD_FIELDS[provider] for a in ("--set", s)]
        done = _cli(["add", *base, *set_args], _env_for(provider, creds), isolated_state)
        outputs.append((f"add {provider}", done.stdout + done.stderr))
        assert done.returncode == 0, f"{provider}: {done.stdout} {done.stderr}"

    # Netcore with a key it refuses: the key is in the URL of every request that was made
    header, rows, maps = ROWS["netcore"]
    source = _write_csv(tmp_path / "refused.csv", header, rows)
    report = tmp_path / "refused-report.csv"
    base = ["--provider", "netcore", "--base-url", sb.base_url("netcore")]  # type: ignore[attr-defined]
    refused_env = _env_for("netcore", {"api_key": REFUSED_NETCORE_KEY})
    done = _cli(
        ["upload", str(source), *base, *[a for m in maps for a in ("--map", m)], "--report", str(report)],
        refused_env,
        isolated_state,
    )
    outputs.append(("upload netcore refused", done.stdout + done.stderr))
    assert done.returncode == 2, done.stdout + done.stderr
    if report.exists():
        reports.append(report)
    done = _cli(["add", *base, "--set", "EMAIL=refused@example.com"], refused_env, isolated_state)
    outputs.append(("add netcore refused", done.stdout + done.stderr))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip()
    assert len(done.stderr.strip().splitlines()) == 1
    refused_seen = [r for r in sb.received("netcore") if REFUSED_NETCORE_KEY in str(r.query)]  # type: ignore[attr-defined]
    assert refused_seen, "the refused key never reached the sandbox: the test would prove nothing"

    log_files = list((isolated_state / "logs").glob("contact-uploader.log*"))
    assert log_files, "no log file was written"
    assert "HTTP Request" in "".join(p.read_text(encoding="utf-8", errors="replace") for p in log_files)

    secrets = _all_secrets()
    for where, text in outputs:
        _assert_clean(where, text, secrets)
    for path in _files(isolated_state, *reports):
        _assert_clean(str(path), path.read_bytes(), secrets)


@pytest.mark.usefixtures("upload_available")
def test_in_process_runs_with_keyring_credentials_leak_no_secret(
    leaky_sandbox: object,
    isolated_state: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same through core.cli.main with secrets from the keyring, logging at DEBUG (httpcore too)."""
    sb = leaky_sandbox
    for provider, creds in SECRETS.items():
        extra = {"api_login": OCTOPUSH_LOGIN} if provider == "octopush" else {}
        save_credentials(provider, "leaky", {**creds, **extra})
    save_credentials("netcore", "refused", {"api_key": REFUSED_NETCORE_KEY})
    reports: list[Path] = []
    with caplog.at_level(logging.DEBUG):
        for provider in SECRETS:
            header, rows, maps = ROWS[provider]
            source = _write_csv(tmp_path / f"{provider}.csv", header, rows)
            report = tmp_path / f"{provider}-report.csv"
            base = ["--provider", provider, "--profile", "leaky", "--base-url", sb.base_url(provider)]  # type: ignore[attr-defined]
            status = main(
                [
                    "upload",
                    str(source),
                    *base,
                    *[a for m in maps for a in ("--map", m)],
                    "--report",
                    str(report),
                ]
            )
            assert status == 1, capsys.readouterr()
            reports.append(report)
            status = main(["add", *base, *[a for s in ADD_FIELDS[provider] for a in ("--set", s)]])
            assert status == 0, capsys.readouterr()
            logging.getLogger().setLevel(logging.DEBUG)  # main() set INFO again
        header, rows, maps = ROWS["netcore"]
        source = _write_csv(tmp_path / "refused.csv", header, rows)
        base = ["--provider", "netcore", "--profile", "refused", "--base-url", sb.base_url("netcore")]  # type: ignore[attr-defined]
        assert main(["upload", str(source), *base, *[a for m in maps for a in ("--map", m)]]) == 2
        logging.getLogger().setLevel(logging.DEBUG)
        assert main(["add", *base, "--set", "EMAIL=refused@example.com"]) == 2
        assert main(["credentials", "test", "netcore", "--profile", "refused"]) == 0

    captured = capsys.readouterr()
    secrets = _all_secrets()
    assert "HTTP Request" in caplog.text
    _assert_clean("stdout", captured.out, secrets)
    _assert_clean("stderr", captured.err, secrets)
    _assert_clean("log records", caplog.text, secrets)
    for record in caplog.records:
        _assert_clean(f"log record {record.name}", record.getMessage() + (record.exc_text or ""), secrets)
    for path in _files(isolated_state, *reports):
        _assert_clean(str(path), path.read_bytes(), secrets)

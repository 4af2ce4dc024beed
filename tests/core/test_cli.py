"""``python -m core`` as a subprocess: providers, add (sandbox via --base-url / env, and --demo), and every
bad input giving exit status 2, one line on stderr, no traceback and nothing sent (SPEC 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.sandbox import DEMO_CREDENTIALS, Sandbox

ROOT = Path(__file__).resolve().parents[2]
OCTO_ENV = {
    "CONTACT_UPLOADER_OCTOPUSH_API_KEY": DEMO_CREDENTIALS["octopush"]["api_key"],
    "CONTACT_UPLOADER_OCTOPUSH_API_LOGIN": DEMO_CREDENTIALS["octopush"]["api_login"],
}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_UPLOADER_")}
    full_env["CONTACT_UPLOADER_HOME"] = os.environ["CONTACT_UPLOADER_HOME"]
    full_env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the user's keyring
    full_env["PYTHONIOENCODING"] = "utf-8"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------- providers
def test_providers_text() -> None:
    proc = run_cli("providers")
    assert proc.returncode == 0
    out = proc.stdout
    for name in ("netcore", "iletimerkezi", "aptania", "octopush"):
        assert f"{name} — " in out
    for var in (
        "CONTACT_UPLOADER_NETCORE_API_KEY", "CONTACT_UPLOADER_NETCORE_REGION",
        "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH", "CONTACT_UPLOADER_APTANIA_TOKEN_UUID",
        "CONTACT_UPLOADER_OCTOPUSH_API_LOGIN",
    ):  # fmt: skip
        assert var in out
    assert "EMAIL        E-mail" in out
    assert "required" in out
    assert "custom_field:<id>" in out
    assert "max 30 characters" in out


def test_providers_json() -> None:
    proc = run_cli("providers", "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert [p["name"] for p in data] == ["netcore", "iletimerkezi", "aptania", "octopush"]
    octo = data[3]
    assert {f["id"] for f in octo["fields"]} >= {"phone_number", "first_name", "param5"}
    assert {f["id"] for f in octo["options"]} == {
        "list_name", "tag_name", "auto_remove_blacklisted_numbers", "do_not_overwrite",
    }  # fmt: skip
    assert {c["env"] for c in octo["credentials"]} == set(OCTO_ENV)
    assert octo["batch_size"] == 200
    assert octo["credential_check"] is True
    assert data[0]["credential_check"] is False
    assert next(f for f in octo["fields"] if f["id"] == "phone_number")["required"] is True


def test_help_and_version_exit_0() -> None:
    assert run_cli("--help").returncode == 0
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert "contact-uploader" in proc.stdout


# ---------------------------------------------------------------------------------------- add
def test_add_against_the_sandbox_with_base_url_and_env_credentials(sandbox: Sandbox) -> None:
    proc = run_cli(
        "add", "--provider", "octopush", "--set", "phone_number=06 11 22 33 44", "--set", "first_name=Axelle",
        "--set", "list_name=vip", "--base-url", sandbox.base_url("octopush"), env=OCTO_ENV,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "added: Octopush added the contact."
    assert proc.stderr == ""
    (stored,) = sandbox.contacts("octopush")
    assert stored["phone_number"] == "+33611223344"  # FR is Octopush's default country
    assert stored["lists"] == ["vip"]
    again = run_cli(
        "add", "--provider", "octopush", "--set", "phone_number=+33611223344", "--base-url",
        sandbox.base_url("octopush"), env=OCTO_ENV,
    )  # fmt: skip
    assert again.returncode == 0
    assert again.stdout.startswith("updated:")


def test_add_uses_the_base_url_environment_variable_and_base_url_wins(sandbox: Sandbox) -> None:
    env = {**OCTO_ENV, "CONTACT_UPLOADER_OCTOPUSH_BASE_URL": sandbox.base_url("octopush")}
    proc = run_cli("add", "--provider", "octopush", "--set", "phone_number=+33611223344", env=env)
    assert proc.returncode == 0, proc.stderr
    env["CONTACT_UPLOADER_OCTOPUSH_BASE_URL"] = "http://127.0.0.1:9/nothing-here"
    proc = run_cli(
        "add", "--provider", "octopush", "--set", "phone_number=+33611223345",
        "--base-url", sandbox.base_url("octopush"), env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(sandbox.contacts("octopush")) == 2


@pytest.mark.parametrize("where", ["global", "sub"])
def test_add_demo(where: str) -> None:
    args = ["add", "--provider", "aptania", "--set", "contactEmailaddress=Jo@Example.COM", "--set",
            "contactProfileID=1"]  # fmt: skip
    proc = run_cli(*(["--demo", *args] if where == "global" else [*args, "--demo"]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("added: Aptania added the contact. (id ")


def test_add_exists_is_0_failed_is_1(sandbox: Sandbox) -> None:
    creds = DEMO_CREDENTIALS["netcore"]
    env = {
        "CONTACT_UPLOADER_NETCORE_API_KEY": creds["api_key"],
        "CONTACT_UPLOADER_NETCORE_BASE_URL": sandbox.base_url("netcore"),
    }
    for expected in ("added:", "exists:"):
        proc = run_cli("add", "--provider", "netcore", "--set", "EMAIL=mike@example.com", env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(expected)
    ileti = DEMO_CREDENTIALS["iletimerkezi"]
    env = {
        "CONTACT_UPLOADER_ILETIMERKEZI_API_KEY": ileti["api_key"],
        "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH": ileti["api_hash"],
    }
    proc = run_cli(
        "add", "--provider", "iletimerkezi", "--set", "name=Ayşe", "--set", "group_id=9999",
        "--base-url", sandbox.base_url("iletimerkezi"), env=env,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout.startswith("failed: İleti Merkezi has no group with this ID.")
    assert proc.stdout.rstrip().endswith("(code 463).")


def test_refused_credentials_exit_2_without_the_secret(sandbox: Sandbox) -> None:
    env = {
        "CONTACT_UPLOADER_NETCORE_API_KEY": "wrong-netcore-key-0987",
        "CONTACT_UPLOADER_NETCORE_REGION": "eu",
    }
    proc = run_cli(
        "add", "--provider", "netcore", "--set", "EMAIL=a@example.com", "--base-url",
        sandbox.base_url("netcore"), env=env,
    )  # fmt: skip
    line = assert_one_line_error(proc)
    assert "rejected the API key" in line
    assert "wrong-netcore-key-0987" not in proc.stdout + proc.stderr
    assert sandbox.contacts("netcore") == []


def test_unreachable_provider_is_one_readable_line() -> None:
    proc = run_cli(
        "add", "--provider", "octopush", "--set", "phone_number=+33611223344", "--base-url",
        "http://127.0.0.1:9/v1", env=OCTO_ENV,
    )  # fmt: skip
    line = assert_one_line_error(proc, status=1)
    assert "refused the connection" in line


# ---------------------------------------------------------------------------------------- bad input
BAD_INPUT = {
    "unknown provider": (["add", "--provider", "mailchimp", "--set", "EMAIL=a@b.co"],
                         "Unknown provider 'mailchimp'"),
    "unknown field": (["add", "--provider", "octopush", "--set", "email=a@b.co"], "has no field 'email'"),
    "malformed --set": (["add", "--provider", "octopush", "--set", "phone_number"], "FIELD=VALUE"),
    "missing field": (["add", "--provider", "octopush", "--set", "first_name=Jo"],
                      "--set phone_number=VALUE"),
    "bad value": (["add", "--provider", "aptania", "--set", "contactEmailaddress=nope", "--set",
                   "contactProfileID=1"], "Nothing was sent"),
    "no --set": (["add", "--provider", "octopush"], "--set FIELD=VALUE"),
    "no --provider": (["add", "--set", "a=b"], "--provider"),
    "unknown command": (["frobnicate"], "invalid choice"),
    "no command": ([], "Give a command"),
    "bad base url": (["add", "--provider", "octopush", "--set", "phone_number=+33611223344", "--base-url",
                      "octopush.example"], "base URL"),
    "bad region": (["add", "--provider", "octopush", "--set", "phone_number=0611223344", "--default-region",
                    "ZZ"], "ZZ"),
    "bad concurrency": (["upload", "f.csv", "--provider", "octopush", "--concurrency", "0"], "--concurrency"),
    "bad credentials action": (["credentials", "show", "octopush"], "invalid choice"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exit_2_one_line_nothing_sent(case: str, sandbox: Sandbox) -> None:
    args, expected = BAD_INPUT[case]
    env = {**OCTO_ENV, "CONTACT_UPLOADER_OCTOPUSH_BASE_URL": sandbox.base_url("octopush")}
    env["CONTACT_UPLOADER_APTANIA_BASE_URL"] = sandbox.base_url("aptania")
    proc = run_cli(*args, env=env)
    line = assert_one_line_error(proc)
    assert expected in line
    assert proc.stdout == ""
    for provider in ("octopush", "aptania"):
        assert sandbox.received(provider) == []


def test_missing_credentials_name_the_variables(sandbox: Sandbox) -> None:
    proc = run_cli(
        "add",
        "--provider",
        "iletimerkezi",
        "--set",
        "name=Ayşe",
        "--base-url",
        sandbox.base_url("iletimerkezi"),
    )
    line = assert_one_line_error(proc)
    assert "CONTACT_UPLOADER_ILETIMERKEZI_API_KEY" in line
    assert sandbox.received("iletimerkezi") == []


def test_upload_and_credentials_are_dispatched(tmp_path: Path) -> None:
    proc = run_cli("upload", str(tmp_path / "missing.csv"), "--provider", "octopush", "--dry-run")
    assert_one_line_error(proc)
    assert "missing.csv" in proc.stderr
    proc = run_cli("credentials", "delete", "nosuchprovider")
    line = assert_one_line_error(proc)
    assert "nosuchprovider" in line


def test_main_in_process_catches_unexpected_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import core.cli

    def boom(*args: object) -> int:
        raise RuntimeError("secret-ish internal detail")

    monkeypatch.setitem(core.cli.COMMANDS, "providers", boom)
    try:
        assert main(["providers"]) == 70  # SPEC §8: an internal error, never 1 (a row failed)
    finally:
        from core.logsetup import teardown_logging

        teardown_logging()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "RuntimeError" in err
    assert "log file" in err
    assert "secret-ish" not in err


def test_providers_json_describes_dynamic_fields() -> None:
    import io as _io
    import json as _json
    import re as _re

    from core.cli import main as _main
    from core.providers import get_provider as _get

    out = _io.StringIO()
    assert _main(["providers", "--json"], stdout=out, stderr=_io.StringIO()) == 0
    entries = {p["name"]: p for p in _json.loads(out.getvalue())}
    for name, example in (("iletimerkezi", "custom_field:12"), ("aptania", "attr:7"), ("netcore", "COUNTRY")):
        [dynamic] = entries[name]["dynamic_fields"]
        assert {"pattern", "regex", "kind", "label"} <= set(dynamic)
        assert dynamic["example"] == example
        assert _re.fullmatch(dynamic["regex"], example)  # a script can validate an id with it
        assert _get(name).field(example) is not None  # and the provider takes it
        assert dynamic["kind"] == "text"
    assert entries["iletimerkezi"]["dynamic_fields"][0]["pattern"] == "custom_field:<id>"
    assert not _re.fullmatch(entries["iletimerkezi"]["dynamic_fields"][0]["regex"], "custom_field:x")
    assert entries["octopush"]["dynamic_fields"] == []

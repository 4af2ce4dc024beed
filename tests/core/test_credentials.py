"""Credentials: one contract for every secret store, environment overrides, the no-keyring path."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import uuid
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from core import credentials, credentials_cmd
from core.credentials import (
    KeyringStore,
    MemoryStore,
    SecretStore,
    delete_credentials,
    list_profiles,
    load_credentials,
    save_credentials,
)
from core.errors import KeyringUnavailable, MissingCredentials, UsageError
from core.providers import PROVIDERS
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ the contract
@pytest.fixture(
    params=[
        "memory",
        "keyring-in-memory",
        pytest.param("secret-service", marks=pytest.mark.keyring_real),
    ]
)
def store(request: pytest.FixtureRequest) -> Iterator[SecretStore]:
    """Each SecretStore: the dict, keyring over the test backend, keyring over gnome-keyring."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "secret-service":
        request.getfixturevalue("secret_service")
    yield KeyringStore()


@pytest.fixture
def profile() -> Iterator[str]:
    """A profile name no other test (or earlier run against the same keyring) used."""
    return f"test-{uuid.uuid4().hex[:10]}"


class TestSecretStoreContract:
    def test_nothing_stored_reads_as_none(self, store: SecretStore, profile: str) -> None:
        assert store.get("octopush", profile, "api_key") is None

    def test_set_then_get_returns_the_exact_value(self, store: SecretStore, profile: str) -> None:
        value = "  Ünïcødé key/with+símbols=&?#%; and spaces  "
        store.set("octopush", profile, "api_key", value)
        try:
            assert store.get("octopush", profile, "api_key") == value
        finally:
            store.delete("octopush", profile, "api_key")

    def test_entries_are_separate_per_provider_profile_and_field(
        self, store: SecretStore, profile: str
    ) -> None:
        other = profile + "-2"
        entries = {
            ("octopush", profile, "api_key"): "octo-one",
            ("octopush", other, "api_key"): "octo-two",
            ("iletimerkezi", profile, "api_key"): "ileti-key",
            ("iletimerkezi", profile, "api_hash"): "ileti-hash",
        }
        for (p, prof, field), value in entries.items():
            store.set(p, prof, field, value)
        try:
            for (p, prof, field), value in entries.items():
                assert store.get(p, prof, field) == value
            store.delete("octopush", profile, "api_key")
            assert store.get("octopush", profile, "api_key") is None
            assert store.get("octopush", other, "api_key") == "octo-two"
        finally:
            for p, prof, field in entries:
                store.delete(p, prof, field)

    def test_set_replaces_and_delete_of_nothing_is_fine(self, store: SecretStore, profile: str) -> None:
        store.set("aptania", profile, "token_uuid", "first")
        store.set("aptania", profile, "token_uuid", "second")
        assert store.get("aptania", profile, "token_uuid") == "second"
        store.delete("aptania", profile, "token_uuid")
        store.delete("aptania", profile, "token_uuid")
        assert store.get("aptania", profile, "token_uuid") is None

    def test_two_octopush_accounts_round_trip(self, store: SecretStore, profile: str) -> None:
        second = profile + "-shop2"
        save_credentials(
            "octopush", profile, {"api_key": "KEY-A-123", "api_login": "a@example.com"}, store=store
        )
        save_credentials(
            "octopush", second, {"api_key": "KEY-B-456", "api_login": "b@example.com"}, store=store
        )
        try:
            assert load_credentials("octopush", profile, environ={}, store=store) == {
                "api_key": "KEY-A-123",
                "api_login": "a@example.com",
            }
            assert load_credentials("octopush", second, environ={}, store=store)["api_key"] == "KEY-B-456"
            assert {profile, second} <= set(list_profiles("octopush"))
            text = Settings.load().path.read_text(encoding="utf-8")
            assert "KEY-A-123" not in text
            assert "KEY-B-456" not in text
            assert "a@example.com" in text
        finally:
            delete_credentials("octopush", profile, store=store)
            delete_credentials("octopush", second, store=store)
        assert store.get("octopush", profile, "api_key") is None
        assert profile not in list_profiles("octopush")

    def test_concurrent_use_from_threads(self, store: SecretStore, profile: str) -> None:
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(5):
                    store.set("netcore", f"{profile}-{n}", "api_key", f"value-{n}-{i}")
                    assert store.get("netcore", f"{profile}-{n}", "api_key") == f"value-{n}-{i}"
            except BaseException as exc:  # noqa: BLE001 — collected and re-raised on the test thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        try:
            assert not errors, errors
            for n in range(6):
                assert store.get("netcore", f"{profile}-{n}", "api_key") == f"value-{n}-4"
        finally:
            for n in range(6):
                store.delete("netcore", f"{profile}-{n}", "api_key")


# ------------------------------------------------------------------------------ keyring layout
def test_keyring_entries_use_service_and_provider_profile_field(memory_keyring: object) -> None:
    save_credentials("iletimerkezi", "ofis", {"api_key": "k-1234", "api_hash": "h-5678"})
    assert keyring.get_password("contact-uploader", "iletimerkezi:ofis:api_key") == "k-1234"
    assert keyring.get_password("contact-uploader", "iletimerkezi:ofis:api_hash") == "h-5678"


@pytest.mark.keyring_real
def test_real_secret_service_holds_the_entry_under_our_service(secret_service: object, profile: str) -> None:
    save_credentials("netcore", profile, {"api_key": "real-netcore-key", "region": "eu"})
    try:
        assert keyring.get_password("contact-uploader", f"netcore:{profile}:api_key") == "real-netcore-key"
        assert load_credentials("netcore", profile, environ={}) == {
            "api_key": "real-netcore-key",
            "region": "eu",
        }
    finally:
        delete_credentials("netcore", profile)
    assert keyring.get_password("contact-uploader", f"netcore:{profile}:api_key") is None


@pytest.mark.keyring_real
def test_a_locked_keyring_says_unlock_in_one_sentence(private_secret_service: object) -> None:
    import secretstorage

    save_credentials("octopush", "default", {"api_key": "locked-away", "api_login": "me@example.com"})
    bus = secretstorage.dbus_init()
    try:
        secretstorage.get_default_collection(bus).lock()
    finally:
        bus.close()
    # no prompter on a headless machine: the unlock prompt is dismissed, exactly as when a user cancels it
    with pytest.raises(KeyringUnavailable) as caught:
        load_credentials("octopush", environ={})
    message = str(caught.value)
    assert "locked" in message
    assert "unlock" in message
    assert "\n" not in message
    assert "locked-away" not in message
    with pytest.raises(KeyringUnavailable):
        save_credentials("octopush", "default", {"api_key": "another"})
    # env vars still carry a headless run past a locked keyring
    env = {"CONTACT_UPLOADER_OCTOPUSH_API_KEY": "from-env", "CONTACT_UPLOADER_OCTOPUSH_API_LOGIN": "e@x.io"}
    assert load_credentials("octopush", environ=env)["api_key"] == "from-env"


# ------------------------------------------------------------------------------ environment and settings
SPEC_ENV_VARS = {
    ("netcore", "api_key"): "CONTACT_UPLOADER_NETCORE_API_KEY",
    ("netcore", "region"): "CONTACT_UPLOADER_NETCORE_REGION",
    ("iletimerkezi", "api_key"): "CONTACT_UPLOADER_ILETIMERKEZI_API_KEY",
    ("iletimerkezi", "api_hash"): "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH",
    ("aptania", "token_uuid"): "CONTACT_UPLOADER_APTANIA_TOKEN_UUID",
    ("aptania", "user_uuid"): "CONTACT_UPLOADER_APTANIA_USER_UUID",
    ("octopush", "api_key"): "CONTACT_UPLOADER_OCTOPUSH_API_KEY",
    ("octopush", "api_login"): "CONTACT_UPLOADER_OCTOPUSH_API_LOGIN",
}


def test_env_var_names_are_those_of_spec_section_8() -> None:
    actual = {(p.name, c.id): c.env_var(p.name) for p in PROVIDERS.values() for c in p.credential_fields}
    assert actual == SPEC_ENV_VARS


def test_environment_wins_over_keyring_and_settings() -> None:
    save_credentials("netcore", "default", {"api_key": "stored-key", "region": "in"})
    assert load_credentials("netcore", environ={}) == {"api_key": "stored-key", "region": "in"}
    env = {"CONTACT_UPLOADER_NETCORE_API_KEY": " env-key ", "CONTACT_UPLOADER_NETCORE_REGION": "EU"}
    assert load_credentials("netcore", environ=env) == {"api_key": "env-key", "region": "eu"}
    # the process environment is the default source
    os.environ["CONTACT_UPLOADER_NETCORE_API_KEY"] = "process-env-key"
    try:
        assert load_credentials("netcore")["api_key"] == "process-env-key"
    finally:
        del os.environ["CONTACT_UPLOADER_NETCORE_API_KEY"]


def test_defaults_apply_and_bad_choices_are_refused() -> None:
    assert (
        load_credentials("netcore", environ={"CONTACT_UPLOADER_NETCORE_API_KEY": "k-123"})["region"] == "us"
    )
    with pytest.raises(UsageError, match="us, in, eu"):
        load_credentials(
            "netcore",
            environ={"CONTACT_UPLOADER_NETCORE_API_KEY": "k", "CONTACT_UPLOADER_NETCORE_REGION": "mars"},
        )
    with pytest.raises(UsageError):
        save_credentials("netcore", "default", {"region": "mars"})
    with pytest.raises(UsageError, match="has no credential"):
        save_credentials("netcore", "default", {"password": "x"})


def test_missing_credentials_name_what_which_profile_and_how() -> None:
    with pytest.raises(MissingCredentials) as caught:
        load_credentials("iletimerkezi", "ofis-2", environ={"CONTACT_UPLOADER_ILETIMERKEZI_API_KEY": "key-1"})
    message = str(caught.value)
    assert "API hash" in message
    assert "API key" not in message.split("stored")[0]
    assert "'ofis-2'" in message
    assert "contact-uploader credentials set iletimerkezi --profile ofis-2" in message
    assert "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH" in message
    assert "\n" not in message
    assert "key-1" not in message


def test_profile_names_are_checked() -> None:
    for bad in ("", "a:b", "tab\there", "x" * 65):
        if bad == "":
            assert credentials.check_profile(bad) == "default"
            continue
        with pytest.raises(UsageError):
            load_credentials("octopush", bad, environ={})


def test_non_secret_values_live_in_the_settings_file_secrets_never() -> None:
    save_credentials("octopush", "shop-2", {"api_key": "SECRET-octo-77", "api_login": "shop2@example.com"})
    text = Settings.load().path.read_text(encoding="utf-8")
    assert "shop2@example.com" in text
    assert "SECRET-octo-77" not in text
    assert list_profiles("octopush") == ["default", "shop-2"]
    save_credentials("octopush", "shop-2", {"api_login": ""})  # "" removes a stored value
    assert "shop2@example.com" not in Settings.load().path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ no keyring at all
def test_no_backend_is_one_sentence_with_what_to_install(no_keyring: None, isolated_state: Path) -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        load_credentials("octopush", environ={"CONTACT_UPLOADER_OCTOPUSH_API_LOGIN": "me@example.com"})
    message = str(caught.value)
    assert "gnome-keyring" in message
    assert "KWallet" in message
    assert "CONTACT_UPLOADER_OCTOPUSH_API_KEY" in message
    assert "\n" not in message
    assert message.endswith(".")

    with pytest.raises(KeyringUnavailable):
        save_credentials(
            "octopush", "default", {"api_key": "NO-PLAINTEXT-9f2c", "api_login": "me@example.com"}
        )
    # no plain-text fallback: the secret is nowhere under the state directory
    for path in isolated_state.rglob("*"):
        if path.is_file():
            assert b"NO-PLAINTEXT-9f2c" not in path.read_bytes(), path


def test_no_backend_env_vars_alone_still_work(no_keyring: None) -> None:
    env = {"CONTACT_UPLOADER_APTANIA_TOKEN_UUID": "tok-1", "CONTACT_UPLOADER_APTANIA_USER_UUID": "usr-1"}
    assert load_credentials("aptania", environ=env) == {"token_uuid": "tok-1", "user_uuid": "usr-1"}


def test_no_backend_the_rest_of_the_program_keeps_working(
    no_keyring: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.cli import main

    assert main(["providers"]) == 0
    assert "octopush" in capsys.readouterr().out
    assert list_profiles("netcore") == ["default"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("KEY-x-1\nme@example.com\n"))
    assert main(["credentials", "set", "octopush"]) == 2
    captured = capsys.readouterr()
    assert "gnome-keyring" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "KEY-x-1" not in captured.out + captured.err


# ------------------------------------------------------------------------------ the command
def _run(
    action: str, provider: str, stdin: str = "", profile: str = "default", **extra: object
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(action=action, provider=provider, profile=profile, **extra)
    status = credentials_cmd.run(args, out, err, stdin=io.StringIO(stdin))
    return status, out.getvalue(), err.getvalue()


def test_set_reads_one_line_per_field_in_order_and_never_echoes() -> None:
    status, out, err = _run("set", "iletimerkezi", "KEY-il-4242\nHASH-il-4343\n", profile="ofis")
    assert status == 0, err
    assert "KEY-il-4242" not in out + err
    assert "HASH-il-4343" not in out + err
    assert load_credentials("iletimerkezi", "ofis", environ={}) == {
        "api_key": "KEY-il-4242",
        "api_hash": "HASH-il-4343",
    }
    # empty lines keep what is stored
    status, _, err = _run("set", "iletimerkezi", "\nHASH-new-55\n", profile="ofis")
    assert status == 0, err
    assert load_credentials("iletimerkezi", "ofis", environ={})["api_key"] == "KEY-il-4242"
    assert load_credentials("iletimerkezi", "ofis", environ={})["api_hash"] == "HASH-new-55"


def test_set_with_too_little_input_saves_nothing() -> None:
    status, _out, err = _run("set", "octopush", "KEY-only-1\n")
    assert status == 2
    assert "Login e-mail" in err
    assert "api_key, api_login" in err
    assert keyring.get_password("contact-uploader", "octopush:default:api_key") is None


def test_set_netcore_region_default_and_choice() -> None:
    status, _, err = _run("set", "netcore", "NK-123456\n\n")
    assert status == 0, err
    assert load_credentials("netcore", environ={})["region"] == "us"
    status, _, err = _run("set", "netcore", "\nmars\n")
    assert status == 2
    assert "us, in, eu" in err


def test_test_says_plainly_when_the_provider_offers_no_check() -> None:
    status, out, err = _run("test", "netcore")
    assert status == 0, err
    assert "no" in out.lower()
    assert "test" in out.lower()


def test_test_checks_the_aptania_token_only_against_the_sandbox(sandbox: object) -> None:
    from core.sandbox import DEMO_CREDENTIALS

    base = sandbox.base_url("aptania")  # type: ignore[attr-defined]
    save_credentials("aptania", "default", DEMO_CREDENTIALS["aptania"])
    status, out, err = _run("test", "aptania", base_url=base)
    assert status == 0, err
    assert "checks the token only" in out
    assert "userUUID" in out
    save_credentials("aptania", "bad", {"token_uuid": "REFUSED-apt-77", "user_uuid": "u"})
    status, out, err = _run("test", "aptania", profile="bad", base_url=base)
    assert status == 2
    assert "tokenUUID" in err
    assert "REFUSED-apt-77" not in out + err


def test_test_runs_the_octopush_check_against_the_sandbox(sandbox: object) -> None:
    from core.sandbox import DEMO_CREDENTIALS

    base = sandbox.base_url("octopush")  # type: ignore[attr-defined]
    save_credentials("octopush", "default", DEMO_CREDENTIALS["octopush"])
    status, out, err = _run("test", "octopush", base_url=base)
    assert status == 0, err
    assert out.strip()
    save_credentials("octopush", "bad", {"api_key": "REFUSED-octo-31", "api_login": "nobody@example.com"})
    status, out, err = _run("test", "octopush", profile="bad", base_url=base)
    assert status == 2
    assert err.strip()
    assert "REFUSED-octo-31" not in out + err


def test_test_runs_the_iletimerkezi_check_from_the_environment_base_url(sandbox: object) -> None:
    from core.sandbox import DEMO_CREDENTIALS

    creds = DEMO_CREDENTIALS["iletimerkezi"]
    env = {
        "CONTACT_UPLOADER_ILETIMERKEZI_BASE_URL": sandbox.base_url("iletimerkezi"),  # type: ignore[attr-defined]
        "CONTACT_UPLOADER_ILETIMERKEZI_API_KEY": creds["api_key"],
        "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH": creds["api_hash"],
    }
    out, err = io.StringIO(), io.StringIO()
    args = Namespace(action="test", provider="iletimerkezi", profile="default")
    assert credentials_cmd.run(args, out, err, environ=env) == 0, err.getvalue()
    env["CONTACT_UPLOADER_ILETIMERKEZI_API_HASH"] = "wrong-hash-000"
    assert credentials_cmd.run(args, out, err, environ=env) == 2


def test_test_with_missing_credentials_exits_2() -> None:
    status, _, err = _run("test", "octopush", profile="nobody")
    assert status == 2
    assert "credentials set octopush --profile nobody" in err


def test_delete_removes_secrets_and_settings() -> None:
    save_credentials("octopush", "shop-2", {"api_key": "DEL-me-1", "api_login": "d@example.com"})
    status, out, _ = _run("delete", "octopush", profile="shop-2")
    assert status == 0
    assert "shop-2" in out
    assert keyring.get_password("contact-uploader", "octopush:shop-2:api_key") is None
    assert "d@example.com" not in Settings.load().path.read_text(encoding="utf-8")
    assert list_profiles("octopush") == ["default"]


@pytest.mark.keyring_real
def test_set_prompts_without_echo_on_a_terminal(
    secret_service: object, isolated_state: Path, profile: str
) -> None:
    """A real pseudo-terminal: getpass turns echo off, so the key never appears in what the terminal shows."""
    import pty
    import select

    env = dict(os.environ, CONTACT_UPLOADER_HOME=str(isolated_state), PYTHONPATH=str(ROOT))
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session whose controlling terminal is the pty
        os.execvpe(
            sys.executable,
            [sys.executable, "-m", "core", "credentials", "set", "octopush", "--profile", profile],
            env,
        )
    shown = b""

    def read_until(marker: bytes) -> None:
        nonlocal shown
        while marker not in shown:
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, f"no prompt {marker!r}; terminal showed {shown!r}"
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                return
            if not chunk:
                return
            shown += chunk

    try:
        read_until(b"API key")
        os.write(fd, b"TTY-secret-5e6f\n")
        read_until(b"Login e-mail")
        os.write(fd, b"tty@example.com\n")
        read_until(b"Saved")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, shown
    assert b"TTY-secret-5e6f" not in shown
    assert b"tty@example.com" in shown  # the non-secret answer is echoed as typed
    try:
        assert keyring.get_password("contact-uploader", f"octopush:{profile}:api_key") == "TTY-secret-5e6f"
    finally:
        delete_credentials("octopush", profile)


@pytest.mark.keyring_real
def test_cli_subprocess_against_the_real_keyring(
    secret_service: object, isolated_state: Path, profile: str
) -> None:
    env = dict(os.environ, CONTACT_UPLOADER_HOME=str(isolated_state), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "core", "credentials"]
    done = subprocess.run(
        [*cmd, "set", "aptania", "--profile", profile],
        input="tok-SUB-1\nusr-SUB-2\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "tok-SUB-1" not in done.stdout + done.stderr
    assert keyring.get_password("contact-uploader", f"aptania:{profile}:token_uuid") == "tok-SUB-1"
    done = subprocess.run(
        [*cmd, "delete", "aptania", "--profile", profile],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert keyring.get_password("contact-uploader", f"aptania:{profile}:user_uuid") is None

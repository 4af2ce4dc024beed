"""A real Secret Service (gnome-keyring on a private D-Bus session bus) for tests marked ``keyring_real``.

Never the user's own keyring: inside ``.ci/keyring-session.sh`` (which exports CU_KEYRING_SESSION=1) the
throw-away session it started is used; anywhere else this plugin starts its own ``dbus-daemon`` and
``gnome-keyring-daemon`` with a scratch ``XDG_DATA_HOME`` and an unlocked login keyring, points
``DBUS_SESSION_BUS_ADDRESS`` at it for the session, and stops it afterwards.

Where no Secret Service can be started the tests are skipped with the reason — except when ``CI=true``,
where they fail: CI must exercise the real keyring.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

PASSWORD = "ci-keyring-password"


@dataclass
class SecretServiceSession:
    """A running Secret Service: its bus address and the keyring backend talking to it."""

    address: str
    backend: keyring.backend.KeyringBackend
    started_here: bool


class _Unavailable(Exception):
    pass


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _probe() -> keyring.backend.KeyringBackend:
    """The Secret Service backend if the current session bus offers one; raises otherwise."""
    from keyring.backends.SecretService import Keyring

    try:
        priority = Keyring.priority  # checks the daemon is reachable through D-Bus
    except Exception as exc:  # noqa: BLE001 — any failure means "not available", with its reason
        raise _Unavailable(str(exc)) from None
    if not priority:
        raise _Unavailable("the Secret Service backend is not viable")
    backend = Keyring()
    try:  # a write and a delete prove the default collection exists and is unlocked
        backend.set_password("contact-uploader-probe", "probe", "probe")
        backend.delete_password("contact-uploader-probe", "probe")
    except Exception as exc:  # noqa: BLE001
        raise _Unavailable(f"{type(exc).__name__}: {exc}") from None
    return backend


def _start(scratch: Path) -> tuple[str, int]:
    """Start dbus-daemon and an unlocked gnome-keyring-daemon; (bus address, dbus-daemon pid)."""
    for tool, package in (("dbus-daemon", "dbus"), ("gnome-keyring-daemon", "gnome-keyring")):
        if shutil.which(tool) is None:
            raise _Unavailable(f"{tool} is not installed (apt-get install {package})")
    bus = scratch / "bus"
    try:
        out = subprocess.run(
            [
                "dbus-daemon",
                "--session",
                "--fork",
                "--print-address=1",
                "--print-pid=1",
                f"--address=unix:path={bus}",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        raise _Unavailable(f"dbus-daemon did not start: {exc}") from None
    address, pid = out[0], int(out[1])
    env = dict(os.environ)
    env.update(
        DBUS_SESSION_BUS_ADDRESS=address,
        XDG_DATA_HOME=str(scratch / "data"),
        XDG_RUNTIME_DIR=str(scratch / "run"),
    )
    (scratch / "data").mkdir()
    (scratch / "run").mkdir(mode=0o700)
    try:
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=PASSWORD,
            capture_output=True,
            text=True,
            env=env,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _stop(pid)
        raise _Unavailable(f"gnome-keyring-daemon did not start: {exc}") from None
    if not _wait_for_name(env):
        _stop(pid)
        raise _Unavailable("gnome-keyring-daemon did not offer the Secret Service within 10 s")
    return address, pid


def _wait_for_name(env: dict[str, str], timeout: float = 10.0) -> bool:
    """Wait until the daemon owns org.freedesktop.secrets: it claims the name a moment after --unlock
    returns, and a client arriving earlier would D-Bus-activate a second daemon with a locked keyring."""
    ask = [
        "dbus-send",
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        "string:org.freedesktop.secrets",
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            out = subprocess.run(ask, capture_output=True, text=True, env=env, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return True  # no dbus-send: let the probe find out
        if "boolean true" in out:
            return True
        time.sleep(0.1)
    return False


def _stop(pid: int) -> None:
    try:  # gnome-keyring-daemon leaves when its bus goes away
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass


@contextlib.contextmanager
def _private_session() -> Iterator[SecretServiceSession | str]:
    """Start a Secret Service of our own for the duration; yields it, or the reason it could not start."""
    scratch = Path(tempfile.mkdtemp(prefix="cu-secret-service-"))
    previous = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    pid = None
    try:
        try:
            address, pid = _start(scratch)
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
            session: SecretServiceSession | str = SecretServiceSession(address, _probe(), True)
        except _Unavailable as exc:
            session = f"no Secret Service could be started: {exc}"
        yield session
    finally:
        if previous is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous
        if pid is not None:
            _stop(pid)
        shutil.rmtree(scratch, ignore_errors=True)


def _use(request: pytest.FixtureRequest, session: SecretServiceSession | str) -> SecretServiceSession:
    if not request.node.get_closest_marker("keyring_real"):
        pytest.fail("a test using the real Secret Service must be marked keyring_real")
    if isinstance(session, str):
        if _in_ci():
            pytest.fail(f"CI must test the real keyring, but {session}")
        pytest.skip(session)
    return session


@pytest.fixture(scope="session")
def secret_service_session() -> Iterator[SecretServiceSession | str]:
    """The session-wide Secret Service, or the reason none could be started (a string)."""
    if os.environ.get("CU_KEYRING_SESSION") == "1":
        try:
            found: SecretServiceSession | str = SecretServiceSession(
                os.environ.get("DBUS_SESSION_BUS_ADDRESS", ""), _probe(), False
            )
        except _Unavailable as exc:
            found = f"the Secret Service of .ci/keyring-session.sh does not work: {exc}"
        yield found
        return
    with _private_session() as session:
        yield session


@pytest.fixture
def secret_service(
    request: pytest.FixtureRequest, secret_service_session: SecretServiceSession | str
) -> Iterator[SecretServiceSession]:
    """Install the real Secret Service as the keyring backend for one test (marker ``keyring_real``)."""
    session = _use(request, secret_service_session)
    previous = keyring.get_keyring()
    keyring.set_keyring(session.backend)
    try:
        yield session
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def private_secret_service(request: pytest.FixtureRequest) -> Iterator[SecretServiceSession]:
    """A Secret Service of this test alone (it may lock it, say), installed as the keyring backend."""
    if not request.node.get_closest_marker("keyring_real"):
        pytest.fail("a test using the real Secret Service must be marked keyring_real")
    with _private_session() as raw:
        session = _use(request, raw)
        previous = keyring.get_keyring()
        keyring.set_keyring(session.backend)
        try:
            yield session
        finally:
            keyring.set_keyring(previous)

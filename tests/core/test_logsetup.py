"""Logging: a rotating file in the state directory, and no secret in any line of it."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from core import logsetup
from core.model import MASK


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    yield
    logsetup.teardown_logging()


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"result": "Invalid API key"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_log_file_is_a_rotating_file_in_the_state_directory(isolated_state: Path) -> None:
    path = logsetup.setup_logging()
    assert path == isolated_state / "logs" / "contact-uploader.log"
    handlers = [
        h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(handlers) == 1
    assert handlers[0].maxBytes == 1_000_000
    assert handlers[0].backupCount == 3
    logging.getLogger("core.test").info("hello %s", "world")
    handlers[0].flush()
    assert "INFO core.test: hello world" in path.read_text(encoding="utf-8")


def test_rotation_keeps_three_old_files(isolated_state: Path) -> None:
    path = logsetup.setup_logging()
    line = "x" * 1000
    for _ in range(4500):  # ~4.5 MB: more than four files' worth
        logging.getLogger("core.test").info(line)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == [
        "contact-uploader.log",
        "contact-uploader.log.1",
        "contact-uploader.log.2",
        "contact-uploader.log.3",
    ]
    assert all(p.stat().st_size <= 1_000_000 + 2000 for p in path.parent.iterdir())


def test_setting_up_again_follows_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = logsetup.setup_logging()
    monkeypatch.setenv("CONTACT_UPLOADER_HOME", str(tmp_path / "other"))
    second = logsetup.setup_logging()
    assert first != second
    assert second.parent.parent == tmp_path / "other"
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(ours) == 1


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        (
            "POST https://api.netcoresmartech.com/apiv2?type=contact&activity=addsync&apikey=KEYQ1w2e3r4",
            "KEYQ1w2e3r4",
        ),
        ("url=/apiv2?apikey=abc%2Fdef&type=contact", "abc%2Fdef"),
        ('{"request": {"authentication": {"key": "ILETI-key-77", "hash": "ILETI-hash-88"}}}', "ILETI-"),
        ('{"tokenUUID": "tok-4a4a", "userUUID": "usr-5b5b", "contactEmailaddress": "a@b.co"}', "-4a4a"),
        ('{"tokenUUID": "tok-4a4a", "userUUID": "usr-5b5b"}', "usr-5b5b"),
        ("headers: {'api-key': 'OCTO-k-99', 'api-login': 'me@example.com'}", "OCTO-k-99"),
        ("api-key: OCTO-k-99\r\napi-login: me@example.com", "OCTO-k-99"),
        ("{'api_key': 'repr-key-1', 'region': 'eu'}", "repr-key-1"),
    ],
)
def test_patterns_mask_credentials_nobody_registered(text: str, leak: str) -> None:
    masked = logsetup.redact(text)
    assert leak not in masked
    assert MASK in masked


def test_patterns_leave_ordinary_text_alone() -> None:
    for text in (
        "Duplicate entry 'a@b.co' for key 'uniqid'",
        "api-login: me@example.com",
        '{"contactEmailaddress": "a@b.co", "status": "200"}',
        "the monkey=banana",
    ):
        assert logsetup.redact(text) == text


def test_registered_secrets_are_masked_in_every_form() -> None:
    secret = "S3cr3t/with+plus&amp"
    logsetup.register_secret(secret)
    for text in (
        secret,
        "x=S3cr3t%2Fwith%2Bplus%26amp",
        "x=S3cr3t%2Fwith%2Bplus%26amp",
        f"prefix {secret} suffix",
    ):
        assert "S3cr3t" not in logsetup.redact(text)
    logsetup.register_secret("ab")  # too short to mask usefully: ignored
    assert logsetup.redact("abc table") == "abc table"


def test_exception_text_and_arguments_are_masked_in_the_file(isolated_state: Path) -> None:
    path = logsetup.setup_logging()
    logsetup.register_secret("EXC-secret-3c3c")
    log = logging.getLogger("core.test")
    try:
        raise RuntimeError("failed with EXC-secret-3c3c inside")
    except RuntimeError:
        log.exception("request %s failed", {"api_key": "EXC-secret-3c3c"})
    log.warning("broken format %s %s", "only-one-arg")  # a bad record must still be written
    logging.getLogger().handlers[-1].flush()
    text = path.read_text(encoding="utf-8")
    assert "EXC-secret-3c3c" not in text
    assert "RuntimeError: failed with" in text
    assert MASK in text


def test_other_handlers_see_masked_text_too(caplog: pytest.LogCaptureFixture) -> None:
    logsetup.register_secret("CAPLOG-secret-9d9d")
    with caplog.at_level(logging.INFO):
        logging.getLogger("somewhere.else").info("value %s", "CAPLOG-secret-9d9d")
    assert "CAPLOG-secret-9d9d" not in caplog.text
    assert MASK in caplog.text


def test_httpx_request_line_with_a_netcore_key_is_masked(
    isolated_state: Path, local_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs 'HTTP Request: POST <url>' at INFO: Netcore's key in that URL must not reach the file."""
    path = logsetup.setup_logging(logging.DEBUG)
    key = "NETCORE-unregistered-7e7e7e"  # never registered: the URL pattern alone must catch it
    url = f"{local_server}/netcore/apiv2?type=contact&activity=addsync&apikey={key}"
    with caplog.at_level(logging.DEBUG), httpx.Client() as client:
        response = client.post(url, data={"data": '{"EMAIL": "a@b.co"}'})
    assert response.status_code == 200
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "HTTP Request: POST" in text  # the line is there, only the key is masked
    assert f"apikey={MASK}" in text
    assert key not in text
    assert key not in caplog.text

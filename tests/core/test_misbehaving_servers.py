"""A misbehaving server never holds the program (issue 10, item 5), against real loopback servers.

The sandbox's fault modes (``drip``, ``error_bytes``, ``p_429`` with a huge ``retry_after``, ``p_503``) and a
small TLS server with a self-signed certificate made here with trustme. Runs that could hang before the
fix run in a thread with a generous bound, so a regression fails the test instead of holding the run.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from core.client import ProviderClient, RetryPolicy
from core.engine import JobSummary, Progress, run_job
from core.errors import NetworkProblem
from core.journal import Journal
from core.model import Contact, Outcome
from core.providers import get_provider
from core.sandbox import DEMO_CREDENTIALS, Faults, Sandbox
from tests.core.test_engine import IDENTITY, contacts_for

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
T = TypeVar("T")


def bounded(call: Callable[[], T], seconds: float = 120.0) -> T:
    """``call()`` in a thread; fails the test if it has not returned after ``seconds`` (it was held)."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still held by the server after {seconds:.0f} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def job(journal: Journal, provider: str, n: int) -> int:
    return journal.create_job(f"fp-{provider}", provider, "default", {"0": IDENTITY[provider]}, {}, n)


def upload(sandbox: Sandbox, name: str, n: int, **kwargs: object) -> tuple[JobSummary, Journal, int]:
    contacts = contacts_for(name, n)
    journal = Journal()
    job_id = job(journal, name, n)
    options: dict[str, object] = {"retry": FAST, **kwargs}
    summary = bounded(lambda: run_job(
        get_provider(name), DEMO_CREDENTIALS[name], sandbox.base_url(name), contacts, {},
        journal=journal, job_id=job_id, **options,  # type: ignore[arg-type]
    ))
    return summary, journal, job_id


# ------------------------------------------------------------------------------------------ one byte a second


def test_a_dripping_server_meets_the_overall_deadline_in_the_engine(sandbox: Sandbox) -> None:
    # every answer (about 250 bytes with its headers) takes 12 s; each read gets its byte well in time
    sandbox.faults = Faults(drip=0.05)
    summary, journal, job_id = upload(sandbox, "aptania", 1, deadline=0.5,
                                      retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    (result,) = journal.results(job_id).values()
    assert result.outcome is Outcome.FAILED
    assert "did not finish answering within 0.5 seconds" in result.message
    assert summary.requests == 2


def test_a_dripping_server_meets_the_overall_deadline_in_the_client(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(drip=0.05)
    creds = DEMO_CREDENTIALS["octopush"]
    client = ProviderClient(get_provider("octopush"), creds, sandbox.base_url("octopush"),
                            deadline=0.5, max_attempts=1)

    def add() -> object:
        with client:
            return client.add(Contact(1, {"phone_number": "+33611223344"}), {})

    with pytest.raises(NetworkProblem) as info:
        bounded(add)
    assert info.value.kind == "timeout"
    assert "within 0.5 seconds" in str(info.value)


# ------------------------------------------------------------------------------------------ Retry-After


def test_retry_after_of_a_day_stops_the_job_and_says_until_when(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_429=1.0, retry_after=99999)
    summary, journal, job_id = upload(sandbox, "netcore", 5, concurrency=1)
    assert summary.stopped_reason is not None
    assert "27 h 46 min" in summary.stopped_reason
    assert "--resume" in summary.stopped_reason
    assert summary.requests == 1  # nothing else was sent; the rows stay resumable
    assert summary.counts == {}
    assert all(not row.finished for row in journal.rows(job_id).values())


def test_an_absurd_retry_after_stops_the_job_like_a_long_one_not_as_a_bug(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Retry-After: 1e+20`` (or inf): the job stops saying until when, as for a day; the time it names
    once overflowed the clock and ended the run as an internal error (exit 70)."""
    import json
    import math

    from core.providers.base import parse_retry_after
    from tests.core.test_upload_cli import cred_env, run_cli

    for value in ("inf", "+Infinity", "1e400", "99999999999999999999"):
        seconds = parse_retry_after(value)
        assert seconds is not None
        assert math.isfinite(seconds)
    sandbox.faults = Faults(p_429=1.0, retry_after=1e20)
    summary, _, _ = upload(sandbox, "netcore", 5, concurrency=1)
    assert summary.stopped_reason is not None
    assert "--resume" in summary.stopped_reason
    status, out, err = run_cli(["add", "--provider", "octopush", "--base-url", sandbox.base_url("octopush"),
                                "--set", "phone_number=+905321112233", "--json"], monkeypatch,
                               cred_env("octopush"))
    assert status == 1, err
    assert json.loads(out)["exit_status"] == 1


def test_a_short_retry_after_is_waited_for_and_shown(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_429=1.0, retry_after=0.3)
    seen: list[Progress] = []
    summary, journal, job_id = upload(sandbox, "octopush", 3, progress=seen.append,
                                      retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    waiting = [p for p in seen if p.waiting_until is not None]
    assert waiting, "the hold on new requests was never shown"
    assert "continues at" in waiting[0].waiting_message
    (result, *_) = journal.results(job_id).values()
    assert result.outcome is Outcome.FAILED
    assert "HTTP 429" in result.message
    assert "waits and tries again" not in result.message
    assert summary.stopped_reason is None


def test_add_does_not_wait_a_day_for_retry_after(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_429=1.0, retry_after=99999)
    sleeps: list[float] = []
    with ProviderClient(get_provider("octopush"), DEMO_CREDENTIALS["octopush"], sandbox.base_url("octopush"),
                        sleep=sleeps.append) as client:
        row = client.add(Contact(1, {"phone_number": "+33611223344"}), {})
    assert row.outcome is Outcome.FAILED
    assert "asked us to wait 27 h 46 min" in row.message
    assert sleeps == []
    assert len(sandbox.received("octopush")) == 1


# ------------------------------------------------------------------------------------------ persistent 5xx


def test_persistent_server_errors_stop_the_job_early(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_503=1.0)
    summary, journal, job_id = upload(sandbox, "aptania", 30, concurrency=2)
    assert summary.stopped_reason is not None
    assert "keeps answering with a server error (HTTP 503)" in summary.stopped_reason
    assert "--resume" in summary.stopped_reason
    assert summary.requests < 30 * 6  # stopped long before every row used its six attempts
    failed = [r for r in journal.results(job_id).values() if r.outcome is Outcome.FAILED]
    assert failed
    assert all("tries again" not in r.message for r in failed)
    assert any(not row.finished for row in journal.rows(job_id).values())  # the rest stays resumable


# ------------------------------------------------------------------------------------------ 10 MB error body


@pytest.mark.parametrize("field_bytes", [5 * 1024 * 1024, 1536 * 1024])
def test_a_huge_error_body_is_kept_as_a_bounded_excerpt(sandbox: Sandbox, field_bytes: int) -> None:
    sandbox.faults = Faults(error_bytes=field_bytes)  # a 10 MB answer, and a 3 MB one read whole
    _, journal, job_id = upload(sandbox, "octopush", 3)
    results = journal.results(job_id)
    assert {r.outcome for r in results.values()} == {Outcome.FAILED}
    for result in results.values():
        assert 0 < len(result.raw_text) <= 2000
        assert len(result.message) <= 1000
    journal.close()
    sizes = sum(p.stat().st_size for p in Path(journal.path).parent.glob(Path(journal.path).name + "*"))
    assert sizes < 2 * 1024 * 1024  # before: 21 MB for one row (the body twice)


# 10 MB: more than the 4 MB read of an answer; 3 MB: read whole, its JSON message 1.5 MB long
@pytest.mark.parametrize("field_bytes", [5 * 1024 * 1024, 1536 * 1024])
def test_add_and_the_report_show_a_huge_error_body_as_an_excerpt(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field_bytes: int
) -> None:
    import csv
    import io

    from core.cli import main

    sandbox.faults = Faults(error_bytes=field_bytes)  # a message and details of this size each
    monkeypatch.setenv("CONTACT_UPLOADER_NETCORE_API_KEY", DEMO_CREDENTIALS["netcore"]["api_key"])
    base = ["--provider", "netcore", "--base-url", sandbox.base_url("netcore")]
    out, err = io.StringIO(), io.StringIO()
    status = main(["add", *base, "--set", "EMAIL=a@example.com"], stdout=out, stderr=err)
    assert status == 1, err.getvalue()
    assert "xxxx" in out.getvalue() or "yyyy" in out.getvalue()  # an excerpt of what they said
    assert len(out.getvalue()) < 1000  # before: the whole message
    source = tmp_path / "c.csv"
    source.write_text("email\r\nb@example.com\r\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    status = main(["upload", str(source), *base, "--map", "email=EMAIL", "--report", str(report)],
                  stdout=io.StringIO(), stderr=io.StringIO())
    assert status == 1
    with report.open(encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["status"] == "failed"
    assert 0 < len(row["message"]) < 1000


# ------------------------------------------------------------------------------------------ TLS


class TlsServer:
    """A loopback TLS server whose certificate no client trusts; counts the connections it accepts."""

    def __init__(self) -> None:
        import trustme

        ca = trustme.CA()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(self.context)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(2)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    def __enter__(self) -> TlsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def tls_server() -> Iterator[TlsServer]:
    with TlsServer() as server:
        yield server


def test_a_certificate_error_stops_the_job_without_retrying(tls_server: TlsServer) -> None:
    contacts = contacts_for("aptania", 5)
    journal = Journal()
    job_id = job(journal, "aptania", 5)
    summary = bounded(lambda: run_job(
        get_provider("aptania"), DEMO_CREDENTIALS["aptania"], f"https://127.0.0.1:{tls_server.port}",
        contacts, {}, journal=journal, job_id=job_id, retry=FAST, concurrency=1,
    ))
    assert summary.stopped_reason is not None
    assert "certificate" in summary.stopped_reason
    assert tls_server.connections == 1  # definite: never tried again
    assert summary.counts == {}  # nothing failed for good: the job resumes once the certificate is fixed
    assert all(not row.finished for row in journal.rows(job_id).values())


def test_add_reports_a_certificate_error_at_once(tls_server: TlsServer) -> None:
    with ProviderClient(get_provider("aptania"), DEMO_CREDENTIALS["aptania"],
                        f"https://127.0.0.1:{tls_server.port}") as client, \
            pytest.raises(NetworkProblem) as info:
        client.add(Contact(1, {"contactEmailaddress": "a@b.co", "contactProfileID": "1"}), {})
    assert info.value.kind == "tls"
    assert tls_server.connections == 1


def test_the_terminal_progress_bar_says_when_the_upload_continues() -> None:
    import io

    from core.upload import _TerminalProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True  # tqdm draws only on a terminal; this one reports no size, so 80 columns

    stream = Terminal()
    bar = _TerminalProgress(stream)
    message = "Octopush asked us to slow down: the upload continues at 14:05:10."
    bar.update(Progress(done=3, total=10, counts={}, rate=1.0, eta=7.0, elapsed=3.0,
                        waiting_until=1e10, waiting_message=message))
    bar.close()
    assert message in stream.getvalue()  # whole, the time included, though the bar has 80 columns


def test_add_json_counts_the_contact_a_network_error_stopped(
    tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``add --json`` ending in a network problem (exit 1): the contact is counted (failed), so the counts
    agree with the exit status instead of being all zero."""
    import json

    from tests.core.test_upload_cli import cred_env, run_cli

    status, out, err = run_cli(
        ["add", "--provider", "octopush", "--base-url", f"https://127.0.0.1:{tls_server.port}",
         "--set", "phone_number=+905321112233", "--json"], monkeypatch, cred_env("octopush"))
    assert status == 1, err
    assert "certificate" in err
    result = json.loads(out)
    assert result["exit_status"] == 1
    assert result["counts"]["failed"] == 1


def test_an_answer_nested_beyond_the_parsers_depth_is_unreadable_not_a_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server answering ``[[[[…`` 100 000 deep: ``add`` reports an unreadable answer (exit 1) instead of
    an internal error (RecursionError, exit 70)."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from core.providers.base import load_json
    from tests.core.test_upload_cli import cred_env, run_cli

    deep = b"[" * 100_000
    assert load_json(deep) is None

    class Deep(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(deep)))
            self.end_headers()
            self.wfile.write(deep)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Deep)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, out, err = run_cli(
            ["add", "--provider", "aptania", "--base-url", f"http://127.0.0.1:{server.server_address[1]}",
             "--set", "contactEmailaddress=a@b.co", "--set", "contactProfileID=1", "--json"],
            monkeypatch, cred_env("aptania"))
    finally:
        server.shutdown()
        server.server_close()
    assert status == 1, err
    assert "internal error" not in err
    assert json.loads(out)["counts"]["failed"] == 1

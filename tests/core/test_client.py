"""ProviderClient: retries, readable network errors, no secret anywhere, and every provider end to end
against the loopback sandbox over real sockets (SPEC 2, 4, 6, 7)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from core.client import ProviderClient, translate_http_error
from core.errors import CredentialsRefused, NetworkProblem, UsageError
from core.model import Contact, Outcome
from core.providers import get_provider
from core.sandbox import DEMO_CREDENTIALS, Faults, Sandbox

NETCORE_KEY = "netcore-secret-key-123456"


# ---------------------------------------------------------------------------------------- helpers
class Sleeps(list[float]):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


@contextmanager
def tcp_server(behaviour: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback TCP server that runs ``behaviour`` on every accepted connection; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conns.append(conn)
            behaviour(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in conns:
            conn.close()
        server.close()


def _close_after_reading(conn: socket.socket) -> None:
    conn.settimeout(1)
    try:
        conn.recv(65536)
    except OSError:
        pass
    conn.close()


def _never_answer(conn: socket.socket) -> None:
    pass  # keeps the connection open and silent


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sandbox_client(sb: Sandbox, provider: str, **kwargs: Any) -> ProviderClient:
    creds = kwargs.pop("creds", DEMO_CREDENTIALS[provider])
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("timeout", 10.0)
    return ProviderClient(get_provider(provider), creds, sb.base_url(provider), **kwargs)


# ---------------------------------------------------------------------------------------- MockTransport
def test_retries_503_honouring_retry_after_then_succeeds() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503, headers={"Retry-After": "7"}, text="<html>busy</html>")
        return httpx.Response(201, json={"items": [{"phone_number": "+33611223344", "status": "added"}]})

    sleeps = Sleeps()
    creds = {"api_key": "k", "api_login": "me@example.com"}
    with ProviderClient(get_provider("octopush"), creds, client=mock_client(handler), sleep=sleeps) as client:
        result = client.add(Contact(4, {"phone_number": "+33611223344"}), {})
    assert result.outcome is Outcome.ADDED
    assert len(calls) == 3
    assert len(sleeps) == 2
    assert all(s >= 7 for s in sleeps)


def test_exhausted_retries_fail_the_row_with_the_last_reason() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502, text="bad gateway")

    creds = {"token_uuid": "t", "user_uuid": "u"}
    sleeps = Sleeps()
    with ProviderClient(get_provider("aptania"), creds, client=mock_client(handler), sleep=sleeps) as client:
        result = client.add(Contact(1, {"contactEmailaddress": "a@b.co", "contactProfileID": "1"}), {})
    assert len(calls) == 6  # SPEC 12: at most 6 attempts
    assert result.outcome is Outcome.FAILED
    assert result.code == "502"
    assert "server error (HTTP 502) for 6 attempts" in result.message
    assert "tries again" not in result.message  # it has stopped trying: no promise of another attempt
    assert len(sleeps) == 5


def test_auth_raises_credentials_refused_without_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "Invalid API key"})

    creds = {"api_key": NETCORE_KEY, "region": "us"}
    with ProviderClient(get_provider("netcore"), creds, client=mock_client(handler)) as client:
        with pytest.raises(CredentialsRefused) as info:
            client.add(Contact(1, {"EMAIL": "a@b.co"}), {})
    assert NETCORE_KEY not in str(info.value)
    assert info.value.code == "invalid_key"
    assert info.value.exit_status == 2


def test_injected_client_is_left_open_and_own_client_is_closed() -> None:
    injected = mock_client(lambda r: httpx.Response(200))
    with ProviderClient(get_provider("aptania"), {}, client=injected):
        pass
    assert not injected.is_closed
    with ProviderClient(get_provider("aptania"), {}) as own:
        inner = own._client
    assert inner.is_closed


def test_dns_failure_is_readable_and_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    client = ProviderClient(
        get_provider("octopush"),
        {"api_key": "k", "api_login": "l"},
        client=mock_client(handler),
        sleep=Sleeps(),
    )
    with pytest.raises(NetworkProblem) as info:
        client.add(Contact(1, {"phone_number": "+33611223344"}), {})
    assert info.value.kind == "dns"
    assert len(calls) == 1
    assert str(info.value) == (
        "Cannot find the server api.octopush.com of Octopush. "
        "Check your internet connection and the base URL."
    )


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectTimeout("timed out"), "timeout"),
        (httpx.ReadTimeout("timed out"), "timeout"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "dropped"),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), "dropped"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "refused"),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "tls"),
        (httpx.ConnectError("[Errno 8] nodename nor servname provided, or not known"), "dns"),
        (httpx.ProxyError("407 Proxy Authentication Required"), "proxy"),
    ],
)
def test_translate_http_error_classifies(exc: httpx.HTTPError, kind: str) -> None:
    problem = translate_http_error(exc, "Aptania")
    assert problem.kind == kind
    assert "Aptania" in str(problem)
    assert "{" not in str(problem)


def test_translated_text_never_carries_a_url_query() -> None:
    exc = httpx.UnsupportedProtocol(f"Request URL is missing a scheme: x?apikey={NETCORE_KEY}&a=b")
    problem = translate_http_error(exc, "Netcore", secrets=(NETCORE_KEY,))
    assert NETCORE_KEY not in str(problem)
    assert problem.kind == "other"


def test_bad_base_url_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not valid"):
        ProviderClient(get_provider("aptania"), {}, "ftp://example.com")


# ---------------------------------------------------------------------------------------- real sockets
def test_refused_connection_over_a_real_socket() -> None:
    port = _free_port()
    client = ProviderClient(
        get_provider("netcore"), {"api_key": NETCORE_KEY}, f"http://127.0.0.1:{port}/apiv2", sleep=Sleeps()
    )
    with client, pytest.raises(NetworkProblem) as info:
        client.add(Contact(1, {"EMAIL": "a@b.co"}), {})
    assert info.value.kind == "refused"
    assert "127.0.0.1" in str(info.value)
    assert NETCORE_KEY not in str(info.value)


def test_dropped_connection_is_retried_then_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with tcp_server(_close_after_reading) as port:
        sleeps = Sleeps()
        client = ProviderClient(
            get_provider("netcore"), {"api_key": NETCORE_KEY}, f"http://127.0.0.1:{port}/apiv2", sleep=sleeps
        )
        with client, pytest.raises(NetworkProblem) as info:
            client.add(Contact(1, {"EMAIL": "a@b.co"}), {})
    assert info.value.kind == "dropped"
    assert len(sleeps) == 5  # six attempts
    assert "cut before the answer" in str(info.value)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("core")]
    assert ours
    assert all(NETCORE_KEY not in line for line in ours)


def test_timeout_over_a_real_socket() -> None:
    with tcp_server(_never_answer) as port:
        client = ProviderClient(
            get_provider("aptania"), {}, f"http://127.0.0.1:{port}/services", timeout=0.3, max_attempts=2,
            sleep=Sleeps(),
        )  # fmt: skip
        with client, pytest.raises(NetworkProblem) as info:
            client.add(Contact(1, {"contactEmailaddress": "a@b.co", "contactProfileID": "1"}), {})
    assert info.value.kind == "timeout"
    assert "did not answer in time" in str(info.value)


def test_tls_failure_over_a_real_socket() -> None:
    def plain_http(conn: socket.socket) -> None:
        conn.settimeout(1)
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        conn.close()

    with tcp_server(plain_http) as port:
        client = ProviderClient(
            get_provider("aptania"), {}, f"https://127.0.0.1:{port}/services", sleep=Sleeps()
        )
        with client, pytest.raises(NetworkProblem) as info:
            client.add(Contact(1, {"contactEmailaddress": "a@b.co", "contactProfileID": "1"}), {})
    assert info.value.kind == "tls"
    assert "secure connection" in str(info.value)


# ---------------------------------------------------------------------------------------- sandbox: Netcore
def test_netcore_end_to_end(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox, "netcore") as client:
        first = client.add(
            Contact(1, {"EMAIL": "mike@example.com", "MOBILE": "+919999999999"}), {"listid": "33"}
        )
        again = client.add(Contact(2, {"EMAIL": "MIKE@example.com"}), {})
        upsert = client.add(Contact(3, {"EMAIL": "mike@example.com", "CITY": "Mumbai"}), {"activity": "add"})
        bad = client.add(Contact(4, {"EMAIL": "not-an-email"}), {})
        check = client.check()
    assert first.outcome is Outcome.ADDED
    assert len(first.contact_id) == 32
    assert again.outcome is Outcome.EXISTS
    assert again.code == "302"
    assert "(code 302)" in again.message
    assert upsert.outcome is Outcome.ADDED
    assert "accepted, not verified" in upsert.message
    assert bad.outcome is Outcome.FAILED
    assert bad.code == "109"
    assert bad.message.startswith("Netcore answered code 109:")
    assert not check.available
    (stored,) = [c for c in sandbox.contacts("netcore") if c.get("EMAIL", "").lower() == "mike@example.com"]
    assert stored["MOBILE"] == "+919999999999"
    received = sandbox.received("netcore")[0]
    assert received.form()["listid"] == "33"
    assert json.loads(received.form()["data"])["MOBILE"] == "+919999999999"


def test_netcore_bad_key(sandbox: Sandbox) -> None:
    creds = {"api_key": NETCORE_KEY, "region": "us"}
    with sandbox_client(sandbox, "netcore", creds=creds) as client, pytest.raises(CredentialsRefused) as info:
        client.add(Contact(1, {"EMAIL": "a@example.com"}), {})
    assert "rejected the API key" in str(info.value)
    assert NETCORE_KEY not in str(info.value)
    assert sandbox.contacts("netcore") == []


# ------------------------------------------------------------------------------------ sandbox: İleti Merkezi
def test_iletimerkezi_end_to_end(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox, "iletimerkezi") as client:
        check = client.check()
        added = [
            client.add(
                Contact(k, {"name": "Ayşe", "gsm": "+905321234567", "custom_field:1": "27/09/2024"}), {}
            )
            for k in (1, 2)  # one answer with the code as a number, the next as a string
        ]
        in_group = client.add(Contact(3, {"email": "ali@example.com.tr"}), {"group_id": "1002"})
        results = {
            "463": client.add(Contact(4, {"name": "A"}), {"group_id": "9999"}),
            "466": client.add(Contact(5, {"gsm": "+90212123"}), {}),
            "472": client.add(Contact(6, {}), {}),
            "473": client.add(Contact(7, {"name": "A", "custom_field:99": "x"}), {}),
            "422": client.add(Contact(8, {"email": "not an email"}), {}),
        }
    assert check.ok
    assert "125.5" in check.message
    for row in [*added, in_group]:
        assert row.outcome is Outcome.ADDED
        assert row.code == "200"
        assert row.contact_id
    assert added[0].contact_id != added[1].contact_id
    for code, row in results.items():
        assert row.outcome is Outcome.FAILED, code
        assert row.code == code
        assert row.message.endswith(f"(code {code}).")
    assert "gsm" in results["466"].message
    assert "custom_field:99" in results["473"].message
    assert len(sandbox.contacts("iletimerkezi")) == 3


def test_iletimerkezi_bad_credentials(sandbox: Sandbox) -> None:
    creds = {"api_key": "wrong-key", "api_hash": "wrong-hash"}
    with sandbox_client(sandbox, "iletimerkezi", creds=creds) as client:
        check = client.check()
        with pytest.raises(CredentialsRefused) as info:
            client.add(Contact(1, {"name": "A"}), {})
    assert not check.ok
    assert check.code == "401"
    assert "Allow API access" in check.message
    assert info.value.code == "401"
    assert "wrong-hash" not in str(info.value)


# ---------------------------------------------------------------------------------------- sandbox: Aptania
def test_aptania_end_to_end(sandbox: Sandbox) -> None:
    contact = {
        "contactEmailaddress": "john.doe@example.com",
        "contactProfileID": "1",
        "contactTagID": "176,177",
    }
    with sandbox_client(sandbox, "aptania") as client:
        first = client.add(Contact(1, {**contact, "contactMobile": "+447700900123", "attr:5": "Tennis"}), {})
        again = client.add(Contact(2, {**contact, "contactEmailaddress": "John.Doe@example.com"}), {})
        unknown_profile = client.add(
            Contact(3, {"contactEmailaddress": "x@example.com", "contactProfileID": "99"}), {}
        )
        check = client.check()
    assert first.outcome is Outcome.ADDED
    assert first.contact_id
    assert again.outcome is Outcome.EXISTS  # string and native answers alternate in the sandbox
    assert again.contact_id == first.contact_id
    assert unknown_profile.outcome is Outcome.FAILED
    assert unknown_profile.code == "400"
    # the sample: a code from the body, not "HTTP status"; the text's full stop not doubled
    assert unknown_profile.message.startswith(
        "Aptania answered code 400: contactProfileID '99' does not exist. Check"
    )
    assert check.ok  # the token check over the socket: getEvents
    assert "checks the token only" in check.message


def test_aptania_token_check_refused_over_the_socket(sandbox: Sandbox) -> None:
    creds = {**DEMO_CREDENTIALS["aptania"], "token_uuid": "not-the-token"}
    with sandbox_client(sandbox, "aptania", creds=creds) as client:
        check = client.check()
    assert not check.ok
    assert check.available
    assert check.code == "401"
    assert "tokenUUID" in check.message
    assert "not-the-token" not in check.message
    # the user UUID is not part of the check: a wrong one still passes it
    creds = {**DEMO_CREDENTIALS["aptania"], "user_uuid": "someone-else"}
    with sandbox_client(sandbox, "aptania", creds=creds) as client:
        assert client.check().ok
    [request] = [r for r in sandbox.received("aptania") if r.path.endswith("/event/getEvents")][-1:]
    assert request.method == "GET"
    assert "userUUID" not in request.query


def test_aptania_bad_credentials(sandbox: Sandbox) -> None:
    creds = {"token_uuid": "nope", "user_uuid": "nope-either"}
    with sandbox_client(sandbox, "aptania", creds=creds) as client, pytest.raises(CredentialsRefused) as info:
        client.add(Contact(1, {"contactEmailaddress": "a@example.com", "contactProfileID": "1"}), {})
    assert "HTTP 401" in str(info.value)


# ---------------------------------------------------------------------------------------- sandbox: Octopush
def test_octopush_end_to_end(sandbox: Sandbox) -> None:
    rows = [Contact(k, {"phone_number": f"+3361122334{k}", "first_name": f"N{k}"}) for k in range(2, 6)]
    bad = Contact(9, {"phone_number": "+1"})  # the API leaves invalid numbers out of items
    with sandbox_client(sandbox, "octopush") as client:
        check = client.check()
        first = client.add_many([*rows[:2], bad], {"list_name": "vip", "tag_name": "t"})
        second = client.add_many(rows, {})
        kept = client.add_many(rows[:1], {"do_not_overwrite": "true"})
        none_valid = client.add(Contact(10, {"phone_number": "0611"}), {})
        too_long = client.add(rows[0], {"list_name": "x" * 31})
    assert check.ok
    assert "250" in check.message
    assert [r.outcome for r in first] == [Outcome.ADDED, Outcome.ADDED, Outcome.FAILED]
    assert "did not report back" in first[2].message
    assert [r.outcome for r in second] == [Outcome.UPDATED, Outcome.UPDATED, Outcome.ADDED, Outcome.ADDED]
    assert kept[0].outcome is Outcome.SKIPPED
    assert none_valid.outcome is Outcome.FAILED
    assert none_valid.code == "117"
    assert "+33611223344" in none_valid.message  # the advice shows the expected format
    assert too_long.code == "125"
    assert sandbox.create_requests("octopush") == 5


def test_octopush_bad_credentials(sandbox: Sandbox) -> None:
    creds = {"api_key": "wrong", "api_login": "demo@example.com"}
    with sandbox_client(sandbox, "octopush", creds=creds) as client:
        check = client.check()
        with pytest.raises(CredentialsRefused) as info:
            client.add(Contact(1, {"phone_number": "+33611223344"}), {})
    assert not check.ok
    assert check.code == "101"
    assert "(code 101)" in str(info.value)


# ---------------------------------------------------------------------------------------- sandbox: faults
def test_sandbox_503_and_429_are_retried_until_the_limit(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_503=1.0)
    sleeps = Sleeps()
    with sandbox_client(sandbox, "iletimerkezi", sleep=sleeps, max_attempts=3) as client:
        row = client.add(Contact(1, {"name": "A"}), {})
    assert row.outcome is Outcome.FAILED
    assert row.code == "503"
    assert "(HTTP 503) for 3 attempts" in row.message
    assert row.raw_text  # the provider's own text is kept for support
    assert len(sandbox.received("iletimerkezi")) == 3
    sandbox.faults = Faults(p_429=1.0, retry_after=4)
    sleeps.clear()
    with sandbox_client(sandbox, "octopush", sleep=sleeps, max_attempts=2) as client:
        row = client.add(Contact(1, {"phone_number": "+33611223344"}), {})
    assert row.outcome is Outcome.FAILED
    assert "slow down" in row.message
    assert sleeps[0] >= 4


def test_sandbox_dropped_connections_raise_network_problem(sandbox: Sandbox) -> None:
    sandbox.faults = Faults(p_drop_before=1.0)
    with sandbox_client(sandbox, "aptania", max_attempts=2) as client, pytest.raises(NetworkProblem) as info:
        client.add(Contact(1, {"contactEmailaddress": "a@example.com", "contactProfileID": "1"}), {})
    assert info.value.kind == "dropped"
    assert sandbox.contacts("aptania") == []

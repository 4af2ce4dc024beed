"""Send one provider's requests over HTTP: one contact from the form or the CLI, or a credential check.

:class:`ProviderClient` wraps an :class:`httpx.Client` (injected, or created with explicit timeouts) and
turns the provider's :class:`WireRequest` objects into answers the provider parses. It retries temporary
problems (429, 5xx, timeouts, dropped or refused connections) with exponential backoff and jitter,
honouring ``Retry-After``; it never retries a definite refusal. httpx errors are translated here, at the
boundary, into :class:`NetworkProblem` with one readable sentence; credentials the provider refuses raise
:class:`CredentialsRefused`. No secret reaches an exception message or a log line: requests are logged
through :meth:`WireRequest.redacted`, never with their raw URL (Netcore's key travels in the query).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpcore
import httpx

from core import __version__, messages
from core.answers import MAX_BODY_BYTES, clean_parsed, mask_body, mask_secrets
from core.errors import CredentialsRefused, NetworkProblem, UsageError
from core.i18n import _, number
from core.model import (
    CheckResult,
    Contact,
    Credentials,
    Options,
    Outcome,
    ParsedResponse,
    ResponseKind,
    RowResult,
    WireRequest,
)
from core.providers.base import Provider

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # SPEC 12: at most 6 attempts per request
BACKOFF_BASE = 0.5  # seconds before the 2nd attempt; doubles each time, with jitter
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 300.0  # a Retry-After up to this is waited for; a longer one ends the row or the job
REQUEST_DEADLINE = 90.0  # seconds one request may take from connecting to the last byte of its answer
USER_AGENT = f"contact-uploader/{__version__}"

# network problem kinds worth another attempt (a wrong host name or a bad certificate is not)
RETRYABLE_KINDS = frozenset({"timeout", "dropped", "refused"})


@dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy of the form, the CLI's ``add`` and the upload engine (SPEC 6 and 12).

    At most ``max_attempts`` attempts per request. Backoff ``base·2^(attempt-1)`` seconds capped at
    ``max_delay``, half of it random (jitter). A ``Retry-After`` is honoured (never earlier, a little jitter
    so waiting requests do not return in a herd) up to ``max_retry_after``; a provider asking for longer
    is not waited for: the row fails (``add``) or the job stops, resumable (an upload), and the user is
    told until when the provider asked to wait. Network problems are retried only when another attempt
    can help (:data:`RETRYABLE_KINDS`): a TLS certificate error or an unknown host is definite.
    """

    max_attempts: int = MAX_ATTEMPTS
    base_delay: float = BACKOFF_BASE
    max_delay: float = BACKOFF_CAP
    max_retry_after: float = RETRY_AFTER_CAP

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        rng = rng or _RNG
        backoff = min(self.max_delay, self.base_delay * 2 ** max(0, attempt - 1))
        if retry_after is not None:
            return min(retry_after, self.max_retry_after) + rng.uniform(0, self.base_delay / 4)
        return rng.uniform(backoff / 2, backoff)

    def retryable(self, kind: str) -> bool:
        """Whether a network problem of ``kind`` is worth another attempt."""
        return kind in RETRYABLE_KINDS

    def too_long(self, retry_after: float | None) -> bool:
        """Whether the provider asks to wait longer than we wait."""
        return retry_after is not None and retry_after > self.max_retry_after


_RNG = random.Random()


def wait_text(seconds: float) -> tuple[str, str]:
    """A wait as people say it ("2 h 5 min") and the local time it ends ("14:05", with the date if not
    today)."""
    seconds = max(0.0, seconds)
    total = int(seconds + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        span = _("{hours} h {minutes} min").format(hours=number(hours), minutes=number(minutes))
    elif minutes and secs:
        span = _("{minutes} min {seconds} s").format(minutes=number(minutes), seconds=number(secs))
    elif minutes:
        span = _("{minutes} min").format(minutes=number(minutes))
    else:
        span = _("{seconds} s").format(seconds=number(secs))
    now = dt.datetime.now().astimezone()
    until = now + dt.timedelta(seconds=seconds)
    when = until.strftime("%H:%M:%S" if seconds < 3600 else "%H:%M")
    if until.date() != now.date():
        when = until.strftime("%Y-%m-%d ") + when
    return span, when


def final_reason(provider_title: str, code: str, message: str, attempts: int) -> str:
    """Why a row failed after its last attempt, in words that promise no further attempt."""
    if code == "429":
        return messages.describe("network", "http_429_final", provider=provider_title,
                                 attempts=number(attempts))
    if code[:1] == "5" and len(code) == 3:
        return messages.describe("network", "http_5xx_final", provider=provider_title, status=code,
                                 attempts=number(attempts))
    return messages.describe("network", "gave_up", provider=provider_title, attempts=number(attempts),
                             reason=message)


def deadline_problem(provider_title: str, host: str, seconds: float) -> NetworkProblem:
    """The NetworkProblem of a request that took longer than its overall deadline (kind ``timeout``)."""
    return NetworkProblem(
        messages.describe("network", "deadline", provider=provider_title, host=host, seconds=number(seconds)),
        kind="timeout",
    )


# ---------------------------------------------------------------------------------------- deadline
# httpx's timeouts apply to each read, so a server sending one byte a second holds a request for ever. The
# synchronous client's sockets go through this network backend, which gives every connect, read and write
# only the time left before the request's overall deadline (set in ``_DEADLINE`` around each request).
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_deadline", default=None)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's overall deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(
            host, port, _time_left(timeout, httpcore.ConnectTimeout), local_address, socket_options
        ))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(
            path, _time_left(timeout, httpcore.ConnectTimeout), socket_options
        ))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(limits=limits)
    transport._pool = httpcore.ConnectionPool(  # the same pool httpx builds, on our network backend
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_DeadlineBackend(),
    )
    return transport


def read_limited(chunks: Iterator[bytes], limit: int = MAX_BODY_BYTES) -> bytes:
    """At most ``limit`` bytes of an answer; the rest is not read (the connection is then closed)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)[:limit]


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, as the providers' parsers take it."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def make_http_client(timeout: float = 30.0, *, max_connections: int = 20) -> httpx.Client:
    """An httpx.Client with explicit timeouts, no redirects followed, and our User-Agent.

    Its sockets honour the overall deadline :meth:`ProviderClient.send` sets around each request.
    """
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        limits=limits,
        transport=_deadline_transport(limits),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash; UsageError when it is not an http(s) URL."""
    value = (url or "").strip()
    try:
        parsed = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(_("The base URL '{url}' is not valid: it must start with {http} or {https}.").format(
            url=value, http="http://", https="https://"))
    return value.rstrip("/")


# ---------------------------------------------------------------------------------------- errors
def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


_DNS_TEXT = re.compile(
    r"name or service not known|nodename nor servname|getaddrinfo failed|"
    r"temporary failure in name resolution|no address associated|name resolution|could not resolve|"
    r"errno -[235]\b|errno 11001|errno 8\b",
    re.IGNORECASE,
)
_REFUSED_TEXT = re.compile(r"connection refused|errno 111\b|errno 61\b|10061|actively refused", re.IGNORECASE)
_TLS_TEXT = re.compile(r"ssl|tls|certificate|handshake", re.IGNORECASE)
_QUERY = re.compile(r"\?[^\s'\"]*")


def _classify(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ProxyError):
        return "proxy"
    chain = list(_chain(exc))
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "dns"
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain):
        return "tls"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain):
        return "timeout"
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, httpx.ConnectError):
        if _DNS_TEXT.search(text):
            return "dns"
        if _REFUSED_TEXT.search(text):
            return "refused"
        if _TLS_TEXT.search(text):
            return "tls"
        return "refused"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return "dropped"
    if any(isinstance(e, ConnectionResetError | BrokenPipeError | ConnectionAbortedError) for e in chain):
        return "dropped"
    return "other"


def _safe_text(text: str, secrets: Sequence[str]) -> str:
    """An error text with query strings and secrets removed (a URL may carry Netcore's key)."""
    text = mask_secrets(_QUERY.sub("?…", text), secrets)
    return text.strip().rstrip(".") or _("no details")


def translate_http_error(
    exc: BaseException, provider_title: str, *, secrets: Sequence[str] = ()
) -> NetworkProblem:
    """One readable :class:`NetworkProblem` for an httpx error: DNS, refused, TLS, timeout, dropped."""
    kind = _classify(exc)
    host = "?"
    if isinstance(exc, httpx.RequestError):
        try:
            host = exc.request.url.host or "?"
        except RuntimeError:  # an error raised without its request
            pass
    detail = _safe_text(str(exc) or type(exc).__name__, secrets)
    message = messages.describe("network", kind, detail, provider=provider_title, host=host)
    return NetworkProblem(message, kind=kind)


# ---------------------------------------------------------------------------------------- client
class ProviderClient:
    """Sends one provider's requests; a context manager that closes the httpx client it created."""

    def __init__(
        self,
        provider: Provider,
        creds: Credentials,
        base_url: str | None = None,
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = BACKOFF_BASE,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float = REQUEST_DEADLINE,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.creds = dict(creds)
        self.base_url = check_base_url(base_url or provider.default_base_url(self.creds))
        self._own_client = client is None
        self._client = client if client is not None else make_http_client(timeout)
        base = retry or RetryPolicy()
        if retry is None:
            base = RetryPolicy(max_attempts=max(1, max_attempts), base_delay=backoff,
                               max_delay=base.max_delay, max_retry_after=base.max_retry_after)
        self.retry = base
        self.max_attempts = base.max_attempts
        self.backoff = base.base_delay
        self.deadline = deadline
        self._sleep = sleep
        self._secrets = provider.secret_values(self.creds)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    # ------------------------------------------------------------------ one attempt
    def send(self, request: WireRequest) -> Answer:
        """Send ``request`` once; NetworkProblem (readable, no secret) when the network fails.

        HTTP error statuses are *answers*, not errors: they are returned for the provider to parse.
        """
        started = time.monotonic()
        shown = request.redacted()
        token = _DEADLINE.set(started + self.deadline)
        try:
            with self._client.stream(
                request.method, request.url, headers=dict(request.headers), content=request.body or None
            ) as response:
                body = mask_body(read_limited(response.iter_bytes()), self._secrets)
        except httpx.HTTPError as exc:
            if time.monotonic() - started >= self.deadline:
                host = httpx.URL(request.url).host or "?"
                problem = deadline_problem(self.provider.title, host, self.deadline)
            else:
                problem = translate_http_error(exc, self.provider.title, secrets=self._secrets)
            log.info("%s %s failed: %s", shown.method, shown.url, problem.kind)
            raise problem from None
        finally:
            _DEADLINE.reset(token)
        log.info(
            "%s %s -> HTTP %s (%.0f ms)",
            shown.method,
            shown.url,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return Answer(response.status_code, response.headers, body)

    # ------------------------------------------------------------------ with retries
    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (the shared :class:`RetryPolicy`)."""
        return self.retry.delay(attempt, retry_after)

    def submit(self, request: WireRequest, contacts: Mapping[int, Contact]) -> ParsedResponse:
        """Send ``request`` until it gets a final answer; always a DONE response with one result per key.

        Temporary answers (429, 5xx, RETRY from the provider) and retryable network errors are tried again
        up to ``max_attempts`` times; a request that exhausts them, or whose provider asks to wait longer
        than the policy waits, gives ``failed`` rows with a reason that promises no further attempt.
        Raises CredentialsRefused on AUTH, and NetworkProblem when the network keeps failing (or fails in
        a way another attempt cannot fix: unknown host, TLS). Every text is bounded and masked.
        """
        last: ParsedResponse | None = None
        attempt = 0
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = self.send(request)
            except NetworkProblem as problem:
                if not self.retry.retryable(problem.kind) or attempt == self.max_attempts:
                    raise
                self._sleep(self.delay(attempt))
                continue
            parsed = clean_parsed(
                self.provider.parse_response(request, answer.status, answer.headers, answer.body, contacts),
                self._secrets,
            )
            if parsed.kind is ResponseKind.AUTH:
                raise CredentialsRefused(
                    parsed.message
                    or _("{provider} refused the credentials.").format(provider=self.provider.title),
                    code=parsed.code,
                    raw_text=parsed.raw_text,
                )
            if parsed.kind in (ResponseKind.DONE, ResponseKind.SPLIT):
                return parsed  # a SPLIT carries the rows' failures should the caller not split it
            last = parsed
            if self.retry.too_long(parsed.retry_after):
                break
            if attempt < self.max_attempts:
                log.info("%s asked to retry (code %s), attempt %d", self.provider.name, parsed.code, attempt)
                self._sleep(self.delay(attempt, parsed.retry_after))
        assert last is not None
        if self.retry.too_long(last.retry_after):
            span, until = wait_text(last.retry_after or 0.0)
            message = messages.describe("network", "wait_too_long", provider=self.provider.title,
                                        wait=span, until=until)
        else:
            message = final_reason(self.provider.title, last.code, last.message, attempt)
        return ParsedResponse(
            results=tuple(
                RowResult(
                    key=k, outcome=Outcome.FAILED, code=last.code, raw_text=last.raw_text, message=message
                )
                for k in request.keys
            ),
            code=last.code,
            raw_text=last.raw_text,
            message=message,
        )

    def add(self, contact: Contact, options: Options) -> RowResult:
        """Add one contact and say how it ended (raises CredentialsRefused / NetworkProblem)."""
        results = self.add_many([contact], options)
        return results[0]

    def add_many(self, contacts: Sequence[Contact], options: Options) -> list[RowResult]:
        """Add ``contacts`` in the provider's batches, one after the other; results in input order."""
        by_key = {c.key: c for c in contacts}
        found: dict[int, RowResult] = {}
        todo = list(self.provider.build_requests(contacts, options, self.creds, self.base_url))
        while todo:
            request = todo.pop(0)
            parsed = self.submit(request, by_key)
            if parsed.kind is ResponseKind.SPLIT and len(request.keys) > 1:
                # refused as a whole for a reason one contact may cause: again in halves, down to one contact
                half = (len(request.keys) + 1) // 2
                for part in (request.keys[:half], request.keys[half:]):
                    chunk = [by_key[k] for k in part]
                    todo[:0] = self.provider.build_requests(chunk, options, self.creds, self.base_url)
                continue
            for result in parsed.results:
                found[result.key] = result
        out: list[RowResult] = []
        for c in contacts:
            got = found.get(c.key)
            result = (
                got
                if got is not None
                else RowResult(
                    key=c.key,
                    outcome=Outcome.FAILED,
                    message=messages.describe(self.provider.name, "failed", _("no answer for this contact")),
                )
            )
            out.append(result)
        return out

    # ------------------------------------------------------------------ credential check
    def check(self) -> CheckResult:
        """Test the credentials without side effects; available=False where the provider has no check.

        Raises NetworkProblem when the provider cannot be reached.
        """
        request = self.provider.credential_check_request(self.creds, self.base_url)
        if request is None:
            sentence = messages.text(self.provider.name, "no_check")
            if not messages.known(self.provider.name, "no_check"):
                sentence = _("{provider} offers no way to test the credentials without adding a "
                             "contact.").format(provider=self.provider.title)
            return CheckResult(ok=False, available=False, message=sentence)
        attempts = min(self.max_attempts, 3)
        for attempt in range(1, attempts + 1):
            try:
                answer = self.send(request)
            except NetworkProblem as problem:
                if not self.retry.retryable(problem.kind) or attempt == attempts:
                    raise
                self._sleep(self.delay(attempt))
                continue
            transient = self.provider.transient(answer.status, answer.headers, answer.body)
            if transient is not None:
                transient = clean_parsed(transient, self._secrets)
            retry = transient is not None and not self.retry.too_long(transient.retry_after)
            if transient is not None and retry and attempt < attempts:
                self._sleep(self.delay(attempt, transient.retry_after))
                continue
            if transient is not None:
                message = final_reason(self.provider.title, transient.code, transient.message, attempt)
                return CheckResult(ok=False, code=transient.code, message=message)
            return self.provider.parse_credential_check(answer.status, answer.body)
        raise AssertionError("unreachable")  # pragma: no cover

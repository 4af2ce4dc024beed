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

import logging
import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

from core import __version__, messages
from core.errors import CredentialsRefused, NetworkProblem, UsageError
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
BACKOFF_CAP = 20.0
RETRY_AFTER_CAP = 120.0  # never wait longer than this on one Retry-After
USER_AGENT = f"contact-uploader/{__version__}"

# network problem kinds worth another attempt (a wrong host name or a bad certificate is not)
RETRYABLE_KINDS = frozenset({"timeout", "dropped", "refused"})


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, as the providers' parsers take it."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def make_http_client(timeout: float = 30.0, *, max_connections: int = 20) -> httpx.Client:
    """An httpx.Client with explicit timeouts, no redirects followed, and our User-Agent."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
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
        raise UsageError(f"The base URL '{value}' is not valid: it must start with http:// or https://.")
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
    text = _QUERY.sub("?…", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "••••••")
    return text.strip().rstrip(".") or "no details"


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
    ) -> None:
        self.provider = provider
        self.creds = dict(creds)
        self.base_url = check_base_url(base_url or provider.default_base_url(self.creds))
        self._own_client = client is None
        self._client = client if client is not None else make_http_client(timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
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
        try:
            response = self._client.request(
                request.method, request.url, headers=dict(request.headers), content=request.body or None
            )
            body = response.content
        except httpx.HTTPError as exc:
            problem = translate_http_error(exc, self.provider.title, secrets=self._secrets)
            log.info("%s %s failed: %s", shown.method, shown.url, problem.kind)
            raise problem from None
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
        """Seconds to wait before attempt ``attempt + 1``: exponential with jitter, at least Retry-After."""
        wait: float = min(BACKOFF_CAP, self.backoff * (2.0 ** (attempt - 1))) * (0.5 + random.random() / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, RETRY_AFTER_CAP))
        return wait

    def submit(self, request: WireRequest, contacts: Mapping[int, Contact]) -> ParsedResponse:
        """Send ``request`` until it gets a final answer; always a DONE response with one result per key.

        Temporary answers (429, 5xx, RETRY from the provider) and retryable network errors are tried again
        up to ``max_attempts`` times; a request that exhausts them gives ``failed`` rows with the last
        readable reason. Raises CredentialsRefused on AUTH, and NetworkProblem when the network keeps failing
        (or fails in a way another attempt cannot fix: unknown host, TLS).
        """
        last: ParsedResponse | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = self.send(request)
            except NetworkProblem as problem:
                if problem.kind not in RETRYABLE_KINDS or attempt == self.max_attempts:
                    raise
                self._sleep(self.delay(attempt))
                continue
            parsed = self.provider.parse_response(
                request, answer.status, answer.headers, answer.body, contacts
            )
            if parsed.kind is ResponseKind.AUTH:
                raise CredentialsRefused(
                    parsed.message or f"{self.provider.title} refused the credentials.",
                    code=parsed.code,
                    raw_text=parsed.raw_text,
                )
            if parsed.kind in (ResponseKind.DONE, ResponseKind.SPLIT):
                return parsed  # a SPLIT carries the rows' failures should the caller not split it
            last = parsed
            if attempt < self.max_attempts:
                log.info("%s asked to retry (code %s), attempt %d", self.provider.name, parsed.code, attempt)
                self._sleep(self.delay(attempt, parsed.retry_after))
        assert last is not None
        return ParsedResponse(
            results=tuple(
                RowResult(
                    key=k,
                    outcome=Outcome.FAILED,
                    code=last.code,
                    raw_text=last.raw_text,
                    message=last.message,
                )
                for k in request.keys
            ),
            code=last.code,
            raw_text=last.raw_text,
            message=last.message,
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
                    message=messages.describe(self.provider.name, "failed", "no answer for this contact"),
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
                sentence = (
                    f"{self.provider.title} offers no way to test the credentials without adding a contact."
                )
            return CheckResult(ok=False, available=False, message=sentence)
        attempts = min(self.max_attempts, 3)
        for attempt in range(1, attempts + 1):
            try:
                answer = self.send(request)
            except NetworkProblem as problem:
                if problem.kind not in RETRYABLE_KINDS or attempt == attempts:
                    raise
                self._sleep(self.delay(attempt))
                continue
            transient = self.provider.transient(answer.status, answer.headers, answer.body)
            if transient is not None and attempt < attempts:
                self._sleep(self.delay(attempt, transient.retry_after))
                continue
            if transient is not None:
                return CheckResult(ok=False, code=transient.code, message=transient.message)
            return self.provider.parse_credential_check(answer.status, answer.body)
        raise AssertionError("unreachable")  # pragma: no cover

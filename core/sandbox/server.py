"""The loopback HTTP server behind :class:`Sandbox` (see the package docstring for the behaviour)."""

from __future__ import annotations

import copy
import json
import random
import socket
import socketserver
import threading
import traceback
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from core.sandbox.aptania import Aptania
from core.sandbox.common import DEMO_CREDENTIALS, Ids, Platform, Request, Response
from core.sandbox.iletimerkezi import IletiMerkezi
from core.sandbox.netcore import Netcore
from core.sandbox.octopush import Octopush

PLATFORMS: tuple[type[Platform], ...] = (Netcore, IletiMerkezi, Aptania, Octopush)
PROVIDERS: tuple[str, ...] = tuple(p.name for p in PLATFORMS)
RECEIVED_LIMIT = 2000
MAX_BODY = 16 * 1024 * 1024


@dataclass
class Faults:
    """Injected faults, each a probability from 0 to 1 drawn per request from the sandbox's seeded generator.

    Drawn in this order, the first that hits wins: drop before processing (the socket closes, nothing is
    stored), 429 with ``Retry-After: retry_after`` seconds, 503, drop after processing (the request is
    processed and stored, then the socket closes without an answer).

    Misbehaving servers, applied to every request when set (a real server's debug page, a slow proxy):

    * ``echo``: answer ``400`` with a text page that repeats the request back — its target as sent, its
      query re-encoded with ``%20``, its headers, its body, and all of it again as JSON — the way a web
      framework's error page or a WAF shows the request that it refused (credentials included);
    * ``error_bytes``: answer ``400`` with a JSON error whose ``message`` and ``details`` are each this
      many bytes long (the fields Octopush and Netcore clients show);
    * ``drip``: send every answer one byte at a time, this many seconds apart (headers included).
    """

    p_503: float = 0.0
    p_429: float = 0.0
    retry_after: float = 1.0
    p_drop_before: float = 0.0
    p_drop_after: float = 0.0
    echo: bool = False
    error_bytes: int = 0
    drip: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p_503", "p_429", "p_drop_before", "p_drop_after"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        if self.error_bytes < 0 or self.drip < 0:
            raise ValueError("error_bytes and drip must not be negative")

    def retry_after_header(self) -> str:
        """Whole seconds as an integer ("1"), fractions as a decimal ("0.25")."""
        return f"{self.retry_after:g}"


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the sandbox read it. ``headers`` has lower-case names; ``query`` the first value of each
    parameter; ``fault`` is None or the injected fault ("drop_before", "429", "503", "drop_after")."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    fault: str | None = None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


@dataclass
class _State:
    platforms: dict[str, Platform]
    received: dict[str, deque[ReceivedRequest]]
    creates: dict[str, int] = field(default_factory=dict)


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Server(ThreadingHTTPServer):
    """One daemon thread per connection, tracked so that :meth:`join_workers` can join them all.

    (socketserver's own ``block_on_close`` does not track daemon threads.)
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.workers: list[threading.Thread] = []
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Called only by the serve_forever thread.
        self.workers = [t for t in self.workers if t.is_alive()]
        worker = threading.Thread(
            target=self.process_request_thread, args=(request, client_address),
            name="sandbox-connection", daemon=True,
        )
        self.workers.append(worker)
        worker.start()

    def join_workers(self) -> None:
        for worker in self.workers:
            worker.join()
        self.workers = []

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that went away is normal; anything else is kept for :meth:`Sandbox.errors`."""
        self.sandbox._record_error()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ContactUploaderSandbox/1.0"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is closed after this many seconds
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line on stderr per request."""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _BodyError as exc:
            self.close_connection = True
            self._write(Response.text(exc.status, exc.message))
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.sandbox._serve(self.command, url.path, query, headers, body, self.path)
        if response is None:  # an injected drop: close without answering
            self.close_connection = True
            return
        self._write(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise _BodyError(400, "Bad Content-Length") from None
        if length < 0:
            raise _BodyError(400, "Bad Content-Length")
        if length > MAX_BODY:
            raise _BodyError(413, "Request body too large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyError(400, "Bad chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise _BodyError(413, "Request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _write(self, response: Response) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Error"
        lines = [
            f"HTTP/1.1 {response.status} {reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body
        drip = self.server.sandbox.faults.drip
        if drip <= 0:
            self.wfile.write(data)
            return
        for index in range(len(data)):  # a server (or proxy) that sends one byte at a time
            if self.server.sandbox._stopping.wait(drip):
                return
            self.wfile.write(data[index:index + 1])
            self.wfile.flush()


class Sandbox:
    """A loopback HTTP simulator of the four platforms. Thread-safe; see the package docstring."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, seed: int | None = None
    ) -> None:
        self._host = host
        self._port = port
        self._initial_latency = float(latency)
        self._seed = seed
        self._lock = threading.Lock()
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._errors: list[str] = []
        self._latency = self._initial_latency
        self._faults = Faults()
        self._fault_rng = random.Random()
        self._state = self._fresh_state()

    # ------------------------------------------------------------------ life cycle
    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._stopping.clear()
        server = _Server((self._host, self._port), self)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._conn_lock:
            self._stopping.set()
            connections = list(self._connections)
        server.shutdown()
        thread.join()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client
        server.join_workers()
        server.server_close()
        self._server = self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def base_url(self, provider: str) -> str:
        return self.root_url + self._platform(provider).prefix

    # ------------------------------------------------------------------ live settings
    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must not be negative")
        self._latency = float(seconds)

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults

    @property
    def credentials(self) -> dict[str, dict[str, str]]:
        """The credentials each platform accepts now (a copy; see :meth:`set_credentials`)."""
        with self._lock:
            return {name: dict(p.credentials) for name, p in self._state.platforms.items()}

    def set_credentials(self, provider: str, **values: str) -> None:
        """Change what a platform accepts, e.g. ``set_credentials("octopush", api_key="other")``."""
        with self._lock:
            self._platform(provider).credentials.update(values)

    # ------------------------------------------------------------------ per-platform configuration
    def add_iletimerkezi_group(
        self, group_id: int, name: str, parent: int | None = None, count: int = 0
    ) -> None:
        """A group (a sub-group of ``parent``) whose ``count`` starts at ``count`` contacts."""
        with self._lock:
            self._ileti().add_group(group_id, name, parent, count)

    def add_iletimerkezi_custom_field(self, field_id: int, name: str = "") -> None:
        with self._lock:
            self._ileti().add_custom_field(field_id, name)

    def add_aptania_profile(self, profile_id: str) -> None:
        with self._lock:
            platform = self._state.platforms["aptania"]
            assert isinstance(platform, Aptania)
            platform.profiles.add(str(profile_id))

    def add_octopush_blacklist(self, *numbers: str) -> None:
        with self._lock:
            self._octopush().blacklist.update(numbers)

    def set_octopush_answers(
        self, *, echo: str | None = None, items: bool | None = None, max_contacts: int | None = None
    ) -> None:
        """How Octopush's create answers look (see :mod:`core.sandbox.octopush`); None keeps a setting."""
        from core.sandbox.octopush import ECHOES

        if echo is not None and echo not in ECHOES:
            raise ValueError(f"echo must be one of {', '.join(ECHOES)}, not {echo!r}")
        if max_contacts is not None and max_contacts < 1:
            raise ValueError("max_contacts must be 1 or more")
        with self._lock:
            platform = self._octopush()
            if echo is not None:
                platform.echo = echo
            if items is not None:
                platform.items = items
            if max_contacts is not None:
                platform.max_contacts = max_contacts

    def add_octopush_refused(
        self, *numbers: str, status: int = 400, code: int = 199, message: str = "Request refused."
    ) -> None:
        """Every create request carrying one of ``numbers`` is refused as a whole with ``{code, message}``."""
        with self._lock:
            platform = self._octopush()
            for number in numbers:
                platform.refused[number] = (status, code, message)

    # ------------------------------------------------------------------ inspection
    def contacts(self, provider: str) -> list[dict[str, Any]]:
        """Copies of the contacts the platform stores, in the order they were first stored."""
        with self._lock:
            return copy.deepcopy(self._platform(provider).contacts())

    def create_requests(self, provider: str) -> int:
        """How many requests to the add/create endpoint reached processing (whatever their answer)."""
        with self._lock:
            self._platform(provider)
            return self._state.creates[provider]

    def received(self, provider: str) -> list[ReceivedRequest]:
        """The last requests (at most 2000) the platform received, oldest first, faulted ones included."""
        with self._lock:
            self._platform(provider)
            return list(self._state.received[provider])

    def errors(self) -> list[str]:
        """Tracebacks of unexpected errors inside the sandbox (a bug in the simulator); empty when healthy."""
        with self._lock:
            return list(self._errors)

    def reset(self) -> None:
        """Back to the state of a fresh sandbox: contacts, counters, logs, configuration, faults, latency."""
        with self._lock:
            self._state = self._fresh_state()
            self._errors.clear()
            self._faults = Faults()
            self._latency = self._initial_latency

    # ------------------------------------------------------------------ internals
    def _fresh_state(self) -> _State:
        seed = self._seed
        self._fault_rng = random.Random(None if seed is None else f"faults-{seed}")
        ids = Ids(random.Random(None if seed is None else f"ids-{seed}"))
        platforms = {cls.name: cls(DEMO_CREDENTIALS[cls.name], ids) for cls in PLATFORMS}
        return _State(
            platforms=platforms,
            received={name: deque(maxlen=RECEIVED_LIMIT) for name in platforms},
            creates=dict.fromkeys(platforms, 0),
        )

    def _platform(self, provider: str) -> Platform:
        try:
            return self._state.platforms[provider]
        except KeyError:
            known = ", ".join(PROVIDERS)
            raise ValueError(f"unknown provider {provider!r}; expected one of {known}") from None

    def _ileti(self) -> IletiMerkezi:
        platform = self._state.platforms["iletimerkezi"]
        assert isinstance(platform, IletiMerkezi)
        return platform

    def _octopush(self) -> Octopush:
        platform = self._state.platforms["octopush"]
        assert isinstance(platform, Octopush)
        return platform

    def _register(self, connection: socket.socket) -> None:
        with self._conn_lock:
            if self._stopping.is_set():
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._connections.add(connection)

    def _unregister(self, connection: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(connection)

    def _record_error(self) -> None:
        text = traceback.format_exc()
        if "ConnectionError" in text or "BrokenPipeError" in text or "ConnectionResetError" in text:
            return
        with self._lock:
            self._errors.append(text)

    def _draw_fault(self) -> str | None:
        faults, rng = self._faults, self._fault_rng
        draws: Iterable[tuple[str, float]] = (
            ("drop_before", faults.p_drop_before),
            ("429", faults.p_429),
            ("503", faults.p_503),
            ("drop_after", faults.p_drop_after),
        )
        for name, probability in draws:
            if probability > 0 and rng.random() < probability:
                return name
        return None

    def _serve(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes,
        target: str = "",
    ) -> Response | None:
        """Answer one request; None means close the connection without answering."""
        latency = self._latency
        if latency > 0 and self._stopping.wait(latency):
            return None
        if self._stopping.is_set():
            return None
        with self._lock:
            platform = next(
                (p for p in self._state.platforms.values()
                 if path == p.prefix or path.startswith(p.prefix + "/")),
                None,
            )
            if platform is None:
                return Response.text(404, f"Not Found: {path}")
            fault = self._draw_fault()
            self._state.received[platform.name].append(
                ReceivedRequest(method, path, query, headers, body, fault)
            )
            if fault == "drop_before":
                return None
            if self._faults.echo:
                return _echo(method, target or path, path, query, headers, body)
            if self._faults.error_bytes:
                # an error whose text field is huge (a stack trace, a dumped request): the part a client
                # takes out of the JSON and shows, not only the raw body, is that long
                size = self._faults.error_bytes
                return Response.json(400, {"code": "400", "message": "x" * size, "details": "y" * size})
            if fault == "429":
                return platform.too_many(self._faults.retry_after_header())
            if fault == "503":
                return platform.unavailable()
            request = Request(method, path[len(platform.prefix):], query, headers, body)
            if platform.is_add(request):
                self._state.creates[platform.name] += 1
            try:
                response = platform.handle(request)
            except Exception:  # noqa: BLE001 - a bug in the simulator: answer 500 and keep the traceback for errors()
                self._errors.append(traceback.format_exc())
                response = Response.text(500, "Internal sandbox error")
            return None if fault == "drop_after" else response


def _echo(method: str, target: str, path: str, query: dict[str, str], headers: dict[str, str],
          body: bytes) -> Response:
    """A 400 page repeating the request back, as a framework's debug page or a WAF's refusal shows it."""
    text = body.decode("utf-8", "replace")
    requoted = path + ("?" + urlencode(query, quote_via=quote) if query else "")
    lines = [f"Bad request: {method} {target}", f"Normalised: {requoted}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["", text, ""]
    lines.append(json.dumps({"url": target, "query": query, "headers": headers, "body": text}))
    return Response.text(400, "\n".join(lines))

"""The upload engine: sends validated contacts to a provider, concurrently, resumably.

``run_job`` runs one job to its end in the calling thread (``asyncio.run`` around an
``httpx.AsyncClient``), so the GUI calls it from a QThread worker and the CLI from the main thread:

- Requests come from ``provider.build_requests`` — one contact per request, or Octopush's batches of
  200 — built lazily (the next one while the loop waits for answers, so a freed slot sends at once), so
  100 000 rows never sit in memory as requests.
- At most ``concurrency`` requests are in flight (the provider's ``default_concurrency`` unless given).
  A 429 halves the live limit and holds every new request until its ``Retry-After`` has passed; each
  run of answered requests as long as the limit raises it again by one, up to the cap (AIMD).
- A one-contact answer is parsed before its slot is handed over (a refusal of the credentials in a 2xx
  body then stops the job before another request leaves). A batch answer (Octopush's 200 rows) is parsed
  and journaled after the slot is handed over and once the request that took it is on the wire (httpcore's
  ``trace`` extension says when its body is sent), so parsing never holds up a send.
- Timeouts, connection errors, 429 and 5xx are retried with exponential backoff and jitter, at most
  :data:`MAX_ATTEMPTS` attempts per request; a row that exhausts them ends ``failed`` with the last
  readable reason. A definite refusal (a validation error, a duplicate) is never retried.
- A batch refused as a whole for a reason one contact may cause (``ResponseKind.SPLIT``, Octopush) is sent
  again in halves, down to single contacts, before any row is marked ``failed``; once a whole batch was
  split that way without any part accepted, later batches refused with the same code are not split.
- Credentials refused (``ResponseKind.AUTH``) stop the job at once; the rows not yet answered stay
  resumable and :class:`JobSummary` carries the :class:`CredentialsRefused`.
- Every request is preceded by a committed ``in_flight`` mark in the :class:`~core.journal.Journal` and
  followed by the committed outcomes, one transaction per request/answer. Rows that already ended are
  never sent again. Rows found ``in_flight`` (the process died while their request was out) are sent
  again. A provider whose ``reports_duplicates`` is true (Netcore: 302 → ``exists``, ``add`` is an
  upsert; Aptania: ``exists``; Octopush: upsert) reports what it already holds, so the re-send cannot
  create a second contact and its answer becomes the row's outcome. İleti Merkezi does not report
  duplicates and offers no way to look a contact up by the fields we send without a separate search; we
  re-send those rows too (losing a contact is worse than listing it twice) and say so in the row's
  message (``engine``/``resent`` in the message table), so the user can check them.
- With ``columns`` (field id → the user's column header), a result whose provider names a field at fault
  (``RowResult.field``) gets its message re-rendered to name the user's column.
- :class:`JobControl` pauses (no new request starts; those in flight finish), resumes and cancels
  (in-flight requests get :data:`CANCEL_GRACE` seconds to answer, then are abandoned as ``in_flight``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import operator
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from core import __version__, messages
from core.answers import MAX_BODY_BYTES, clean_parsed, clean_result, mask_body
from core.client import (
    REQUEST_DEADLINE,
    Answer,
    RetryPolicy,
    deadline_problem,
    final_reason,
    translate_http_error,
    wait_text,
)
from core.errors import CredentialsRefused, JournalError, NetworkProblem
from core.i18n import _
from core.journal import Journal
from core.model import (
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
from core.slices import STEP, strictly_ascending

log = logging.getLogger(__name__)

MAX_ATTEMPTS = RetryPolicy.max_attempts
__all__ = ["JobControl", "JobSummary", "Progress", "RetryPolicy", "network_problem", "run_job"]
CANCEL_GRACE = 5.0  # seconds in-flight requests get to answer after a cancel or a stop
PROGRESS_INTERVAL = 0.1  # seconds between progress callbacks
RATE_WINDOW = 10.0  # seconds of history behind the rate and the ETA
MAX_CONCURRENCY = 64
YIELDS_BEFORE_PARSING = 1
# seconds a batch answer's parsing waits at most for the requests being sent to reach the wire
SEND_WAIT = 0.05
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# network failures where the request certainly did not reach the provider
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# failures no retry can cure: stop the job instead of failing every row
_FATAL = (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError)

_NOT_AN_END = frozenset({Outcome.PENDING, Outcome.READY})  # a provider must never answer these


# ---------------------------------------------------------------------------------------------- API
class JobControl:
    """Pause, resume and cancel a running job from any thread (the GUI's buttons, a signal handler)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paused = False
        self._cancelled = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._paused

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def pause(self) -> None:
        """No new request starts until :meth:`resume`; requests already out finish."""
        with self._lock:
            self._paused = not self._cancelled
        self._notify()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
        self._notify()

    def cancel(self) -> None:
        """Stop the job; it stays resumable (``upload --resume`` or the window's offer)."""
        with self._lock:
            self._cancelled = True
            self._paused = False
        self._notify()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (from the calling thread) on every change; returns an unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


@dataclass(frozen=True)
class Progress:
    """Where a job stands: rows ended / all rows, outcome counts, rows per second, seconds left."""

    done: int
    total: int
    counts: dict[Outcome, int]
    rate: float
    eta: float | None
    elapsed: float
    paused: bool = False
    # wall-clock time (time.time()) until which the provider asked us to hold new requests, else None
    waiting_until: float | None = None
    waiting_message: str = ""  # one sentence saying so and when the job continues


@dataclass(frozen=True)
class JobSummary:
    """How a run of a job ended. ``counts`` include rows that ended in earlier runs of the job."""

    counts: dict[Outcome, int]
    elapsed: float
    stopped_reason: str | None = None  # one sentence when the job stopped before every row ended
    auth_error: CredentialsRefused | None = None
    cancelled: bool = False
    total: int = 0
    requests: int = 0  # requests sent in this run, retries included
    retries: int = 0
    resent: tuple[int, ...] = ()  # keys re-sent because an earlier run left them in flight

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> bool:
        """Every row ended (the job can be marked finished in the journal)."""
        return self.done >= self.total


def run_job(
    provider: Provider,
    creds: Credentials,
    base_url: str,
    contacts: Iterable[Contact],
    options: Options,
    *,
    journal: Journal,
    job_id: int,
    total: int | None = None,
    concurrency: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    control: JobControl | None = None,
    on_result: Callable[[RowResult], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    timeout: httpx.Timeout | float | None = None,
    columns: Mapping[str, str] | None = None,
    deadline: float = REQUEST_DEADLINE,
) -> JobSummary:
    """Send every contact of the job that has not ended yet; blocks until the job ends or stops.

    ``contacts`` are all the job's valid contacts (rows that ended in an earlier run are skipped, not
    re-sent), in a list or — with ``total``, their number — any iterable read as requests are built (a
    million-row job streamed from its spool: only the contacts of requests not yet answered are held).
    ``columns`` maps field ids to the column headers they come from, so a message about a field at fault
    names the user's column. Raises only on a programming error; network trouble, refusals and bad
    credentials end in the rows' results and the summary.
    """
    runner = _Runner(
        provider=provider,
        creds=creds,
        base_url=base_url,
        contacts=contacts,
        options=options,
        journal=journal,
        job_id=job_id,
        concurrency=concurrency,
        total_given=total,
        progress=progress,
        control=control or JobControl(),
        on_result=on_result,
        transport=transport,
        retry=retry or RetryPolicy(),
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        columns=dict(columns or {}),
        deadline=deadline,
    )
    return asyncio.run(runner.run())


# ---------------------------------------------------------------------------------------------- internals
@dataclass(eq=False)
class _Work:
    request: WireRequest
    attempts: int = 0
    resend: frozenset[int] = frozenset()  # keys an earlier run left in flight
    uncertain: bool = False  # an earlier attempt of this run may have reached the provider
    split: _SplitTree | None = None  # the whole-batch refusal this request is a part of (see _split)


@dataclass(eq=False)
class _SplitTree:
    """The parts of one batch refused as a whole, while they are sent again in halves."""

    code: str
    open: int = 0  # parts not answered yet
    accepted: bool = False  # some part was accepted: splitting helped


@dataclass
class _Limiter:
    """The live concurrency limit (AIMD) and the hold a Retry-After puts on new requests."""

    cap: int
    limit: int = 0
    hold_until: float = 0.0
    streak: int = 0

    def __post_init__(self) -> None:
        self.limit = self.cap

    def slow_down(self, now: float, retry_after: float | None) -> None:
        self.limit = max(1, self.limit // 2)
        self.streak = 0
        if retry_after:
            self.hold_until = max(self.hold_until, now + retry_after)

    def answered(self) -> None:
        if self.limit < self.cap:
            self.streak += 1
            if self.streak >= self.limit:
                self.limit += 1
                self.streak = 0


@dataclass
class _Runner:
    provider: Provider
    creds: Credentials
    base_url: str
    contacts: Iterable[Contact]
    options: Options
    journal: Journal
    job_id: int
    concurrency: int | None
    total_given: int | None
    progress: Callable[[Progress], None] | None
    control: JobControl
    on_result: Callable[[RowResult], None] | None
    transport: httpx.AsyncBaseTransport | None
    retry: RetryPolicy
    timeout: httpx.Timeout | float
    columns: dict[str, str] = field(default_factory=dict)
    deadline: float = REQUEST_DEADLINE  # seconds for one request, from connecting to its answer's last byte

    counts: dict[Outcome, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        cap = self.concurrency if self.concurrency else self.provider.default_concurrency
        self.cap = max(1, min(int(cap), MAX_CONCURRENCY))
        self.limiter = _Limiter(self.cap)
        if self.total_given is None:
            # the caller's list as it is: a copy of a million references is a new container that every
            # full collection walks (~100 ms of held GIL at a million, the referents being all over memory),
            # where the window has frozen the list it hands over (gui.upload_worker)
            if not isinstance(self.contacts, list):
                self.contacts = list(self.contacts)
            # contacts in source order (the window's, the command line's) have ascending keys, so no two
            # share one: no set of every key — growing one to a million holds the GIL ~40 ms at a time
            self.unique = _ascending_keys(self.contacts)
            self.total = len(self.contacts) if self.unique else len({c.key for c in self.contacts})
        else:
            self.unique = True  # streamed: one contact per row
            self.total = int(self.total_given)
        # the contacts of requests built and not answered yet (providers read them back from the answer)
        self.by_key: dict[int, Contact] = {}
        self.secrets = tuple(s for s in self.provider.secret_values(self.creds) if s)
        self.resent_note = (
            "" if self.provider.reports_duplicates
            else messages.text("engine", "resent", provider=self.provider.title)
        )
        self.ready: deque[_Work] = deque()
        self.waiting: dict[_Work, asyncio.Task[None]] = {}
        self.in_flight = 0
        self.batching = self.provider.batch_size > 1
        self.unsent = 0  # requests started whose body is not on the wire yet (batch providers only)
        self.stopping = False
        self.stopped_reason: str | None = None
        self.auth_error: CredentialsRefused | None = None
        self.cancelled = False
        self.requests = 0
        self.retries = 0
        self.resent: list[int] = []
        self.split_useless: set[str] = set()  # codes a whole batch was split for without any part accepted
        self.session_done = 0
        # requests in a row that exhausted their attempts on network errors or server errors (5xx)
        self.network_streak = 0
        self.waiting_message = ""
        self.journal_error: JournalError | None = None  # the journal could not be written (a full disk)
        self.last_emit = 0.0
        self.samples: deque[tuple[float, int]] = deque()

    # ------------------------------------------------------------------ main
    async def run(self) -> JobSummary:
        self.loop = asyncio.get_running_loop()
        self.cond = asyncio.Condition()
        self.stop_event = asyncio.Event()
        self.all_sent = asyncio.Event()  # set while no request is between its start and the wire
        self.all_sent.set()
        self.started = time.monotonic()
        self._load_journal()
        unsubscribe = self.control.subscribe(self._wake_from_thread)
        self._on_control()
        self._emit(force=True)
        limits = httpx.Limits(max_connections=self.cap, max_keepalive_connections=self.cap)
        headers = {"User-Agent": f"contact-uploader/{__version__}"}
        workers: list[asyncio.Task[None]] = []
        try:
            # plain http (the sandbox, a local relay): skip loading the CA bundle, no request can be https
            verify = not self.base_url.lower().startswith("http://")
            async with httpx.AsyncClient(
                transport=self.transport, timeout=self.timeout, limits=limits, headers=headers, verify=verify
            ) as client:
                self.client = client
                # twice as many workers as slots: one parses and journals an answer while another sends
                workers = [asyncio.create_task(self._worker()) for _ in range(2 * self.cap)]
                try:
                    await self._wait_for(workers)
                finally:
                    for task in workers:
                        task.cancel()
                    await asyncio.gather(*workers, return_exceptions=True)
        finally:
            unsubscribe()
            self._abandon_waiting()
        self._emit(force=True)
        if self.journal_error is not None:
            # stopped like a cancel (answers in flight recorded where the journal still could); the rows
            # whose answer could not be written stay in_flight and are re-sent on resume
            raise self.journal_error
        return JobSummary(
            counts=dict(self.counts),
            elapsed=time.monotonic() - self.started,
            stopped_reason=self.stopped_reason,
            auth_error=self.auth_error,
            cancelled=self.cancelled,
            total=self.total,
            requests=self.requests,
            retries=self.retries,
            resent=tuple(sorted(self.resent)),
        )

    async def _wait_for(self, workers: list[asyncio.Task[None]]) -> None:
        everything = asyncio.gather(*workers)
        stopper = asyncio.create_task(self.stop_event.wait())
        first: set[asyncio.Future[Any]] = {everything, stopper}
        try:
            await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
            if not everything.done():
                # stopped: give the requests already out a moment to answer, then abandon them
                await asyncio.wait({everything}, timeout=CANCEL_GRACE)
            if everything.done() and not everything.cancelled():
                everything.result()  # a programming error in a worker surfaces here
        finally:
            stopper.cancel()
            if not everything.done():
                everything.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await everything

    def _load_journal(self) -> None:
        ended, in_flight = self.journal.ended_keys(self.job_id)
        # (a new job has none: no loop over a million contacts for nothing)
        if ended and isinstance(self.contacts, list):  # the rows that ended among these contacts
            for contact in self.contacts:
                outcome = ended.get(contact.key)
                if outcome is not None:
                    self.counts[outcome] = self.counts.get(outcome, 0) + 1
        elif ended:  # streamed: every row of the job is one of its contacts
            for outcome in ended.values():
                self.counts[outcome] = self.counts.get(outcome, 0) + 1
        # the dict itself answers "has this row ended?": a frozenset of half a million keys would be one C
        # call holding the GIL (the window's) for tens of milliseconds
        self.ended_rows: Container[int] = ended
        del ended
        self.resend_keys = frozenset(in_flight)
        self.resent = []  # in source order, as they come up
        self.fresh: Iterator[_Work] | None = self._fresh_work(iter(self.contacts))
        self.prefetched: _Work | None = None  # the next fresh request, built while the loop was idle

    def _fresh_work(self, contacts: Iterator[Contact]) -> Iterator[_Work]:
        size = max(1, int(self.provider.batch_size))
        ended = self.ended_rows
        resend = self.resend_keys
        by_key = self.by_key
        seen: set[int] = _NoSet() if self.unique else set()
        while True:
            chunk: list[Contact] = []
            for contact in contacts:
                key = contact.key
                if key in ended or key in seen:
                    continue
                seen.add(key)
                if key in resend:
                    self.resent.append(key)
                by_key[key] = contact
                chunk.append(contact)
                if len(chunk) >= size:
                    break
            if not chunk:
                return
            for request in self.provider.build_requests(chunk, self.options, self.creds, self.base_url):
                yield _Work(request, resend=resend.intersection(request.keys))

    # ------------------------------------------------------------------ control
    def _wake_from_thread(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop already closed: the job is over
            self.loop.call_soon_threadsafe(self._on_control)

    def _on_control(self) -> None:
        if self.control.cancelled and not self.stopping:
            self.cancelled = True
            self._stop(_("The upload was cancelled; run it again with --resume (or resume it in the "
                         "window)."))
        self.loop.create_task(self._poke())

    async def _poke(self) -> None:
        async with self.cond:
            self.cond.notify_all()

    def _stop(self, reason: str) -> None:
        if not self.stopping:
            self.stopping = True
            self.stopped_reason = reason
            self.stop_event.set()
            self.loop.create_task(self._poke())

    # ------------------------------------------------------------------ workers
    async def _worker(self) -> None:
        while True:
            work = await self._next_work()
            if work is None:
                return
            await self._attempt(work)

    async def _next_work(self) -> _Work | None:
        async with self.cond:
            while True:
                if self.stopping:
                    return None
                now = self.loop.time()
                wait: float | None = None
                if self.control.paused or self.in_flight >= self.limiter.limit:
                    pass
                elif now < self.limiter.hold_until:
                    wait = self.limiter.hold_until - now
                else:
                    work = self._take()
                    if work is not None:
                        self.in_flight += 1
                        return work
                    if self.fresh is None and self.prefetched is None and not self.waiting and not self.ready:
                        return None  # nothing left; a request still out re-queues itself if it fails
                if wait is None:
                    await self.cond.wait()
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.cond.wait(), wait)

    def _take(self) -> _Work | None:
        if self.ready:
            return self.ready.popleft()
        work, self.prefetched = self.prefetched or self._build_next(), None
        return work

    def _build_next(self) -> _Work | None:
        if self.fresh is None:
            return None
        work = next(self.fresh, None)
        if work is None:
            self.fresh = None
        return work

    def _prefetch(self) -> None:
        """Build the next fresh request after an answer is settled, so a freed slot need not build it."""
        if self.prefetched is None and not self.stopping:
            self.prefetched = self._build_next()

    async def _release_slot(self) -> None:
        async with self.cond:
            self.in_flight -= 1
            self.cond.notify_all()

    async def _attempt(self, work: _Work) -> None:
        request = work.request
        work.attempts += 1
        self.requests += 1
        if work.attempts > 1:
            self.retries += 1
        try:
            self.journal.mark_in_flight(self.job_id, request.keys)
        except JournalError as exc:  # not marked, so not sent: the rows stay as they were
            self._journal_failed(exc)
            await self._release_slot()
            return
        parsed: ParsedResponse | None = None
        problem: NetworkProblem | None = None
        # only batch answers are parsed after the slot is handed over (and wait for the wire): tracing
        # one-contact requests would cost every request a dozen callbacks for nothing
        on_wire = not self.batching
        if not on_wire:
            self.unsent += 1
            self.all_sent.clear()

        def sent() -> None:
            nonlocal on_wire
            if not on_wire:
                on_wire = True
                self.unsent -= 1
                if not self.unsent:
                    self.all_sent.set()

        async def trace(event: str, info: dict[str, Any]) -> None:  # httpcore's "trace" extension
            if event.endswith("send_request_body.complete"):
                sent()

        try:
            try:
                # httpx's timeouts apply to each read: the overall deadline covers the whole exchange
                async with asyncio.timeout(self.deadline):
                    response = await self._exchange(request, trace if self.batching else None)
            except TimeoutError:
                host = httpx.URL(request.url).host or "?"
                problem = deadline_problem(self.provider.title, host, self.deadline)
                work.uncertain = True
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                problem = network_problem(exc, self.provider.title, self.secrets)
                if not isinstance(exc, _NOT_SENT):
                    work.uncertain = True
                if isinstance(exc, _FATAL):
                    self._stop(str(problem))
                elif not self.retry.retryable(problem.kind):
                    # definite (a bad certificate, an unknown host): every row would fail the same way,
                    # so stop before the slot goes to the next request
                    self._stop(f"{problem} {messages.text('network', 'stopped')}")
            else:
                if not _parse_after_release(request, response):
                    parsed = self._parse(request, response)
                    self._steer(parsed)  # slow down or stop before the slot goes to the next request
        finally:
            sent()  # a transport without the trace extension (a test's MockTransport), or an error
            await self._release_slot()
        # let a waiting worker put its request on the wire before this one parses and journals
        for _turn in range(YIELDS_BEFORE_PARSING):
            await asyncio.sleep(0)
        if problem is None and parsed is None:
            # a batch answer: parsing 200 rows would hold up the request that just took the slot, which
            # may still be on its way into the socket; parse once every request started is on the wire
            if not self.all_sent.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.all_sent.wait(), SEND_WAIT)
            parsed = self._parse(request, response)
            self._steer(parsed)

        if problem is not None:
            if self.stopping:
                self.ready.append(work)  # settled by _abandon_waiting: resumable
                return
            self._retry_or_fail(work, problem.kind, "", str(problem), None, network=True)
            return
        assert parsed is not None
        if parsed.kind is ResponseKind.AUTH:
            self._on_auth(work, parsed)
        elif parsed.kind is ResponseKind.RETRY:
            self._retry_or_fail(work, parsed.code, parsed.raw_text, parsed.message, parsed.retry_after)
        elif self._splits(parsed, work):
            self._split(work, parsed.code)
        else:
            if work.split is not None:
                self._part_answered(work.split, parsed.results)
            self._finish(work, parsed.results)
            self._prefetch()

    async def _exchange(
        self, request: WireRequest, trace: Callable[[str, dict[str, Any]], Any] | None
    ) -> Answer:
        """One request and at most MAX_BODY_BYTES of its answer, every secret in the answer masked."""
        async with self.client.stream(
            request.method, request.url, headers=dict(request.headers), content=request.body,
            extensions={"trace": trace} if trace is not None else None,
        ) as response:
            parts: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                parts.append(chunk)
                size += len(chunk)
                if size >= MAX_BODY_BYTES:
                    break  # the rest is never read; closing the response drops the connection
            body = mask_body(b"".join(parts)[:MAX_BODY_BYTES], self.secrets)
            return Answer(response.status_code, response.headers, body)

    def _steer(self, parsed: ParsedResponse) -> None:
        """Live limit, Retry-After hold and the stop on bad credentials, as soon as an answer is read."""
        if parsed.kind is not ResponseKind.RETRY:
            self.network_streak = 0
        if parsed.kind is ResponseKind.RETRY and (parsed.code == "429" or parsed.retry_after is not None):
            if self.retry.too_long(parsed.retry_after):
                # hours of Retry-After (a quota used up): holding the job that long helps nobody
                span, until = wait_text(parsed.retry_after or 0.0)
                self._stop(messages.describe("network", "stop_retry_after", provider=self.provider.title,
                                             wait=span, until=until))
                return
            now = self.loop.time()
            held = self.limiter.hold_until
            self.limiter.slow_down(now, parsed.retry_after)
            if self.limiter.hold_until > max(held, now):
                _, until = wait_text(self.limiter.hold_until - now)
                self.waiting_message = messages.describe(
                    "network", "waiting", provider=self.provider.title, until=until
                )
                log.info("%s asked to wait %.1f s (Retry-After)", self.provider.name,
                         self.limiter.hold_until - now)
                self._emit(force=True)
            return
        self.limiter.answered()
        if parsed.kind is ResponseKind.AUTH and self.auth_error is None:
            message = parsed.message or _("{provider} refused the credentials.").format(
                provider=self.provider.title)
            self.auth_error = CredentialsRefused(message, parsed.code, parsed.raw_text)
            self._stop(message)

    def _parse(self, request: WireRequest, answer: Answer) -> ParsedResponse:
        """The provider's reading of ``answer``, every text in it bounded and masked."""
        try:
            parsed = self.provider.parse_response(
                request, answer.status, answer.headers, answer.body, self.by_key
            )
        except Exception as exc:  # noqa: BLE001 - a surprising body must fail its rows, not the job
            log.warning("%s: unreadable answer (HTTP %s): %s", self.provider.name, answer.status,
                        type(exc).__name__)
            raw = answer.body.decode("utf-8", "replace")[:500]
            parsed = ParsedResponse(
                results=tuple(
                    self.provider.result(k, "failed", "unreadable", raw, status=str(answer.status))
                    for k in request.keys
                )
            )
        return clean_parsed(parsed, self.secrets)

    # ------------------------------------------------------------------ outcomes
    def _journal_failed(self, exc: JournalError) -> None:
        """The journal cannot be written: stop sending (what is not journaled must not be sent)."""
        if self.journal_error is None:
            self.journal_error = exc
            log.warning("journal write failed, stopping the job: %s", exc)
        self._stop(str(exc))

    def _release(self, keys: list[int]) -> None:
        """Rows back to pending; if the journal cannot be written they stay in_flight (re-sent on resume)."""
        if keys:
            try:
                self.journal.release(self.job_id, keys)
            except JournalError as exc:
                self._journal_failed(exc)

    def _on_auth(self, work: _Work, parsed: ParsedResponse) -> None:
        # the provider refused the whole request: nothing of it was stored, unless an earlier attempt was
        keys = work.request.keys
        if not work.uncertain:
            self._release([k for k in keys if k not in work.resend])
        # its rows stay resumable, but say why they stopped: the refusal's code and sentence, not "not sent"
        # (``parsed`` comes from _parse: its texts are already bounded and masked)
        code, raw = parsed.code, parsed.raw_text
        message = parsed.message or _("{provider} refused the credentials.").format(
            provider=self.provider.title)
        try:
            self.journal.note(self.job_id, keys, code, raw, message)
        except JournalError as exc:
            self._journal_failed(exc)
        if self.on_result is not None:
            for key in keys:
                self.on_result(RowResult(key=key, outcome=Outcome.PENDING, code=code, raw_text=raw,
                                         message=message))

    def _retry_or_fail(
        self,
        work: _Work,
        code: str,
        raw: str,
        message: str,
        retry_after: float | None,
        *,
        network: bool = False,
    ) -> None:
        if self.stopping:
            self.ready.append(work)  # settled by _abandon_waiting: resumable
            return
        if work.attempts < self.retry.max_attempts and not self.retry.too_long(retry_after):
            delay = self.retry.delay(work.attempts, retry_after, self.rng)
            log.info("%s: attempt %d of %d failed (%s); retrying in %.1f s", self.provider.name,
                     work.attempts, self.retry.max_attempts, code or "network", delay)
            self.waiting[work] = self.loop.create_task(self._requeue_later(work, delay))
            return
        reason = final_reason(self.provider.title, "" if network else code, message, work.attempts)
        results = tuple(
            RowResult(key=k, outcome=Outcome.FAILED, code=code, raw_text=raw, message=reason)
            for k in work.request.keys
        )
        self._finish(work, results)
        server_error = not network and code[:1] == "5" and len(code) == 3
        if network or server_error:
            self.network_streak += 1
            if self.network_streak >= max(3, self.cap):
                if server_error:
                    self._stop(messages.describe("network", "stopped_5xx", provider=self.provider.title,
                                                 status=code))
                else:
                    self._stop(f"{message} {messages.text('network', 'stopped')}")

    def _splits(self, parsed: ParsedResponse, work: _Work) -> bool:
        """Whether a refusal of the whole request is to be sent again in halves.

        Always within a batch being split; a fresh batch is not split once a whole batch was split down to
        single contacts with that code and not one part was accepted: the refusal is then about every
        contact (an option, the account), and each further batch fails at once instead of costing ~2
        requests per row. One batch's worth of proof is needed, so a few bad rows next to each other can
        never make good contacts fail untried.
        """
        if parsed.kind is not ResponseKind.SPLIT or len(work.request.keys) < 2:
            return False
        return work.split is not None or parsed.code not in self.split_useless

    def _part_answered(self, tree: _SplitTree, results: Sequence[RowResult]) -> None:
        tree.open -= 1
        if any(r.outcome is not Outcome.FAILED for r in results):
            tree.accepted = True
        if tree.open == 0 and not tree.accepted:
            self.split_useless.add(tree.code)

    def _split(self, work: _Work, code: str) -> None:
        """A batch refused as a whole (``SPLIT``): queue its two halves, each its own request(s).

        Halves of halves follow until a request carries one contact, whose refusal is then its row's own.
        The rows stay ``in_flight`` in the journal until their half is answered (or released on a stop).
        """
        keys = work.request.keys
        half = (len(keys) + 1) // 2
        log.info("%s: a batch of %d was refused as a whole; sending it again in halves",
                 self.provider.name, len(keys))
        tree = work.split if work.split is not None else _SplitTree(code, open=1)
        parts: list[_Work] = []
        for part in (keys[:half], keys[half:]):
            chunk = [self.by_key[k] for k in part if k in self.by_key]
            for request in self.provider.build_requests(chunk, self.options, self.creds, self.base_url):
                parts.append(_Work(request, resend=work.resend.intersection(request.keys),
                                   uncertain=work.uncertain, split=tree))
        tree.open += len(parts) - 1  # this request is answered; its parts are out
        # depth first (the parts go to the front): a batch's parts go before the next batches
        self.ready.extendleft(reversed(parts))
        self.loop.create_task(self._poke())

    async def _requeue_later(self, work: _Work, delay: float) -> None:
        await asyncio.sleep(delay)
        async with self.cond:
            self.waiting.pop(work, None)
            self.ready.append(work)
            self.cond.notify_all()

    def _abandon_waiting(self) -> None:
        """Stopped with retries waiting: certain refusals go back to pending, the rest stay in flight."""
        for work, task in list(self.waiting.items()):
            task.cancel()
            if not work.uncertain:
                self._release([k for k in work.request.keys if k not in work.resend])
        self.waiting.clear()
        for work in self.ready:
            if not work.uncertain:
                self._release([k for k in work.request.keys if k not in work.resend])
        self.ready.clear()

    def _finish(self, work: _Work, results: Sequence[RowResult]) -> None:
        final = []
        note = self.resent_note
        resend = work.resend
        uncertain = work.uncertain
        counts = self.counts
        rendered: dict[tuple[str, str, str, str], str] = {}  # one sentence per distinct field at fault
        clean: dict[tuple[str, str], RowResult] = {}  # (raw text, message) → a result with them cleaned
        for result in results:
            if result.outcome in _NOT_AN_END:
                result = replace(result, outcome=Outcome.FAILED)
            if result.field and self.columns:
                seen = (result.message, result.field, result.code, result.raw_text)
                message = rendered.get(seen)
                if message is None:
                    message = rendered[seen] = self.provider.describe_result(result, self.columns)
                result = replace(result, message=message)
            if note and (uncertain or result.key in resend) and result.outcome is not Outcome.FAILED:
                result = replace(result, message=f"{result.message} {note}".strip())
            pair = (result.raw_text, result.message)
            known = clean.get(pair)
            if known is None:
                known = clean[pair] = clean_result(result, self.secrets)  # bounded, every secret masked
            if known is not result and (known.raw_text, known.message) != pair:
                result = replace(result, raw_text=known.raw_text, message=known.message)
            final.append(result)
        try:
            self.journal.record_many(self.job_id, final)
        except JournalError as exc:  # the rows stay in_flight: re-sent on resume, never lost
            self._journal_failed(exc)
            return
        by_key = self.by_key
        for result in final:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
            by_key.pop(result.key, None)  # answered for good: its contact is no longer needed
        self.session_done += len(final)
        if self.on_result is not None:
            for result in final:
                self.on_result(result)
        self._emit()

    # ------------------------------------------------------------------ progress
    def _emit(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not force and now - self.last_emit < PROGRESS_INTERVAL:
            return
        self.last_emit = now
        self.samples.append((now, self.session_done))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW:
            self.samples.popleft()
        t0, d0 = self.samples[0]
        span = now - t0
        if span < 1.0:  # too short a window: use the whole run
            t0, d0, span = self.started, 0, now - self.started
        rate = (self.session_done - d0) / span if span > 0 else 0.0
        done = sum(self.counts.values())
        remaining = self.total - done
        eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
        left = self.limiter.hold_until - self.loop.time() if hasattr(self, "loop") else 0.0
        waiting = time.time() + left if left > 0 and not self.stopping else None
        self.progress(
            Progress(
                done=done,
                total=self.total,
                counts=dict(self.counts),
                rate=rate,
                eta=eta,
                elapsed=now - self.started,
                paused=self.control.paused,
                waiting_until=waiting,
                waiting_message=self.waiting_message if waiting is not None else "",
            )
        )


ASCENDING_CHUNK = STEP  # contacts compared in one C call by _ascending_keys (~1 ms of held GIL)


def _ascending_keys(contacts: list[Contact]) -> bool:
    """True when every contact's key is greater than the one before (:func:`core.slices.strictly_ascending`:
    a Python loop over a million contacts makes another thread — the window's — wait for the GIL at each of
    its calls into Python for as long)."""
    return strictly_ascending(map(_key, contacts), step=ASCENDING_CHUNK)


_key = operator.attrgetter("key")


class _NoSet(set[int]):
    """A set that keeps nothing: a job's contacts are unique by construction (a streamed job's one per row,
    a list's in ascending order), and remembering a million keys would cost what streaming saves."""

    def add(self, key: int) -> None:
        pass

    def __contains__(self, key: object) -> bool:
        return False


def _parse_after_release(request: WireRequest, response: Answer) -> bool:
    """A 2xx answer to a batch (Octopush's 200 contacts) is parsed after its slot is handed over.

    Parsing 200 results takes milliseconds; a 2xx answer never asks us to slow down, so the next request
    need not wait for it. One-contact answers are parsed at once: they are cheap, and a refusal of the
    credentials inside a 2xx body (Netcore) then stops the job before another request leaves.
    """
    return len(request.keys) > 1 and 200 <= response.status < 300


def network_problem(exc: Exception, provider_title: str, secrets: Sequence[str] = ()) -> NetworkProblem:
    """A readable NetworkProblem for an httpx error (the same translation the one-contact client uses)."""
    return translate_http_error(exc, provider_title, secrets=secrets)


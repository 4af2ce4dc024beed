"""Logging to a rotating file in the state directory, with every secret masked.

Secrets reach log text in three ways, and each is covered here:

* a value we know is secret (an API key loaded from the keyring or the environment) — registered with
  :func:`register_secret`, masked wherever it appears, also percent-encoded or JSON-escaped;
* Netcore's key in the URL (``?apikey=KEY``), which httpx logs at INFO ("HTTP Request: POST ...") —
  masked by pattern even when nobody registered the key (a refused key typed once, say);
* credentials in JSON-ish or header text (``"api-key": "..."``, ``"hash": "..."``, ``tokenUUID`` …).

Redaction happens when a record is *created* (a log-record factory), so every handler sees masked
text — ours, pytest's, the ``lastResort`` stderr handler and any a window adds later — and again in
:class:`RedactingFilter`, which :func:`setup_logging` puts on its handler and on the httpx/httpcore
loggers, in case something else replaced the record factory.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from core.i18n import _
from core.model import MASK
from core.paths import state_dir

LOG_NAME = "contact-uploader.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
MIN_SECRET_LENGTH = 4  # masking a 1–3 character "secret" would shred every log line and hide nothing

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole

_KEY_NAMES = (
    r"api[-_]?key|apikey|api[-_]?hash|hash|key|secret|password|passwd|token|"
    r"token[-_]?uuid|tokenUUID|user[-_]?uuid|userUUID"
)
# "name": "value"  /  'name': 'value'  /  name='value'  (JSON, Python reprs, kwargs)
_QUOTED = re.compile(
    r"""(?P<head>(?<![\w-])(?P<kq>["']?)(?:""" + _KEY_NAMES + r""")(?P=kq)\s*[:=]\s*)"""
    r"""(?P<q>["'])(?P<value>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
    re.IGNORECASE,
)
# name: value  /  name=value  without quotes (headers, query strings, form bodies); not bare "key"
_BARE = re.compile(
    r"""(?P<head>(?<![\w-])(?:api[-_]?key|apikey|api[-_]?hash|hash|token[-_]?uuid|tokenuuid|"""
    r"""user[-_]?uuid|useruuid|password)\s*(?::\s*|=))(?P<value>(?!["'\s])[^\s&,;"'}<>)\]]+)""",
    re.IGNORECASE,
)


def register_secret(value: str | None) -> None:
    """Mask ``value`` (and its URL- and JSON-encoded forms) in every log line from now on."""
    if not value or len(value.strip()) < MIN_SECRET_LENGTH:
        return
    variants = {value, value.strip(), quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    global _ordered
    with _lock:
        before = len(_secrets)
        _secrets.update(v for v in variants if len(v) >= MIN_SECRET_LENGTH)
        if len(_secrets) != before:
            _ordered = tuple(sorted(_secrets, key=len, reverse=True))
    install_redaction()


def registered_secrets() -> tuple[str, ...]:
    """Every registered secret, in each form it was registered (for masking provider texts)."""
    return _ordered


def is_secret(value: str) -> bool:
    """Whether ``value`` was registered as a secret."""
    return bool(value) and value in _secrets


def forget_secrets() -> None:
    """Drop every registered secret (tests; a profile deleted)."""
    global _ordered
    with _lock:
        _secrets.clear()
        _ordered = ()


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-looking values replaced by a mask."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _QUOTED.sub(lambda m: f"{m['head']}{m['q']}{MASK}{m['q']}" if m["value"] else m[0], text)
    return _BARE.sub(lambda m: f"{m['head']}{MASK}", text)


def _redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_cu_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 — a malformed record must still be logged, masked as a whole
        message = f"{record.msg!r} % {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._cu_redacted = True  # the filter then has nothing left to do


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, exception text and stack; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


_factory_installed = threading.Event()


def install_redaction() -> None:
    """Mask secrets in every log record as it is created (idempotent)."""
    if _factory_installed.is_set():
        return
    with _lock:
        if _factory_installed.is_set():
            return
        base: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = base(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed.set()


class QuietFileHandler(logging.handlers.RotatingFileHandler):
    """The log file handler. When the file cannot be written (a read-only state folder, a full disk)
    it says so once, in one sentence on stderr, and stops trying — never logging's
    "--- Logging error ---" traceback, and never a failed command because of its log."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        self.failed = True
        exc = sys.exc_info()[1]
        reason = str(getattr(exc, "strerror", None) or exc or _("unknown error")).rstrip(".")
        try:
            from core import messages

            sentence = messages.text("state", "log_failed", file=self.baseFilename, reason=reason)
            if sys.stderr is not None:
                sys.stderr.write(sentence + "\n")
        except Exception:  # noqa: BLE001 — saying that the log fails must not fail either
            pass
        try:
            if self.stream is not None:
                self.stream.close()
        except OSError:
            pass
        self.stream = None


_FILTER = RedactingFilter()
_handler: logging.handlers.RotatingFileHandler | None = None
_FILTERED_LOGGERS = ("httpx", "httpcore", "core", "gui")


def log_path() -> Path:
    return state_dir() / "logs" / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to ``state_dir()/logs/contact-uploader.log`` (about 1 MB × 3 files), secrets masked.

    Calling it again (another state directory, another level) replaces the previous file handler.
    Returns the path of the log file.
    """
    global _handler
    install_redaction()
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # installed all the same: it says once that the log cannot be written, then stays
        pass  # quiet — without any handler, Python would print every warning raw on stderr
    handler = QuietFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    with _lock:
        if _handler is not None:
            root.removeHandler(_handler)
            _handler.close()
        _handler = handler
        root.addHandler(handler)
    root.setLevel(level)
    for name in _FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for other in root.handlers:
        if _FILTER not in other.filters:
            other.addFilter(_FILTER)
    # httpcore's DEBUG trace is noise unless someone asks for DEBUG on purpose
    logging.getLogger("httpcore").setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    return path


def teardown_logging() -> None:
    """Close and remove the file handler (tests, and before deleting the state directory)."""
    global _handler
    with _lock:
        if _handler is not None:
            logging.getLogger().removeHandler(_handler)
            _handler.close()
            _handler = None

"""Texts that come from a provider enter the program here: bounded, with every secret masked (SPEC 6).

A provider's answer is read at most :data:`MAX_BODY_BYTES` long, and :func:`mask_body` masks every secret
in it before a provider parses it; :func:`clean_parsed` then bounds and masks the texts the parse made
(the raw excerpt kept for support and the readable sentence) before they reach the journal, the report,
the command line or a log line. Both use the one masking function, :func:`mask_secrets`, which knows
every form a secret takes in an echoed request:

* raw, and percent-encoded as a URL query or form body carries it (``quote_plus``: spaces as ``+``) and
  as a path or a re-encoded URL shows it (``quote``: spaces as ``%20``; upper- and lower-case hex);
* JSON-escaped (``\\"``, ``\\u00e7``, PHP's ``\\/``) and HTML-escaped, each of those forms too.

The secrets are the job's own (``Provider.secret_values``) plus every secret registered with
:func:`core.logsetup.register_secret` (all credentials loaded from the keyring or the environment).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from urllib.parse import quote, quote_plus

from core import logsetup
from core.model import MASK, ParsedResponse, RowResult

__all__ = [
    "EXCERPT_CHARS",
    "MAX_BODY_BYTES",
    "clean_parsed",
    "clean_result",
    "excerpt",
    "mask_body",
    "mask_secrets",
    "secret_forms",
]

#: At most this much of an answer is read; the rest is dropped (a 200-row Octopush answer is ~20 KB).
MAX_BODY_BYTES = 4 * 1024 * 1024
#: A provider's text is kept (journal, report, ``add``) as an excerpt of at most this many characters.
EXCERPT_CHARS = 2000
_CUT_MARK = " […]"
_HEX = re.compile(r"%[0-9A-F]{2}")


@lru_cache(maxsize=256)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every form ``secret`` can take in an echoed request, longest first (see the module docstring)."""
    if not secret or len(secret.strip()) < logsetup.MIN_SECRET_LENGTH:
        return ()
    encoded = {secret, secret.strip(), quote(secret, safe=""), quote(secret), quote_plus(secret),
               quote_plus(secret, safe="/")}
    encoded |= {_HEX.sub(lambda m: m[0].lower(), form) for form in list(encoded)}
    forms: set[str] = set()
    for form in encoded:
        for escaped in (form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]):
            forms.update((escaped, escaped.replace("/", "\\/"), html.escape(escaped)))
    return tuple(sorted((f for f in forms if len(f) >= logsetup.MIN_SECRET_LENGTH), key=len, reverse=True))


def _all_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    return _forms_of(tuple(secrets), logsetup.registered_secrets())


@lru_cache(maxsize=64)
def _forms_of(secrets: tuple[str, ...], registered: tuple[str, ...]) -> tuple[str, ...]:
    forms: set[str] = set()
    for secret in (*secrets, *registered):
        forms.update(secret_forms(secret))
    return tuple(sorted(forms, key=len, reverse=True))


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with ``secrets`` and every registered secret masked, in all their forms."""
    if not text:
        return text
    for form in _all_forms(secrets):
        if form in text:
            text = text.replace(form, MASK)
    return text


def mask_body(body: bytes, secrets: Iterable[str] = ()) -> bytes:
    """An answer's bytes with every secret masked (as UTF-8; a secret is ASCII in every other charset)."""
    if not body:
        return body
    mask = MASK.encode("utf-8")
    for form in _all_forms(secrets):
        raw = form.encode("utf-8")
        if raw in body:
            body = body.replace(raw, mask)
    return body


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to ``limit`` characters (marked ``[…]`` when cut)."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(_CUT_MARK))].rstrip() + _CUT_MARK


def clean_result(result: RowResult, secrets: Iterable[str] = ()) -> RowResult:
    """``result`` with its provider texts bounded and masked (the same object when nothing changes)."""
    raw = excerpt(mask_secrets(result.raw_text, secrets))
    message = excerpt(mask_secrets(result.message, secrets), 2 * EXCERPT_CHARS)
    if raw == result.raw_text and message == result.message:
        return result
    return replace(result, raw_text=raw, message=message)


def clean_parsed(parsed: ParsedResponse, secrets: Iterable[str] = ()) -> ParsedResponse:
    """``parsed`` with every text bounded and masked; results that share texts are cleaned once."""
    secrets = tuple(secrets)
    done: dict[tuple[str, str], tuple[str, str]] = {}
    results = []
    for result in parsed.results:
        pair = (result.raw_text, result.message)
        clean = done.get(pair)
        if clean is None:
            cleaned = clean_result(result, secrets)
            clean = done[pair] = (cleaned.raw_text, cleaned.message)
        if clean != pair:
            result = replace(result, raw_text=clean[0], message=clean[1])
        results.append(result)
    return replace(
        parsed,
        results=tuple(results),
        raw_text=excerpt(mask_secrets(parsed.raw_text, secrets)),
        message=excerpt(mask_secrets(parsed.message, secrets), 2 * EXCERPT_CHARS),
    )

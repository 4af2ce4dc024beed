"""Small helpers shared by the provider tests."""

from __future__ import annotations

import json
from typing import Any

from core.model import Contact, ParsedResponse, WireRequest
from core.providers.base import Provider


def answer(
    provider: Provider,
    request: WireRequest,
    status: int,
    body: Any,
    contacts: list[Contact],
    headers: dict[str, str] | None = None,
) -> ParsedResponse:
    """Parse ``body`` (JSON-encoded unless bytes/str) as the answer to ``request``."""
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return provider.parse_response(request, status, headers or {}, raw, {c.key: c for c in contacts})

"""Values and small checks shared by the simulated platforms.

A platform sees one :class:`Request` (path relative to its base URL, lower-case header names) and
answers one :class:`Response`. Platforms do no I/O and hold no lock: the server calls them one at a
time under its own lock.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

# The credentials the sandbox accepts unless a test changes them (credential ids as the providers name them).
DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "netcore": {"api_key": "demo-netcore-4f1c2a9e7b3d", "region": "us"},
    "iletimerkezi": {
        "api_key": "demo0c3f5a7e9b1d2c4e6f80",
        "api_hash": "demo9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b",
    },
    "aptania": {
        "token_uuid": "d3m0d3m0-0000-4000-8000-000000000001",
        "user_uuid": "d3m0d3m0-0000-4000-8000-000000000002",
    },
    "octopush": {"api_key": "demo-octopush-8e2b4d6f", "api_login": "demo@example.com"},
}

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
E164 = re.compile(r"^\+[1-9]\d{5,14}$")
TR_MOBILE = re.compile(r"^\+905\d{9}$")


def valid_email(value: str) -> bool:
    return bool(EMAIL.match(value)) and ".." not in value


def valid_e164(value: str) -> bool:
    """An international number written with ``+`` (E.164); Turkish numbers must be mobiles."""
    if not E164.match(value):
        return False
    return not value.startswith("+90") or bool(TR_MOBILE.match(value))


@dataclass(frozen=True)
class Request:
    """One request as a platform sees it; ``path`` is relative to the platform's base URL."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status, body, "application/json; charset=utf-8", headers)

    @classmethod
    def text(cls, status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return cls(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)

    @classmethod
    def html(cls, status: int, title: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        page = (
            f"<html><head><title>{title}</title></head>"
            f"<body><center><h1>{title}</h1></center></body></html>\n"
        )
        return cls(status, page.encode("utf-8"), "text/html; charset=utf-8", headers)


class Ids:
    """Identifiers drawn from a seeded generator, so a seeded sandbox answers the same ids every run."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def hex32(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def parse_json(body: bytes) -> tuple[bool, Any]:
    """(True, value) for a UTF-8 JSON document, (False, None) otherwise."""
    try:
        return True, json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False, None


class Platform:
    """One simulated provider. Subclasses set the class constants and implement :meth:`handle`."""

    name: ClassVar[str]
    prefix: ClassVar[str]  # path of the base URL below the sandbox root
    add_path: ClassVar[str]  # path (relative to the base) of the add/create endpoint

    def __init__(self, credentials: Mapping[str, str], ids: Ids) -> None:
        self.credentials: dict[str, str] = dict(credentials)
        self.ids = ids

    def is_add(self, request: Request) -> bool:
        return request.path.rstrip("/") == self.add_path.rstrip("/")

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def contacts(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    # Injected faults. Subclasses answer in their own body shape where the real platform would.
    def unavailable(self) -> Response:
        return Response.html(503, "503 Service Temporarily Unavailable")

    def too_many(self, retry_after: str) -> Response:
        return Response.html(429, "429 Too Many Requests", headers=(("Retry-After", retry_after),))

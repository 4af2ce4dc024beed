"""core.answers: the one masking function for provider texts, and the bounds on them."""

from __future__ import annotations

import html
import json
from urllib.parse import quote, quote_plus

import pytest

from core import logsetup
from core.answers import EXCERPT_CHARS, clean_parsed, excerpt, mask_body, mask_secrets
from core.model import MASK, Outcome, ParsedResponse, RowResult

SECRET = 'k3y with/slash+plus&amp="quote" é'


@pytest.mark.parametrize("form", [
    SECRET,
    quote(SECRET, safe=""),
    quote(SECRET),
    quote_plus(SECRET),
    quote(SECRET, safe="").lower(),  # a server that re-encodes with lower-case hex
    json.dumps(SECRET)[1:-1],
    json.dumps(SECRET, ensure_ascii=False)[1:-1],
    json.dumps(SECRET)[1:-1].replace("/", "\\/"),  # PHP's json_encode
    html.escape(SECRET),
])
def test_every_form_of_a_secret_is_masked(form: str) -> None:
    text = f"Request refused: POST /x?apikey={form}&x=1"
    masked = mask_secrets(text, [SECRET])
    assert form not in masked
    assert MASK in masked
    assert form.encode() not in mask_body(text.encode(), [SECRET])


def test_registered_secrets_are_masked_without_being_passed() -> None:
    logsetup.register_secret("registered-secret-42")
    try:
        assert "registered-secret-42" not in mask_secrets("echo: registered-secret-42")
    finally:
        logsetup.forget_secrets()


def test_texts_are_bounded_and_results_that_share_a_text_are_cleaned_once() -> None:
    huge = "x" * 100_000 + SECRET
    results = tuple(RowResult(k, Outcome.FAILED, "400", huge, "msg " + huge) for k in range(200))
    parsed = clean_parsed(ParsedResponse(results=results, raw_text=huge, message=huge), [SECRET])
    assert len(parsed.raw_text) <= EXCERPT_CHARS
    assert all(len(r.raw_text) <= EXCERPT_CHARS for r in parsed.results)
    assert all(len(r.message) <= 2 * EXCERPT_CHARS for r in parsed.results)
    assert len({id(r.raw_text) for r in parsed.results}) == 1  # one cleaned string shared by all
    assert excerpt("short") == "short"
    assert excerpt("y" * 5000).endswith("[…]")

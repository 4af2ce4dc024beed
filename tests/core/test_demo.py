"""The demo session: a running sandbox plus the credentials it accepts."""

from __future__ import annotations

import threading

import httpx
import pytest

from core.demo import DemoSession
from core.providers import PROVIDERS as CLIENT_PROVIDERS
from core.sandbox import DEMO_CREDENTIALS, PROVIDERS


def test_demo_credentials_use_the_providers_credential_ids() -> None:
    # The sandbox may not import core.providers; this test checks both sides agree.
    assert set(DEMO_CREDENTIALS) == set(CLIENT_PROVIDERS) == set(PROVIDERS)
    for name, provider in CLIENT_PROVIDERS.items():
        assert set(DEMO_CREDENTIALS[name]) == {spec.id for spec in provider.credential_fields}
        for spec in provider.credential_fields:
            if spec.choices:
                assert DEMO_CREDENTIALS[name][spec.id] in spec.choices


def test_session_serves_every_provider_with_demo_credentials() -> None:
    with DemoSession() as demo, httpx.Client(timeout=10) as http:
        assert demo.sandbox.running
        octopush = demo.credentials("octopush")
        balance = http.get(
            f"{demo.base_url('octopush')}/wallet/check-balance",
            headers={"api-key": octopush["api_key"], "api-login": octopush["api_login"]},
        )
        assert balance.status_code == 200
        ileti = demo.credentials("iletimerkezi")
        auth = {"key": ileti["api_key"], "hash": ileti["api_hash"]}
        groups = http.post(
            f"{demo.base_url('iletimerkezi')}/get-groups/json", json={"request": {"authentication": auth}}
        )
        assert groups.status_code == 200
        netcore = demo.credentials("netcore")
        added = http.post(
            demo.base_url("netcore"),
            params={"type": "contact", "activity": "addsync", "apikey": netcore["api_key"]},
            data={"data": '{"EMAIL": "demo@example.com"}'},
        )
        assert added.json()["result"] == "Success"
        aptania = demo.credentials("aptania")
        created = http.post(
            f"{demo.base_url('aptania')}/createContact",
            json={"tokenUUID": aptania["token_uuid"], "userUUID": aptania["user_uuid"],
                  "contactEmailaddress": "demo@example.com", "contactProfileID": "1"},
        )
        assert created.status_code == 200
        assert [len(demo.sandbox.contacts(p)) for p in ("netcore", "aptania")] == [1, 1]
        assert demo.base_url("netcore").startswith(demo.sandbox.root_url)
    assert not demo.sandbox.running


def test_credentials_are_copies() -> None:
    demo = DemoSession()
    creds = demo.credentials("netcore")
    creds["api_key"] = "changed"
    assert demo.credentials("netcore")["api_key"] == DEMO_CREDENTIALS["netcore"]["api_key"] != "changed"
    with pytest.raises(ValueError, match="unknown provider"):
        demo.credentials("nope")


def test_explicit_start_stop_and_no_leaked_threads() -> None:
    before = {t for t in threading.enumerate() if t.is_alive()}
    demo = DemoSession(latency=0.01, seed=1).start()
    assert demo.start() is demo  # starting a running session is harmless
    assert demo.sandbox.latency == 0.01
    url = demo.base_url("octopush")
    demo.stop()
    demo.stop()
    assert {t for t in threading.enumerate() if t.is_alive()} - before == set()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/wallet/check-balance", timeout=2)

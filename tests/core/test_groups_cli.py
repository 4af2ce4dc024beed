"""``contact-uploader groups iletimerkezi``: the account's groups from the sandbox over real sockets."""

from __future__ import annotations

import io
import json
import socket

import pytest

from core.cli import main
from core.sandbox import DEMO_CREDENTIALS, Faults, Sandbox


def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, creds: dict[str, str] | None = None
            ) -> tuple[int, str, str]:
    for key, value in (creds or {}).items():
        monkeypatch.setenv(f"CONTACT_UPLOADER_ILETIMERKEZI_{key.upper()}", value)
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_text_lists_id_name_and_count_with_sub_groups_indented(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.add_iletimerkezi_group(2001, "Kampanya Eylül", parent=1002, count=42)
    args = ["groups", "iletimerkezi", "--base-url", sandbox.base_url("iletimerkezi")]
    status, out, err = run_cli(args, monkeypatch, DEMO_CREDENTIALS["iletimerkezi"])
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CONTACTS"]
    assert lines[1].split() == ["1001", "Müşteriler", "0"]
    assert lines[2].startswith("1002    VIP Müşteriler")  # one level in
    assert lines[3].startswith("2001      Kampanya Eylül")  # two levels in
    assert lines[3].split()[-1] == "42"
    assert lines[4].split() == ["1003", "Bülten", "Aboneleri", "0"]
    assert DEMO_CREDENTIALS["iletimerkezi"]["api_key"] not in out + err


def test_json_gives_parent_ids(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["groups", "iletimerkezi", "--json", "--base-url", sandbox.base_url("iletimerkezi")]
    status, out, err = run_cli(args, monkeypatch, DEMO_CREDENTIALS["iletimerkezi"])
    assert status == 0, err
    assert json.loads(out) == [
        {"id": "1001", "name": "Müşteriler", "count": 0, "parent_id": None},
        {"id": "1002", "name": "VIP Müşteriler", "count": 0, "parent_id": "1001"},
        {"id": "1003", "name": "Bülten Aboneleri", "count": 0, "parent_id": None},
    ]


def test_demo_lists_the_sandbox_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, err = run_cli(["groups", "iletimerkezi", "--demo"], monkeypatch)
    assert status == 0, err
    assert "VIP Müşteriler" in out


def test_bad_credentials_are_exit_2_with_one_sentence(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = {**DEMO_CREDENTIALS["iletimerkezi"], "api_hash": "wrong-hash-909"}
    args = ["groups", "iletimerkezi", "--base-url", sandbox.base_url("iletimerkezi")]
    status, out, err = run_cli(args, monkeypatch, bad)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "(code 401)" in err
    assert "wrong-hash-909" not in err


def test_network_failure_is_exit_2_with_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["groups", "iletimerkezi", "--base-url", f"http://127.0.0.1:{port}/v1"]
    status, out, err = run_cli(args, monkeypatch, DEMO_CREDENTIALS["iletimerkezi"])
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "refused the connection" in err


def test_a_temporary_fault_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox(seed=3) as sandbox:
        sandbox.faults = Faults(p_503=0.5)
        args = ["groups", "iletimerkezi", "--json", "--base-url", sandbox.base_url("iletimerkezi")]
        status, out, err = run_cli(args, monkeypatch, DEMO_CREDENTIALS["iletimerkezi"])
    assert status == 0, err
    assert len(json.loads(out)) == 3


def test_another_provider_and_missing_credentials_are_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    status, _, err = run_cli(["groups", "octopush"], monkeypatch)
    assert status == 2
    assert "only iletimerkezi" in err
    status, _, err = run_cli(["groups", "iletimerkezi"], monkeypatch)
    assert status == 2
    assert len(err.strip().splitlines()) == 1

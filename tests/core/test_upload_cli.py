"""``contact-uploader upload`` end to end: real spreadsheets, the sandbox over real sockets, processes."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.cli import main
from core.journal import Journal
from core.sandbox import DEMO_CREDENTIALS, Faults, Sandbox
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv, write_ods, write_xls, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
IDENTITY = {
    "netcore": "EMAIL", "iletimerkezi": "gsm", "aptania": "contactEmailaddress", "octopush": "phone_number",
}


def cred_env(provider: str, creds: dict[str, str] | None = None) -> dict[str, str]:
    values = creds or DEMO_CREDENTIALS[provider]
    return {f"CONTACT_UPLOADER_{provider.upper()}_{k.upper()}": v for k, v in values.items()}


def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None
            ) -> tuple[int, str, str]:
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def read_report(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def stored_ids(sandbox: Sandbox, provider: str) -> list[str]:
    return [str(c[IDENTITY[provider]]) for c in sandbox.contacts(provider)]


def spreadsheet(tmp_path: Path, n: int, writer: Callable[..., Path] = write_csv, suffix: str = "csv") -> Path:
    rows = [CONTACT_HEADERS, *contact_rows(n)]
    return writer(tmp_path / f"contacts.{suffix}", rows)


@pytest.mark.parametrize(
    ("provider", "writer", "suffix", "extra"),
    [
        ("netcore", write_xls, "xls", ["--set", "listid=12"]),
        ("iletimerkezi", write_csv, "csv", []),
        ("aptania", write_ods, "ods", ["--set", "contactProfileID=1"]),
        ("octopush", write_xlsx, "xlsx", ["--set", "list_name=vip"]),
    ],
)
def test_every_provider_from_a_real_spreadsheet(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    provider: str, writer: Callable[..., Path], suffix: str, extra: list[str],
) -> None:
    rows = [CONTACT_HEADERS, *contact_rows(30), ["Bozuk", "Satır", "not-an-email", "12", "", ""]]
    source = writer(tmp_path / f"contacts.{suffix}", rows)
    report = tmp_path / "report.csv"
    status, out, err = run_cli(
        ["upload", str(source), "--provider", provider, "--default-region", "TR", "--report", str(report),
         "--base-url", sandbox.base_url(provider), *extra],
        monkeypatch, cred_env(provider),
    )
    assert status == 1, err  # one invalid row
    assert "30 added" in out
    assert "1 invalid" in out
    assert err == ""
    lines = read_report(report)
    assert [r["row"] for r in lines] == [str(n) for n in range(2, 33)]
    assert {r["status"] for r in lines[:-1]} == {"added"}
    assert lines[-1]["status"] == "invalid"
    assert lines[-1]["code"] == ""
    assert list(lines[0])[:5] == ["row", "status", "code", "message", "id"]
    assert list(lines[0])[5:] == CONTACT_HEADERS
    assert lines[0]["Ad"] == "Ayşe"
    assert len(stored_ids(sandbox, provider)) == 30
    if provider != "octopush":
        assert all(r["id"] for r in lines[:-1])


def test_dry_run_sends_nothing_and_reports_ready(sandbox: Sandbox, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    source = spreadsheet(tmp_path, 5)
    report = tmp_path / "r.csv"
    url = sandbox.base_url("octopush")
    status, out, _ = run_cli(["upload", str(source), "--provider", "octopush", "--dry-run",
                              "--report", str(report), "--base-url", url], monkeypatch)
    assert status == 0
    assert "5 ready" in out
    assert {r["status"] for r in read_report(report)} == {"ready"}
    assert sandbox.received("octopush") == []


def test_header_without_rows_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_csv(tmp_path / "empty.csv", [CONTACT_HEADERS])
    status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--demo"], monkeypatch)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no data rows" in err


def test_retryable_faults_still_end_with_exit_0(sandbox: Sandbox, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 % of the requests fail in a retryable way; the backoff is real, so keep the file small
    sandbox.faults = Faults(p_503=0.06, p_429=0.04, retry_after=0.05, p_drop_before=0.05, p_drop_after=0.05)
    source = spreadsheet(tmp_path, 60)
    report = tmp_path / "r.csv"
    status, _, err = run_cli(["upload", str(source), "--provider", "aptania", "--set", "contactProfileID=1",
                              "--report", str(report), "--base-url", sandbox.base_url("aptania")],
                             monkeypatch, cred_env("aptania"))
    assert status == 0, err
    lines = read_report(report)
    assert len(lines) == 60
    assert {r["status"] for r in lines} <= {"added", "exists"}
    assert sorted(stored_ids(sandbox, "aptania")) == sorted(r[2] for r in contact_rows(60))
    assert {r.fault for r in sandbox.received("aptania")} - {None}


def test_bad_credentials_stop_with_one_sentence_and_exit_2(sandbox: Sandbox, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = spreadsheet(tmp_path, 40)
    bad = {**DEMO_CREDENTIALS["iletimerkezi"], "api_hash": "nothashed"}
    url = sandbox.base_url("iletimerkezi")
    args = ["upload", str(source), "--provider", "iletimerkezi", "--base-url", url]
    status, out, err = run_cli(args, monkeypatch, cred_env("iletimerkezi", bad))
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "--resume" in err
    assert "nothashed" not in err + out
    assert "40 not sent" in out
    assert sandbox.create_requests("iletimerkezi") <= 4
    # fixed key: the same job resumes and finishes
    status, out, err = run_cli([*args, "--resume"], monkeypatch, cred_env("iletimerkezi"))
    assert status == 0, err
    assert "40 added" in out
    assert len(stored_ids(sandbox, "iletimerkezi")) == 40


def test_resume_without_an_unfinished_job_is_exit_2(sandbox: Sandbox, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = spreadsheet(tmp_path, 3)
    status, _, err = run_cli(["upload", str(source), "--provider", "octopush", "--resume",
                              "--base-url", sandbox.base_url("octopush")], monkeypatch, cred_env("octopush"))
    assert status == 2
    assert "no unfinished upload" in err


def _start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "core", *args], cwd=ROOT, env=full_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(sandbox: Sandbox, provider: str, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while sandbox.create_requests(provider) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.parametrize("provider", ["netcore", "octopush"])
def test_kill_9_midway_then_resume_stores_every_row_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    n = 4000 if provider == "octopush" else 150
    source = spreadsheet(tmp_path, n)
    report = tmp_path / "r.csv"
    with Sandbox(latency=0.05) as sandbox:
        args = ["upload", str(source), "--provider", provider, "--default-region", "TR", "--concurrency", "2",
                "--base-url", sandbox.base_url(provider), "--report", str(report)]
        proc = _start_cli(args, cred_env(provider))
        _wait_for(sandbox, provider, 3 if provider == "octopush" else 40, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        assert not report.exists()
        stored_before = len(sandbox.contacts(provider))
        assert 0 < stored_before < n

        [job] = Journal().unfinished_jobs()
        assert job.finished_rows + job.in_flight_rows > 0

        status, _, err = run_cli([*args, "--resume"], monkeypatch, cred_env(provider))
        assert status == 0, err
        ids = stored_ids(sandbox, provider)
        assert len(ids) == len(set(ids)) == n  # every row stored, none twice
        lines = read_report(report)
        assert len(lines) == n  # rows that ended before the kill are in the report too
        assert {r["status"] for r in lines} <= {"added", "exists", "updated"}
        assert Journal().unfinished_jobs() == []


def test_ctrl_c_is_130_and_leaves_a_resumable_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 150
    source = spreadsheet(tmp_path, n)
    with Sandbox(latency=0.05) as sandbox:
        args = ["upload", str(source), "--provider", "aptania", "--set", "contactProfileID=1",
                "--concurrency", "2", "--base-url", sandbox.base_url("aptania")]
        proc = _start_cli(args, cred_env("aptania"))
        _wait_for(sandbox, "aptania", 30, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "--resume" in err
        assert "not sent" in out
        [job] = Journal().unfinished_jobs()
        assert job.finished_rows > 0
        assert job.in_flight_rows == 0  # the requests out were allowed to answer

        status, out, err = run_cli([*args, "--resume"], monkeypatch, cred_env("aptania"))
        assert status == 0, err
        ids = stored_ids(sandbox, "aptania")
        assert len(ids) == len(set(ids)) == n


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_on_a_terminal(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         tty: bool) -> None:
    source = spreadsheet(tmp_path, 20)
    for key, value in cred_env("octopush").items():
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), (_Terminal() if tty else io.StringIO())
    status = main(["upload", str(source), "--provider", "octopush", "--default-region", "TR",
                   "--base-url", sandbox.base_url("octopush")], stdout=out, stderr=err)
    assert status == 0
    assert out.getvalue().count("\n") == 1  # the summary line, on stdout
    assert "20 added" in out.getvalue()
    assert ("20/20" in err.getvalue()) is tty
    assert ("\r" in err.getvalue()) is tty


def test_a_refused_number_is_named_by_its_column_in_the_report(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a Turkish landline passes local validation; İleti Merkezi (the sandbox) refuses it as a mobile: 466
    rows = [CONTACT_HEADERS, *contact_rows(2), ["Sabit", "Hat", "", "+90 212 123 45 67", "", ""]]
    source = write_csv(tmp_path / "contacts.csv", rows)
    report = tmp_path / "report.csv"
    status, out, err = run_cli(
        ["upload", str(source), "--provider", "iletimerkezi", "--report", str(report),
         "--base-url", sandbox.base_url("iletimerkezi")],
        monkeypatch, cred_env("iletimerkezi"),
    )
    assert status == 1, err
    assert "2 added" in out
    assert "1 failed" in out
    lines = read_report(report)
    assert [r["status"] for r in lines] == ["added", "added", "failed"]
    assert lines[2]["code"] == "466"
    assert lines[2]["message"] == (
        "İleti Merkezi says the mobile number in column 'Cep Telefonu' (gsm) is not valid. Check it, with "
        "its country code, e.g. +905321234567 (code 466)."
    )


def test_the_journal_keeps_the_files_absolute_path(sandbox: Sandbox, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # a job started with a relative path must be findable from elsewhere (the window, another folder)
    spreadsheet(tmp_path, 3)
    monkeypatch.chdir(tmp_path)
    bad = {**DEMO_CREDENTIALS["iletimerkezi"], "api_hash": "nothashed"}
    url = sandbox.base_url("iletimerkezi")
    args = ["upload", "contacts.csv", "--provider", "iletimerkezi", "--base-url", url]
    status, _, _ = run_cli(args, monkeypatch, cred_env("iletimerkezi", bad))
    assert status == 2
    (job,) = Journal().unfinished_jobs()
    assert job.source == str((tmp_path / "contacts.csv").resolve())


def test_refused_credentials_give_the_refused_rows_their_code_in_the_report(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = spreadsheet(tmp_path, 12)
    report = tmp_path / "report.csv"
    bad = {**DEMO_CREDENTIALS["iletimerkezi"], "api_key": "revoked-key-55"}
    url = sandbox.base_url("iletimerkezi")
    args = ["upload", str(source), "--provider", "iletimerkezi", "--base-url", url,
            "--concurrency", "1", "--report", str(report)]
    status, _out, err = run_cli(args, monkeypatch, cred_env("iletimerkezi", bad))
    assert status == 2, err
    rows = read_report(report)
    assert {r["status"] for r in rows} == {"pending"}  # resumable
    refused = [r for r in rows if r["code"]]
    assert len(refused) == 1  # the row whose request got the refusal
    assert refused[0]["code"] == "401"
    assert "rejected the credentials" in refused[0]["message"]
    assert "Not sent yet" not in refused[0]["message"]
    assert all(r["message"].startswith("Not sent yet") for r in rows if not r["code"])
    assert "revoked-key-55" not in report.read_text(encoding="utf-8-sig")
def test_netcore_sends_other_columns_as_attributes_only_when_asked(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = ["E-posta", "Ad", "Mum Email", "Notlar", "ip_address"]
    rows = [["ali@example.com", "Ali", "mum@example.com", "VIP", "10.0.0.1"],
            ["veli@example.com", "Veli", "", "", "10.0.0.2"]]
    source = write_csv(tmp_path / "crm.csv", [headers, *rows])
    argv = ["upload", str(source), "--provider", "netcore", "--base-url", sandbox.base_url("netcore")]
    status, _out, err = run_cli(argv, monkeypatch, cred_env("netcore"))
    assert status == 0, err
    stored = {c["EMAIL"]: c for c in sandbox.contacts("netcore")}
    assert set(stored) == {"ali@example.com", "veli@example.com"}
    assert set(stored["ali@example.com"]) == {"EMAIL", "FIRST_NAME"}  # no stranger's e-mail, no junk

    rows2 = [["ayse@example.com", "Ayşe", "mum2@example.com", "Yeni", "10.0.0.3"]]
    source2 = write_csv(tmp_path / "crm2.csv", [headers, *rows2])
    argv2 = ["upload", str(source2), "--provider", "netcore", "--base-url", sandbox.base_url("netcore"),
             "--extra-columns-as-attributes"]
    status, _out, err = run_cli(argv2, monkeypatch, cred_env("netcore"))
    assert status == 0, err
    ayse = next(c for c in sandbox.contacts("netcore") if c["EMAIL"] == "ayse@example.com")
    assert ayse["MUM_EMAIL"] == "mum2@example.com"
    assert ayse["NOTLAR"] == "Yeni"
    assert ayse["IP_ADDRESS"] == "10.0.0.3"


def test_extra_columns_as_attributes_is_for_netcore_only(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    source = spreadsheet(tmp_path, 2)
    status, out, err = run_cli(["upload", str(source), "--provider", "octopush", "--demo",
                                "--extra-columns-as-attributes"], monkeypatch)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--extra-columns-as-attributes works only with Netcore" in err


def test_help_names_the_attributes_option() -> None:
    done = subprocess.run([sys.executable, "-m", "core", "upload", "--help"], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0
    assert "--extra-columns-as-attributes" in done.stdout
    assert "Netcore only" in " ".join(done.stdout.split())


def test_a_file_without_a_header_row_sends_its_first_contact(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_csv(tmp_path / "liste.csv", [["Ayşe Yılmaz", "ayse@example.com", "0532 123 45 67"],
                                               ["Ali Kaya", "ali@example.com", "0533 765 43 21"]])
    report = tmp_path / "r.csv"
    argv = ["upload", str(source), "--provider", "iletimerkezi",
            "--base-url", sandbox.base_url("iletimerkezi"), "--report", str(report)]
    status, _out, err = run_cli(argv, monkeypatch, cred_env("iletimerkezi"))
    assert status == 0, err
    assert sorted(c["gsm"] for c in sandbox.contacts("iletimerkezi")) == ["+905321234567", "+905337654321"]
    assert [(r["row"], r["status"]) for r in read_report(report)] == [("1", "added"), ("2", "added")]


def test_header_row_0_says_the_file_has_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_csv(tmp_path / "l.csv", [["Ad", "E-posta"], ["Ali", "ali@example.com"]])
    report = tmp_path / "r.csv"
    status, _out, err = run_cli(["upload", str(source), "--provider", "netcore", "--demo", "--dry-run",
                                 "--header-row", "0", "--map", "Column B=EMAIL", "--report", str(report)],
                                monkeypatch)
    assert status == 1, err  # row 1 ("E-posta") is now a contact, and not an e-mail address
    assert [(r["row"], r["status"]) for r in read_report(report)] == [("1", "invalid"), ("2", "ready")]
    status, _out, err = run_cli(["upload", str(source), "--provider", "netcore", "--demo", "--dry-run",
                                 "--header-row", "-1"], monkeypatch)
    assert status == 2
    assert "0 for a sheet without one" in err
@pytest.mark.parametrize("flag", ["--report", "--save"])
def test_a_report_or_saved_import_over_the_spreadsheet_itself_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    """A typo such as ``--report contacts.csv`` must not overwrite the file being uploaded (and with it the
    only way to --resume): refused before anything is read or sent, the file left as it was."""
    source = spreadsheet(tmp_path, 3)
    before = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(["upload", str(source), "--provider", "octopush", "--default-region", "TR",
                              "--dry-run", flag, source.name], monkeypatch)
    assert status == 2, err
    assert source.name in err
    assert source.read_bytes() == before

"""The command line as scripts and schedulers use it, through the installed ``contact-uploader`` script:
``upload``/``add --json`` (one JSON object on stdout whatever the exit status), ``--help`` of every command
ending with the exit statuses and the environment, and the progress bar only on a real terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from core.cli import COUNT_KEYS, build_parser
from core.sandbox import DEMO_CREDENTIALS, Sandbox
from tests.console import run_script, script, script_env, start_script
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_csv

FIELDS = ["counts", "elapsed_s", "report", "job_id", "exit_status"]


def cred_env(provider: str, creds: dict[str, str] | None = None) -> dict[str, str]:
    values = creds or DEMO_CREDENTIALS[provider]
    return {f"CONTACT_UPLOADER_{provider.upper()}_{k.upper()}": v for k, v in values.items()}


def one_object(stdout: str) -> dict[str, Any]:
    """stdout holds exactly one JSON object (one line) with the documented fields and nothing else."""
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    assert list(data) == FIELDS
    assert list(data["counts"]) == list(COUNT_KEYS)
    assert isinstance(data["elapsed_s"], float)
    assert data["elapsed_s"] >= 0
    return data


def contacts(tmp_path: Path, n: int, extra: list[list[str]] | None = None) -> Path:
    return write_csv(tmp_path / "contacts.csv", [CONTACT_HEADERS, *contact_rows(n), *(extra or [])])


# ---------------------------------------------------------------------------------------- upload --json
def test_upload_json_is_one_object_and_the_summary_goes_to_stderr(sandbox: Sandbox, tmp_path: Path) -> None:
    source = contacts(tmp_path, 12)
    report = tmp_path / "out" / ".." / "report.csv"
    proc = run_script("upload", str(source), "--provider", "octopush", "--default-region", "TR", "--json",
                      "--report", str(report), "--base-url", sandbox.base_url("octopush"),
                      env=cred_env("octopush"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = one_object(proc.stdout)
    assert data["counts"]["added"] == 12
    assert sum(data["counts"].values()) == 12
    assert data["exit_status"] == 0
    assert data["report"] == str((tmp_path / "report.csv").resolve())
    assert Path(data["report"]).exists()
    assert isinstance(data["job_id"], int)
    assert data["job_id"] > 0
    assert "12 added" in proc.stderr  # the human summary, on stderr


def test_upload_json_counts_invalid_rows_and_exit_1(sandbox: Sandbox, tmp_path: Path) -> None:
    source = contacts(tmp_path, 3, [["Bozuk", "Satır", "x@", "12", "", ""]])
    proc = run_script("upload", str(source), "--provider", "octopush", "--default-region", "TR", "--json",
                      "--base-url", sandbox.base_url("octopush"), env=cred_env("octopush"))
    assert proc.returncode == 1, proc.stderr
    data = one_object(proc.stdout)
    assert data["exit_status"] == 1
    assert data["counts"]["added"] == 3
    assert data["counts"]["invalid"] == 1
    assert data["report"] is None


def test_upload_json_dry_run_has_no_job(sandbox: Sandbox, tmp_path: Path) -> None:
    source = contacts(tmp_path, 4)
    proc = run_script("upload", str(source), "--provider", "octopush", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    data = one_object(proc.stdout)
    assert data["counts"]["ready"] == 4
    assert data["job_id"] is None
    assert sandbox.received("octopush") == []


@pytest.mark.parametrize(
    "case", ["missing file", "no provider", "unknown option", "bad map", "bad credentials"]
)
def test_upload_json_when_nothing_was_sent_is_exit_2_with_the_object(
    sandbox: Sandbox, tmp_path: Path, case: str
) -> None:
    source = contacts(tmp_path, 5)
    url = sandbox.base_url("iletimerkezi")
    base = ["upload", str(source), "--json", "--base-url", url]
    env = cred_env("iletimerkezi")
    argv = {
        "missing file": ["upload", str(tmp_path / "nope.csv"), "--provider", "iletimerkezi", "--json"],
        "no provider": base,
        "unknown option": [*base, "--provider", "iletimerkezi", "--colour"],
        "bad map": [*base, "--provider", "iletimerkezi", "--map", "Nope=gsm"],
        "bad credentials": [*base, "--provider", "iletimerkezi"],
    }[case]
    if case == "bad credentials":
        env = cred_env("iletimerkezi", {**DEMO_CREDENTIALS["iletimerkezi"], "api_hash": "nothashed"})
    proc = run_script(*argv, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    data = one_object(proc.stdout)
    assert data["exit_status"] == 2
    assert "Traceback" not in proc.stderr
    assert "nothashed" not in proc.stdout + proc.stderr
    if case == "bad credentials":
        assert isinstance(data["job_id"], int)  # the job stays resumable
        assert data["counts"]["pending"] == 5
    else:
        assert data["job_id"] is None
        assert len(proc.stderr.strip().splitlines()) == 1
        assert sandbox.received("iletimerkezi") == []


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_a_report_that_cannot_be_written_is_refused_before_anything_is_sent(
    sandbox: Sandbox, tmp_path: Path, where: str
) -> None:
    source = contacts(tmp_path, 3)
    report = tmp_path if where == "a folder" else source / "report.csv"
    proc = run_script("upload", str(source), "--provider", "octopush", "--json", "--report", str(report),
                      "--base-url", sandbox.base_url("octopush"), env=cred_env("octopush"))
    assert proc.returncode == 2, proc.stderr
    assert sandbox.received("octopush") == []  # exit 2 says nothing was sent: it was not
    data = one_object(proc.stdout)
    assert data["exit_status"] == 2
    assert data["job_id"] is None
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "Cannot write the report" in line


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])  # SIGTERM: systemd stopping the service
def test_upload_json_when_interrupted_is_130_with_the_object(tmp_path: Path, signame: str) -> None:
    source = contacts(tmp_path, 150)
    with Sandbox(latency=0.05) as sandbox:
        proc = start_script("upload", str(source), "--provider", "aptania", "--set", "contactProfileID=1",
                            "--concurrency", "2", "--json", "--base-url", sandbox.base_url("aptania"),
                            env=cred_env("aptania"))
        deadline = time.monotonic() + 60
        while sandbox.create_requests("aptania") < 20:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    data = one_object(out)
    assert data["exit_status"] == 130
    assert data["counts"]["pending"] > 0
    assert data["counts"]["added"] > 0
    assert isinstance(data["job_id"], int)
    assert "--resume" in err


def test_without_json_stdout_has_the_summary_line_only(sandbox: Sandbox, tmp_path: Path) -> None:
    source = contacts(tmp_path, 2)
    proc = run_script("upload", str(source), "--provider", "octopush", "--default-region", "TR",
                      "--base-url", sandbox.base_url("octopush"), env=cred_env("octopush"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Octopush: 2 rows in ")
    assert "{" not in proc.stdout


# ---------------------------------------------------------------------------------------- add --json
def test_add_json(sandbox: Sandbox) -> None:
    args = ["add", "--provider", "octopush", "--set", "phone_number=+33611223344", "--json",
            "--base-url", sandbox.base_url("octopush")]
    proc = run_script(*args, env=cred_env("octopush"))
    assert proc.returncode == 0, proc.stderr
    data = one_object(proc.stdout)
    assert data["counts"]["added"] == 1
    assert sum(data["counts"].values()) == 1
    assert data["report"] is None
    assert data["job_id"] is None
    assert data["exit_status"] == 0
    assert proc.stderr.startswith("added:")  # the readable line, on stderr


def test_add_json_invalid_contact_is_exit_2_with_the_object(sandbox: Sandbox) -> None:
    proc = run_script("add", "--provider", "octopush", "--set", "phone_number=12", "--json",
                      "--base-url", sandbox.base_url("octopush"), env=cred_env("octopush"))
    assert proc.returncode == 2
    data = one_object(proc.stdout)
    assert data["counts"]["invalid"] == 1
    assert data["exit_status"] == 2
    assert sandbox.received("octopush") == []


def test_add_json_when_the_platform_cannot_be_reached_counts_the_contact_failed() -> None:
    with Sandbox() as gone:
        url = gone.base_url("octopush")
    # the sandbox is stopped: the connection is refused (after the client's retries)
    proc = run_script("add", "--provider", "octopush", "--set", "phone_number=+33612345678", "--json",
                      "--base-url", url, env=cred_env("octopush"))
    assert proc.returncode == 1, proc.stderr
    data = one_object(proc.stdout)
    assert data["counts"]["failed"] == 1  # as upload counts a row it could not send: the status says 1
    assert data["exit_status"] == 1
    assert "refused the connection" in proc.stderr


def test_help_with_json_prints_the_help_only() -> None:
    proc = run_script("upload", "--help", "--json")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage:")
    assert "exit_status" in proc.stdout  # the --json option is described


def _close(*fds: int) -> Any:
    def closer() -> None:
        for fd in fds:
            os.close(fd)
    return closer


@pytest.mark.parametrize("closed", [(1,), (2,), (1, 2)])
def test_closed_console_streams_still_run_the_job(
    sandbox: Sandbox, tmp_path: Path, closed: tuple[int, ...]
) -> None:
    # a windowed build started by the Task Scheduler has no console: Python's sys.stdout/sys.stderr are None
    source = contacts(tmp_path, 3)
    report = tmp_path / "report.csv"
    proc = run_script("upload", str(source), "--provider", "octopush", "--json", "--report", str(report),
                      "--base-url", sandbox.base_url("octopush"), env=cred_env("octopush"),
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_close(*closed))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "unexpected" not in proc.stderr
    assert report.exists()
    assert len(sandbox.contacts("octopush")) == 3
    typo = run_script("uplaod", stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_close(*closed))
    assert typo.returncode == 2


# ---------------------------------------------------------------------------------------- --help
def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices or {})


@pytest.mark.parametrize("command", [None, *_commands()])
def test_every_help_ends_with_exit_statuses_and_environment(command: str | None) -> None:
    proc = run_script(*([command] if command else []), "--help")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.rstrip("\n")
    exits_at = text.rfind("\nexit status:\n")
    env_at = text.rfind("\nenvironment:\n")
    assert 0 < exits_at < env_at, text
    exits = text[exits_at:env_at]
    assert re.search(r"^  0 ", exits, re.M)
    assert re.search(r"^  2 ", exits, re.M)
    assert re.search(r"^  70 .*log", exits, re.M)  # SPEC §8: an internal error is 70, never 1
    env = text[env_at:]
    assert "CONTACT_UPLOADER_HOME" in env
    if command in ("add", "upload", "credentials", None):
        for name in ("CONTACT_UPLOADER_OCTOPUSH_API_KEY", "CONTACT_UPLOADER_NETCORE_REGION",
                     "CONTACT_UPLOADER_ILETIMERKEZI_BASE_URL"):
            assert name in env
    if command == "groups":  # only İleti Merkezi has groups: its variables, no other platform's
        assert "CONTACT_UPLOADER_ILETIMERKEZI_API_HASH" in env
        assert "CONTACT_UPLOADER_ILETIMERKEZI_BASE_URL" in env
        assert "NETCORE" not in env
        assert "OCTOPUSH" not in env
    if command in ("add", "upload"):
        assert re.search(r"^  130 ", exits, re.M)
        assert re.search(r"^  1 ", exits, re.M)
    # nothing but indented lines follow the two headings: the environment is the end of the help
    assert all(line.startswith("  ") for line in env.splitlines()[2:])


@pytest.mark.parametrize("command", ["upload", "add", "providers", "groups"])
def test_a_mistyped_option_names_the_command_help_and_the_closest_option(command: str) -> None:
    words = {"upload": ["upload", "contacts.csv", "--provider", "octopush"],
             "add": ["add", "--provider", "octopush"], "providers": ["providers"],
             "groups": ["groups", "iletimerkezi"]}[command]
    proc = run_script(*words, "--jsno")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--jsno" in lines[0]
    assert "Did you mean '--json'?" in lines[0]
    assert f"'contact-uploader {command} --help'" in lines[0]  # that command's help, not the general one


def test_an_option_before_its_command_says_where_it_goes() -> None:
    proc = run_script("--json", "upload", "contacts.csv", "--provider", "octopush")
    assert proc.returncode == 2
    assert "Give --json after 'upload'." in proc.stderr
    assert "Did you mean" not in proc.stderr


# ---------------------------------------------------------------------------------------- progress bar
def _read_all(fd: int, proc: subprocess.Popen[str]) -> bytes:
    import select

    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, "the program stopped writing without ending"
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every writer of the terminal is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(30)
    return b"".join(chunks)


# a fresh pseudo-terminal reports 0 x 0 (tqdm then draws nothing by itself), a window 100 x 24 or so
@pytest.mark.parametrize(("columns", "lines"), [(0, 0), (100, 0), (0, 24), (100, 24)])
def test_progress_bar_on_a_real_terminal(sandbox: Sandbox, tmp_path: Path, columns: int, lines: int) -> None:
    fcntl = pytest.importorskip("fcntl", reason="pseudo-terminals are POSIX")
    termios = pytest.importorskip("termios", reason="pseudo-terminals are POSIX")
    n = 40
    source = contacts(tmp_path, n)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            [script(), "upload", str(source), "--provider", "octopush", "--default-region", "TR",
             "--base-url", sandbox.base_url("octopush")],
            env=script_env(cred_env("octopush")), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=slave, text=True,
        )
        os.close(slave)
        slave = -1
        shown = _read_all(master, proc).decode("utf-8", "replace")
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    assert proc.returncode == 0, shown
    assert proc.stdout is not None
    assert f"{n} added" in proc.stdout.read()
    # done/total, elapsed<ETA and the rate, as tqdm draws them
    assert re.search(rf"\b{n}/{n} \[\d\d:\d\d<\d\d:\d\d, +[\d.]+ rows/s\]", shown), shown
    assert "\r" in shown
    if columns and lines:
        assert all(len(line) <= columns for line in shown.replace("\r", "\n").splitlines())


@pytest.mark.parametrize("target", ["pipe", "file"])
def test_no_progress_bar_into_a_pipe_or_a_file(sandbox: Sandbox, tmp_path: Path, target: str) -> None:
    source = contacts(tmp_path, 40)
    args = ["upload", str(source), "--provider", "octopush", "--default-region", "TR",
            "--base-url", sandbox.base_url("octopush")]
    if target == "pipe":
        proc = run_script(*args, env=cred_env("octopush"))
        written = proc.stderr
    else:
        log = tmp_path / "stderr.txt"
        with open(log, "w", encoding="utf-8") as fh:
            proc = run_script(*args, env=cred_env("octopush"), stderr=fh, stdout=subprocess.PIPE)
        written = log.read_text(encoding="utf-8")
    assert proc.returncode == 0, written
    assert written == ""

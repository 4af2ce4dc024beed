"""The scheduled-import recipes of the README run as written: the cron line through ``sh`` and the systemd
service's ``ExecStart`` with its ``EnvironmentFile``, each against the loopback sandbox with a saved
import."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.sandbox import DEMO_CREDENTIALS, Sandbox
from core.saved_import import SavedImport
from tests.console import script, script_env
from tests.core.filegen import CONTACT_HEADERS, contact_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="cron and systemd recipes")


def _home(tmp_path: Path, sandbox: Sandbox, export: bool) -> Path:
    """A user's home as the recipes expect it: the script, credentials file, export and saved import."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    os.symlink(script(), home / ".local" / "bin" / "contact-uploader")
    env_dir = home / ".config" / "contact-uploader"
    env_dir.mkdir(parents=True)
    values = {f"CONTACT_UPLOADER_OCTOPUSH_{k.upper()}": v for k, v in DEMO_CREDENTIALS["octopush"].items()}
    values["CONTACT_UPLOADER_OCTOPUSH_BASE_URL"] = sandbox.base_url("octopush")
    prefix = "export " if export else ""
    (env_dir / "octopush.env").write_text("".join(f"{prefix}{k}={v}\n" for k, v in values.items()))
    (home / "exports").mkdir()
    write_xlsx(home / "exports" / "contacts.xlsx", [CONTACT_HEADERS, *contact_rows(5)])
    (home / "imports").mkdir()
    saved = SavedImport("octopush", mapping={"Cep Telefonu": "phone_number", "Ad": "first_name"},
                        constants={"list_name": "monthly"}, default_region="TR")
    saved.save(home / "imports" / "monthly.cuimport")
    (home / "reports").mkdir()
    return home


def test_the_cron_line_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    [line] = [ln.strip() for ln in README.splitlines() if re.match(r"\s+30 6 1 \* \* ", ln)]
    command = line.split(None, 5)[5]
    home = _home(tmp_path, sandbox, export=True)
    env = {k: v for k, v in script_env().items() if not k.startswith("CONTACT_UPLOADER_OCTOPUSH")}
    env["HOME"] = str(home)
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=90,
                          check=False)
    assert done.returncode == 0, (done.stdout, done.stderr, (home / "reports" / "errors.log").read_text())
    [result] = (home / "reports" / "runs.jsonl").read_text().splitlines()
    data = json.loads(result)
    assert data["exit_status"] == 0
    assert data["counts"]["added"] == 5
    assert data["report"] == str(home / "reports" / "monthly.csv")
    assert all(c["lists"] == ["monthly"] for c in sandbox.contacts("octopush"))


def test_the_systemd_service_runs_and_its_timer_parses(sandbox: Sandbox, tmp_path: Path) -> None:
    unit = README.split("# ~/.config/systemd/user/contact-uploader-monthly.service", 1)[1]
    unit = unit.split("# ~/.config/systemd/user/contact-uploader-monthly.timer", 1)[0]
    settings = dict(
        ln.strip().split("=", 1) for ln in unit.splitlines() if "=" in ln and not ln.strip().startswith("#")
    )
    home = _home(tmp_path, sandbox, export=False)
    env = {k: v for k, v in script_env().items() if not k.startswith("CONTACT_UPLOADER_OCTOPUSH")}
    env_file = Path(settings["EnvironmentFile"].replace("%h", str(home)))
    for ln in env_file.read_text().splitlines():
        name, _, value = ln.partition("=")
        env[name] = value
    argv = shlex.split(settings["ExecStart"].replace("%h", str(home)))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["counts"]["added"] == 5
    assert Path(data["report"]).exists()

    timer = README.split("# ~/.config/systemd/user/contact-uploader-monthly.timer", 1)[1]
    [calendar] = re.findall(r"OnCalendar=(.+)", timer)
    analyze = shutil.which("systemd-analyze")
    if analyze:
        checked = subprocess.run([analyze, "calendar", calendar.strip()], capture_output=True, text=True,
                                 timeout=30, check=False)
        assert checked.returncode == 0, checked.stderr

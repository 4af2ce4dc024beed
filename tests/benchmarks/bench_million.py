"""The command line on a million-row CSV: peak memory and time of ``upload --dry-run`` and of a real upload
to the sandbox (issue 12: at most 400 MB peak for 1 000 000 rows, time linear in rows).

    python -m tests.benchmarks.bench_million [--rows 1000000 100000] [--no-upload] [--code DIR]
                                             [--provider octopush] [--resume]

Each run is a fresh ``python -m core upload …`` child process, measured with ``os.wait4`` (its own peak
RSS, ``ru_maxrss``, and wall time). The sandbox runs in a process of its own (so its store of a million
contacts is not counted) with no latency: what is measured is the program, not the network. ``--code DIR``
runs the command line of another checkout (e.g. ``/work/main``, for the figures before). ``--resume`` adds
an upload interrupted (SIGINT, as Ctrl-C) once half the rows ended in the journal, then ``upload --resume``
of the same file: the resumed run's time and peak. Prints figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_upload import sandbox_root  # noqa: E402 - the same sandbox process as bench_upload

BUDGET_MB = 400
DIR = Path(tempfile.gettempdir()) / "contact-uploader-bench"


def make_csv(rows: int) -> Path:
    """A Turkish export (cp1254 not needed here: UTF-8) of ``rows`` contacts: ~2 % bad phones, ~1 %
    duplicates, a city column that repeats."""
    DIR.mkdir(parents=True, exist_ok=True)
    path = DIR / f"million-{rows}.csv"
    if path.exists():
        return path
    cities = ["İstanbul", "Ankara", "İzmir", "Bursa", "Antalya"]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Ad", "Soyad", "Cep Telefonu", "E-posta", "Şehir"])
        for i in range(rows):
            n = i - 7 if i % 100 == 99 else i  # a duplicate of a row a little above
            rest = n % 10_000_000
            phone = f"05{30 + n // 10_000_000 % 10} {rest // 10000:03d} {rest // 100 % 100:02d} " \
                    f"{rest % 100:02d}"
            if i % 50 == 17:
                phone = f"0532 12{i % 10}"  # too short
            writer.writerow([f"Ayşe {i}", f"Yılmaz {i}", phone, f"ayse.{n}@ornek.com.tr", cities[i % 5]])
    os.replace(tmp, path)
    return path


def run_cli(code: Path, args: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """(exit status, seconds, peak RSS in MB, last stdout line) of one command-line run."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "core", *args], cwd=code, stdout=out, stderr=err,
                                text=True, env={**env, "PYTHONPATH": str(code)})
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines() or [err.read().strip()[-300:]]
    return proc.returncode, seconds, usage.ru_maxrss / 1024, lines[-1]


def measure(code: Path, rows: int, provider: str, upload: bool, resume: bool = False) -> None:
    from core.providers import get_provider
    from core.sandbox import DEMO_CREDENTIALS

    path = make_csv(rows)
    mapping = ["--map", "Cep Telefonu=phone_number", "--map", "Ad=first_name", "--map", "Soyad=last_name",
               "--default-region", "TR"]
    if provider != "octopush":
        raise SystemExit("only octopush is measured here (200 contacts per request)")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CONTACT_UPLOADER_HOME": home, "CONTACT_UPLOADER_LANG": "en"}
        report = Path(home) / "report.csv"
        dry = ["upload", str(path), "--provider", provider, *mapping, "--dry-run", "--report", str(report)]
        status, seconds, peak, line = run_cli(code, dry, env)
        verdict = "within" if peak <= BUDGET_MB else "OVER"
        print(f"{rows:>9,} rows  --dry-run --report   {seconds:7.1f} s  peak {peak:6.0f} MB  "
              f"[{verdict} {BUDGET_MB} MB]  exit {status}: {line}", flush=True)
        if not upload:
            return
        prov = get_provider(provider)
        creds = DEMO_CREDENTIALS[provider]
        for field in prov.credential_fields:
            env[field.env_var(provider)] = creds[field.id]
        with sandbox_root(0.0, in_process=False) as root:
            base = f"{root}/octopush/v1/public"
            status, seconds, peak, line = run_cli(
                code, ["upload", str(path), "--provider", provider, *mapping, "--base-url", base,
                       "--report", str(report)], env)
            verdict = "within" if peak <= BUDGET_MB else "OVER"
            print(f"{rows:>9,} rows  upload --report      {seconds:7.1f} s  peak {peak:6.0f} MB  "
                  f"[{verdict} {BUDGET_MB} MB]  exit {status}: {line}", flush=True)
            if not resume:
                return
            upload = ["upload", str(path), "--provider", provider, *mapping, "--base-url", base,
                      "--report", str(report)]
            env["CONTACT_UPLOADER_HOME"] = str(Path(home) / "resume")
            status, ended = interrupt_halfway(code, upload, env, Path(env["CONTACT_UPLOADER_HOME"]), rows)
            print(f"{rows:>9,} rows  upload interrupted (SIGINT) with {ended:,} rows ended: exit {status}",
                  flush=True)
            status, seconds, peak, line = run_cli(code, [*upload, "--resume"], env)
            verdict = "within" if peak <= BUDGET_MB else "OVER"
            print(f"{rows:>9,} rows  upload --resume      {seconds:7.1f} s  peak {peak:6.0f} MB  "
                  f"[{verdict} {BUDGET_MB} MB]  exit {status}: {line}", flush=True)


def interrupt_halfway(code: Path, args: list[str], env: dict[str, str], home: Path,
                      rows: int) -> tuple[int, int]:
    """Run the command line and send it SIGINT once half of ``rows`` ended in its journal (read beside
    it, WAL lets a reader in): (its exit status, the rows that had ended when it was sent)."""
    import signal
    import sqlite3

    proc = subprocess.Popen([sys.executable, "-m", "core", *args], cwd=code, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**env, "PYTHONPATH": str(code)})
    ended = 0
    try:
        while proc.poll() is None and ended < rows // 2:
            time.sleep(0.5)
            journal = home / "journal.sqlite3"
            if not journal.exists():
                continue
            uri = f"file:{journal}?mode=ro"
            try:
                with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
                    ended = int(db.execute("SELECT COUNT(*) FROM rows WHERE state NOT IN "
                                           "('pending', 'in_flight')").fetchone()[0])
            except sqlite3.Error:
                continue
        proc.send_signal(signal.SIGINT)
    finally:
        status = proc.wait(120)
    return status, ended


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-upload", action="store_true", help="measure the dry run only")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose command line is run")
    parser.add_argument("--provider", default="octopush")
    parser.add_argument("--resume", action="store_true",
                        help="also interrupt an upload halfway and measure upload --resume")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(f"command line of {args.code.resolve()}; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs (figures stretch when it is high)", flush=True)
    for rows in args.rows:
        measure(args.code.resolve(), rows, args.provider, not args.no_upload, args.resume)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

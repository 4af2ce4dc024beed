"""Benchmark: open a 100 000-row spreadsheet and hold it ready for the preview.

    python -m tests.benchmarks.bench_reading [--rows 100000] [--repeat 3] [--no-openpyxl]

Budgets (SPEC §10): a 100 000-row XLSX opened to a shown preview ≤ 1.5 s; ≤ 300 MB resident while
holding 100 000 rows. Each measurement runs in a fresh subprocess, so its memory figures are its own
(Linux: VmRSS while holding the rows and VmHWM peak; elsewhere ru_maxrss), interpreter and imports
included; an idle interpreter with the same imports is printed as the baseline. Test files are generated
once and cached in ``$TMPDIR/contact-uploader-bench``. openpyxl (read-only mode, values turned into text
the same way) is printed beside our figure for comparison.

"Longest GIL hold while reading": read_table runs in a worker thread while the main thread loops on
``time.sleep(0.001)``; the longest gap between two wake-ups, minus the 1 ms sleep, is the longest time the
reader kept every other Python thread (the GUI thread included) from running. The same loop with no reader
beside it is printed as the floor (scheduler noise).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 1.5
BUDGET_MB = 300.0


def cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "contact-uploader-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_files(rows: int) -> dict[str, Path]:
    from tests.core import filegen as g

    folder = cache_dir()
    xlsx = folder / f"contacts-{rows}.xlsx"
    if not xlsx.exists():
        print(f"generating {xlsx} …", flush=True)
        tmp = xlsx.with_suffix(".tmp.xlsx")
        g.write_big_xlsx(tmp, rows)
        tmp.replace(xlsx)
    csv_path = folder / f"contacts-{rows}-cp1254.csv"
    if not csv_path.exists():
        print(f"generating {csv_path} …", flush=True)
        body = [[*g.CONTACT_HEADERS, "Kayıt Tarihi", "Puan"]]
        body += [[*r, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", str(i % 97)]
                 for i, r in enumerate(g.contact_rows(rows))]
        tmp_csv = csv_path.with_suffix(".tmp")
        g.write_csv(tmp_csv, body, encoding="cp1254", delimiter=";")
        tmp_csv.replace(csv_path)
    return {"xlsx": xlsx, "csv": csv_path}


# ------------------------------------------------------------------------------------------ child side


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    # VmHWM is this process image's own peak; ru_maxrss can carry the parent's peak across fork+exec.
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _held_mb() -> float:
    rss = _status_mb("VmRSS")
    return rss if rss is not None else _peak_mb()


def _measure(kind: str, path: Path) -> dict[str, float]:
    if kind == "baseline":
        import python_calamine  # noqa: F401

        import core.reading  # noqa: F401

        return {"seconds": 0.0, "rows": 0, "peak_mb": _peak_mb(), "held_mb": _held_mb()}
    if kind in ("ours", "ours-csv"):
        from core.reading import read_table

        start = time.perf_counter()
        table = read_table(path)
        seconds = time.perf_counter() - start
        rows = len(table.rows)
        assert all(isinstance(c, str) for c in table.rows[-1])
        return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb(), "held_mb": _held_mb()}
    if kind == "preview":
        from core.reading import list_sheets, read_raw

        start = time.perf_counter()
        list_sheets(path)
        raw = read_raw(path, limit=200)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows": len(raw.rows), "peak_mb": _peak_mb(), "held_mb": _held_mb()}
    if kind in ("gil", "gil-idle"):
        import threading

        from core.reading import read_table

        done = threading.Event()
        result: dict[str, float] = {}
        held: list[object] = []  # the table is freed after the measurement: freeing it is not reading

        def work() -> None:
            start = time.perf_counter()
            try:
                if kind == "gil":
                    table = read_table(path)
                    held.append(table)
                    result["rows"] = len(table.rows)
                else:
                    time.sleep(0.5)
                    result["rows"] = 0
            finally:
                result["seconds"] = time.perf_counter() - start
                done.set()

        worker = threading.Thread(target=work)
        last = time.perf_counter()
        worst = 0.0
        worker.start()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last - 0.001)
            last = now
        worker.join()
        figures = {"seconds": result["seconds"], "rows": result["rows"], "gil_ms": worst * 1000,
                   "peak_mb": _peak_mb(), "held_mb": _held_mb()}
        held.clear()
        return figures
    if kind == "openpyxl":
        import openpyxl

        from core.reading import cell_text

        start = time.perf_counter()
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = book.worksheets[0]
        held = [["" if v is None else cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        book.close()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows": len(held) - 1, "peak_mb": _peak_mb(), "held_mb": _held_mb()}
    raise SystemExit(f"unknown measurement {kind}")


def run_child(kind: str, path: Path) -> dict[str, float]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_reading", "--child", kind, str(path)],
        check=True, capture_output=True, text=True, cwd=root, env=env,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-openpyxl", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(args.child[0], Path(args.child[1]))))
        return 0

    files = ensure_files(args.rows)
    base = run_child("baseline", files["xlsx"])
    print(f"files: {files['xlsx']} ({files['xlsx'].stat().st_size / 1e6:.1f} MB), "
          f"{files['csv']} ({files['csv'].stat().st_size / 1e6:.1f} MB)")
    print(f"idle interpreter with core.reading + calamine imported: {base['held_mb']:.0f} MB RSS")

    def report(label: str, kind: str, path: Path, repeat: int, budget: float | None) -> dict[str, float]:
        runs = [run_child(kind, path) for _ in range(repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        held = max(r["held_mb"] for r in runs)
        verdict = ""
        if budget is not None:
            ok = seconds <= budget and peak <= BUDGET_MB
            verdict = f"  [{'within' if ok else 'OVER'} budget {budget:.1f} s / {BUDGET_MB:.0f} MB]"
        print(f"{label:<44} {int(runs[0]['rows']):>7} rows  median {seconds:6.2f} s "
              f"(min {min(r['seconds'] for r in runs):.2f})  RSS holding {held:4.0f} MB, peak {peak:4.0f} MB"
              f"{verdict}", flush=True)
        return {"seconds": seconds, "peak_mb": peak}

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (figures stretch when it is high)")
    report("XLSX  list_sheets + read_raw(limit=200)", "preview", files["xlsx"], args.repeat, BUDGET_SECONDS)
    ours = report("XLSX  read_table (python-calamine)", "ours", files["xlsx"], args.repeat, BUDGET_SECONDS)
    report("CSV cp1254 ';'  read_table", "ours-csv", files["csv"], args.repeat, BUDGET_SECONDS)
    def gil(label: str, kind: str, path: Path, repeat: int) -> None:
        runs = [run_child(kind, path) for _ in range(repeat)]
        worst = sorted(r["gil_ms"] for r in runs)
        seconds = statistics.median(r["seconds"] for r in runs)
        print(f"{label:<44} longest GIL hold while reading: median {statistics.median(worst):6.1f} ms "
              f"(runs: {', '.join(f'{w:.1f}' for w in worst)}; read {seconds:.2f} s)", flush=True)

    gil("idle loop (floor)", "gil-idle", files["xlsx"], args.repeat)
    gil("XLSX  read_table in a worker thread", "gil", files["xlsx"], args.repeat)
    gil("CSV cp1254 ';'  read_table in a worker thread", "gil", files["csv"], args.repeat)
    if not args.no_openpyxl:
        theirs = report("XLSX  openpyxl read-only load + iterate", "openpyxl", files["xlsx"], 1, None)
        print(f"openpyxl / ours: {theirs['seconds'] / ours['seconds']:.1f}× slower")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

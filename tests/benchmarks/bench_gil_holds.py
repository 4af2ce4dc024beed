"""Longest time another thread waits for the GIL while a worker runs each step of an import (a million rows).

    python -m tests.benchmarks.bench_gil_holds [--rows 1000000] [--book /tmp/million.xlsx] [--steps read,xlsx]

The window's thread needs the GIL for every paint and every event; a worker that holds it in one long C call —
growing or freeing a container of a million entries, a big ``sorted()``, calamine freeing a sheet — freezes
the window for that long, whatever the switch interval. This measures each worker step on its own, without
Qt: the step runs on a thread while the main thread sleeps 1 ms at a time, the way the GUI thread's
heartbeat does (``bench_gui_stall``); the longest oversleep is the longest hold. The process runs as the
window's does (:func:`gui.app.tune_process`: 1 ms switch interval, big workbooks read by a child process).
Budget: none over 50 ms (issue 12), since the GUI thread's own work comes on top.

Steps, each the window's own worker body: ``read`` (:func:`gui.import_reading.read_whole` of a CSV of the
rows), ``xlsx`` (``--book``: the same rows in a workbook, written by ``bench_gui_stall`` when missing),
``check`` (:func:`gui.import_check.check_table`: every row checked, the grid built), ``upload``
(:func:`core.engine.run_job` to the sandbox, in its own process, with the journal), ``free`` (the checked
table let go as the window lets an import go, :func:`gui.memory.let_go`, until all of it is freed).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET_MS = 50.0
STEPS = ("read", "xlsx", "check", "upload", "free")
WHERE = 0.0  # --where MS: print where the step is after each hold longer than MS


def longest_hold(step: Callable[[], Any]) -> tuple[float, float, int, Any]:
    """Run ``step`` on a thread; (longest wait in ms, seconds, waits over the budget, its result)."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            time.sleep(0.02)  # the main thread is in its loop before the step starts
            box["value"] = step()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            box["error"] = exc
        finally:
            done.set()

    worst, over = 0.0, 0
    thread = threading.Thread(target=body, name="step")
    start = last = time.perf_counter()
    thread.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        wait = (now - last - 0.001) * 1000
        if wait > BUDGET_MS:
            over += 1
        if WHERE and wait > WHERE:  # where the step is right after it let go (its long call just ended)
            frame = sys._current_frames().get(thread.ident or 0)
            stack = traceback.extract_stack(frame)[-4:] if frame is not None else []
            print(f"    held {wait:.0f} ms, then at: " + " < ".join(
                f"{Path(f.filename).stem}:{f.lineno} {f.name}" for f in reversed(stack)), flush=True)
        worst = max(worst, wait)
        last = now
    thread.join()
    if "error" in box:
        raise box["error"]
    return worst, time.perf_counter() - start, over, box.get("value")


class _Probe:
    """Something a weak reference can watch."""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Prénom,Nom,Téléphone portable,Ville,E-mail\n")
        for i in range(rows):
            phone = f"+336{10000000 + i:08d}" if i % 500 else "06 12 ab"
            fh.write(f"Ann{i},Martin,{phone},Paris,ann{i}@example.com\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--book", type=Path, default=None, help="the XLSX of --rows rows (the xlsx step)")
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--where", type=float, default=0.0, metavar="MS",
                        help="print where a step is after each hold longer than MS (diagnosis)")
    args = parser.parse_args(argv)
    global WHERE
    WHERE = args.where
    steps = set(args.steps.split(","))

    from tests.benchmarks.bench_gui_stall import compile_sources

    compile_sources()  # as installed: no module compiled on first import
    tmp = Path(tempfile.mkdtemp(prefix="bench-gil-"))
    os.environ["CONTACT_UPLOADER_HOME"] = str(tmp / "state")
    from gui.app import tune_process

    tune_process()
    print(f"switch interval {sys.getswitchinterval() * 1000:g} ms · {args.rows:,} rows")
    from core.mapping import suggest
    from core.providers import get_provider
    from gui.import_check import check_table
    from gui.import_file_step import ReadSettings
    from gui.import_reading import read_whole

    provider = get_provider("octopush")
    csv_path = tmp / "contacts.csv"
    write_csv(csv_path, args.rows)
    results: list[tuple[str, float, float, int]] = []

    def run(name: str, step: Callable[[], Any]) -> Any:
        worst, seconds, over, value = longest_hold(step)
        results.append((name, worst, seconds, over))
        print(f"  {name:8s} longest hold {worst:6.1f} ms · {over} over {BUDGET_MS:g} ms · {seconds:6.2f} s",
              flush=True)
        return value

    settings = ReadSettings()
    table = run("read", lambda: read_whole(csv_path, settings))  # the window's worker body: rows compacted
    if "xlsx" in steps and args.book is not None:
        book = args.book
        if not book.exists():
            from tests.benchmarks.bench_gui_stall import write_book

            write_book(book, args.rows)
        run("xlsx", lambda: read_whole(book, settings))
    suggested = suggest(table.headers, provider)
    mapping = {i: s.field for i, s in enumerate(suggested) if s is not None and s.field}
    checked = run("check", lambda: check_table(table, mapping, {}, provider, "FR"))  # the rows, the grid
    if "upload" in steps:
        from core.engine import run_job
        from core.job import create_job, job_key, spec_for
        from core.journal import Journal
        from core.sandbox import DEMO_CREDENTIALS
        from tests.benchmarks.bench_gui_stall import start_sandbox

        contacts = [c.contact for c in checked.checks if c.contact is not None]
        gc.freeze()  # as the window's upload worker does with the list it makes (gui.upload_worker)
        proc, urls = start_sandbox(args.latency)
        try:
            creds = dict(DEMO_CREDENTIALS["octopush"])
            journal = Journal(tmp / "journal.sqlite3")
            key = job_key(table, provider, "demo", mapping, {}, "FR")
            spec = spec_for(table, provider, profile="demo", mapping=mapping, constants={}, region="FR")
            job_id = create_job(journal, key, spec, checked.options, len(contacts))
            summary = run("upload", lambda: run_job(provider, creds, urls["octopush"], contacts,
                                                    checked.options, journal=journal, job_id=job_id))
            journal.close()
            print(f"           {summary.total:,} rows sent: " + ", ".join(
                f"{k.value} {v:,}" for k, v in sorted(summary.counts.items(), key=lambda kv: kv[0].value)))
            del contacts
        finally:
            proc.terminate()
            proc.wait(10)
    if "free" in steps:
        from gui.memory import let_go

        holder: list[Any] = [table, checked]
        del table, checked

        def free() -> None:  # as the window lets an import go (gui.memory.let_go), until it is all freed
            probe = _Probe()
            gone = weakref.ref(probe)
            let_go(*holder)
            holder.clear()
            let_go(probe)  # the reaper takes hand-overs in order: this one goes last
            del probe
            while gone() is not None:
                time.sleep(0.01)

        run("free", free)
    worst = max(r[1] for r in results)
    print(f"longest hold of any step: {worst:.1f} ms ({'within' if worst <= BUDGET_MS else 'OVER'} the "
          f"{BUDGET_MS:g} ms budget)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: how big the job journal gets, and what :meth:`core.journal.Journal.maintain` gives back.

    python -m tests.benchmarks.bench_journal [--uploads 3] [--rows 20000]

Writes ``--uploads`` finished jobs of ``--rows`` rows the way the engine does for a one-contact-per-request
provider (a committed ``in_flight`` mark before each request, the committed outcome after it, a realistic
answer text and message), then prints the journal's size (main file + WAL) after the uploads, after
``maintain()`` while the jobs are recent (kept: younger than KEEP_DAYS and at most KEEP_FINISHED), and after
``maintain()`` once they are older than KEEP_DAYS, with the time ``maintain()`` took each time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from core.journal import KEEP_DAYS, KEEP_FINISHED, Journal
from core.model import Outcome, RowResult


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_journal")
    parser.add_argument("--uploads", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.sqlite3"
        journal = Journal(path)
        started = time.perf_counter()
        jobs = []
        for upload in range(args.uploads):
            job = journal.create_job(f"fp{upload}", "netcore", "default", {"columns": {"0": "EMAIL"}}, {},
                                     args.rows, source=f"/data/contacts-{upload}.xlsx")
            for key in range(args.rows):
                journal.mark_in_flight(job, [key])
                journal.record(job, RowResult(
                    key, Outcome.ADDED, code="200",
                    raw_text='{"requestid": "%032x", "result": "Success"}' % (key * 7919),
                    message="Netcore added the contact.", contact_id=f"{key * 7919:032x}",
                ))
            journal.finish(job)
            jobs.append(job)
        written = time.perf_counter() - started
        print(f"{args.uploads} uploads of {args.rows} rows written in {written:.1f} s: {_mb(_size(path))}")

        t0 = time.perf_counter()
        removed = journal.maintain()
        print(f"maintain() with the jobs recent (kept {KEEP_DAYS:g} days, at most {KEEP_FINISHED}): "
              f"{removed} removed, {_mb(_size(path))}, {1000 * (time.perf_counter() - t0):.0f} ms")

        with journal._tx() as db:
            db.execute("UPDATE jobs SET updated = updated - ?", ((KEEP_DAYS + 1) * 86400,))
        t0 = time.perf_counter()
        removed = journal.maintain()
        print(f"maintain() once they are {KEEP_DAYS + 1:g} days old: {removed} removed, {_mb(_size(path))}, "
              f"{1000 * (time.perf_counter() - t0):.0f} ms")
        t0 = time.perf_counter()
        journal.maintain()
        print(f"maintain() with nothing to do: {1000 * (time.perf_counter() - t0):.1f} ms")
        journal.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

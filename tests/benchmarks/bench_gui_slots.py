"""The import view's own GUI-thread calls at a million rows, one at a time, without another thread running.

    python -m tests.benchmarks.bench_gui_slots [--rows 1000000] [--provider octopush] [--batch 2000]
                                               [--profile SLOT] [--events]

:mod:`tests.benchmarks.bench_gui_stall` measures the window end to end, the reading and the upload running
on worker threads meanwhile (their hold of the GIL counts against the window). This one tells our own work
apart: it builds a synthetic table (one row in 500 invalid, as bench_gui_stall's book), prepares and checks it
in this thread beforehand (not timed), then drives the view's GUI-thread handlers by hand, offscreen, in the
order a user's import calls them: the preview of the first rows (``_raw_read``), the columns step
(``_show_mapping``), the checked rows handed over (``_checked``), the upload's batches of results
(``_upload_batch`` and the chunks it schedules), the end of the upload (``_upload_done``,
``_upload_finished``), the errors-only filter on the results, the look-up of the failed rows of "Retry
failed", and "Import another file" (``reset``). Every handler is wrapped to
time each call; a 5 ms heartbeat between the calls catches what Qt does afterwards (painting, layout).
The application is set up as the program does (:func:`gui.app.create_application`: the GIL switch interval,
the style sheet). Prints each handler's worst call (and 95th percentile and median, wall-clock and the GUI
thread's CPU time) and the longest gap of the heartbeat; nothing is asserted.
``--profile SLOT`` prints cProfile's top functions for that handler's worst call; ``--events`` the slowest
events Qt delivered. The figures of another checkout (its handlers, this file's driving):
``PYTHONPATH=/work/main python tests/benchmarks/bench_gui_slots.py`` (the file by its path).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PERIOD_MS = 5
SETUP = "setup"  # the harness preparing the next step (not reported)

# (module, class, handler names): what is timed, as bench_gui_stall's time_gui_slots and a few more
TIMED = (
    ("gui.table_model", "PreviewModel", ("set_rows", "apply_results", "sort", "clear", "keys_with_status")),
    ("gui.table_model", "", ("_release_some",)),
    ("gui.table_model", "PreviewProxy", ("set_errors_only", "_scan_step")),
    ("gui.upload_view", "UploadPanel", ("show_progress", "start")),
    ("gui.results_view", "ResultsView", ("show_counts",)),
    ("gui.table_view", "PreviewTable", ("_widths",)),
    ("gui.import_file_step", "FileStep", ("show_raw", "_fill_preview", "show_table_info")),
    ("gui.mapping_view", "MappingView", ("set_source",)),
    ("gui.import_view", "ImportView", ("_raw_read", "_table_read", "_show_mapping", "_checked", "_go",
                                       "_update_counts", "_upload_batch", "_apply_some", "_upload_done",
                                       "_upload_finished", "_update_buttons", "reset")),
)


class Slots:
    """Wraps the handlers of :data:`TIMED`: each call's time, the worst per handler; with ``profile``, the
    cProfile statistics of that handler's worst call."""

    def __init__(self, profile: str | None = None) -> None:
        import importlib

        self.times: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}  # the GUI thread's CPU time of each call (other processes
        # on the machine do not count in it, as they do in the wall-clock times)
        self.profile = profile
        self.profiled: tuple[float, str] = (0.0, "")
        self._profiling = False
        self._depth = 0  # handlers running (one calls another: only the outer one is a span)
        self.spans: list[tuple[float, float, str]] = []  # (start, end, name) of the outer calls
        for module, cls_name, names in TIMED:  # no class: the module's own function
            cls = importlib.import_module(module)
            if cls_name:
                cls = getattr(cls, cls_name)
            for name in names:
                if hasattr(cls, name):  # an older checkout may lack one (PYTHONPATH=that checkout)
                    setattr(cls, name, self._wrap(getattr(cls, name), name))

    def _wrap(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            outer = self._depth == 0
            prof = cProfile.Profile() if name == self.profile and not self._profiling else None
            self._profiling |= prof is not None
            self._depth += 1
            start = time.perf_counter()
            cpu = time.thread_time()
            try:
                if prof is None:
                    return original(*args, **kwargs)
                return prof.runcall(original, *args, **kwargs)
            finally:
                end = time.perf_counter()
                ms = (end - start) * 1000
                self.cpu.setdefault(name, []).append((time.thread_time() - cpu) * 1000)
                self._depth -= 1
                if prof is not None:
                    self._profiling = False
                if outer:
                    self.spans.append((start, end, name))
                self.times.setdefault(name, []).append(ms)
                if prof is not None and ms >= self.profiled[0]:
                    out = io.StringIO()
                    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
                    self.profiled = (ms, out.getvalue())

        return timed


class Heartbeat:
    """A 5 ms timer on the GUI thread: the longest gap between two beats, per phase."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.phase = "idle"
        self.worst: dict[str, tuple[float, float, float]] = {}  # phase -> (gap, its start, its end)
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(self.beat)
        self.on_phase: Callable[[str], None] | None = None

    def beat(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last) * 1000 - PERIOD_MS
        if gap > self.worst.get(self.phase, (-1.0, 0.0, 0.0))[0]:
            self.worst[self.phase] = (gap, self.last, now)
        self.last = now

    def set_phase(self, name: str) -> None:
        self.phase = name
        if self.on_phase is not None:
            self.on_phase(name)
        self.last = time.perf_counter()


def spin(seconds: float) -> None:
    """Run the event loop for ``seconds`` (timers, chunks and painting included)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
    loop.exec()


def spin_until(done: Callable[[], bool], seconds: float) -> None:
    """Run the event loop until ``done()`` or for ``seconds`` at most."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.perf_counter() + seconds
    while not done() and time.perf_counter() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    spin(0.001)


def synthetic_table(rows: int, path: Path) -> Any:
    """bench_gui_stall's book as a Table (one row in 500 with a bad phone), its rows compact as the
    window keeps them."""
    from core.reading import Table
    from gui.table_model import compact_rows

    headers = ["Prénom", "Nom", "Téléphone portable", "Ville", "E-mail"]
    data = [[f"Ann{i}", "Martin", f"+336{10000000 + i:08d}" if i % 500 else "06 12 ab", "Paris",
             f"ann{i}@example.com"] for i in range(rows)]
    return Table(path, "Contacts", ["Contacts"], headers, compact_rows(data), list(range(2, rows + 2)), 1,
                 None, None)


def raw_sheet(table: Any, limit: int = 200) -> Any:
    from core.reading import RawSheet

    rows = [list(table.headers)] + [list(r) for r in table.rows[:limit - 1]]
    return RawSheet(table.path, table.sheet, table.sheets, rows, list(range(1, len(rows) + 1)), 1, None, None)


def results_of(checks: list[Any]) -> list[Any]:
    """The upload's outcome of every ready row: mostly added, one in 97 failed, one in 101 exists."""
    from core.model import Outcome, RowResult

    out = []
    for check in checks:
        if check.contact is None:
            continue
        key = check.key
        if key % 97 == 0:
            out.append(RowResult(key, Outcome.FAILED, "500", "oops", "The platform had a problem."))
        elif key % 101 == 0:
            out.append(RowResult(key, Outcome.EXISTS, "", "", "Already in the list."))
        else:
            out.append(RowResult(key, Outcome.ADDED))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--provider", default="octopush", choices=("octopush", "netcore"))
    parser.add_argument("--batch", type=int, default=2000, help="results per upload batch (ten a second)")
    parser.add_argument("--profile", default=None, help="print cProfile's view of this handler's worst call")
    parser.add_argument("--events", action="store_true",
                        help="time every event Qt delivers and print the slowest (what the heartbeat's gaps "
                             "hold besides our handlers)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-slots-"))
    os.environ["CONTACT_UPLOADER_HOME"] = str(tmp / "state")

    from PySide6.QtWidgets import QApplication

    from core.engine import JobSummary, Progress
    from core.model import Outcome
    from core.sandbox import DEMO_CREDENTIALS
    from gui.context import AppContext
    from gui.import_check import check_table
    from gui.import_columns import suggest_mapping
    from gui.import_view import ImportView, Step
    from gui.upload_worker import UploadBatch

    class Demo:
        def credentials(self, provider: str) -> dict[str, str]:
            return dict(DEMO_CREDENTIALS[provider])

        def base_url(self, provider: str) -> str:
            return "http://127.0.0.1:9"

    slow_events: list[tuple[float, str, str, str]] = []  # (ms, phase, receiver, event type)
    phase = ["idle"]

    class TimingApplication(QApplication):
        def notify(self, receiver: Any, event: Any) -> bool:
            start = time.perf_counter()
            try:
                return super().notify(receiver, event)
            finally:
                ms = (time.perf_counter() - start) * 1000
                if ms > 4:
                    name = receiver.objectName() if hasattr(receiver, "objectName") else ""
                    slow_events.append((ms, phase[0], f"{type(receiver).__name__} {name}".strip(),
                                        str(event.type()).rsplit(".", 1)[-1]))

    app = (TimingApplication if args.events else QApplication)([])  # lives as long as the run
    try:  # the process and the application as the program sets them up: GIL switch interval, style sheet
        from gui.app import create_application

        create_application()
    except ImportError:  # an older checkout
        pass
    t0 = time.perf_counter()
    book = tmp / "contacts.xlsx"
    book.write_bytes(b"not read: the journal's fingerprint of the file hashes its bytes")
    table = synthetic_table(args.rows, book)
    raw = raw_sheet(table)
    t_table = time.perf_counter() - t0
    slots = Slots(args.profile)
    view = ImportView(AppContext(args.provider, demo=Demo()))
    view.resize(1200, 800)
    view.show()
    beat = Heartbeat()
    beat.on_phase = lambda name: phase.__setitem__(0, name)
    beat.timer.start()
    spin(0.3)

    beat.set_phase("file")
    view.file_step.start(table.path)
    view._raw_read(view._generation, (list(table.sheets), raw))
    spin(0.2)
    beat.set_phase(SETUP)
    provider = view.context.provider
    view.state.table = table
    view.state.suggested = (provider.name, *suggest_mapping(list(table.headers), provider, table.rows))
    spin(0.05)
    beat.set_phase("file")
    view.file_step.show_table_info(table)
    view._update_buttons()
    spin(0.2)

    beat.set_phase("columns")
    view._show_mapping()
    spin(0.3)

    beat.set_phase(SETUP)
    t0 = time.perf_counter()
    checked = check_table(table, view.mapping_view.mapping(), view.mapping_view.constants(), provider,
                          view.mapping_view.default_region())
    t_check = time.perf_counter() - t0
    view.state.mapping = view.mapping_view.mapping()
    view.state.constants = view.mapping_view.constants()
    view.state.region = view.mapping_view.default_region()
    beat.set_phase("check")
    view._checked(checked)
    spin(0.3)
    view.grid.scrollToBottom()
    spin(0.3)

    beat.set_phase(SETUP)
    results = results_of(checked.checks)
    total = len(results)
    spin(0.05)
    beat.set_phase("upload")
    view.state.job_open = True
    view.model.set_editable(False)
    view.upload_panel.start(total, "Uploading")
    view._go(Step.UPLOAD)
    spin(0.1)
    counts: dict[Outcome, int] = {}
    t0 = time.perf_counter()
    for start in range(0, total, args.batch):
        chunk = results[start:start + args.batch]
        for r in chunk:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        done = start + len(chunk)
        elapsed = time.perf_counter() - t0
        progress = Progress(done, total, dict(counts), done / max(elapsed, 1e-3), None, elapsed)
        view._upload_batch(UploadBatch(progress, chunk, job_id=1 if start == 0 else None))
        # the worker sends a batch every 0.1 s: the chunks of this one are shown meanwhile (not waited for
        # here beyond that, to keep the run short)
        spin_until(lambda: not view.state.unapplied, 0.1)
    spin(0.2)

    beat.set_phase("results")
    view._upload_done(JobSummary(dict(counts), time.perf_counter() - t0, total=total))
    view._upload_finished()
    spin(0.3)
    view.results_view.table.scrollToBottom()
    spin(0.2)

    beat.set_phase("errors only")
    view.results_view.errors_only.setChecked(True)
    spin(0.5)
    view.results_view.errors_only.setChecked(False)
    spin(0.2)
    beat.set_phase("retry scan")
    failed = len(view.model.keys_with_status("failed"))  # what "Retry failed" looks for first
    spin(0.1)
    outcome = view.model.counts()
    del table, raw, checked, results, chunk  # the window's references are the last ones, as in the app
    beat.set_phase("another file")
    view.reset()
    spin(1.5)
    beat.timer.stop()
    view.close()
    del app

    print(f"{args.rows:,} rows · {args.provider} · upload batches of {args.batch:,} "
          f"(table built in {t_table:.1f} s, checked in {t_check:.1f} s, not timed)")
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.items()))
          + f" ({failed:,} failed found for a retry)")
    print("GUI-thread handlers (ms): worst call, 95th percentile, median of the wall-clock time; worst and "
          "median of the thread's CPU time; calls")
    for name, times in sorted(slots.times.items(), key=lambda kv: -max(kv[1])):
        ordered, cpu = sorted(times), sorted(slots.cpu[name])
        p95 = ordered[int(len(ordered) * 0.95)]
        print(f"  {name:22s} {ordered[-1]:7.1f} {p95:7.1f} {ordered[len(ordered) // 2]:7.1f}   "
              f"cpu {cpu[-1]:7.1f} {cpu[len(cpu) // 2]:7.1f}   ×{len(times)}")
    print("longest heartbeat gap per phase (ms), with the handlers that ran in it (the rest is Qt's: "
          "painting, layout):")
    for phase, (gap, start, end) in beat.worst.items():
        if phase == SETUP:
            continue
        inside = [(name, (min(b, end) - max(a, start)) * 1000) for a, b, name in slots.spans
                  if b > start and a < end]
        ours = ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(inside, key=lambda x: -x[1])[:4])
        print(f"  {phase:22s} {gap:8.1f}   {ours}")
    if args.events:
        print("slowest events (outer deliveries over 4 ms; ms, phase, receiver, type):")
        for ms, in_phase, receiver, kind in sorted(slow_events, reverse=True)[:25]:
            if in_phase != SETUP:
                print(f"  {ms:7.1f}  {in_phase:12s} {receiver:40s} {kind}")
    if args.profile:
        ms, text = slots.profiled
        print(f"\ncProfile of the worst {args.profile} ({ms:.1f} ms):\n{text}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The generic QThread worker: signals on the GUI thread, failures as objects, cancel, no leaked threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import NetworkProblem
from gui import errors, workers
from gui.workers import active_tasks, start_task, wait_all


def test_result_progress_and_finished_arrive_on_the_gui_thread(qtbot: object) -> None:
    seen: list[tuple[str, object, bool]] = []
    gui_thread = QThread.currentThread()
    worker_threads: list[int] = []

    def body() -> Iterator[int]:
        worker_threads.append(threading.get_ident())
        yield from range(3)
        return 42

    def record(kind: str):  # type: ignore[no-untyped-def]
        return lambda value=None: seen.append((kind, value, QThread.currentThread() is gui_thread))

    task = start_task(
        body,
        on_started=record("started"),
        on_progress=record("progress"),
        on_result=record("result"),
        on_finished=record("finished"),
    )
    qtbot.waitUntil(lambda: task.done, timeout=5000)  # type: ignore[attr-defined]
    assert [k for k, _, _ in seen] == ["started", "progress", "progress", "progress", "result", "finished"]
    assert [v for k, v, _ in seen if k == "progress"] == [0, 1, 2]
    assert ("result", 42, True) in seen
    assert all(on_gui for _, _, on_gui in seen)
    assert worker_threads
    assert worker_threads[0] != threading.get_ident()


def test_a_failure_reaches_the_shared_show_error_as_an_object(
    qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[object, object]] = []
    monkeypatch.setattr(errors, "show_error", lambda parent, exc: shown.append((parent, exc)))
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    problem = NetworkProblem("Could not reach İleti Merkezi: the connection was refused.", kind="refused")

    def body() -> None:
        raise problem

    results: list[object] = []
    task = start_task(body, parent=parent, on_result=results.append)
    qtbot.waitUntil(lambda: task.done and bool(shown), timeout=5000)  # type: ignore[attr-defined]
    assert shown == [(parent, problem)]
    assert results == []


def test_a_given_handler_replaces_show_error(qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    handled: list[object] = []
    monkeypatch.setattr(errors, "show_error", lambda parent, exc: shown.append(exc))

    def body() -> None:
        raise ValueError("boom")

    task = start_task(body, on_failed=handled.append)
    qtbot.waitUntil(lambda: task.done, timeout=5000)  # type: ignore[attr-defined]
    assert len(handled) == 1
    assert isinstance(handled[0], ValueError)
    assert shown == []


def test_cancel_stops_a_generator_and_finished_still_comes(qtbot: object) -> None:
    go_on = threading.Event()
    steps: list[int] = []
    results: list[object] = []
    finished: list[bool] = []

    def body() -> Iterator[int]:
        for i in range(1000):
            steps.append(i)
            yield i
            go_on.wait(1)
        return "all done"

    task = start_task(body, on_result=results.append, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=5000)  # type: ignore[attr-defined]
    task.cancel()
    go_on.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)  # type: ignore[attr-defined]
    assert task.cancelled
    assert results == []
    assert len(steps) < 1000


def test_pass_cancel_gives_a_plain_callable_the_flag(qtbot: object) -> None:
    def body(*, cancel_flag: workers.CancelFlag) -> str:
        while not cancel_flag.is_set():
            threading.Event().wait(0.01)
        return "stopped"

    finished: list[bool] = []
    task = start_task(body, pass_cancel=True, on_finished=lambda: finished.append(True))
    task.cancel()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)  # type: ignore[attr-defined]
    assert task.done


def test_every_thread_ends_and_is_released(qtbot: object) -> None:
    tasks = [start_task(lambda n=n: n * 2) for n in range(5)]
    assert wait_all(5000)
    assert active_tasks() == []
    for task in tasks:
        assert task.done
        assert task.worker_thread.isFinished()


def test_show_error_uses_the_readable_sentence_and_keeps_details_for_bugs(qtbot: object) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    ours = errors.show_error(parent, NetworkProblem("Could not reach Octopush: the request timed out."))
    assert isinstance(ours, QMessageBox)
    assert ours.informativeText() == "Could not reach Octopush: the request timed out."
    assert ours.windowTitle().startswith("Network problem")
    assert ours.detailedText() == ""
    ours.close()
    try:
        raise KeyError("internal")
    except KeyError as exc:
        bug = errors.show_error(parent, exc)
    assert bug is not None
    assert "KeyError" in bug.detailedText()
    assert "unexpected problem" in bug.informativeText()
    bug.close()


def test_show_error_re_raises_base_exceptions(qtbot: object) -> None:
    with pytest.raises(KeyboardInterrupt):
        errors.show_error(None, KeyboardInterrupt())


def test_excepthook_routes_uncaught_exceptions_to_the_error_display(
    qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    shown: list[object] = []
    monkeypatch.setattr(errors, "show_error", lambda parent, exc: shown.append(exc))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(sys, "__excepthook__", lambda *a: None)
    errors.install_excepthook()
    assert sys.excepthook is errors.excepthook
    boom = RuntimeError("uncaught")
    thread = threading.Thread(target=lambda: (_ for _ in ()).throw(boom))
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)  # type: ignore[attr-defined]
    assert shown == [boom]


def test_a_cancel_flag_calls_what_waits_on_it_once() -> None:
    flag = workers.CancelFlag()
    calls: list[str] = []
    flag.on_set(lambda: calls.append("before"))
    flag.set()
    flag.set()
    flag.on_set(lambda: calls.append("after"))  # already set: at once
    assert calls == ["before", "after"]


def test_a_body_reporting_from_its_own_callbacks_and_a_result_after_cancel(qtbot: object) -> None:
    seen: list[object] = []
    results: list[object] = []

    def body(*, cancel_flag: workers.CancelFlag, report: object) -> str:
        for i in range(3):
            report(i)  # type: ignore[operator]
        cancel_flag.set()
        return "stopped at 3"

    task = start_task(body, pass_cancel=True, pass_report=True, result_on_cancel=True,
                      on_progress=seen.append, on_result=results.append)
    assert task.wait(5000)
    assert seen == [0, 1, 2]
    assert results == ["stopped at 3"]
    assert task.cancelled

"""Shared fixtures of the GUI tests.

``no_leaked_threads`` (autouse): every QThread a test starts, and every :mod:`gui.workers` task, must have
ended when the test is over. The test gets a short grace period (events are processed so ``finished``
signals arrive); whatever still runs after it fails the test with the thread's name and the stack that
started it, then is cancelled and waited for so the next test starts clean.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QThread
from PySide6.QtWidgets import QApplication

from core.demo import DemoSession
from core.sandbox import DEMO_CREDENTIALS

GRACE_MS = 5000


def _running(thread: QThread) -> bool:
    return shiboken6.isValid(thread) and thread.isRunning()


def _where(stack: list[str]) -> str:
    """The frames of our own code that started a thread (pytest and Qt frames left out)."""
    ours = [line for line in stack if "/gui/" in line or "/tests/" in line or "/core/" in line]
    return "".join(ours[-6:] or stack[-6:]).rstrip()


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from gui import workers

    started: list[tuple[QThread, list[str]]] = []
    original_start = QThread.start

    def recording_start(self: QThread, *args: object) -> None:
        started.append((self, traceback.format_stack()[:-1]))
        original_start(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    before = set(workers.active_tasks())
    yield
    monkeypatch.setattr(QThread, "start", original_start)

    timer = QElapsedTimer()
    timer.start()
    workers.wait_all(GRACE_MS)

    def leaked() -> list[tuple[QThread, list[str]]]:
        return [(t, s) for t, s in started if _running(t)]

    while leaked() and timer.elapsed() < GRACE_MS:
        QCoreApplication.processEvents()
        QThread.msleep(10)
    QCoreApplication.processEvents()
    threads = leaked()
    tasks = [t for t in workers.active_tasks() if t not in before]
    if not threads and not tasks:
        return

    stacks = {id(t): s for t, s in started}
    report = []
    for task in tasks:
        report.append(f"gui.workers task {task.name!r} is still active, started at:\n"
                      f"{_where(stacks.get(id(task.worker_thread), ['(unknown)']))}")
    task_threads = {id(task.worker_thread) for task in tasks}
    for thread, stack in threads:
        if id(thread) not in task_threads:
            report.append(f"QThread {thread.objectName() or '(unnamed)'!r} is still running, started at:\n"
                          f"{_where(stack)}")
    # clean up so one leak does not fail the tests after it
    workers.cancel_all()
    workers.wait_all(GRACE_MS)
    for thread, _stack in threads:
        if _running(thread):
            thread.quit()
            thread.wait(GRACE_MS)
    pytest.fail("the test left background work running:\n\n" + "\n\n".join(report), pytrace=False)


@pytest.fixture
def demo() -> Iterator[DemoSession]:
    """A running demo session: the sandbox with the demo credentials."""
    with DemoSession() as session:
        yield session


@pytest.fixture
def octopush_env(monkeypatch, sandbox) -> dict[str, str]:
    """Real (non-demo) credentials and the sandbox URL from the environment, for the CLI and the window."""
    creds = DEMO_CREDENTIALS["octopush"]
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_API_KEY", creds["api_key"])
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_API_LOGIN", creds["api_login"])
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_BASE_URL", sandbox.base_url("octopush"))
    return dict(os.environ)

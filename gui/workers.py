"""One background worker for every slow call: a QObject moved to its own QThread.

Every task has the same signals, always delivered on the GUI thread:

``started()``, ``progress(object)``, ``result(object)``, ``failed(object)`` (the exception object),
and ``finished()``, which is emitted exactly once whatever happened (result, failure or cancel).

The body is a plain callable from ``core/``. If it is a generator, each yielded value is reported as
``progress`` and the cancel flag is checked between yields; its ``return`` value is the ``result``.
A plain callable can watch for a cancel by accepting the :class:`CancelFlag` passed as
``cancel_flag=...`` when ``start_task(..., pass_cancel=True)``.

Failures go to the task's own handler when one is given, otherwise to the one shared
:func:`gui.errors.show_error`. BaseExceptions (KeyboardInterrupt, SystemExit) are never swallowed.
No thread is leaked: every task is kept alive until its thread has ended, and :func:`wait_all`
lets the window (and the tests) wait for the last one on the way out.

Usage::

    task = start_task(client_add, contact, options, parent=self, on_result=self._show_outcome)
    task.cancel()
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)

_ACTIVE: set[Task] = set()


class CancelFlag:
    """A thread-safe cooperative cancel flag shared by the GUI and the worker body."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    __bool__ = is_set


class Worker(QObject):
    """Runs ``fn(*args, **kwargs)`` when :meth:`run` is called (in its thread)."""

    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self.cancel_flag = CancelFlag()

    def cancel(self) -> None:
        self.cancel_flag.set()

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            value = self._fn(*self._args, **self._kwargs)
            if inspect.isgenerator(value):
                value = self._drive(value)
            if not self.cancel_flag.is_set():
                self.result.emit(value)
        except Exception as exc:  # noqa: BLE001 - every failure is handed over as an object
            self.failed.emit(exc)
        finally:
            self.finished.emit()

    def _drive(self, gen: Any) -> Any:
        try:
            while True:
                if self.cancel_flag.is_set():
                    gen.close()
                    return None
                self.progress.emit(next(gen))
        except StopIteration as stop:
            return stop.value


class Task(QObject):
    """The GUI-thread handle of one worker: same signals, re-emitted on the GUI thread."""

    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, worker: Worker, name: str = "") -> None:
        super().__init__()
        self.worker = worker
        self.name = name or getattr(worker._fn, "__name__", "task")
        self.thread = QThread()
        self.thread.setObjectName(f"worker:{self.name}")
        self._done = False
        self._failure_handled = False
        worker.moveToThread(self.thread)
        # The handle lives on the GUI thread, so these connections are queued: slots run there.
        worker.started.connect(self._on_started)
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_result)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        self.thread.started.connect(worker.run)
        self.thread.finished.connect(self._on_thread_finished)

    # ------------------------------------------------------------------ control
    def start(self) -> Task:
        _ACTIVE.add(self)
        self.thread.start()
        return self

    def cancel(self) -> None:
        """Ask the body to stop; ``finished`` still follows (without ``result``)."""
        self.worker.cancel()

    @property
    def cancelled(self) -> bool:
        return self.worker.cancel_flag.is_set()

    @property
    def done(self) -> bool:
        return self._done

    # ------------------------------------------------------------------ relays (GUI thread)
    @Slot()
    def _on_started(self) -> None:
        self.started.emit()

    @Slot(object)
    def _on_progress(self, value: object) -> None:
        self.progress.emit(value)

    @Slot(object)
    def _on_result(self, value: object) -> None:
        self.result.emit(value)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)

    @Slot()
    def _on_finished(self) -> None:
        self._done = True
        self.finished.emit()
        self.thread.quit()

    @Slot()
    def _on_thread_finished(self) -> None:
        self.thread.wait()
        _ACTIVE.discard(self)


def start_task(
    fn: Callable[..., Any],
    *args: Any,
    parent: Any = None,
    on_result: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    on_started: Callable[[], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    pass_cancel: bool = False,
    name: str = "",
    **kwargs: Any,
) -> Task:
    """Run ``fn(*args, **kwargs)`` on a new thread and return its :class:`Task` handle.

    ``on_failed`` handles failures; without it they go to :func:`gui.errors.show_error` with
    ``parent``. All callbacks run on the GUI thread.
    """
    worker = Worker(fn, *args, **kwargs)
    if pass_cancel:
        worker._kwargs = {**kwargs, "cancel_flag": worker.cancel_flag}
    task = Task(worker, name)
    if on_started is not None:
        task.started.connect(on_started)
    if on_progress is not None:
        task.progress.connect(on_progress)
    if on_result is not None:
        task.result.connect(on_result)
    if on_failed is not None:
        task.failed.connect(on_failed)
    else:
        def _default(exc: object) -> None:
            from gui import errors

            errors.show_error(parent, exc)

        task.failed.connect(_default)
    if on_finished is not None:
        task.finished.connect(on_finished)
    return task.start()


def active_tasks() -> list[Task]:
    """Tasks whose thread has not ended yet."""
    return list(_ACTIVE)


def cancel_all() -> None:
    for task in list(_ACTIVE):
        task.cancel()


def wait_all(timeout_ms: int = 5000) -> bool:
    """Process events until every task's thread has ended; False if some are still running."""
    timer = QElapsedTimer()
    timer.start()
    app = QCoreApplication.instance()
    while _ACTIVE and timer.elapsed() < timeout_ms:
        if app is not None:
            QCoreApplication.processEvents()
        for task in list(_ACTIVE):
            if task.thread.wait(10):
                # the finished signal may not have been delivered yet; deliver it now
                if app is not None:
                    QCoreApplication.processEvents()
    if app is not None:
        QCoreApplication.processEvents()
    return not _ACTIVE

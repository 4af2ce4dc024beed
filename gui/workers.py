"""One background worker for every slow call: a QObject moved to its own QThread.

Every task has the same signals, always delivered on the GUI thread:

``started()``, ``progress(object)``, ``result(object)``, ``failed(object)`` (the exception object),
and ``finished()``, which is emitted exactly once whatever happened (result, failure or cancel).

The body is a plain callable from ``core/``. If it is a generator, each yielded value is reported as
``progress`` and the cancel flag is checked between yields; its ``return`` value is the ``result``.
A plain callable can watch for a cancel by accepting the :class:`CancelFlag` passed as
``cancel_flag=...`` when ``start_task(..., pass_cancel=True)``, and report progress itself (from any thread,
e.g. from a ``core`` callback) through the ``report=...`` callable given when ``pass_report=True``.
A cancelled task emits no ``result``, unless ``result_on_cancel=True`` (a body whose value says how far it
got, as an upload's summary does).

Every background job of the window is one of these tasks, the upload included
(:class:`gui.upload_worker.UploadJob` is its body), so :func:`cancel_all` and :func:`wait_all` see them all.

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
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

_ACTIVE: set[Task] = set()


class CancelFlag:
    """A thread-safe cooperative cancel flag shared by the GUI and the worker body."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (in the cancelling thread) when the flag is set; at once if it already is."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

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

    def __init__(self, fn: Callable[..., Any], *args: Any, result_on_cancel: bool = False,
                 **kwargs: Any) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._result_on_cancel = result_on_cancel
        self.cancel_flag = CancelFlag()

    @property
    def name(self) -> str:
        return str(getattr(self._fn, "__name__", type(self._fn).__name__))

    def pass_cancel(self) -> None:
        """Give the body this worker's flag as ``cancel_flag=``."""
        self._kwargs["cancel_flag"] = self.cancel_flag

    def pass_report(self) -> None:
        """Give the body ``report=``: a callable that emits ``progress`` (safe from any thread)."""
        self._kwargs["report"] = self.progress.emit

    def cancel(self) -> None:
        self.cancel_flag.set()

    @property
    def result_on_cancel(self) -> bool:
        return self._result_on_cancel

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            value = self._fn(*self._args, **self._kwargs)
            if inspect.isgenerator(value):
                value = self._drive(value)
            if self._result_on_cancel or not self.cancel_flag.is_set():
                self.result.emit(value)
        except Exception as exc:  # noqa: BLE001 - every failure is handed over as an object
            self.failed.emit(exc)
        finally:
            self.finished.emit()

    def _drive(self, gen: Generator[Any, Any, Any]) -> Any:
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
        self.name = name or worker.name
        # not ``thread``: that is QObject.thread(), the thread this handle lives in (the GUI thread)
        self.worker_thread = QThread()
        self.worker_thread.setObjectName(f"worker:{self.name}")
        self._started = False
        self._done = False
        worker.moveToThread(self.worker_thread)
        # The handle lives on the GUI thread, so these connections are queued: slots run there.
        worker.started.connect(self._on_started)
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_result)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        self.worker_thread.started.connect(worker.run)
        self.worker_thread.finished.connect(self._on_thread_finished)

    # ------------------------------------------------------------------ control
    def start(self) -> Task:
        _ACTIVE.add(self)
        self._started = True
        self.worker_thread.start()
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

    @property
    def running(self) -> bool:
        """Started and ``finished`` not delivered yet."""
        return self._started and not self._done

    def wait(self, timeout_ms: int = 15000) -> bool:
        """Process events until ``finished`` was delivered (True) or ``timeout_ms`` passed (False)."""
        timer = QElapsedTimer()
        timer.start()
        while self.running and timer.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            self.worker_thread.wait(10)
        QCoreApplication.processEvents()
        return not self.running

    # ------------------------------------------------------------------ relays (GUI thread)
    @Slot()
    def _on_started(self) -> None:
        self.started.emit()

    @Slot(object)
    def _on_progress(self, value: object) -> None:
        self.progress.emit(value)

    @Slot(object)
    def _on_result(self, value: object) -> None:
        # a result the worker sent just before the cancel is dropped too: the window may be closing, and
        # whatever the result would start (an upload, a dialog) is no longer wanted
        if self.cancelled and not self.worker.result_on_cancel:
            return
        self.result.emit(value)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)

    @Slot()
    def _on_finished(self) -> None:
        self._done = True
        self.finished.emit()
        self.worker_thread.quit()

    @Slot()
    def _on_thread_finished(self) -> None:
        self.worker_thread.wait()
        _ACTIVE.discard(self)


def start_task(
    fn: Callable[..., Any],
    *args: Any,
    parent: QWidget | None = None,
    on_result: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    on_started: Callable[[], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    pass_cancel: bool = False,
    pass_report: bool = False,
    result_on_cancel: bool = False,
    name: str = "",
    **kwargs: Any,
) -> Task:
    """Run ``fn(*args, **kwargs)`` on a new thread and return its :class:`Task` handle.

    ``on_failed`` handles failures; without it they go to :func:`gui.errors.show_error` with
    ``parent``. All callbacks run on the GUI thread.
    """
    worker = Worker(fn, *args, result_on_cancel=result_on_cancel, **kwargs)
    if pass_cancel:
        worker.pass_cancel()
    if pass_report:
        worker.pass_report()
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
            if task.worker_thread.wait(10):
                # the finished signal may not have been delivered yet; deliver it now
                if app is not None:
                    QCoreApplication.processEvents()
    if app is not None:
        QCoreApplication.processEvents()
    return not _ACTIVE

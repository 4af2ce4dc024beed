"""The one place errors are shown, and the last line of defence for the unexpected ones.

:func:`show_error` takes the exception *object* (workers hand them over as objects): our own
:class:`core.errors.UploaderError` types carry one readable sentence with no secret, so that sentence
is the message; anything else is a bug, shown with an apology and the details folded away for
support. :func:`install_excepthook` routes uncaught exceptions (from any thread) to a dialog
instead of a silent crash.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core import APP_TITLE
from core.errors import (
    ConfigError,
    CredentialError,
    CredentialsRefused,
    FileProblem,
    JobBusy,
    JournalError,
    KeyringUnavailable,
    MissingCredentials,
    NetworkProblem,
    ProviderError,
    UploaderError,
    UsageError,
)
from core.i18n import N_, _

log = logging.getLogger(__name__)

_TITLES: tuple[tuple[type[BaseException], str], ...] = (
    (JobBusy, N_("Already being uploaded")),
    (JournalError, N_("Job journal problem")),
    (KeyringUnavailable, N_("No keyring available")),
    (MissingCredentials, N_("Credentials needed")),
    (CredentialsRefused, N_("Credentials refused")),
    (CredentialError, N_("Credentials problem")),
    (NetworkProblem, N_("Network problem")),
    (FileProblem, N_("Cannot read the file")),
    (ConfigError, N_("Settings problem")),
    (ProviderError, N_("Unexpected answer")),
    (UsageError, N_("Cannot do that")),
    (UploaderError, N_("Problem")),
)


def title_for(exc: BaseException) -> str:
    for cls, title in _TITLES:
        if isinstance(exc, cls):
            return _(title)
    return _("Something went wrong")


def readable(exc: BaseException) -> str:
    """One sentence for the user: ours as they are, anything else as an apology."""
    if isinstance(exc, UploaderError):
        return str(exc) or title_for(exc)
    return _(
        "{app} ran into an unexpected problem and could not finish this step. "
        "Your data is safe; please try again, and send the details below to support if it happens again."
    ).format(app=APP_TITLE)


def _details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def show_error(parent: QWidget | None, exc: object) -> QMessageBox | None:
    """Show ``exc`` to the user (non-blocking, window-modal) and log it; returns the dialog.

    BaseExceptions that are not Exceptions (KeyboardInterrupt, SystemExit) are re-raised.
    """
    if isinstance(exc, BaseException) and not isinstance(exc, Exception):
        raise exc
    if not isinstance(exc, BaseException):
        exc = RuntimeError(str(exc))
    expected = isinstance(exc, UploaderError)
    if expected:
        log.warning("%s: %s", type(exc).__name__, exc)
    else:
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if QApplication.instance() is None:
        return None
    box = QMessageBox(parent)
    box.setObjectName("ErrorDialog")
    box.setWindowTitle(_("{title} — {app}").format(title=title_for(exc), app=APP_TITLE))
    box.setIcon(QMessageBox.Icon.Warning if expected else QMessageBox.Icon.Critical)
    box.setText(title_for(exc))
    box.setInformativeText(readable(exc))
    if not expected:
        box.setDetailedText(_details(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    modality = Qt.WindowModality.WindowModal if parent is not None else Qt.WindowModality.ApplicationModal
    box.setWindowModality(modality)
    box.open()
    return box


class _Relay(QObject):
    """Carries exceptions raised on any thread to the GUI thread."""

    raised = Signal(object)

    @Slot(object)
    def show(self, exc: object) -> None:
        _show_unexpected(exc)


_relay: _Relay | None = None
_showing = False


def _show_unexpected(exc: object) -> None:
    global _showing
    if _showing or not isinstance(exc, BaseException):
        return
    _showing = True
    try:
        parent = QApplication.activeWindow()
        show_error(parent, exc)
    finally:
        _showing = False


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook``: log the traceback and show it in a dialog on the GUI thread."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    sys.__excepthook__(exc_type, exc, tb)
    if _relay is not None:
        _relay.raised.emit(exc)


def _thread_hook(args: Any) -> None:
    if args.exc_value is not None:
        excepthook(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthook() -> None:
    """Route uncaught exceptions (GUI thread and Python threads) to an error dialog."""
    global _relay
    if _relay is None:
        _relay = _Relay()
        _relay.raised.connect(_relay.show, Qt.ConnectionType.QueuedConnection)
    sys.excepthook = excepthook
    threading.excepthook = _thread_hook

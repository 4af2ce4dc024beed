"""Start the window: the language, the QApplication, its icon and style sheet, the excepthook, and ``--demo``.

The language (:func:`start_language`): ``--lang``, else ``CONTACT_UPLOADER_LANG``, else the one chosen in
the window's Settings → Language menu, else the operating system's UI languages (as Qt reads them), else
English. :func:`install_translations` then loads Qt's own ``qtbase_<lang>.qm`` (standard buttons, file
dialogs) and sets Qt's default locale; under the ``qps`` pseudo-locale a :class:`PseudoTranslator` makes
Qt's own texts pseudo-translated too.

``--demo`` starts :class:`core.demo.DemoSession` (the loopback sandbox with demo credentials) for the
life of the window and shows a DEMO banner, so a newcomer can try every step without an account.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from core import APP_TITLE, __version__, i18n
from core.providers import PROVIDERS
from core.resources import resource_path

log = logging.getLogger(__name__)

ORGANISATION = "Contact Uploader"
SMOKE_ENV = "CONTACT_UPLOADER_SMOKE_TEST"
_T0 = time.perf_counter()

# One valid contact per provider, sent through the form by the smoke test under --demo.
SMOKE_VALUES: dict[str, dict[str, str]] = {
    "netcore": {"EMAIL": "smoke@example.com", "FIRST_NAME": "Smoke"},
    "iletimerkezi": {"name": "Smoke", "gsm": "+905321234567"},
    "aptania": {"contactEmailaddress": "smoke@example.com", "contactProfileID": "1"},
    "octopush": {"phone_number": "+33611223344", "first_name": "Smoke"},
}


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Window options; whatever is left over goes to Qt (``-platform offscreen`` …)."""
    parser = argparse.ArgumentParser(prog="contact-uploader", add_help=False)
    parser.add_argument("--demo", action="store_true", help="use the built-in sandbox with demo credentials")
    parser.add_argument("--provider", choices=sorted(PROVIDERS), help="the platform to start with")
    parser.add_argument("--profile", help="the credential profile to start with")
    parser.add_argument("--lang", help="the language of the window (en, tr, fr, es)")
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help="a spreadsheet to open in the import view")
    return parser.parse_known_args(list(argv))


def system_languages() -> list[str]:
    """The operating system's UI languages, best first, as Qt reads them (the Windows UI language, macOS
    preferred languages, ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``)."""
    return [str(name) for name in QLocale.system().uiLanguages()]


def start_language(given: str | None = None) -> str:
    """Choose the window's language (``given`` is ``--lang``) and speak it from now on; returns its code."""
    saved: str | None = None
    try:
        from core import settings

        saved = settings.load().language()
    except Exception:
        log.debug("no saved language", exc_info=True)
    system = [*system_languages(), *i18n.os_languages()]
    return i18n.set_language(i18n.choose_language(given, saved=saved, system=system))


class PseudoTranslator(QTranslator):
    """Qt's own texts (standard buttons, file dialogs) under the ``qps`` pseudo-locale."""

    def translate(self, context: str, sourceText: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        if not sourceText or sourceText == "QT_LAYOUT_DIRECTION":
            return ""  # "" means "no translation": Qt keeps the source (left-to-right stays)
        return i18n.pseudo(sourceText)

    def isEmpty(self) -> bool:
        return False


def qt_translation_dirs() -> list[Path]:
    """Where Qt's ``qtbase_<lang>.qm`` are: Qt's translations folder, and in the PyInstaller bundle the
    ``PySide6/Qt/translations`` folder the bundle keeps them in (build.spec keeps en, tr, fr, es)."""
    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        dirs += [Path(bundle) / "PySide6" / "Qt" / "translations", Path(bundle) / "PySide6" / "translations"]
    return list(dict.fromkeys(dirs))


_translators: list[QTranslator] = []


def install_translations(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Qt's own texts in ``lang`` and Qt's default locale (numbers in spin boxes, dates); replaces the
    translator installed before. Returns the translator (None for English or a missing ``.qm``)."""
    for old in _translators:
        app.removeTranslator(old)
    _translators.clear()
    QLocale.setDefault(QLocale(i18n.DEFAULT if lang == i18n.PSEUDO else lang))
    translator: QTranslator | None = None
    if lang == i18n.PSEUDO:
        translator = PseudoTranslator(app)
    elif lang != i18n.DEFAULT:
        for folder in qt_translation_dirs():
            candidate = QTranslator(app)
            if candidate.load(f"qtbase_{lang}", str(folder)):
                translator = candidate
                break
        else:
            log.warning("Qt's translation qtbase_%s.qm was not found; Qt's buttons stay in English.", lang)
    if translator is not None:
        app.installTranslator(translator)
        _translators.append(translator)
    return translator


# How long a thread may hold the GIL before another one that waits gets it. The window's thread waits for
# it whenever a worker runs Python (reading, checking, uploading): with Python's default 5 ms, each of the
# many times the GUI thread gives it up and takes it back while painting costs up to 5 ms.
GIL_SWITCH_SECONDS = 0.001
# Workbooks bigger than this are read by a child process (core.workbook_child): calamine frees a big sheet
# holding the GIL, ~100 ms for a million rows. Below it the child's start (~0.2 s) would cost more.
WORKBOOK_CHILD_ABOVE = 1_000_000


def tune_process() -> None:
    """What the window's process needs so that its workers never freeze it (see the two constants)."""
    from core import workbook_child

    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    workbook_child.isolate(WORKBOOK_CHILD_ABOVE)


def create_application(qt_args: Sequence[str] = ()) -> QApplication:
    """The QApplication with our names (for QSettings), icon, style sheet and Qt's own texts in the
    current language (:func:`core.i18n.language`); the process tuned for the window (:func:`tune_process`)."""
    tune_process()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("contact-uploader")
    icon_path = resource_path("icons", "app.png")
    if icon_path.exists():
        app.setWindowIcon(QIcon(str(icon_path)))
    from gui import theme

    app.setStyleSheet(theme.style_sheet())
    install_translations(app, i18n.language())
    return app


def _setup_logging() -> None:
    try:
        from core.logsetup import setup_logging

        setup_logging()
    except Exception:
        log.debug("logging setup failed", exc_info=True)


def main(argv: Sequence[str] | None = None) -> int:
    ns, qt_args = parse_args(sys.argv[1:] if argv is None else argv)
    _setup_logging()
    start_language(ns.lang)
    app = create_application(qt_args)
    from gui.errors import install_excepthook, show_error

    install_excepthook()
    _quit_on_stop_signals(app)

    from gui.main_window import MainWindow, initial_choice

    with contextlib.ExitStack() as stack:
        demo: Any = None
        if ns.demo:
            try:
                from core.demo import DemoSession

                demo = stack.enter_context(DemoSession())
            except Exception as exc:  # noqa: BLE001 - shown to the user, then the window opens without demo
                show_error(None, exc)
                demo = None
        from gui.context import AppContext

        provider, profile = initial_choice(ns.provider, ns.profile)
        context = AppContext(provider, profile, demo=demo)
        window = MainWindow(context)
        window.show()
        if ns.file:
            QTimer.singleShot(0, lambda: window.open_file(ns.file))
        elif not ns.smoke_test:
            QTimer.singleShot(200, window.offer_resume)  # after the first paint: start-up stays fast
        if ns.smoke_test or os.environ.get(SMOKE_ENV, "").strip():
            QTimer.singleShot(0, lambda: _smoke(app, window, demo is not None))
        status = app.exec()
        # a task started after the window closed (the start-up offer's lookup, timed 200 ms after the
        # show) must end before Python tears its QThread down: Qt aborts on a thread destroyed running
        from gui import workers

        workers.cancel_all()
        workers.wait_all(5000)
    return int(status)


STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGBREAK")  # logout/shutdown/kill, closed terminal, Windows console


def _quit_on_stop_signals(app: QApplication) -> None:
    """SIGTERM, SIGHUP and (Windows) SIGBREAK quit the application the orderly way: ``aboutToQuit`` then
    stops a running upload as Cancel does (answers in flight recorded, the job left resumable).

    Python runs a signal handler only when the interpreter gets control, which it does not while Qt's
    event loop waits; ``signal.set_wakeup_fd`` writes a byte to a socket that a QSocketNotifier watches,
    so the loop wakes and the handler runs at once. Where that is not possible the signals keep their
    default action.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    try:
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (OSError, ValueError, AttributeError):
        log.debug("no wake-up socket for signals", exc_info=True)
        return
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:  # the Python handlers run as this slot returns to the interpreter
        with contextlib.suppress(OSError):
            reader.recv(512)

    notifier.activated.connect(drain)

    def handler(signum: int, frame: Any) -> None:  # no logging here: it may interrupt a log call
        QTimer.singleShot(0, app.quit)

    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, handler)
    _keep_alive.extend((reader, writer, notifier))  # alive as long as the application


_keep_alive: list[Any] = []


def _smoke(app: QApplication, window: Any, demo: bool) -> None:
    """Report the window shown; under --demo also send one contact through the form, then quit.

    Exit status 0 when the contact was accepted, 1 when it was not, 3 when nothing came back in time.
    """
    sys.stdout.write(f"window shown after {time.perf_counter() - _T0:.3f} s\n")
    sys.stdout.flush()
    if not demo:
        window.close()
        return
    form = window.form
    form.set_values(SMOKE_VALUES[window.context.provider.name])
    form.send()
    if form.task is None:
        sys.stdout.write(f"smoke: not sent: {form.result_panel.message.text()}\n")
        window.close()
        app.exit(1)
        return

    def done() -> None:
        panel = form.result_panel
        sys.stdout.write(f"smoke: {panel.title.text()}: {panel.message.text()}\n")
        sys.stdout.flush()
        window.close()
        app.exit(0 if panel.tone == "success" else 1)

    def too_late() -> None:
        sys.stdout.write("smoke: no answer from the form within 30 s\n")
        window.close()
        app.exit(3)

    form.task.finished.connect(lambda: QTimer.singleShot(0, done))
    QTimer.singleShot(30000, too_late)

"""The main window: header (platform, profile, credentials), DEMO banner, two pages, menus, status bar.

Pages: "Add one contact" (:class:`gui.contact_form.ContactForm`) and "Import a spreadsheet"
(``gui.import_view.ImportView``, loaded lazily so start-up stays fast). A file dropped anywhere on the
window, or chosen with File → Open spreadsheet…, goes to ``ImportView.open_file(path)``.
Window geometry and the last platform/profile/page are kept in an INI file in the state directory.
"""

from __future__ import annotations

import contextlib
import html
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QObject, QProcess, QProcessEnvironment, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core import APP_TITLE, i18n
from core.i18n import _
from core.paths import state_dir
from core.providers import PROVIDERS
from gui import theme
from gui.context import AppContext, CredentialState

log = logging.getLogger(__name__)

PAGE_FORM = 0
PAGE_IMPORT = 1
PILL_DOTS = {"demo": "#F79009", "ok": "#12B76A", "warn": "#F79009", "error": "#F04438"}  # status pill dot
SPREADSHEET_PATTERNS = "*.csv *.tsv *.txt *.xlsx *.xlsm *.xls *.ods"
RECENT_KEY = "recentSavedImports"
RECENT_MAX = 8


def spreadsheet_filter() -> str:
    return _("Spreadsheets ({patterns})").format(patterns=SPREADSHEET_PATTERNS) + ";;" + _("All files (*)")


def saved_import_filter() -> str:
    return _("Saved imports ({patterns})").format(patterns="*.cuimport") + ";;" + _("All files (*)")


def restart_command(argv: Sequence[str] | None = None) -> tuple[str, list[str]]:
    """The program and arguments that start this program again with the same arguments, except ``--lang``
    (the language just chosen must win): the bundle's executable when frozen, else ``python -m gui``."""
    args = list(sys.argv[1:] if argv is None else argv)
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--lang":
            skip = True
            continue
        if arg.startswith("--lang="):
            continue
        kept.append(arg)
    if getattr(sys, "frozen", False):
        return sys.executable, kept
    return sys.executable, ["-m", "gui", *kept]


def launch_detached(program: str, arguments: Sequence[str]) -> bool:
    """Start ``program`` on its own (it outlives this one), without ``CONTACT_UPLOADER_LANG``, so the
    language chosen in the window applies; True when it started."""
    process = QProcess()
    process.setProgram(program)
    process.setArguments(list(arguments))
    env = QProcessEnvironment.systemEnvironment()
    env.remove(i18n.ENV_LANG)
    process.setProcessEnvironment(env)
    started = process.startDetached()
    return bool(started)


def window_settings() -> QSettings:
    """The window's own settings (geometry, last choices): an INI file in the state directory."""
    return QSettings(str(state_dir() / "window.ini"), QSettings.Format.IniFormat)


def initial_choice(provider: str | None, profile: str | None) -> tuple[str, str]:
    """The platform and profile to start with: the command line, else the last used, else the first."""
    settings = window_settings()
    name = provider or str(settings.value("provider", "") or "")
    if name not in PROVIDERS:
        name = next(iter(PROVIDERS))
    prof = profile or (str(settings.value("profile", "") or "") if not provider else "") or "default"
    return name, prof


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.settings = window_settings()
        self._import_view: Any = None
        self._import_failed = False
        self._pending_file: str | None = None
        self.setObjectName("MainWindow")
        self.setWindowTitle(_("{app} — DEMO").format(app=APP_TITLE) if context.is_demo else APP_TITLE)
        self.language_notice: QMessageBox | None = None
        self.setAcceptDrops(True)
        self.setMinimumSize(QSize(760, 520))

        central = QWidget(self)
        central.setObjectName("Central")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_header())
        self.demo_banner = self._build_demo_banner()
        outer.addWidget(self.demo_banner)
        self.demo_banner.setVisible(context.is_demo)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("Nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(220)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for text, icon_name, tip in (
            (_("Add one contact"), "nav-contact",
             _("Type one contact and send it ({key})").format(key="Ctrl+1")),
            (_("Import a spreadsheet"), "nav-sheet",
             _("Upload many contacts from a file ({key})").format(key="Ctrl+2")),
        ):
            item = QListWidgetItem(theme.icon(icon_name), text)
            item.setToolTip(tip)
            item.setSizeHint(QSize(200, 44))
            self.nav.addItem(item)
        # wide enough for the longest page name in any language, in the bold of the selected page
        bold = QFont(self.nav.font())
        bold.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(bold)
        widest = max(metrics.horizontalAdvance(self.nav.item(i).text()) for i in range(self.nav.count()))
        width = max(220, widest + 84)
        self.nav.setFixedWidth(width)
        for i in range(self.nav.count()):
            self.nav.item(i).setSizeHint(QSize(width - 20, 44))
        body.addWidget(self.nav)

        self.pages = QStackedWidget()
        self.pages.setObjectName("Pages")
        from gui.contact_form import ContactForm

        self.form = ContactForm(context, self)
        self.form.credentialsRequested.connect(self.open_credentials)
        scroll = QScrollArea()
        scroll.setObjectName("FormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.pages.addWidget(scroll)
        self.import_page = QWidget()
        self.import_page.setObjectName("ImportPage")
        self._import_layout = QVBoxLayout(self.import_page)
        self._import_layout.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(self.import_page)
        body.addWidget(self.pages, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self.endpoint_label = QLabel()
        self.endpoint_label.setObjectName("Endpoint")
        self.statusBar().addPermanentWidget(self.endpoint_label)
        self.statusBar().setSizeGripEnabled(True)

        self.nav.currentRowChanged.connect(self._on_page)
        context.providerChanged.connect(self._on_provider_changed)
        context.profileChanged.connect(self._on_profile_changed)
        context.credentialsChanged.connect(self._refresh_status)

        self._restore()
        self._refresh_providers()
        self._refresh_profiles()
        self._refresh_status()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # file drops on any child widget (line edits take text drops)
            # logout, shutdown, SIGTERM (gui.app turns it into quit()): stop a running upload as Cancel
            # does, leaving it resumable, instead of dying with requests in flight
            app.aboutToQuit.connect(self.stop_for_session_end)
            if isinstance(app, QGuiApplication):
                app.commitDataRequest.connect(self._on_commit_data)
        self.statusBar().showMessage(
            _("Demo mode: everything goes to the built-in sandbox.") if context.is_demo else _("Ready."), 6000
        )
        self.show_notices()

    def show_notices(self) -> None:
        """Sentences the core kept for the user (a damaged settings file moved aside) in the status bar."""
        from core.settings import take_notices

        notices = take_notices()
        if notices:
            self.statusBar().showMessage(" ".join(notices), 30000)

    # ------------------------------------------------------------------ building
    def _build_header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("Header")
        row = QHBoxLayout(header)
        row.setContentsMargins(20, 12, 20, 12)
        row.setSpacing(10)
        logo = QLabel()
        logo.setObjectName("Logo")
        logo.setPixmap(theme.pixmap("app", 32))
        row.addWidget(logo)
        title = QLabel(APP_TITLE)
        title.setObjectName("AppTitle")
        row.addWidget(title)
        row.addStretch(1)

        platform_label = QLabel(_("Platform"))
        platform_label.setObjectName("HeaderLabel")
        row.addWidget(platform_label)
        self.provider_combo = QComboBox()
        self.provider_combo.setObjectName("ProviderCombo")
        self.provider_combo.setMinimumWidth(200)
        self.provider_combo.setToolTip(_("The marketing platform contacts are sent to"))
        platform_label.setBuddy(self.provider_combo)
        row.addWidget(self.provider_combo)
        row.addSpacing(8)

        profile_label = QLabel(_("Account"))
        profile_label.setObjectName("HeaderLabel")
        row.addWidget(profile_label)
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("ProfileCombo")
        self.profile_combo.setMinimumWidth(120)
        self.profile_combo.setToolTip(_("The credential profile (several accounts per platform)"))
        profile_label.setBuddy(self.profile_combo)
        row.addWidget(self.profile_combo)
        row.addSpacing(8)

        self.status_pill = QLabel()
        self.status_pill.setObjectName("StatusPill")
        row.addWidget(self.status_pill)

        self.credentials_button = QPushButton(" " + _("Credentials…"))  # a space between the key and the word
        self.credentials_button.setObjectName("CredentialsButton")
        self.credentials_button.setIcon(theme.icon("key"))
        self.credentials_button.clicked.connect(lambda: self.open_credentials())
        row.addWidget(self.credentials_button)

        self.provider_combo.currentIndexChanged.connect(self._on_provider_combo)
        self.profile_combo.currentIndexChanged.connect(self._on_profile_combo)
        return header

    def _build_demo_banner(self) -> QWidget:
        banner = QFrame()
        banner.setObjectName("DemoBanner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(20, 8, 20, 8)
        row.setSpacing(12)
        tag = QLabel("DEMO")
        tag.setObjectName("DemoTag")
        row.addWidget(tag)
        text = QLabel(
            _("You are trying {app} against its built-in sandbox with demo credentials. "
              "Nothing is sent to a real platform.").format(app=APP_TITLE)
        )
        text.setObjectName("DemoText")
        text.setWordWrap(True)
        row.addWidget(text, 1)
        return banner

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        self.open_action = QAction(_("&Open spreadsheet…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_file)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        self.open_saved_action = QAction(_("Open &saved import…"), self)
        self.open_saved_action.setToolTip(_("Apply the settings of a .cuimport file to a spreadsheet"))
        self.open_saved_action.triggered.connect(self.choose_saved_import)
        file_menu.addAction(self.open_saved_action)
        self.recent_menu = file_menu.addMenu(_("&Recent saved imports"))
        self.recent_menu.setObjectName("recentSavedImports")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        self.save_settings_action = QAction(_("Save import &settings…"), self)
        self.save_settings_action.setToolTip(_("After the check: keep this import's settings in a "
                                               ".cuimport file"))
        self.save_settings_action.setEnabled(False)
        self.save_settings_action.triggered.connect(self._save_settings)
        file_menu.addAction(self.save_settings_action)
        file_menu.addSeparator()
        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        view_menu = bar.addMenu(_("&View"))
        self.form_action = QAction(_("&Add one contact"), self)
        self.form_action.setShortcut(QKeySequence("Ctrl+1"))
        self.form_action.triggered.connect(lambda: self.show_page(PAGE_FORM))
        view_menu.addAction(self.form_action)
        self.import_action = QAction(_("&Import a spreadsheet"), self)
        self.import_action.setShortcut(QKeySequence("Ctrl+2"))
        self.import_action.triggered.connect(lambda: self.show_page(PAGE_IMPORT))
        view_menu.addAction(self.import_action)

        account_menu = bar.addMenu(_("&Account"))
        self.credentials_action = QAction(_("&Credentials…"), self)
        self.credentials_action.setShortcut(QKeySequence("Ctrl+K"))
        self.credentials_action.triggered.connect(lambda: self.open_credentials())
        account_menu.addAction(self.credentials_action)
        self.test_action = QAction(_("&Test connection"), self)
        self.test_action.setShortcut(QKeySequence("Ctrl+T"))
        self.test_action.triggered.connect(lambda: self.open_credentials(test=True))
        account_menu.addAction(self.test_action)

        self._build_settings_menu()

        help_menu = bar.addMenu(_("&Help"))
        self.about_action = QAction(_("&About {app}").format(app=APP_TITLE), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _build_settings_menu(self) -> None:
        """Settings → Language: the system's language, or one of the program's (each named in itself)."""
        settings_menu = self.menuBar().addMenu(_("&Settings"))
        self.language_menu = settings_menu.addMenu(_("&Language"))
        self.language_menu.setObjectName("languageMenu")
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.language_actions: dict[str | None, QAction] = {}
        saved = self._saved_language()
        choices: list[tuple[str | None, str]] = [(None, _("&Automatic (system language)"))]
        choices += [(code, i18n.NATIVE_NAMES[code]) for code in i18n.LANGUAGES]
        for code, label in choices:
            action = QAction(label, self)
            action.setCheckable(True)
            action.setMenuRole(QAction.MenuRole.NoRole)  # macOS: never moved to the application menu
            action.setData(code or "")
            action.setChecked(code == saved)
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
            if code is None:
                self.language_menu.addSeparator()
        self.language_group.triggered.connect(self._on_language_action)

    @staticmethod
    def _saved_language() -> str | None:
        from core import settings

        try:
            saved = i18n.normalise(settings.load().language())
        except Exception:
            log.debug("saved language not read", exc_info=True)
            return None
        return saved if saved in i18n.LANGUAGES else None

    def _on_language_action(self, action: QAction) -> None:
        self.choose_language(str(action.data() or "") or None)

    def choose_language(self, code: str | None) -> None:
        """Remember ``code`` (None: follow the system) for the next start, window and command line, and
        say so, offering to restart now unless an upload is running."""
        from core import settings
        from core.errors import UploaderError
        from gui.errors import show_error

        if code == self._saved_language():
            return
        try:
            with settings.edit() as edited:
                edited.set_language(code)
        except UploaderError as exc:
            show_error(self, exc)
            return
        action = self.language_actions.get(code)
        if action is not None and not action.isChecked():
            action.setChecked(True)
        self.show_language_notice()

    def show_language_notice(self) -> QMessageBox:
        """The (non-blocking) message after a language change, with "Restart now" unless an upload runs."""
        if self.language_notice is not None:
            self.language_notice.close()
        box = QMessageBox(self)
        box.setObjectName("LanguageNotice")
        box.setWindowTitle(_("Language"))
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(_("The window switches to the new language when {app} restarts.").format(app=APP_TITLE))
        running = self.upload_running()
        if running:
            box.setInformativeText(_("An upload is running: restart once it has ended."))
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            self.restart_button: QPushButton | None = None
        else:
            self.restart_button = box.addButton(_("&Restart now"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(_("&Later"), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(self.restart_button)
            self.restart_button.clicked.connect(self.restart)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget_language_notice)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.language_notice = box
        return box

    def _forget_language_notice(self, *_args: object) -> None:
        self.language_notice = None

    def upload_running(self) -> bool:
        view = self._import_view
        running = getattr(view, "has_running_upload", None)
        return bool(callable(running) and running())

    def restart(self) -> bool:
        """Start the program again with the same arguments and close this window (refused while an upload
        runs); True when the new one started."""
        if self.upload_running():
            return False
        program, arguments = restart_command()
        if not launch_detached(program, arguments):
            from core.errors import UsageError
            from gui.errors import show_error

            show_error(self, UsageError(_("{app} could not be started again: please start it yourself.")
                                        .format(app=APP_TITLE)))
            return False
        log.info("restarting for a new language: %s %s", program, arguments)
        self.close()
        app = QApplication.instance()
        if app is not None:
            QTimer.singleShot(0, app.quit)
        return True

    # ------------------------------------------------------------------ state
    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None and self.restoreGeometry(geometry):
            pass
        else:
            self.resize(1200, 800)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        try:
            page = int(self.settings.value("page", PAGE_FORM))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            page = PAGE_FORM
        self.show_page(page if page in (PAGE_FORM, PAGE_IMPORT) else PAGE_FORM)

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("provider", self.context.provider.name)
        self.settings.setValue("profile", self.context.profile)
        self.settings.setValue("page", self.pages.currentIndex())
        self.settings.sync()

    def stop_for_session_end(self) -> None:
        """Stop a running upload without asking (the session or the application is ending)."""
        stop = getattr(self._import_view, "stop_for_shutdown", None)
        if callable(stop):
            stop()

    def _on_commit_data(self, manager: object) -> None:
        self.stop_for_session_end()
        try:
            self.save_state()
        except Exception:
            log.debug("window state not saved at session end", exc_info=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        view = self._import_view
        confirm = getattr(view, "request_close", None)
        if callable(confirm) and not confirm():  # an upload is running and the user wants to keep it
            event.ignore()
            return
        self.save_state()
        from gui import workers

        workers.cancel_all()
        workers.wait_all(5000)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
            with warnings.catch_warnings(), contextlib.suppress(RuntimeError, TypeError):
                warnings.simplefilter("ignore")
                app.aboutToQuit.disconnect(self.stop_for_session_end)
                if isinstance(app, QGuiApplication):
                    app.commitDataRequest.disconnect(self._on_commit_data)
        super().closeEvent(event)

    # ------------------------------------------------------------------ header
    def _refresh_providers(self) -> None:
        self.provider_combo.blockSignals(True)
        self.provider_combo.clear()
        for provider in self.context.providers():
            self.provider_combo.addItem(provider.title, provider.name)
        self.provider_combo.setCurrentIndex(self.provider_combo.findData(self.context.provider.name))
        self.provider_combo.blockSignals(False)

    def _refresh_profiles(self) -> None:
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        if self.context.is_demo:
            self.profile_combo.addItem(_("demo"), self.context.profile)
            self.profile_combo.setEnabled(False)
            self.profile_combo.setToolTip(_("Demo mode uses the sandbox's demo account."))
        else:
            for name in self.context.profiles():
                self.profile_combo.addItem(name, name)
            self.profile_combo.setCurrentIndex(max(0, self.profile_combo.findData(self.context.profile)))
        self.profile_combo.blockSignals(False)

    def _refresh_status(self) -> None:
        status = self.context.credential_status()
        # green only once a test or an upload went through, amber while not checked (or in the demo,
        # on a neutral pill), red when the credentials are refused or cannot be had at all
        tone = {
            CredentialState.DEMO: "demo",
            CredentialState.STORED: "warn",
            CredentialState.VERIFIED: "ok",
            CredentialState.MISSING: "error",
            CredentialState.NO_KEYRING: "error",
            CredentialState.REFUSED: "error",
        }[status.state]
        dot = PILL_DOTS[tone]
        self.status_pill.setTextFormat(Qt.TextFormat.RichText)
        self.status_pill.setText(f'<span style="color:{dot}">●</span>&nbsp;&nbsp;{html.escape(status.text)}')
        self.status_pill.setAccessibleName(_("Credentials: {state}").format(state=status.text))
        self.status_pill.setToolTip(status.detail)
        theme.set_prop(self.status_pill, "tone", tone)
        self.test_action.setEnabled(self.context.provider.has_credential_check)
        self.test_action.setToolTip(
            "" if self.context.provider.has_credential_check
            else _("{provider} offers no connection test.").format(provider=self.context.provider.title)
        )
        self._refresh_endpoint()

    def _refresh_endpoint(self) -> None:
        try:
            url = self.context.base_url()
        except Exception:  # noqa: BLE001 - the status bar must never break the window
            url = ""
        host = urlsplit(url).netloc if url else ""
        where = _("Sandbox · {host}").format(host=host) if self.context.is_demo and host else host
        self.endpoint_label.setText(f"{self.context.provider.title}  →  {where}" if where else "")
        self.endpoint_label.setToolTip(url.split("?")[0])

    def _on_provider_combo(self, index: int) -> None:
        name = self.provider_combo.itemData(index)
        if name:
            self.context.set_provider(str(name))

    def _on_profile_combo(self, index: int) -> None:
        name = self.profile_combo.itemData(index)
        if name and not self.context.is_demo:
            self.context.set_profile(str(name))

    def _on_provider_changed(self, provider: object) -> None:
        index = self.provider_combo.findData(self.context.provider.name)
        if index != self.provider_combo.currentIndex():
            self.provider_combo.blockSignals(True)
            self.provider_combo.setCurrentIndex(index)
            self.provider_combo.blockSignals(False)
        self._refresh_profiles()
        self._refresh_status()
        self.statusBar().showMessage(
            _("Now sending to {provider}.").format(provider=self.context.provider.title), 4000)

    def _on_profile_changed(self, profile: str) -> None:
        self._refresh_profiles()
        self._refresh_status()

    # ------------------------------------------------------------------ pages
    def show_page(self, index: int) -> None:
        if index == PAGE_IMPORT:
            self._ensure_import_view()
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(index)
        self.nav.blockSignals(False)
        self.pages.setCurrentIndex(index)

    def _on_page(self, index: int) -> None:
        self.show_page(index)

    def _ensure_import_view(self) -> Any:
        """The import view, created on first use; None (with a placeholder) when it is not available."""
        if self._import_view is not None or self._import_failed:
            return self._import_view
        try:
            from gui.import_view import ImportView
        except ModuleNotFoundError as exc:
            if exc.name not in ("gui.import_view",):
                raise
            self._import_failed = True
            placeholder = QLabel(_("The spreadsheet import is not part of this build yet."))
            placeholder.setObjectName("Placeholder")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._import_layout.addWidget(placeholder)
            return None
        self._import_view = ImportView(self.context, self.import_page)
        self._import_layout.addWidget(self._import_view)
        for signal in (self._import_view.stepChanged, self._import_view.busyChanged):
            signal.connect(self._update_save_action)
        self._import_view.settingsSaved.connect(self._remember_saved_import)
        self._import_view.resumeStarted.connect(self._resume_started)
        return self._import_view

    def offer_resume(self) -> None:
        """Offer to resume an upload left unfinished last time (called once the window is shown); the
        import page comes forward when one is resumed (``resumeStarted``)."""
        if not self.isVisible():
            return  # closed before the offer was due
        view = self._ensure_import_view()
        offer = getattr(view, "offer_resume", None)
        if callable(offer):
            offer()

    def _resume_started(self) -> None:
        self.show_page(PAGE_IMPORT)

    @property
    def import_view(self) -> Any:
        return self._ensure_import_view()

    # ------------------------------------------------------------------ files
    def choose_file(self) -> None:
        start = str(self.settings.value("lastFolder", "") or Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a spreadsheet"), start,
                                                    spreadsheet_filter())
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> None:
        """Show the import page and hand it ``path``."""
        path = str(path)
        self.settings.setValue("lastFolder", str(Path(path).parent))
        self.show_page(PAGE_IMPORT)
        view = self._import_view
        if view is None:
            self.statusBar().showMessage(_("The spreadsheet import is not available in this build."), 6000)
            return
        self.statusBar().showMessage(_("Opening {file}…").format(file=Path(path).name), 4000)
        view.open_file(path)

    def _open_path(self, path: str) -> None:
        """A dropped file: a saved import is applied, anything else is opened as a spreadsheet."""
        from core.saved_import import SUFFIX

        if path.lower().endswith(SUFFIX):
            self.open_saved_import(path)
        else:
            self.open_file(path)

    # ------------------------------------------------------------------ saved imports
    def choose_saved_import(self) -> None:
        start = str(self.settings.value("lastSavedFolder", "") or self.settings.value("lastFolder", "")
                    or Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a saved import"), start,
                                                    saved_import_filter())
        if path:
            self.open_saved_import(path)

    def open_saved_import(self, path: str | Path) -> bool:
        """Apply a ``.cuimport`` file: its platform (asking first when another one is selected) and
        account, then the open spreadsheet, or one asked for. A bad file is one sentence in a dialog."""
        from core.errors import UsageError
        from core.saved_import import SavedImport
        from gui.errors import show_error

        path = Path(path)
        try:
            saved = SavedImport.load(path)
        except UsageError as exc:
            show_error(self, exc)
            return False
        self.settings.setValue("lastSavedFolder", str(path.parent))
        self._remember_saved_import(str(path))
        self.show_page(PAGE_IMPORT)
        view = self._import_view
        if view is None:
            self.statusBar().showMessage(_("The spreadsheet import is not available in this build."), 6000)
            return False
        if view.has_running_upload():
            show_error(self, UsageError(
                _("{file} can be applied once the running upload has ended.").format(file=path.name)))
            return False
        if saved.provider != self.context.provider.name:
            other = PROVIDERS[saved.provider].title
            answer = self._ask(
                _("Switch to {provider}?").format(provider=other),
                _("{file} was saved for {provider}, but {current} is selected. "
                  "Switch to {provider} and apply it?").format(file=path.name, provider=other,
                                                               current=self.context.provider.title),
            )
            if not answer:
                return False
            self.context.set_provider(saved.provider)
        if not self.context.is_demo and saved.profile != self.context.profile:
            if saved.profile in self.context.profiles():
                self.context.set_profile(saved.profile)
            else:
                self.statusBar().showMessage(
                    _("{file} names the account '{account}', which has no credentials here; "
                      "'{used}' is used.").format(file=path.name, account=saved.profile,
                                                  used=self.context.profile), 10000)
        if view.apply_saved(saved, path.name):
            self.statusBar().showMessage(_("Applied {file}.").format(file=path.name), 6000)
            return True
        self.statusBar().showMessage(
            _("Open the spreadsheet to apply {file} to.").format(file=path.name), 10000)
        self.choose_file()
        return True

    def _ask(self, title: str, text: str) -> bool:
        """A yes/no question to the user (tests replace this)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def recent_saved_imports(self) -> list[str]:
        """The saved imports opened or written lately, newest first; files that are gone are dropped."""
        value = self.settings.value(RECENT_KEY, [])
        # an INI file gives a single entry back as a string, several as a list
        items = [value] if isinstance(value, str) else [str(v) for v in value or ()] if isinstance(
            value, list) else []
        kept = [p for p in dict.fromkeys(items) if p and Path(p).is_file()][:RECENT_MAX]
        if kept != items:
            self.settings.setValue(RECENT_KEY, kept)
        return kept

    def _remember_saved_import(self, path: str) -> None:
        full = str(Path(path).resolve())
        items = [full, *(p for p in self.recent_saved_imports() if p != full)][:RECENT_MAX]
        self.settings.setValue(RECENT_KEY, items)
        self.settings.sync()
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_saved_imports()
        for position, item in enumerate(recent, 1):
            action = self.recent_menu.addAction(f"&{position} {Path(item).name}")
            action.setToolTip(item)
            action.setData(item)
            action.triggered.connect(lambda _checked=False, p=item: self.open_saved_import(p))
        if not recent:
            empty = self.recent_menu.addAction(_("(none yet)"))
            empty.setEnabled(False)

    def _update_save_action(self, *_: Any) -> None:
        view = self._import_view
        self.save_settings_action.setEnabled(view is not None and not view.is_busy()
                                             and view.can_save_settings())

    def _save_settings(self) -> None:
        view = self._import_view
        if view is not None:
            view._save_settings_clicked()

    @staticmethod
    def _dropped_file(mime: Any) -> str | None:
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_file():
                return str(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self._open_path(path))
        else:
            event.ignore()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop) and isinstance(
            watched, QWidget
        ) and watched is not self and watched.window() is self:
            path = self._dropped_file(event.mimeData())  # type: ignore[attr-defined]
            if path:
                if kind == QEvent.Type.Drop:
                    event.acceptProposedAction()  # type: ignore[attr-defined]
                    QTimer.singleShot(0, lambda: self._open_path(path))
                else:
                    event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ dialogs
    def open_credentials(self, test: bool = False) -> Any:
        """Open the credentials dialog (non-blocking); ``test`` starts a connection test at once."""
        from gui.credentials_dialog import CredentialsDialog

        dialog = CredentialsDialog(self.context, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if test and self.context.provider.has_credential_check:
            dialog.test_connection()
        return dialog

    def show_about(self) -> Any:
        """Help → About: version, where settings, journal and logs live, third-party licences."""
        from gui.about_dialog import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

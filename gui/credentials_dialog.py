"""The credentials dialog: one row per credential of the provider, stored through core.credentials.

Secrets are masked (with a "Show" toggle) and go to the OS keyring; non-secret values (region, login
e-mail) to the settings file. "Test connection" runs the provider's side-effect-free check on a worker
thread and shows the answer in place; a provider without a check says so plainly instead. When no
keyring works the dialog says so in one sentence and what to install: there is no plain-text fallback.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_TITLE, messages
from core.errors import KeyringUnavailable, NetworkProblem, UploaderError
from core.i18n import N_, _
from core.model import CheckResult, Credentials, CredentialSpec
from core.providers import Provider
from gui import theme
from gui.context import AppContext


def check_credentials(provider: Provider, creds: Credentials, base_url: str) -> CheckResult:
    """The worker body of "Test connection" (runs off the GUI thread)."""
    from core.client import ProviderClient

    with ProviderClient(provider, creds, base_url, timeout=15.0) as client:
        return client.check()


def no_check_sentence(provider: Provider) -> str:
    if messages.known(provider.name, "no_check"):
        return messages.text(provider.name, "no_check")
    return (
        _("{provider} offers no way to check a key without adding a contact; the first upload will tell.")
        .format(provider=provider.title)
    )


def credentials_note(provider: Provider) -> str:
    """The message table's note on what to enter (e.g. Aptania's userUUID and its token-only test), or ""."""
    if not messages.known(provider.name, "credentials_note"):
        return ""
    return messages.text(provider.name, "credentials_note")


REGION_NAMES = {"us": N_("United States"), "in": N_("India"), "eu": N_("Europe")}  # data-centre codes → names


def choice_text(field_id: str, code: str) -> str:
    """How a fixed credential choice is shown: "India (in)" for a region code, else the value itself."""
    name = REGION_NAMES.get(code.lower()) if "region" in field_id.lower() else None
    return _("{region} ({code})").format(region=_(name), code=code) if name else code


class Notice(QFrame):
    """A coloured one-paragraph notice (info, warning, error, success)."""

    def __init__(self, object_name: str = "Notice") -> None:
        super().__init__()
        self.setObjectName(object_name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("NoticeTitle")
        self.text = QLabel()
        self.text.setObjectName("NoticeText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.tone = ""
        self.hide()

    def show_notice(self, tone: str, title: str, text: str) -> None:
        self.tone = tone
        theme.set_prop(self, "tone", tone)
        theme.set_prop(self.title, "tone", tone)
        self.title.setText(title)
        self.title.setVisible(bool(title))
        self.text.setText(text)
        self.show()
        window = self.window()
        if isinstance(window, CredentialsDialog):
            QTimer.singleShot(0, window.fit_height)  # grow to fit the new text (labels wrap)
        elif isinstance(window, QDialog):
            QTimer.singleShot(0, window.adjustSize)


class CredentialRow:
    """The editor of one CredentialSpec."""

    def __init__(self, spec: CredentialSpec, provider: Provider) -> None:
        self.spec = spec
        self.label = QLabel(spec.label_text())
        self.label.setObjectName("FieldLabel")
        self.reveal: QToolButton | None = None
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.editor: QLineEdit | QComboBox
        if spec.choices:
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(choice_text(spec.id, choice), choice)  # shown readable, stored as the code
            combo.setCurrentIndex(max(0, combo.findData(spec.default or spec.choices[0])))
            self.editor = combo
        else:
            edit = QLineEdit()
            edit.setObjectName("SecretEdit" if spec.secret else "FieldEdit")
            if spec.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setInputMethodHints(
                    Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
                    | Qt.InputMethodHint.ImhSensitiveData
                )
                edit.setPlaceholderText(_("Paste it from your panel"))
                self.reveal = QToolButton()
                self.reveal.setObjectName("RevealButton")
                self.reveal.setText(_("Show"))
                self.reveal.setCheckable(True)
                self.reveal.setToolTip(_("Show or hide the value"))
                self.reveal.toggled.connect(self._toggle)
            elif "mail" in spec.label.lower():  # the English label: a choice of placeholder, not shown
                edit.setPlaceholderText("you@example.com")
            self.editor = edit
        self.editor.setAccessibleName(spec.label_text())
        self.label.setBuddy(self.editor)
        row.addWidget(self.editor, 1)
        if self.reveal is not None:
            row.addWidget(self.reveal)
        help_text = spec.help_text()
        if spec.choices and all(choice_text(spec.id, c) != c for c in spec.choices):
            help_text = _("The data centre of your account, as the address of your panel shows.")
        env = spec.env_var(provider.name)
        if os.environ.get(env, "").strip():
            note = _("Set by {variable} in the environment, which wins.").format(variable=env)
            help_text = f"{help_text} {note}" if help_text else note
        self.help = QLabel(help_text)
        self.help.setObjectName("Hint")
        self.help.setWordWrap(True)
        self.help.setVisible(bool(help_text))

    def _toggle(self, shown: bool) -> None:
        assert isinstance(self.editor, QLineEdit)
        assert self.reveal is not None
        self.editor.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.reveal.setText(_("Hide") if shown else _("Show"))

    def value(self) -> str:
        if isinstance(self.editor, QComboBox):
            return str(self.editor.currentData() or "")
        return self.editor.text().strip()

    def set_value(self, value: str | None) -> None:
        if isinstance(self.editor, QComboBox):
            target = value or self.spec.default or ""
            index = self.editor.findData(target)
            if index >= 0:
                self.editor.setCurrentIndex(index)
        else:
            self.editor.setText(value or "")


class CredentialsDialog(QDialog):
    saved = Signal(str)  # the profile saved
    checked = Signal(object)  # CheckResult or the exception of the last test

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.provider = context.provider
        self.task: Any = None
        self.setObjectName("CredentialsDialog")
        self.setWindowTitle(_("{provider} credentials").format(provider=self.provider.title))
        self.setMinimumWidth(560)

        # everything above the buttons scrolls: the layout's minimum size ignores word wrap, so on a short
        # screen (or under a long note and a result notice) the rows were squashed instead; fit_height()
        # grows the dialog to what the wrapped texts need, up to the screen, and the rest scrolls
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 20)
        frame.setSpacing(14)
        self.body = QWidget()
        self.body.setObjectName("CredentialsBody")
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("CredentialsScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.body)
        frame.addWidget(self.scroll_area, 1)
        outer = QVBoxLayout(self.body)
        outer.setContentsMargins(24, 20, 24, 0)
        outer.setSpacing(14)
        title = QLabel(_("{provider} credentials").format(provider=self.provider.title))
        title.setObjectName("DialogTitle")
        outer.addWidget(title)
        intro = QLabel(
            _("Secrets are kept in your system keyring, never in a file, and are masked on screen. "
              "Other values (such as a region or login e-mail) go to the settings file.")
        )
        intro.setObjectName("DialogIntro")
        intro.setWordWrap(True)
        outer.addWidget(intro)

        self.keyring_notice = Notice()
        self.keyring_notice.setObjectName("KeyringNotice")
        outer.addWidget(self.keyring_notice)
        self.demo_notice = Notice()
        if context.is_demo:
            self.demo_notice.show_notice(
                "demo",
                _("Demo mode"),
                _("These are the sandbox's demo credentials: try Test connection, or change a value to see a "
                  "refusal. Nothing is saved in demo mode; start {app} without {option} to store "
                  "your own.").format(app=APP_TITLE, option="--demo"),
            )
        outer.addWidget(self.demo_notice)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        grid.setColumnMinimumWidth(0, 150)
        r = 0
        profile_label = QLabel(_("Profile"))
        profile_label.setObjectName("FieldLabel")
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("ProfileEdit")
        self.profile_combo.setEditable(True)
        self.profile_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.profile_combo.setToolTip(_("Type a new name to create another profile (another account)."))
        for name in context.profiles():
            self.profile_combo.addItem(name)
        self.profile_combo.setCurrentText(context.profile)
        profile_label.setBuddy(self.profile_combo)
        grid.addWidget(profile_label, r, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.profile_combo, r, 1)
        r += 1
        profile_help = QLabel(_("Several accounts per platform: type a new name to add one."))
        profile_help.setObjectName("Hint")
        grid.addWidget(profile_help, r, 1)
        r += 1
        grid.setRowMinimumHeight(r, 6)
        r += 1

        self.rows: dict[str, CredentialRow] = {}
        for spec in self.provider.credential_fields:
            row = CredentialRow(spec, self.provider)
            self.rows[spec.id] = row
            grid.addWidget(row.label, r, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row.widget, r, 1)
            r += 1
            grid.addWidget(row.help, r, 1)
            r += 1
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        # what the platform's own documentation leaves unclear about its credentials (Aptania's userUUID)
        self.credentials_note = QLabel(credentials_note(self.provider))
        self.credentials_note.setObjectName("Hint")
        self.credentials_note.setWordWrap(True)
        self.credentials_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.credentials_note.setVisible(bool(self.credentials_note.text()))
        outer.addWidget(self.credentials_note)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(_("Test connection"))
        self.test_button.setObjectName("SecondaryButton")
        self.test_button.clicked.connect(self.test_connection)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        outer.addLayout(test_row)
        self.check_panel = Notice("CheckResult")
        outer.addWidget(self.check_panel)
        if not self.provider.has_credential_check:
            self.test_button.setEnabled(False)
            self.test_button.setToolTip(_("This platform offers no connection test."))
            self.check_panel.show_notice("info", _("No connection test"), no_check_sentence(self.provider))

        outer.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(24, 0, 24, 0)
        self.delete_button = QPushButton(_("Delete profile…"))
        self.delete_button.setObjectName("DangerLink")
        self.delete_button.clicked.connect(self.delete_profile)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("SecondaryButton")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("PrimaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        frame.addLayout(buttons)

        self.profile_combo.currentTextChanged.connect(lambda _t: self.load_profile())
        if context.is_demo:
            self.set_values(dict(context.demo.credentials(self.provider.name)))
            self.profile_combo.setEnabled(False)
            self.delete_button.hide()
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(_("Nothing is saved in demo mode."))
            self.cancel_button.setText(_("Close"))
        else:
            self.load_profile()

    # ------------------------------------------------------------------ size
    def fit_height(self) -> None:
        """As tall as the wrapped texts need at the current width, up to the screen's height (then the body
        scrolls); never shorter than it is."""
        body = self.body.layout()
        frame = self.layout()
        if body is None or frame is None:
            return
        body.activate()
        # the body never scrolls sideways: the dialog is as wide as its widest row (plus a scroll bar)
        wide = body.totalMinimumSize().width() + self.scroll_area.verticalScrollBar().sizeHint().width()
        if wide > self.minimumWidth():
            self.setMinimumWidth(wide)
        chrome = frame.totalSizeHint().height() - self.scroll_area.sizeHint().height()
        need = body.totalHeightForWidth(self.scroll_area.viewport().width()) + chrome
        screen = self.screen()
        if screen is not None:
            outside = self.frameGeometry().height() - self.height()
            need = min(need, screen.availableGeometry().height() - outside)
        if need > self.height():
            self.resize(self.width(), need)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.fit_height)

    # ------------------------------------------------------------------ values
    def profile(self) -> str:
        return self.profile_combo.currentText().strip() or "default"

    def values(self) -> dict[str, str]:
        return {cid: row.value() for cid, row in self.rows.items()}

    def set_values(self, values: dict[str, str]) -> None:
        for cid, value in values.items():
            self.rows[cid].set_value(value)

    def load_profile(self) -> None:
        """Fill the rows with what is stored for the chosen profile (secrets stay masked)."""
        from core import settings as settings_mod
        from core.credentials import check_profile, default_store

        try:
            profile = check_profile(self.profile())
        except UploaderError:
            return
        try:
            plain = settings_mod.load().profile_values(self.provider.name, profile)
        except UploaderError:
            plain = {}
        for spec in self.provider.credential_fields:
            if not spec.secret:
                self.rows[spec.id].set_value(plain.get(spec.id))
        store = default_store()
        try:
            for spec in self.provider.credential_fields:
                if spec.secret:
                    self.rows[spec.id].set_value(store.get(self.provider.name, profile, spec.id))
        except KeyringUnavailable as exc:
            self.show_keyring_problem(exc)
        else:
            self.keyring_notice.hide()

    def show_keyring_problem(self, exc: BaseException) -> None:
        env_vars = ", ".join(s.env_var(self.provider.name) for s in self.provider.credential_fields)
        self.keyring_notice.show_notice(
            "error",
            _("No keyring available"),
            f"{exc} "
            + _("Nothing is stored in plain text, so the credentials cannot be saved until a keyring "
                "works. Headless runs can use the environment variables instead ({variables}).").format(
                variables=env_vars),
        )

    # ------------------------------------------------------------------ save / delete
    def save(self) -> bool:
        from core.credentials import save_credentials

        if self.context.is_demo:
            return False
        profile = self.profile()
        try:
            save_credentials(self.provider.name, profile, self.values())
        except KeyringUnavailable as exc:
            self.show_keyring_problem(exc)
            return False
        except UploaderError as exc:
            self.check_panel.show_notice("error", _("Not saved"), str(exc))
            return False
        self.context.set_profile(profile)
        self.context.notify_credentials_changed()
        self.saved.emit(profile)
        self.accept()
        return True

    def delete_profile(self) -> None:
        from core.credentials import delete_credentials

        profile = self.profile()
        answer = QMessageBox.question(
            self,
            _("Delete profile"),
            _("Delete the {provider} credentials of profile '{profile}' from the keyring?").format(
                provider=self.provider.title, profile=profile),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            delete_credentials(self.provider.name, profile)
        except KeyringUnavailable as exc:
            self.show_keyring_problem(exc)
            return
        except UploaderError as exc:
            self.check_panel.show_notice("error", _("Not deleted"), str(exc))
            return
        for row in self.rows.values():
            row.set_value(None)
        self.context.notify_credentials_changed()
        self.check_panel.show_notice("info", _("Deleted"),
                                     _("Profile '{profile}' was removed.").format(profile=profile))

    # ------------------------------------------------------------------ test
    def test_connection(self) -> None:
        """Check the values in the form (saved or not) against the provider, off the GUI thread."""
        if not self.provider.has_credential_check:
            self.check_panel.show_notice("info", _("No connection test"), no_check_sentence(self.provider))
            return
        if self.task is not None and not self.task.done:
            return
        creds = self.values()
        used = self.provider.check_fields
        empty = [self.rows[c].spec.label_text() for c, v in creds.items()
                 if not v and (used is None or c in used)]
        if empty:
            missing = ", ".join(empty)
            self.check_panel.show_notice("warning", _("Something is missing"),
                                         _("Fill in {fields} first.").format(fields=missing))
            return
        base_url = self.context.base_url(creds)
        from gui.workers import start_task

        self.test_button.setEnabled(False)
        self.test_button.setText(_("Testing…"))
        self.check_panel.show_notice("info", "", _("Asking {provider}…").format(provider=self.provider.title))
        self.task = start_task(
            check_credentials,
            self.provider,
            creds,
            base_url,
            parent=self,
            name="test-connection",
            on_result=self._on_checked,
            on_failed=self._on_check_failed,
            on_finished=self._on_test_finished,
        )

    def _on_test_finished(self) -> None:
        self.test_button.setEnabled(True)
        self.test_button.setText(_("Test connection"))

    def _on_checked(self, result: CheckResult) -> None:
        if not result.available:
            self.check_panel.show_notice("info", _("No connection test"), result.message)
        elif result.ok:
            self.check_panel.show_notice("success", _("Connection works"), result.message)
        else:
            if result.code:
                title = _("{provider} refused these credentials (code {code})").format(
                    provider=self.provider.title, code=result.code)
            else:
                title = _("{provider} refused these credentials").format(provider=self.provider.title)
            self.check_panel.show_notice("error", title, result.message)
        if result.available and self.profile() == self.context.profile and not self.context.is_demo:
            self.context.record_verdict(result.ok, result.message)
        self.checked.emit(result)

    def _on_check_failed(self, exc: object) -> None:
        if not isinstance(exc, UploaderError):
            from gui import errors

            errors.show_error(self, exc)
        else:
            title = _("Test failed")
            if isinstance(exc, NetworkProblem):
                title = _("Could not reach {provider}").format(provider=self.provider.title)
            self.check_panel.show_notice("error", title, str(exc))
        self.checked.emit(exc)

    def done(self, result: int) -> None:  # closing while a test runs: let it finish quietly
        if self.task is not None and not self.task.done:
            self.task.cancel()
        super().done(result)

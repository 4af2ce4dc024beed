"""The credentials dialog: masked secrets saved to the keyring, Test connection against the sandbox."""

from __future__ import annotations

from typing import Any

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from core.credentials import load_credentials
from core.model import CheckResult
from core.sandbox import DEMO_CREDENTIALS
from gui.context import AppContext, CredentialState
from gui.credentials_dialog import CredentialsDialog


def make_dialog(qtbot: Any, context: AppContext) -> CredentialsDialog:
    dialog = CredentialsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def run_test(qtbot: Any, dialog: CredentialsDialog) -> object:
    with qtbot.waitSignal(dialog.checked, timeout=10000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task.done, timeout=5000)
    return blocker.args[0]


def test_secrets_are_masked_with_a_show_toggle(qtbot: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("octopush"))
    key = dialog.rows["api_key"]
    assert isinstance(key.editor, QLineEdit)
    assert key.editor.echoMode() == QLineEdit.EchoMode.Password
    assert key.reveal is not None
    qtbot.mouseClick(key.reveal, Qt.MouseButton.LeftButton)
    assert key.editor.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(key.reveal, Qt.MouseButton.LeftButton)
    assert key.editor.echoMode() == QLineEdit.EchoMode.Password
    login = dialog.rows["api_login"]  # not a secret: shown plainly
    assert isinstance(login.editor, QLineEdit)
    assert login.editor.echoMode() == QLineEdit.EchoMode.Normal
    assert login.reveal is None


def test_choices_are_a_combo(qtbot: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("netcore"))
    region = dialog.rows["region"].editor
    assert isinstance(region, QComboBox)
    assert [region.itemData(i) for i in range(region.count())] == ["us", "in", "eu"]
    assert [region.itemText(i) for i in range(region.count())] == [
        "United States (us)", "India (in)", "Europe (eu)"]
    row = dialog.rows["region"]
    row.set_value("in")  # the stored code selects its readable name, and reads back as the code
    assert region.currentText() == "India (in)"
    assert row.value() == "in"


def test_save_stores_secrets_in_the_keyring_and_the_rest_in_settings(qtbot: Any, memory_keyring: Any) -> None:
    context = AppContext("octopush")
    dialog = make_dialog(qtbot, context)
    assert context.credential_status().state is CredentialState.MISSING
    dialog.profile_combo.setCurrentText("shop-2")
    qtbot.keyClicks(dialog.rows["api_key"].editor, "k-secret-1")
    qtbot.keyClicks(dialog.rows["api_login"].editor, "me@example.com")
    with qtbot.waitSignal(context.credentialsChanged, timeout=1000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.items[("contact-uploader", "octopush:shop-2:api_key")] == "k-secret-1"
    assert ("contact-uploader", "octopush:shop-2:api_login") not in memory_keyring.items
    assert load_credentials("octopush", "shop-2") == {"api_key": "k-secret-1", "api_login": "me@example.com"}
    assert context.profile == "shop-2"
    assert context.credential_status().state is CredentialState.STORED
    assert "shop-2" in context.profiles()
    # opening it again shows what is stored, masked
    again = make_dialog(qtbot, context)
    assert again.profile() == "shop-2"
    assert again.values() == {"api_key": "k-secret-1", "api_login": "me@example.com"}


@pytest.mark.parametrize("provider", ["iletimerkezi", "octopush"])
def test_test_connection_ok_against_the_sandbox(
    qtbot: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    monkeypatch.setenv(f"CONTACT_UPLOADER_{provider.upper()}_BASE_URL", sandbox.base_url(provider))
    context = AppContext(provider)
    dialog = make_dialog(qtbot, context)
    dialog.set_values(DEMO_CREDENTIALS[provider])
    result = run_test(qtbot, dialog)
    assert isinstance(result, CheckResult)
    assert result.ok, result.message
    assert dialog.check_panel.tone == "success"
    assert dialog.check_panel.title.text() == "Connection works"
    assert dialog.test_button.isEnabled()
    assert context.credential_status().state is CredentialState.VERIFIED


@pytest.mark.parametrize("provider", ["iletimerkezi", "octopush"])
def test_test_connection_refused_against_the_sandbox(
    qtbot: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    monkeypatch.setenv(f"CONTACT_UPLOADER_{provider.upper()}_BASE_URL", sandbox.base_url(provider))
    context = AppContext(provider)
    dialog = make_dialog(qtbot, context)
    values = dict(DEMO_CREDENTIALS[provider])
    values["api_key"] = "not-the-right-key"
    dialog.set_values(values)
    result = run_test(qtbot, dialog)
    assert isinstance(result, CheckResult)
    assert not result.ok
    assert dialog.check_panel.tone == "error"
    assert "refused" in dialog.check_panel.title.text()
    assert "not-the-right-key" not in dialog.check_panel.text.text()
    assert context.credential_status().state is CredentialState.REFUSED


def test_test_connection_in_demo_mode_goes_to_the_sandbox(qtbot: Any) -> None:
    from core.demo import DemoSession

    with DemoSession() as demo:
        dialog = make_dialog(qtbot, AppContext("octopush", demo=demo))
        assert dialog.demo_notice.isVisible()
        assert dialog.values() == demo.credentials("octopush")  # prefilled with the demo account
        assert not dialog.save_button.isEnabled()  # nothing is stored in demo mode
        assert dialog.save() is False
        result = run_test(qtbot, dialog)
        assert isinstance(result, CheckResult)
        assert result.ok, result.message
        assert demo.sandbox.received("octopush")[-1].path.endswith("/wallet/check-balance")


@pytest.mark.parametrize("provider", ["netcore"])
def test_providers_without_a_check_say_so_plainly(qtbot: Any, provider: str) -> None:
    dialog = make_dialog(qtbot, AppContext(provider))
    assert not dialog.test_button.isEnabled()
    assert dialog.check_panel.isVisible()
    assert dialog.check_panel.tone == "info"
    text = dialog.check_panel.text.text()
    assert "no" in text.lower()
    assert ("Netcore" if provider == "netcore" else "Aptania") in text


def test_missing_values_are_asked_for_before_testing(qtbot: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("iletimerkezi"))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.task is None
    assert dialog.check_panel.tone == "warning"
    assert "API key" in dialog.check_panel.text.text()


def test_keyring_unavailable_is_a_clear_notice(qtbot: Any) -> None:
    keyring.set_keyring(fail.Keyring())  # the memory_keyring fixture puts the previous one back
    dialog = make_dialog(qtbot, AppContext("iletimerkezi"))
    assert dialog.keyring_notice.isVisible()
    assert "keyring" in dialog.keyring_notice.text.text().lower()
    assert "CONTACT_UPLOADER_ILETIMERKEZI_API_KEY" in dialog.keyring_notice.text.text()
    dialog.set_values({"api_key": "k", "api_hash": "h"})
    assert dialog.save() is False
    assert dialog.isVisible()  # nothing saved, the dialog stays open
    assert AppContext("iletimerkezi").credential_status().state is CredentialState.NO_KEYRING


def test_environment_overrides_are_pointed_out(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_API_KEY", "from-env")
    dialog = make_dialog(qtbot, AppContext("octopush"))
    assert "CONTACT_UPLOADER_OCTOPUSH_API_KEY" in dialog.rows["api_key"].help.text()
    assert "CONTACT_UPLOADER_OCTOPUSH_API_LOGIN" not in dialog.rows["api_login"].help.text()


def test_aptania_explains_user_uuid_and_tests_the_token_only(qtbot: Any, demo: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("aptania", demo=demo))
    note = dialog.credentials_note
    assert note.isVisible()
    assert "userUUID" in note.text()
    assert "cookies" in note.text()  # what Aptania's documentation says it is
    assert "checks the API token only" in note.text()
    assert "cookie" in dialog.rows["user_uuid"].help.text()
    assert dialog.test_button.isEnabled()
    result = run_test(qtbot, dialog)
    assert isinstance(result, CheckResult)
    assert result.ok
    assert dialog.check_panel.tone == "success"
    assert "checks the token only" in dialog.check_panel.text.text()
    # a wrong token is refused by the sandbox's getEvents; a wrong userUUID is not part of this test
    dialog.rows["token_uuid"].set_value("not-a-token")
    result = run_test(qtbot, dialog)
    assert isinstance(result, CheckResult)
    assert not result.ok
    assert dialog.check_panel.tone == "error"
    assert "tokenUUID" in dialog.check_panel.text.text()
    assert "not-a-token" not in dialog.check_panel.text.text()


def test_aptania_tests_the_token_before_the_user_uuid_is_known(qtbot: Any, demo: Any) -> None:
    # the test checks the token only: a marketer still asking Aptania for the userUUID can test the token
    dialog = make_dialog(qtbot, AppContext("aptania", demo=demo))
    dialog.rows["user_uuid"].set_value("")
    result = run_test(qtbot, dialog)
    assert isinstance(result, CheckResult)
    assert result.ok
    assert dialog.check_panel.tone == "success"
    dialog.rows["token_uuid"].set_value("")  # the token itself is still asked for
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.check_panel.tone == "warning"
    assert "API token (tokenUUID)" in dialog.check_panel.text.text()
    assert "userUUID" not in dialog.check_panel.text.text()


def assert_nothing_squashed(qtbot: Any, dialog: CredentialsDialog) -> None:
    """Every editor at its full height and every wrapped text with the lines it needs, with the buttons
    inside a dialog that fits the screen (a long note or a result notice used to squash the rows)."""
    def fitted() -> bool:
        labels = [dialog.credentials_note, dialog.check_panel.text]
        labels += [row.help for row in dialog.rows.values()]
        editors = [row.editor for row in dialog.rows.values()]
        return (all(editor.height() >= editor.sizeHint().height() for editor in editors)
                and all(label.height() >= label.heightForWidth(label.width())
                        for label in labels if label.isVisible())
                and dialog.body.width() <= dialog.scroll_area.viewport().width())  # nothing cut on the right

    qtbot.waitUntil(fitted, timeout=3000)
    screen = dialog.screen().availableGeometry()
    assert dialog.frameGeometry().height() <= screen.height()
    save = dialog.save_button.mapTo(dialog, dialog.save_button.rect().bottomRight())
    assert dialog.rect().contains(save)


def test_the_aptania_dialog_is_never_squashed(qtbot: Any, demo: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("aptania", demo=demo))
    assert_nothing_squashed(qtbot, dialog)  # the userUUID note, as it opens
    assert run_test(qtbot, dialog)
    assert_nothing_squashed(qtbot, dialog)  # and with the answer of Test connection below it
    dialog.rows["token_uuid"].set_value("not-a-token")
    run_test(qtbot, dialog)
    assert dialog.check_panel.tone == "error"
    assert_nothing_squashed(qtbot, dialog)


def test_providers_without_a_note_show_none(qtbot: Any) -> None:
    dialog = make_dialog(qtbot, AppContext("octopush"))
    assert not dialog.credentials_note.isVisible()

"""The contact form: generated from the provider, validates as you type, sends to the sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit

from core.demo import DemoSession
from core.sandbox import DEMO_CREDENTIALS
from gui.contact_form import ContactForm
from gui.context import AppContext


def make_form(qtbot: Any, context: AppContext) -> ContactForm:
    form = ContactForm(context)
    qtbot.addWidget(form)
    form.show()
    return form


def type_into(qtbot: Any, form: ContactForm, field_id: str, text: str) -> QLineEdit:
    editor = form.field_row(field_id).editor
    assert isinstance(editor, QLineEdit)
    editor.clear()
    qtbot.keyClicks(editor, text)
    return editor


def send_and_wait(qtbot: Any, form: ContactForm) -> None:
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    if form.task is not None:
        qtbot.waitUntil(lambda: form.task.done, timeout=10000)
    qtbot.waitUntil(lambda: form.result_panel.isVisible(), timeout=5000)


def test_form_is_generated_from_the_provider_fields(qtbot: Any) -> None:
    form = make_form(qtbot, AppContext("octopush"))
    assert list(form.rows)[:3] == ["phone_number", "first_name", "last_name"]
    phone = form.field_row("phone_number")
    assert "*" in phone.label.text()  # required marker
    assert "*" not in form.field_row("first_name").label.text()
    assert isinstance(form.field_row("do_not_overwrite").editor, QCheckBox)  # boolean option
    assert form.region() == "FR"
    assert "Octopush" in form.heading.text()


def test_switching_provider_regenerates_the_form(qtbot: Any) -> None:
    context = AppContext("octopush")
    form = make_form(qtbot, context)
    context.set_provider("aptania")
    assert "contactEmailaddress" in form.rows
    assert "phone_number" not in form.rows
    assert "*" in form.field_row("contactProfileID").label.text()
    assert form.region() == "GB"
    assert "Aptania" in form.heading.text()


def test_phone_is_validated_as_you_type_and_shown_in_e164(qtbot: Any) -> None:
    form = make_form(qtbot, AppContext("iletimerkezi"))
    row = form.field_row("gsm")
    type_into(qtbot, form, "gsm", "0532 123 45 6")
    assert row.hint.property("state") == "error"
    assert row.editor.property("state") == "error"
    assert "not a valid phone number" in row.hint.text()
    qtbot.keyClicks(row.editor, "7")
    assert row.hint.property("state") == "ok"
    assert "+905321234567" in row.hint.text()


def test_email_is_validated_as_you_type(qtbot: Any) -> None:
    form = make_form(qtbot, AppContext("aptania"))
    row = form.field_row("contactEmailaddress")
    type_into(qtbot, form, "contactEmailaddress", "ayse@")
    assert row.hint.property("state") == "error"
    qtbot.keyClicks(row.editor, "Example.COM")
    assert row.hint.property("state") == "ok"
    assert "ayse@example.com" in row.hint.text()


def test_send_one_contact_to_the_sandbox_and_see_the_outcome(qtbot: Any, demo: DemoSession) -> None:
    context = AppContext("iletimerkezi", demo=demo)
    form = make_form(qtbot, context)
    type_into(qtbot, form, "name", "Ayse")  # QTest types Latin-1 only
    type_into(qtbot, form, "email", "ayse@example.com")
    type_into(qtbot, form, "gsm", "0532 123 45 67")
    send_and_wait(qtbot, form)
    assert form.result_panel.tone == "success", form.result_panel.message.text()
    assert "Added to İleti Merkezi" in form.result_panel.title.text()
    assert "+905321234567" in form.result_panel.title.text()
    assert "Contact id" in form.result_panel.raw.text()
    stored = demo.sandbox.contacts("iletimerkezi")
    assert [c.get("gsm") for c in stored] == ["+905321234567"]
    # the form is ready for the next contact
    assert form.field_row("gsm").value() == ""


def test_an_invalid_entry_is_never_sent(qtbot: Any, demo: DemoSession) -> None:
    form = make_form(qtbot, AppContext("octopush", demo=demo))
    type_into(qtbot, form, "first_name", "Jean")
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    assert form.task is None
    assert form.result_panel.isVisible()
    assert form.result_panel.tone == "error-local"
    assert form.field_row("phone_number").hint.property("state") == "error"
    assert demo.sandbox.create_requests("octopush") == 0


def test_custom_field_rows_and_options_are_sent(qtbot: Any, demo: DemoSession) -> None:
    form = make_form(qtbot, AppContext("iletimerkezi", demo=demo))
    type_into(qtbot, form, "gsm", "+90 532 765 43 21")
    picker = form.group_picker()
    assert picker is not None
    qtbot.waitUntil(lambda: picker.task is not None and picker.task.done, timeout=10000)
    picker.combo.setCurrentIndex(picker.combo.findData("1001"))  # chosen by name in the picker
    row = form.add_extra_row()
    qtbot.keyClicks(row.id_edit, "custom_field:2")
    qtbot.keyClicks(row.value_edit, "Gold")
    assert row.validate() is None
    send_and_wait(qtbot, form)
    assert form.result_panel.tone == "success", form.result_panel.message.text()
    body = json.loads(demo.sandbox.received("iletimerkezi")[-1].body)
    contact = body["request"]["contact"]
    assert contact["custom_fields"] == {"custom_field": [{"id": "2", "value": "Gold"}]}
    assert contact["groups"] == {"group": {"id": "1001"}}


def test_unknown_dynamic_field_is_flagged(qtbot: Any) -> None:
    form = make_form(qtbot, AppContext("aptania"))
    row = form.add_extra_row()
    qtbot.keyClicks(row.id_edit, "favourite_colour")
    qtbot.keyClicks(row.value_edit, "blue")
    assert row.validate() is not None
    assert "attr:" in row.hint.text()


def test_refused_credentials_show_in_place_with_a_way_to_fix_them(
    qtbot: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_BASE_URL", sandbox.base_url("octopush"))
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_API_KEY", "wrong-key")
    monkeypatch.setenv("CONTACT_UPLOADER_OCTOPUSH_API_LOGIN", DEMO_CREDENTIALS["octopush"]["api_login"])
    context = AppContext("octopush")
    form = make_form(qtbot, context)
    type_into(qtbot, form, "phone_number", "06 12 34 56 78")
    send_and_wait(qtbot, form)
    assert form.result_panel.tone == "error"
    assert "refused" in form.result_panel.title.text()
    assert "wrong-key" not in form.result_panel.message.text()
    assert form.result_panel.action.isVisibleTo(form.result_panel)
    with qtbot.waitSignal(form.credentialsRequested, timeout=1000):
        qtbot.mouseClick(form.result_panel.action, Qt.MouseButton.LeftButton)
    assert context.credential_status().state == "refused"


def test_missing_credentials_are_said_before_anything_is_sent(qtbot: Any) -> None:
    form = make_form(qtbot, AppContext("aptania"))
    type_into(qtbot, form, "contactEmailaddress", "a@example.com")
    type_into(qtbot, form, "contactProfileID", "1")
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    assert form.task is None
    assert form.result_panel.title.text() == "Credentials needed"
    assert "contact-uploader credentials set aptania" in form.result_panel.message.text()


def test_a_network_failure_is_readable(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CONTACT_UPLOADER_NETCORE_BASE_URL", f"http://127.0.0.1:{port}/netcore/apiv2")
    monkeypatch.setenv("CONTACT_UPLOADER_NETCORE_API_KEY", "k-123")
    monkeypatch.setattr("gui.contact_form.INTERACTIVE_ATTEMPTS", 1)
    form = make_form(qtbot, AppContext("netcore"))
    type_into(qtbot, form, "EMAIL", "x@example.com")
    send_and_wait(qtbot, form)
    assert form.result_panel.tone == "error"
    assert form.result_panel.title.text().startswith("Could not reach")

"""The "Add one contact" page: a form generated from the provider's fields.

Each field shows its label (``*`` when required), checks the value as it is typed with
:func:`core.validation.normalise` and shows either the problem or what will be sent (a phone in E.164).
Providers with dynamic fields (Netcore attributes, İleti Merkezi ``custom_field:<id>``, Aptania
``attr:<id>``) get "Add field" rows. Options (list, tags, group, profile id …) sit in their own group.
"Add contact" validates the whole entry with :func:`core.validation.build_contact`, then sends it with
:class:`core.client.ProviderClient` on a worker thread and shows the readable outcome in place.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import CredentialError, CredentialsRefused, NetworkProblem, UploaderError
from core.i18n import N_, _, ngettext, number
from core.model import Credentials, FieldKind, FieldSpec, Options, Outcome, RowResult
from core.providers import Provider
from gui import theme
from gui.context import AppContext
from gui.group_picker import GroupPicker, has_groups
from gui.import_widgets import make_card

PLACEHOLDERS = {
    FieldKind.EMAIL: "name@example.com",
    FieldKind.INTEGER: N_("e.g. {example}"),
    FieldKind.ID_LIST: N_("e.g. {example}"),
}
EXAMPLES = {FieldKind.INTEGER: "12", FieldKind.ID_LIST: "176,177"}
PHONE_EXAMPLES = {
    "TR": "+90 532 123 45 67",
    "FR": "+33 6 12 34 56 78",
    "GB": "+44 7700 900123",
    "IN": "+91 98765 43210",
    "US": "+1 201 555 0123",
}
DYNAMIC_EXAMPLES = {
    "netcore": "ATTRIBUTE_NAME",
    "iletimerkezi": "custom_field:12",
    "aptania": "attr:7",
}


# One contact typed by a person who is waiting: retry less than a bulk job would (SPEC allows up to 6).
INTERACTIVE_ATTEMPTS = 3


def send_contact(
    provider: Provider, creds: Credentials, base_url: str, contact: Any, options: Options
) -> RowResult:
    """The worker body: add one contact and return its result (runs off the GUI thread)."""
    from core.client import ProviderClient

    with ProviderClient(provider, creds, base_url, timeout=20.0, max_attempts=INTERACTIVE_ATTEMPTS) as client:
        return client.add(contact, options)


class FieldRow(QWidget):
    """Label, editor and a hint line under it (help, problem, or the value as it will be sent)."""

    changed = Signal()

    def __init__(self, spec: FieldSpec, form: ContactForm) -> None:
        super().__init__()
        self.spec = spec
        self.form = form
        self.touched = False
        self.setObjectName(f"field-{spec.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.label = QLabel()
        self.label.setObjectName("FieldLabel")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        marker = ' <span style="color:#D92D20">*</span>' if spec.required else ""
        self.label.setText(html.escape(spec.label_text()) + marker)
        self.label.setToolTip(_("Sent as {field}").format(field=spec.id))
        layout.addWidget(self.label)

        self.editor: QWidget
        if has_groups(form.provider, spec.id):
            picker = GroupPicker(form.group_source)
            picker.changed.connect(self._changed)
            self.editor = picker
        elif spec.kind is FieldKind.BOOLEAN:
            box = QCheckBox(spec.label_text())
            box.setObjectName("FieldCheck")
            box.toggled.connect(self._changed)
            self.label.hide()
            self.editor = box
        elif spec.kind is FieldKind.CHOICE and spec.choices:
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(choice, choice)
            if spec.default:
                combo.setCurrentIndex(max(0, combo.findData(spec.default)))
            combo.currentIndexChanged.connect(self._changed)
            self.editor = combo
        else:
            edit = QLineEdit()
            edit.setObjectName("FieldEdit")
            edit.setClearButtonEnabled(True)
            if spec.max_length:
                edit.setMaxLength(spec.max_length + 20)  # the hint explains the limit; no silent cut
            edit.textEdited.connect(self._edited)
            edit.editingFinished.connect(self._left)
            self.editor = edit
        self.editor.setAccessibleName(spec.label_text())
        self.label.setBuddy(self.editor)
        layout.addWidget(self.editor)

        self.hint = QLabel()
        self.hint.setObjectName("Hint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.hint)
        self.update_placeholder()
        self.show_help()

    # ------------------------------------------------------------------ value
    def value(self) -> str:
        if isinstance(self.editor, GroupPicker):
            return self.editor.value()
        if isinstance(self.editor, QCheckBox):
            return "true" if self.editor.isChecked() else ""
        if isinstance(self.editor, QComboBox):
            return str(self.editor.currentData() or "")
        assert isinstance(self.editor, QLineEdit)
        return self.editor.text()

    def set_value(self, value: str) -> None:
        if isinstance(self.editor, GroupPicker):
            self.editor.set_value(value)
        elif isinstance(self.editor, QCheckBox):
            self.editor.setChecked(value.strip().lower() in {"1", "true", "yes", "on"})
        elif isinstance(self.editor, QComboBox):
            self.editor.setCurrentIndex(max(0, self.editor.findData(value)))
        else:
            assert isinstance(self.editor, QLineEdit)
            self.editor.setText(value)
            self.validate()

    def clear(self) -> None:
        self.touched = False
        if isinstance(self.editor, QLineEdit):
            self.editor.clear()
        self.show_help()

    def update_placeholder(self) -> None:
        if not isinstance(self.editor, QLineEdit):
            return
        if self.spec.kind is FieldKind.PHONE:
            region = self.form.region()
            text = PHONE_EXAMPLES.get(region) or _("+ country code and number")
        else:
            text = PLACEHOLDERS.get(self.spec.kind, "")
            text = _(text).format(example=EXAMPLES.get(self.spec.kind, "")) if text else ""
        self.editor.setPlaceholderText(text)

    # ------------------------------------------------------------------ checking
    def _edited(self, _text: str) -> None:
        self.validate()
        self.changed.emit()

    def _changed(self, *_args: object) -> None:
        self.changed.emit()

    def _left(self) -> None:
        if isinstance(self.editor, QLineEdit) and self.editor.isModified():
            self.touched = True
        self.validate()

    def show_help(self) -> None:
        text = self.spec.help_text()
        if not text and self.spec.kind is FieldKind.PHONE:
            text = _("Numbers without a country code are read as {country}.").format(
                country=self.form.region())
        if not text and self.spec.max_length:
            text = ngettext("Up to {n} character.", "Up to {n} characters.", self.spec.max_length).format(
                n=number(self.spec.max_length))
        self._hint(text, "help")

    def _hint(self, text: str, state: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        theme.set_prop(self.hint, "state", state)
        theme.set_prop(self.editor, "state", "error" if state == "error" else "")

    def validate(self, *, final: bool = False) -> str | None:
        """Check the current value; returns the problem (also shown under the field) or None."""
        if not isinstance(self.editor, QLineEdit):
            return None
        from core.validation import InvalidValue, normalise

        text = self.editor.text()
        if not text.strip():
            if self.spec.required and not self.spec.option and (final or self.touched):
                problem = _("{field} is required.").format(field=self.spec.label_text())
                self._hint(problem, "error")
                return problem
            self.show_help()
            return None
        try:
            sent = normalise(self.spec, text, self.form.region())
        except InvalidValue as exc:
            self._hint(exc.message, "error")
            return exc.message
        if self.spec.kind is FieldKind.PHONE or sent != text.strip():
            self._hint("✓  " + _("Will be sent as {value}").format(value=sent), "ok")
        elif self.spec.kind is FieldKind.EMAIL:
            self._hint("✓  " + _("Looks like a valid e-mail address"), "ok")
        else:
            self.show_help()
        return None


class ExtraRow(QWidget):
    """One dynamic field: the field id the provider knows, and its value."""

    removed = Signal(object)

    def __init__(self, form: ContactForm) -> None:
        super().__init__()
        self.form = form
        self.setObjectName("ExtraRow")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("ExtraId")
        self.id_edit.setPlaceholderText(DYNAMIC_EXAMPLES.get(form.provider.name) or _("field id"))
        self.id_edit.setAccessibleName(_("Field id"))
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("ExtraValue")
        self.value_edit.setPlaceholderText(_("Value"))
        self.value_edit.setAccessibleName(_("Field value"))
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("RemoveButton")
        self.remove_button.setText("✕")
        self.remove_button.setToolTip(_("Remove this field"))
        self.remove_button.clicked.connect(lambda: self.removed.emit(self))
        grid.addWidget(self.id_edit, 0, 0)
        grid.addWidget(self.value_edit, 0, 1)
        grid.addWidget(self.remove_button, 0, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        self.hint = QLabel()
        self.hint.setObjectName("Hint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        grid.addWidget(self.hint, 1, 0, 1, 3)
        self.id_edit.textEdited.connect(lambda _t: self.validate())
        self.value_edit.textEdited.connect(lambda _t: self.validate())

    def field_id(self) -> str:
        fid = self.id_edit.text().strip()
        if self.form.provider.name == "netcore":
            fid = fid.upper()
        return fid

    def validate(self) -> str | None:
        from core.validation import InvalidValue, normalise

        fid = self.field_id()
        value = self.value_edit.text()
        problem: str | None = None
        spec = self.form.provider.field(fid) if fid else None
        if not fid:
            problem = _("Give the field id from your panel.") if value.strip() else None
        elif spec is None or spec.option:
            title, hint = self.form.provider.title, self.form.provider.field_hint()
            problem = _("{provider} has no field '{field}'.").format(provider=title, field=fid)
            problem = f"{problem} {hint}".strip()  # two whole sentences
        elif value.strip():
            try:
                normalise(spec, value, self.form.region())
            except InvalidValue as exc:
                problem = exc.message
        self.hint.setText(problem or "")
        self.hint.setVisible(bool(problem))
        theme.set_prop(self.hint, "state", "error" if problem else "")
        theme.set_prop(self.id_edit, "state", "error" if problem and spec is None else "")
        return problem


class ResultPanel(QFrame):
    """The readable outcome of the last send, coloured by how it ended."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ResultPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setObjectName("ResultTitle")
        self.message = QLabel()
        self.message.setObjectName("ResultMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw = QLabel()
        self.raw.setObjectName("ResultRaw")
        self.raw.setWordWrap(True)
        self.raw.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.setObjectName("ResultAction")
        self.action.hide()
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.raw)
        row = QHBoxLayout()
        row.addWidget(self.action)
        row.addStretch(1)
        layout.addLayout(row)
        self.tone = ""
        self.hide()

    def show_result(self, tone: str, title: str, message: str, raw: str = "") -> None:
        self.tone = tone
        theme.set_prop(self, "tone", tone)
        theme.set_prop(self.title, "tone", tone)
        self.title.setText(title)
        self.message.setText(message)
        self.raw.setText(raw)
        self.raw.setVisible(bool(raw))
        self.action.hide()
        self.show()
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is not None:
            scroll.ensureWidgetVisible(self, 0, 24)


class ContactForm(QWidget):
    """Generated from ``context.provider.fields()``; rebuilt when the provider changes."""

    credentialsRequested = Signal()
    sent = Signal(object)  # RowResult

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ContactForm")
        self.context = context
        self.rows: dict[str, FieldRow] = {}
        self.extra_rows: list[ExtraRow] = []
        self.task: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(16)

        self.heading = QLabel()
        self.heading.setObjectName("PageTitle")
        outer.addWidget(self.heading)
        self.subheading = QLabel()
        self.subheading.setObjectName("PageSubtitle")
        self.subheading.setWordWrap(True)
        outer.addWidget(self.subheading)

        self.result_panel = ResultPanel()
        self.result_panel.action.clicked.connect(self.credentialsRequested.emit)
        outer.addWidget(self.result_panel)

        self.body = QWidget()
        self.body.setObjectName("FormBody")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(16)
        outer.addWidget(self.body)

        actions = QHBoxLayout()
        actions.setSpacing(10)
        actions.addStretch(1)
        self.clear_button = QPushButton(_("Clear"))
        self.clear_button.setObjectName("SecondaryButton")
        self.clear_button.clicked.connect(self.clear)
        actions.addWidget(self.clear_button)
        self.send_button = QPushButton(_("Add contact"))
        self.send_button.setObjectName("PrimaryButton")
        self.send_button.setDefault(True)
        self.send_button.setShortcut("Ctrl+Return")
        self.send_button.setToolTip(_("Send this contact ({key})").format(key="Ctrl+Enter"))
        self.send_button.clicked.connect(self.send)
        actions.addWidget(self.send_button)
        outer.addLayout(actions)
        outer.addStretch(1)

        self.region_combo: QComboBox | None = None
        context.providerChanged.connect(lambda _p: self.rebuild())
        context.profileChanged.connect(lambda _p: self._reset_region())
        context.profileChanged.connect(lambda _p: self._refresh_groups())
        context.credentialsChanged.connect(self._refresh_groups)
        self.rebuild()

    # ------------------------------------------------------------------ building
    @property
    def provider(self) -> Provider:
        return self.context.provider

    def group_source(self) -> tuple[dict[str, str], str]:
        """Credentials and base URL the group picker lists the groups with (raises when none are stored)."""
        creds = dict(self.context.credentials())
        return creds, self.context.base_url(creds)

    def group_picker(self) -> GroupPicker | None:
        row = self.rows.get("group_id")
        return row.editor if row is not None and isinstance(row.editor, GroupPicker) else None

    def _refresh_groups(self) -> None:
        picker = self.group_picker()
        if picker is not None and picker.isVisible():
            picker.refresh()

    def region(self) -> str:
        if self.region_combo is not None and self.region_combo.currentData():
            return str(self.region_combo.currentData())
        return self.context.default_region()

    def rebuild(self) -> None:
        """Regenerate the form for the current provider (values of the old one are dropped)."""
        if self.task is not None and not self.task.done:
            self.task.cancel()
        picker = self.group_picker()
        if picker is not None:
            picker.stop()
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.rows.clear()
        self.extra_rows.clear()
        self.region_combo = None
        provider = self.provider
        self.heading.setText(_("Add one contact to {provider}").format(provider=provider.title))
        self.subheading.setText(
            _("Fields marked * are required. Each value is checked as you type, and phone numbers are "
              "converted to the international format before sending.")
        )

        group = tuple(getattr(provider, "at_least_one_of", ()) or ())
        labels = [spec.label_text() for spec in (provider.field(f) for f in group) if spec is not None]
        needs = ""
        if len(labels) > 1:
            needs = _("{provider} needs at least one of these fields: {fields}.").format(
                provider=provider.title, fields=", ".join(labels))
        card, layout = make_card(_("Contact"), needs)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(14)
        contact_fields = provider.contact_fields()
        for i, spec in enumerate(contact_fields):
            row = FieldRow(spec, self)
            row.changed.connect(self._on_changed)
            self.rows[spec.id] = row
            grid.addWidget(row, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.body_layout.addWidget(card)

        hint = provider.field_hint()
        if hint and provider.name in DYNAMIC_EXAMPLES:
            card, layout = make_card(_("More fields"), hint)
            self.extra_box = QVBoxLayout()
            self.extra_box.setSpacing(8)
            layout.addLayout(self.extra_box)
            add = QPushButton("+  " + _("Add field"))
            add.setObjectName("LinkButton")
            add.setCursor(Qt.CursorShape.PointingHandCursor)
            add.clicked.connect(lambda: self.add_extra_row())
            self.add_field_button = add
            row_l = QHBoxLayout()
            row_l.addWidget(add)
            row_l.addStretch(1)
            layout.addLayout(row_l)
            self.body_layout.addWidget(card)

        card, layout = make_card(_("Options"), _("Apply to this contact only."))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(14)
        specs = list(provider.option_fields())
        place = 0
        for spec in specs:
            row = FieldRow(spec, self)
            row.changed.connect(self._on_changed)
            self.rows[spec.id] = row
            grid.addWidget(row, place // 2, place % 2, Qt.AlignmentFlag.AlignTop)
            place += 1
        region_box = QWidget()
        region_layout = QVBoxLayout(region_box)
        region_layout.setContentsMargins(0, 0, 0, 0)
        region_layout.setSpacing(4)
        region_label = QLabel(_("Country for phone numbers"))
        region_label.setObjectName("FieldLabel")
        region_layout.addWidget(region_label)
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("RegionCombo")
        self._fill_regions()
        region_label.setBuddy(self.region_combo)
        region_layout.addWidget(self.region_combo)
        region_hint = QLabel(_("Used for numbers written without + and a country code."))
        region_hint.setObjectName("Hint")
        region_hint.setWordWrap(True)
        region_layout.addWidget(region_hint)
        grid.addWidget(region_box, place // 2, place % 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.body_layout.addWidget(card)
        self.region_combo.currentIndexChanged.connect(self._on_region)

        self.result_panel.hide()
        self._set_busy(False)

    def _fill_regions(self) -> None:
        import phonenumbers

        assert self.region_combo is not None
        combo = self.region_combo
        combo.blockSignals(True)
        combo.clear()
        for code in sorted(phonenumbers.SUPPORTED_REGIONS):
            prefix = phonenumbers.country_code_for_region(code)
            combo.addItem(f"{code}  (+{prefix})", code)
        combo.setCurrentIndex(max(0, combo.findData(self.context.default_region())))
        combo.blockSignals(False)

    def _reset_region(self) -> None:
        if self.region_combo is not None:
            self._fill_regions()
            self._on_region()

    def _on_region(self, *_args: object) -> None:
        for row in self.rows.values():
            if row.spec.kind is FieldKind.PHONE:
                row.update_placeholder()
                row.validate()

    def _on_changed(self) -> None:
        if self.result_panel.isVisible() and self.result_panel.tone == "error-local":
            self.result_panel.hide()

    def add_extra_row(self, field_id: str = "", value: str = "") -> ExtraRow:
        row = ExtraRow(self)
        row.id_edit.setText(field_id)
        row.value_edit.setText(value)
        row.removed.connect(self._remove_extra)
        self.extra_rows.append(row)
        self.extra_box.addWidget(row)
        if field_id or value:
            row.validate()
        row.id_edit.setFocus()
        return row

    def _remove_extra(self, row: ExtraRow) -> None:
        if row in self.extra_rows:
            self.extra_rows.remove(row)
        row.deleteLater()

    # ------------------------------------------------------------------ values
    def field_row(self, field_id: str) -> FieldRow:
        return self.rows[field_id]

    def set_values(self, values: Mapping[str, str]) -> None:
        for fid, value in values.items():
            if fid in self.rows:
                self.rows[fid].set_value(value)
            else:
                self.add_extra_row(fid, value)

    def values(self) -> dict[str, str]:
        """Raw values by field id (contact fields, dynamic fields and options); empty ones left out."""
        out: dict[str, str] = {}
        for fid, row in self.rows.items():
            value = row.value()
            if value.strip():
                out[fid] = value
        for extra in self.extra_rows:
            fid = extra.field_id()
            if fid and extra.value_edit.text().strip():
                out[fid] = extra.value_edit.text()
        return out

    def clear(self) -> None:
        for row in self.rows.values():
            if not row.spec.option:
                row.clear()
        for extra in list(self.extra_rows):
            extra.value_edit.clear()
            extra.validate()
        self.result_panel.hide()
        first = next(iter(self.rows.values()), None)
        if first is not None:
            first.editor.setFocus()

    # ------------------------------------------------------------------ sending
    def _set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.send_button.setText(_("Sending…") if busy else _("Add contact"))
        self.clear_button.setEnabled(not busy)

    def check(self) -> Any:
        """Validate the whole entry; shows problems under the fields. Returns a ContactCheck or None."""
        from core.validation import build_contact

        first_bad: QWidget | None = None
        for row in self.rows.values():
            if row.validate(final=True) and first_bad is None:
                first_bad = row.editor
        for extra in self.extra_rows:
            if extra.validate() and first_bad is None:
                first_bad = extra.id_edit
        try:
            checked = build_contact(self.provider, self.values(), key=1, default_region=self.region())
        except UploaderError as exc:
            self._local_problem(str(exc))
            return None
        if checked.problems:
            for problem in checked.problems:
                bad_row = self.rows.get(problem.field)
                if bad_row is not None:
                    bad_row._hint(problem.message, "error")
                    if first_bad is None:
                        first_bad = bad_row.editor
            self._local_problem(" ".join(dict.fromkeys(p.message for p in checked.problems)))
            if first_bad is not None:
                first_bad.setFocus()
            return None
        return checked

    def _local_problem(self, message: str) -> None:
        self.result_panel.show_result("error", _("Please check the highlighted fields"), message)
        self.result_panel.tone = "error-local"

    def send(self) -> None:
        """Validate, then send on a worker thread; the outcome appears in the result panel."""
        if self.task is not None and not self.task.done:
            return
        checked = self.check()
        if checked is None:
            return
        try:
            creds = self.context.credentials()
        except CredentialError as exc:
            self._show_failure(exc)
            return
        base_url = self.context.base_url(creds)
        from gui.workers import start_task

        self._set_busy(True)
        self.result_panel.hide()
        provider = self.provider
        fields = checked.contact.fields
        who = next((fields[f] for f in provider.identity_fields if fields.get(f)), "")
        self.task = start_task(
            send_contact,
            provider,
            creds,
            base_url,
            checked.contact,
            checked.options,
            parent=self,
            name="add-contact",
            on_result=lambda result: self._show_result(provider, result, who),
            on_failed=self._show_failure,
            on_finished=lambda: self._set_busy(False),
        )

    def _show_result(self, provider: Provider, result: RowResult, who: str = "") -> None:
        if provider.name != self.provider.name:
            return  # the user switched platform while it was on its way
        titles = {
            Outcome.ADDED: ("success", _("Added to {provider}")),
            Outcome.UPDATED: ("success", _("Updated in {provider}")),
            Outcome.EXISTS: ("info", _("Already in {provider}")),
            Outcome.SKIPPED: ("warning", _("Skipped by {provider}")),
            Outcome.INVALID: ("error", _("Not sent")),
            Outcome.FAILED: ("error", _("{provider} did not add the contact")),
        }
        tone, title = titles.get(result.outcome, ("info", str(result.outcome)))
        if result.outcome is Outcome.ADDED and result.code == "accepted":
            title = _("Accepted by {provider} (not verified)")
        title = title.format(provider=provider.title)
        if who and result.outcome.is_success:
            title += f"  ·  {who}"
        raw_bits = []
        if result.code:
            raw_bits.append(_("Code {code}").format(code=result.code))
        if result.raw_text and result.raw_text.strip() not in result.message:
            raw_bits.append(_("{provider} said: {text}").format(provider=provider.title,
                                                               text=result.raw_text.strip()[:300]))
        if result.contact_id:
            raw_bits.append(_("Contact id {id}").format(id=result.contact_id))
        message = result.message or str(result.outcome)
        self.result_panel.show_result(tone, title, message, "   ·   ".join(raw_bits))
        self.sent.emit(result)
        if result.outcome.is_success:
            self.context.record_verdict(
                True, _("{provider} accepted the last contact.").format(provider=provider.title))
            for row in self.rows.values():
                if not row.spec.option:
                    row.clear()
            for extra in self.extra_rows:
                extra.value_edit.clear()
            first = next(iter(self.rows.values()), None)
            if first is not None:
                first.editor.setFocus()

    def _show_failure(self, exc: object) -> None:
        if not isinstance(exc, UploaderError):
            from gui import errors

            errors.show_error(self, exc)
            return
        provider = self.provider
        if isinstance(exc, CredentialsRefused):
            title = _("{provider} refused the credentials").format(provider=provider.title)
            self.context.record_verdict(False, str(exc))
        elif isinstance(exc, CredentialError):
            title = _("Credentials needed")
        elif isinstance(exc, NetworkProblem):
            title = _("Could not reach {provider}").format(provider=provider.title)
        else:
            from gui.errors import title_for

            title = title_for(exc)
        raw = ""
        code = getattr(exc, "code", "")
        if code:
            raw = _("Code {code}").format(code=code)
            said = getattr(exc, "raw_text", "")
            if said:
                raw += "   ·   " + _("{provider} said: {text}").format(provider=provider.title, text=said)
        self.result_panel.show_result("error", title, str(exc), raw)
        if isinstance(exc, CredentialError):
            self.result_panel.action.setText(_("Open credentials…"))
            self.result_panel.action.show()


__all__ = ["ContactForm", "ExtraRow", "FieldRow", "ResultPanel", "send_contact"]

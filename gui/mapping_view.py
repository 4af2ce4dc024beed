"""Step 2 of the import: which column feeds which provider field, and the values set for the whole job.

One line per source column: its header, a few sample values and a combo of the provider's contact
fields (plus "— ignore —"). Providers with open-ended field ids (Netcore attributes, İleti Merkezi
``custom_field:<id>``, Aptania ``attr:<id>``) get an editable combo, so any id can be typed. Below, one
input per job option (list name, group id, …) and the default country for phone numbers; İleti Merkezi's
group id is a :class:`gui.group_picker.GroupPicker` (the account's groups by name, a typed id still works).

The suggestion comes from :func:`core.mapping.suggest`, or from :class:`core.mapping.MappingMemory`
when the same file shape was mapped before; the import view remembers the final choice. Beside each
suggested column, why it was suggested (the :class:`core.mapping.Suggestion`'s reason), also as the
tooltip of its combo. For Netcore, a checkbox (off by default) sends every column left unmapped as an
attribute named after its header, and lists what it would send; it sits above the columns, and when it
is on each such column says beside it which attribute it goes to. Long column names and examples end in
"…" (whole in their tooltips) so that the reasons keep their width, whatever the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.i18n import N_, _, ngettext
from core.mapping import extra_attributes
from core.model import FieldKind, FieldSpec
from core.providers.base import Provider
from gui.group_picker import GroupPicker, Source, has_groups
from gui.import_widgets import make_card

IGNORE = N_("— ignore —")  # the combo entry of a column not sent (shown translated)
HINT = N_("Check which column goes to which field; suggestions are filled in. Fields marked * are required.")
_SAMPLES = 3
NAME_WIDTH = 220  # a column name takes at most this width (a longer one ends in "…", whole in its tooltip)
REASON_WIDTH = 220  # the "Why" column never gets narrower than this, however long the names or examples
_LISTED = 6  # attributes listed beside the Netcore checkbox; the rest are counted (all in its tooltip)


class ElidedLabel(QLabel):
    """One line of text that ends in "…" when the label is narrower than the text; the whole text is its
    tooltip and :meth:`text`. ``max_width``: the width it asks for at most (0: it asks for none and takes
    what the layout gives)."""

    def __init__(self, text: str, max_width: int = 0, tooltip: str | None = None) -> None:
        super().__init__(text)
        self._max = max_width
        self.setToolTip(text if tooltip is None else tooltip)
        self.setMinimumWidth(0)
        policy = QSizePolicy.Policy.Preferred if max_width else QSizePolicy.Policy.Ignored
        self.setSizePolicy(policy, QSizePolicy.Policy.Preferred)

    def _natural(self) -> int:
        margins = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(self.text()) + margins.left() + margins.right() + 2

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(self._natural(), self._max) if self._max else 0, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(self._natural(), self._max // 2) if self._max else 0, hint.height())

    def is_elided(self) -> bool:
        """True when the text does not fit and ends in "…" on screen."""
        return self._natural() > self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        try:
            self.style().drawItemText(painter, rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                                      self.palette(), self.isEnabled(), shown, self.foregroundRole())
        finally:
            # ended here, on the GUI thread, before Qt flushes the window: left to the garbage collector, a
            # painter kept alive by a reference to this frame (a traceback, a debugger, a profiler) ended
            # later or on another thread — Qt then crashes in QRasterPaintEngine
            painter.end()


class MappingView(QWidget):
    """Column → field combos and job constants; ``mappingChanged`` on any change by the user."""

    mappingChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._provider: Provider | None = None
        self._headers: list[str] = []
        self.combos: list[QComboBox] = []
        self.reasons: list[QLabel] = []
        self._suggested: dict[int, tuple[str, str]] = {}  # column -> (field id, why it was suggested)
        self._extras: dict[int, str] = {}  # column -> the Netcore attribute the checkbox sends it as
        # a saved import applied to this file (show_saved): its name, the saved columns the file lacks
        # (column name -> field id) and the file's columns it does not name
        self._saved_source = ""
        self._saved_missing: dict[str, str] = {}
        self._saved_new: set[int] = set()
        self.option_inputs: dict[str, QWidget] = {}
        # where a group picker lists the account's groups from: () -> (credentials, base URL); the import
        # view sets it (None: the picker takes a typed id only)
        self.group_source: Source | None = None

        # both cards at their natural height; the step scrolls as a whole when a file has many columns
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page = QScrollArea()
        page.setObjectName("CardScroll")
        page.setFrameShape(QFrame.Shape.NoFrame)
        page.setWidgetResizable(True)
        # at the window's narrowest the four columns may not fit: scroll sideways rather than cut them off
        page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        body = QWidget()
        body.setObjectName("mappingBody")
        page.setWidget(body)
        outer.addWidget(page)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(14)

        self._columns_card, columns = make_card(_("Columns"))
        self.hint = QLabel(_(HINT))
        self.hint.setObjectName("CardSubtitle")
        self.hint.setWordWrap(True)
        columns.addWidget(self.hint)
        self.saved_missing = QLabel()  # red: a saved column this file lacks, its field stays unmapped
        self.saved_missing.setObjectName("savedMissing")
        self.saved_missing.setWordWrap(True)
        self.saved_missing.hide()
        columns.addWidget(self.saved_missing)
        self.saved_new = QLabel()  # this file's columns the saved import does not name, left unmapped
        self.saved_new.setObjectName("savedNew")
        self.saved_new.setWordWrap(True)
        self.saved_new.hide()
        columns.addWidget(self.saved_new)
        # above the columns, not below them: with 80 columns the user would have to scroll to find it
        self.extra = QCheckBox(_("Also send the other columns as Netcore attributes"))
        self.extra.setObjectName("extraAttributes")
        self.extra.setToolTip(_("Off: only the columns mapped to a field below are sent. On: every other "
                                "column is sent too, as an attribute named after its header."))
        self.extra.toggled.connect(self._changed)
        self.extra.hide()
        columns.addWidget(self.extra)
        self.extra_list = QLabel()
        self.extra_list.setObjectName("extraAttributesList")
        self.extra_list.setWordWrap(True)
        self.extra_list.hide()
        columns.addWidget(self.extra_list)
        self._columns_box = QWidget()
        self._columns_box.setObjectName("columnsBox")
        self._grid = QGridLayout(self._columns_box)
        self._grid.setContentsMargins(0, 0, 6, 0)
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(6)
        columns.addWidget(self._columns_box)
        self.warning = QLabel()
        self.warning.setObjectName("WarningText")
        self.warning.setWordWrap(True)
        self.warning.hide()
        columns.addWidget(self.warning)
        layout.addWidget(self._columns_card)

        self._options_card, options = make_card(_("Options"),
                                                 _("The same value for every contact of this file."))
        self._options_box = QWidget()
        self._options_form = QGridLayout(self._options_box)
        self._options_form.setContentsMargins(0, 0, 0, 0)
        self._options_form.setHorizontalSpacing(12)
        self._options_form.setVerticalSpacing(10)
        options.addWidget(self._options_box)
        layout.addWidget(self._options_card)
        layout.addStretch(1)

        self.region = _region_input("")

        self.problem = QLabel()
        self.problem.setObjectName("mappingProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()  # the same sentences, for tests and screen readers; the card shows them

    # ------------------------------------------------------------------ filling
    def set_source(
        self,
        headers: Sequence[str],
        samples: Sequence[Sequence[str]],
        provider: Provider,
        mapping: Mapping[int, str],
        constants: Mapping[str, str] | None = None,
        region: str = "",
        *,
        suggestions: Sequence[Any] = (),
    ) -> None:
        """Show ``headers`` (with sample rows) for ``provider``, preselecting ``mapping``; ``suggestions``
        (:class:`core.mapping.Suggestion`) say why each column was suggested."""
        self._provider = provider
        self._headers = list(headers)
        self._saved_source, self._saved_missing, self._saved_new = "", {}, set()
        self.hint.setText(_(HINT))
        self._suggested = {
            s.column: (s.field, _why(s)) for s in suggestions if mapping.get(s.column) == s.field
        }
        _clear(self._grid)
        self._extras = {}
        self.combos = []
        self.reasons = []
        titles = (_("Column"), _("Examples"), _("{platform} field").format(platform=provider.title), _("Why"))
        for col, title in enumerate(titles):
            label = QLabel(title)
            label.setObjectName("ColumnHeader")
            self._grid.addWidget(label, 0, col)
        open_ended = bool(provider.field_hint())
        contact_fields = provider.contact_fields()
        for index, header in enumerate(self._headers):
            name = ElidedLabel(header or _("Column {n}").format(n=index + 1), NAME_WIDTH)
            name.setObjectName("ColumnName")
            values = [r[index].strip() for r in samples if index < len(r) and r[index].strip()][:_SAMPLES]
            # long samples end in "…" within the card, never widening it
            example = ElidedLabel(", ".join(values), tooltip="\n".join(values))
            example.setObjectName("Sample")
            combo = QComboBox()
            combo.setObjectName(f"mapColumn{index}")
            combo.setEditable(open_ended)
            combo.addItem(_(IGNORE), "")
            for spec in contact_fields:
                combo.addItem(_field_text(spec), spec.id)
                tip = _("{platform} field '{field}'").format(platform=provider.title, field=spec.id)
                combo.setItemData(combo.count() - 1, tip,
                                  Qt.ItemDataRole.ToolTipRole)
            if open_ended:
                combo.setToolTip(provider.field_hint())
            self._select(combo, mapping.get(index, ""))
            combo.currentIndexChanged.connect(self._changed)
            editor = combo.lineEdit() if combo.isEditable() else None
            if editor is not None:
                editor.editingFinished.connect(self._changed)
            self.combos.append(combo)
            combo.setMinimumWidth(240)
            self._grid.addWidget(name, index + 1, 0)
            self._grid.addWidget(example, index + 1, 1)
            self._grid.addWidget(combo, index + 1, 2)
            reason = QLabel()
            reason.setObjectName("MapReason")
            reason.setWordWrap(True)
            reason.setMinimumWidth(0)
            reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.reasons.append(reason)
            self._grid.addWidget(reason, index + 1, 3)
            self._show_reason(index)
        self._grid.setColumnStretch(1, 2)
        self._grid.setColumnStretch(3, 3)
        self._grid.setColumnMinimumWidth(3, REASON_WIDTH)
        self.extra.blockSignals(True)
        self.extra.setChecked(False)
        self.extra.blockSignals(False)
        self.extra.setVisible(provider.name == "netcore")

        for old in self.option_inputs.values():
            if isinstance(old, GroupPicker):
                old.stop()
        _clear(self._options_form)
        self.option_inputs = {}
        constants = constants or {}
        rows: list[tuple[str, QWidget]] = []
        # a required contact field can also be one value for the whole file (as ``--set`` on the CLI)
        for spec in provider.contact_fields():
            if _settable(provider, spec):
                edit = QLineEdit(constants.get(spec.id, ""))
                edit.setPlaceholderText(_("Only when no column holds it"))
                same = _("The same {field} for every contact.").format(field=spec.label_text().lower())
                edit.setToolTip(f"{spec.help_text()} {same}".strip())
                rows.append((f"{spec.label_text()} *", self._option_widget(spec.id, edit)))
        for spec in provider.option_fields():
            widget: QWidget
            if has_groups(provider, spec.id):  # İleti Merkezi's group_id: the groups by name
                widget = GroupPicker(self.group_source, constants.get(spec.id, ""))
            else:
                widget = _option_input(spec, constants.get(spec.id, ""))
            title = spec.label_text() + (" *" if spec.required else "")
            rows.append((title, self._option_widget(spec.id, widget)))
        self.region = _region_input(region or provider.default_region)
        self.region.textEdited.connect(self._changed)
        rows.append((_("Default country for phones"), self.region))
        # a group picker has a status line under its combo: its grid line is aligned on the combo's line
        # (labels and fields at the top, each label as tall as the combo), not on the middle of the picker
        picker_lines = {pos // 2 for pos, (_t, widget) in enumerate(rows) if isinstance(widget, GroupPicker)}
        for pos, (text, widget) in enumerate(rows):
            label = QLabel(text)
            label.setObjectName("FieldLabel")
            label.setWordWrap(True)  # a long French or Spanish label takes two lines, never widens the card
            label.setMaximumWidth(260)
            label.setBuddy(widget)
            r, c = divmod(pos, 2)
            align = Qt.AlignmentFlag.AlignVCenter
            if r in picker_lines:
                align = Qt.AlignmentFlag.AlignTop
                line = widget.combo if isinstance(widget, GroupPicker) else widget
                line.ensurePolished()
                label.setMinimumHeight(line.sizeHint().height())
                label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self._options_form.addWidget(label, r, c * 3, align)
            self._options_form.addWidget(widget, r, c * 3 + 1, align)
        self._options_form.setColumnStretch(1, 1)
        self._options_form.setColumnStretch(4, 1)
        self._options_form.setColumnMinimumWidth(2, 16)
        self._update_extra()
        self._update_problem()
        self._update_saved()

    def show_saved(self, source: str, missing: Mapping[str, str], new: Sequence[int]) -> None:
        """Say where this file differs from the saved import ``source`` that filled the step
        (:meth:`core.saved_import.SavedImport.fit`): each saved column it lacks, in red with the field
        that stays unmapped, and its columns the saved import does not name (left unmapped). Called
        after :meth:`set_source`; the next ``set_source`` forgets it."""
        self._saved_source = source
        self._saved_missing = dict(missing)
        self._saved_new = {i for i in new if 0 <= i < len(self._headers)}
        for index, fid in self.chosen_mapping().items():  # why: the saved import, until changed
            self._suggested[index] = (fid, _("as in {source}").format(source=source))
        self.hint.setText(_("Filled in from {source}; your changes here win. Fields marked * are required.")
                          .format(source=source))
        for index in range(len(self.reasons)):
            self._show_reason(index)
        self._update_saved()

    def saved_differences(self) -> tuple[list[str], list[str]]:
        """(saved columns this file lacks whose field is still unmapped, new columns still unmapped)."""
        mapped = set(self.mapping().values())
        missing = [c for c, fid in self._saved_missing.items() if fid not in mapped]
        chosen = self.chosen_mapping()
        new = [self._headers[i] for i in sorted(self._saved_new) if i not in chosen]
        return missing, new

    def _update_saved(self) -> None:
        """The two notes of :meth:`show_saved`, as they stand after the user's own changes."""
        missing, new = self.saved_differences()
        provider = self._provider
        lines = []
        for column in missing:
            fid = self._saved_missing[column]
            spec = provider.field(fid) if provider is not None else None
            label = spec.label_text() if spec is not None else fid
            lines.append("✖  " + _("{field} stays unmapped: the column '{column}' of {source} is not in this "
                                   "file.").format(field=label, column=column, source=self._saved_source))
        self.saved_missing.setText("\n".join(lines))
        self.saved_missing.setVisible(bool(lines))
        names = ", ".join(f"'{h}'" for h in new)
        self.saved_new.setText(
            _("New in this file, not in {source} (left unmapped): {names}.").format(
                source=self._saved_source, names=names) if new else "")
        self.saved_new.setVisible(bool(new))

    def _option_widget(self, field_id: str, widget: QWidget) -> QWidget:
        widget.setObjectName(f"option_{field_id}")
        if isinstance(widget, GroupPicker):
            widget.changed.connect(self._changed)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(self._changed)
        elif isinstance(widget, QLineEdit):
            widget.textEdited.connect(self._changed)
        self.option_inputs[field_id] = widget
        return widget

    def _select(self, combo: QComboBox, field_id: str) -> None:
        pos = combo.findData(field_id)
        if pos < 0 and field_id:
            spec = self._provider.field(field_id) if self._provider else None
            combo.addItem(_field_text(spec) if spec else field_id, field_id)
            pos = combo.count() - 1
        combo.setCurrentIndex(max(pos, 0))

    def _show_reason(self, index: int) -> None:
        """The reason beside a column while it still holds the suggested field; nothing once changed."""
        combo, label = self.combos[index], self.reasons[index]
        suggested = self._suggested.get(index)
        text = suggested[1] if suggested is not None and self._field_of(combo) == suggested[0] else ""
        if not text and index in self._extras:
            text = _("sent as the attribute {name} (the box above)").format(name=self._extras[index])
        if index in self._saved_new and not self._field_of(combo):
            text = _("new column: not in the saved import")
        label.setText(text)
        label.setToolTip(text)
        combo.setToolTip(text or (self._provider.field_hint() if self._provider else ""))

    # ------------------------------------------------------------------ reading
    def chosen_mapping(self) -> dict[int, str]:
        """Column index → field id of every column mapped in the combos (without the attributes of the
        checkbox)."""
        out: dict[int, str] = {}
        for index, combo in enumerate(self.combos):
            fid = self._field_of(combo)
            if fid:
                out[index] = fid
        return out

    def extra_attributes(self) -> dict[int, str]:
        """Column index → Netcore attribute of the columns the checkbox sends (empty when it is off)."""
        if self._provider is None or not self.extra.isChecked():
            return {}
        return extra_attributes(self._headers, self._provider, self.chosen_mapping())

    def mapping(self) -> dict[int, str]:
        """Column index → field id of every column to send: the combos, plus the checkbox's attributes."""
        return dict(sorted({**self.chosen_mapping(), **self.extra_attributes()}.items()))

    def _field_of(self, combo: QComboBox) -> str:
        if combo.isEditable():
            text = combo.currentText().strip()
            pos = combo.findText(text)
            if pos >= 0:
                return str(combo.itemData(pos) or "")
            return "" if text in (IGNORE, _(IGNORE)) else text
        return str(combo.currentData() or "")

    def constants(self) -> dict[str, str]:
        """Option id → value, for every option given a value."""
        out: dict[str, str] = {}
        for fid, widget in self.option_inputs.items():
            if isinstance(widget, GroupPicker):
                value = widget.value()
            elif isinstance(widget, QComboBox):
                value = str(widget.currentData() or "")
            elif isinstance(widget, QLineEdit):
                value = widget.text().strip()
            else:  # pragma: no cover
                value = ""
            if value:
                out[fid] = value
        return out

    def default_region(self) -> str:
        return self.region.text().strip().upper()

    def set_field(self, column: int, field_id: str) -> None:
        """Map ``column`` to ``field_id`` ("" to ignore it), as the user would."""
        self._select(self.combos[column], field_id)
        self._changed()

    def set_constant(self, field_id: str, value: str) -> None:
        widget = self.option_inputs[field_id]
        if isinstance(widget, GroupPicker):
            widget.set_value(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QLineEdit):
            widget.setText(value)
        self._changed()

    def problems(self) -> list[str]:
        """Sentences about the mapping that stop the next step (empty when it can go on)."""
        provider = self._provider
        if provider is None:
            return []
        out: list[str] = []
        seen: dict[str, int] = {}
        for index, fid in self.mapping().items():
            if provider.field(fid) is None:
                out.append(_("{platform} has no field '{field}' (column '{column}').").format(
                    platform=provider.title, field=fid, column=self._headers[index]))
            elif fid in seen:
                out.append(_("Columns '{first}' and '{second}' both go to {field}; choose only one.").format(
                    first=self._headers[seen[fid]], second=self._headers[index], field=fid))
            seen.setdefault(fid, index)
        return out + self.missing_required()

    def missing_required(self) -> list[str]:
        """A sentence per required field neither mapped to a column nor set for every contact."""
        provider = self._provider
        if provider is None:
            return []
        given = set(self.mapping().values()) | set(self.constants())
        return [
            (_("{platform} needs the field {field}: choose the column that holds it, or type one value for "
               "every contact under Options.")
             if spec.id in self.option_inputs and not spec.option else
             _("{platform} needs the field {field}: choose the column that holds it."))
            .format(platform=provider.title, field=spec.label_text())
            for spec in provider.fields()
            if spec.required and spec.id not in given
        ]

    def _changed(self, *_args: object) -> None:
        self._extras = self.extra_attributes()
        for index in range(len(self.reasons)):
            self._show_reason(index)
        self._update_extra()
        self._update_problem()
        self._update_saved()
        self.mappingChanged.emit()

    def _update_extra(self) -> None:
        would = (extra_attributes(self._headers, self._provider, self.chosen_mapping())
                 if self._provider is not None and self._provider.name == "netcore" else {})
        if would:
            pairs = [f"{self._headers[i]} → {name}" for i, name in would.items()]
            listing = ", ".join(pairs[:_LISTED])
            more = len(pairs) - _LISTED
            if more > 0 and self.extra.isChecked():
                listing = ngettext("{listing} and {n} more (each shown beside its column below)",
                                   "{listing} and {n} more (each shown beside its column below)",
                                   more).format(listing=listing, n=more)
            elif more > 0:
                listing = ngettext("{listing} and {n} more (hover here for the whole list)",
                                   "{listing} and {n} more (hover here for the whole list)",
                                   more).format(listing=listing, n=more)
            n = len(would)
            if self.extra.isChecked():
                text = ngettext("Sends {n} more column(s): {listing}",
                                "Sends {n} more column(s): {listing}", n)
            else:
                text = ngettext("Would send {n} more column(s): {listing}",
                                "Would send {n} more column(s): {listing}", n)
            self.extra_list.setText(text.format(n=n, listing=listing))
            self.extra_list.setToolTip("\n".join(pairs))
        else:
            self.extra_list.setText(_("Every column is mapped below; there is nothing else to send."))
            self.extra_list.setToolTip("")
        self.extra_list.setVisible(self._provider is not None and self._provider.name == "netcore")

    def _update_problem(self) -> None:
        problems = self.problems()
        self.problem.setText(" ".join(problems))
        self.warning.setText("\n".join(f"⚠  {p}" for p in problems))
        self.warning.setVisible(bool(problems))


def _why(suggestion: Any) -> str:
    if suggestion.basis == "remembered":
        return _("as mapped for the last file with these columns")
    return str(suggestion.reason)


def _settable(provider: Provider, spec: FieldSpec) -> bool:
    """A required contact field that may be one value for the whole file (Aptania's profile id), unlike
    the identity of a contact (its phone number or e-mail)."""
    return (spec.required and spec.id not in provider.identity_fields
            and spec.kind not in (FieldKind.PHONE, FieldKind.EMAIL))


def _field_text(spec: FieldSpec) -> str:
    return f"{spec.label_text()} *" if spec.required else spec.label_text()


def _option_input(spec: FieldSpec, value: str) -> QWidget:
    if spec.kind is FieldKind.BOOLEAN or spec.choices:
        combo = QComboBox()
        # as wide as a short text, not as its longest item ("(valeur par défaut de la plateforme)")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        combo.addItem(_("(provider default)"), "")
        choices: Sequence[tuple[str, str]]
        if spec.kind is FieldKind.BOOLEAN:
            choices = ((_("Yes"), "true"), (_("No"), "false"))
        else:
            choices = tuple((spec.choice_text(c), c) for c in spec.choices)
        for text, data in choices:
            combo.addItem(text, data)
        wanted = value or (spec.default or "")
        combo.setCurrentIndex(max(0, combo.findData(wanted)))
        combo.setToolTip(spec.help_text())
        return combo
    edit = QLineEdit(value)
    if spec.max_length:
        edit.setMaxLength(spec.max_length)
    edit.setPlaceholderText(spec.help_text() or _("(none)"))
    edit.setToolTip(spec.help_text())
    return edit


def _region_input(value: str) -> QLineEdit:
    edit = QLineEdit(value)
    edit.setObjectName("defaultRegion")
    edit.setMaxLength(2)
    edit.setPlaceholderText(_("e.g. FR"))
    edit.setToolTip(_("Country used to read phone numbers written without a country code."))
    return edit


def _clear(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()


__all__ = ["IGNORE", "ElidedLabel", "MappingView"]

"""A picker for İleti Merkezi's ``group_id``: the account's groups by name, with contact counts.

An editable combo: the groups come from ``get-groups`` (:func:`core.groups_cmd.fetch_groups`) on a worker
thread (:func:`gui.workers.start_task`), sub-groups indented under their group, each shown as
"name (count)" and carrying its id; a Refresh button asks again. The combo stays editable, so a group id
can still be typed when the list cannot be fetched (offline, no credentials yet): :meth:`value` is the
chosen group's id, or the typed text. Problems are shown in one line under the combo, never in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.groups_cmd import fetch_groups, group_label
from core.i18n import _, ngettext, number
from core.providers.iletimerkezi import Group

# where the groups are fetched from: () -> (credentials, base URL); raises UploaderError when unknown
Source = Callable[[], tuple[dict[str, str], str]]


class GroupPicker(QWidget):
    """Group names (with counts and nesting) for an id field; a typed id works too."""

    changed = Signal()
    loaded = Signal(object)  # list[Group] or the exception of the last fetch

    def __init__(self, source: Source | None, value: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GroupPicker")
        self.source = source
        self.groups: list[Group] = []
        self.task: Any = None
        self._asked = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.combo = QComboBox()
        self.combo.setObjectName("GroupCombo")
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(18)
        edit = self.combo.lineEdit()
        assert edit is not None  # an editable combo has its line edit
        edit.setPlaceholderText(_("Choose a group, or type its id"))
        self.combo.setToolTip(
            _("The {provider} group to add the contacts to; a group id can be typed.").format(
                provider="İleti Merkezi"))
        self.combo.setAccessibleName(_("Group"))
        self.combo.addItem("", "")  # no group
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        # a chosen long name shows its beginning, not its end (the editable combo puts the cursor last)
        self.combo.currentIndexChanged.connect(lambda _i: edit.setCursorPosition(0))
        edit.textEdited.connect(lambda _t: self.changed.emit())
        row.addWidget(self.combo, 1)
        self.refresh_button = QToolButton()
        self.refresh_button.setObjectName("GroupRefresh")
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Fetch the account's groups from {provider} again").format(
            provider="İleti Merkezi"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("Hint")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.set_value(value)
        self._say(_("Refresh to list your groups, or type a group id.") if source
                  else _("Type the group id."))
        self.refresh_button.setEnabled(source is not None)

    # ------------------------------------------------------------------ value
    def value(self) -> str:
        """The chosen group's id, or the text typed (an id)."""
        text = self.combo.currentText()
        index = self.combo.currentIndex()
        if index < 0 or self.combo.itemText(index) != text:  # typed: a label (sub-groups are indented)
            index = self.combo.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return str(self.combo.itemData(index) or "")
        return text.strip()

    def set_value(self, value: str) -> None:
        value = (value or "").strip()
        index = self.combo.findData(value) if value else 0
        if index >= 0:
            self.combo.setCurrentIndex(index)
        else:
            self.combo.setEditText(value)

    # ------------------------------------------------------------------ fetching
    def showEvent(self, event: QShowEvent) -> None:  # the first time it is seen: ask once
        super().showEvent(event)
        if not self._asked and self.source is not None:
            self.refresh()

    def refresh(self) -> None:
        """Fetch the groups on a worker thread; the combo keeps working meanwhile."""
        if self.source is None or (self.task is not None and not self.task.done):
            return
        self._asked = True
        try:
            creds, base_url = self.source()
        except Exception as exc:  # noqa: BLE001 - no credentials yet: say so, keep the typed id
            self._failed(exc)
            return
        from gui.workers import start_task

        self.refresh_button.setEnabled(False)
        self._say(_("Fetching the groups…"))
        self.task = start_task(
            fetch_groups, creds, base_url, parent=self, name="get-groups",
            on_result=self._loaded, on_failed=self._failed, on_finished=self._finished,
        )

    def _finished(self) -> None:
        if shiboken6.isValid(self):  # the form may have been rebuilt while the groups were on their way
            self.refresh_button.setEnabled(self.source is not None)

    def _loaded(self, groups: list[Group]) -> None:
        if not shiboken6.isValid(self):
            return
        kept = self.value()
        self.groups = list(groups)
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("", "")
        for group in self.groups:
            self.combo.addItem(group_label(group), group.id)
            tip = (_("Group id {id}, inside group {parent}").format(id=group.id, parent=group.parent)
                   if group.parent else _("Group id {id}").format(id=group.id))
            self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.combo.blockSignals(False)
        self.set_value(kept)
        if self.groups:
            count = len(self.groups)
            self._say(ngettext("{n} group. A group id can also be typed.",
                               "{n} groups. A group id can also be typed.", count).format(n=number(count)))
        else:
            from core import messages

            self._say(messages.text("iletimerkezi", "groups_none"))
        self.loaded.emit(self.groups)

    def _failed(self, exc: object) -> None:
        if not shiboken6.isValid(self):
            return
        from core.errors import MissingCredentials

        if isinstance(exc, MissingCredentials):  # its sentence is the command line's advice
            self._say(_("No {provider} credentials are stored for this profile yet: add them with "
                        "Credentials… to list the groups. You can still type a group id.").format(
                provider="İleti Merkezi"), error=True)
            self.loaded.emit(exc)
            return
        sentence = " ".join(str(exc).split()) or type(exc).__name__
        self._say(_("Could not list the groups: {reason} You can still type a group id.").format(
            reason=sentence), error=True)
        self.loaded.emit(exc)

    def _say(self, text: str, *, error: bool = False) -> None:
        from gui import theme

        self.status.setText(text)
        theme.set_prop(self.status, "state", "error" if error else "help")

    def stop(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()


def has_groups(provider: Any, field_id: str) -> bool:
    """Whether ``field_id`` of ``provider`` is a group id the provider can list (İleti Merkezi's)."""
    return field_id == "group_id" and hasattr(provider, "groups_request")


__all__ = ["GroupPicker", "has_groups"]

"""The request one row would send, exactly as it goes on the wire, with every secret masked.

Built by the provider itself (:meth:`Provider.build_requests`), so what is shown is what the engine sends;
:meth:`WireRequest.preview` masks the credentials (also inside URLs, form and JSON bodies).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from core.i18n import _
from core.model import Contact
from core.providers.base import Provider


def placeholder_credentials(provider: Provider) -> dict[str, str]:
    """Stand-in credentials for a preview when none are stored (secrets are masked anyway)."""
    return {c.id: (c.default or f"<{c.id}>") for c in provider.credential_fields}


def payload_text(
    provider: Provider,
    contact: Contact,
    options: Mapping[str, str],
    creds: Mapping[str, str],
    base_url: str,
) -> str:
    """The masked text of the first request carrying ``contact``."""
    requests = provider.build_requests([contact], options, creds, base_url)
    if not requests:
        return _("(nothing would be sent)")
    return requests[0].preview()


class PayloadPreview(QWidget):
    """A read-only monospace pane; :meth:`show_contact` or :meth:`show_message`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.title = QLabel(_("Request for the selected row (secrets masked)"))
        self.title.setObjectName("FieldLabel")
        layout.addWidget(self.title)
        self.text = QPlainTextEdit()
        self.text.setObjectName("payloadPreview")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText(_("Select a row to see what would be sent."))
        layout.addWidget(self.text)

    def show_contact(
        self,
        provider: Provider,
        contact: Contact,
        options: Mapping[str, str],
        creds: Mapping[str, str],
        base_url: str,
    ) -> None:
        self.title.setText(_("Request for row {row} (secrets masked)").format(row=contact.key))
        self.text.setPlainText(payload_text(provider, contact, options, creds, base_url))

    def show_message(self, text: str) -> None:
        self.title.setText(_("Request for the selected row (secrets masked)"))
        self.text.setPlainText(text)

    def preview_text(self) -> str:
        return self.text.toPlainText()

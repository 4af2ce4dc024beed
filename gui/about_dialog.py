"""Help → About: the version, where settings, journal and logs live, and the third-party licences.

The licences are the ``THIRD-PARTY-LICENSES`` file the packaged program carries (``scripts/licences.py``
writes it at build time from package metadata). Installed as a Python package (pip, pipx, a checkout) there
is no such file: each third-party package is installed beside the program with its own licence, and the
dialog lists them with their licence and where its text is.
"""

from __future__ import annotations

import html
import re
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, APP_TITLE, __version__
from core.i18n import N_, _
from core.paths import state_dir
from core.resources import resource_path
from gui import theme

LICENCE_FILE = "THIRD-PARTY-LICENSES"


def data_locations() -> list[tuple[str, Path]]:
    """(what, where) for the files the program keeps, in the state folder (``CONTACT_UPLOADER_HOME``);
    ``what`` in English (translate it with ``_()`` where shown)."""
    from core import journal, logsetup, settings

    home = state_dir(create=False)
    return [
        (N_("Settings"), home / settings.FILE_NAME),
        (N_("Window layout"), home / "window.ini"),
        (N_("Upload journal"), home / journal.FILE_NAME),
        (N_("Logs"), logsetup.log_path().parent),
    ]


def licence_text() -> str:
    """The bundled licence file, or (installed as a Python package) the list of installed components."""
    bundled = resource_path(LICENCE_FILE)
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8", errors="replace")
    return installed_components()


def installed_components() -> str:
    lines = [
        _("{app} runs here from a Python installation. The third-party packages it uses are installed "
          "beside it, each with its own licence text:").format(app=APP_TITLE),
        "",
    ]
    try:
        requires = metadata.requires(APP_NAME) or []
    except metadata.PackageNotFoundError:
        requires = []
    for line in requires:
        if "extra ==" in line:
            continue
        match = re.match(r"[A-Za-z0-9._-]+", line)
        if match is None:
            continue
        try:
            dist = metadata.distribution(match.group(0))
        except metadata.PackageNotFoundError:
            continue
        meta = dist.metadata
        found = [*(meta.get_all("License-Expression") or ()), *(meta.get_all("License") or ())]
        licence = next((str(v).splitlines()[0] for v in found if str(v).strip()), _("see its metadata"))
        files = [f for f in dist.files or () if "licen" in f.name.lower() or "copying" in f.name.lower()]
        where = f"\n    {Path(str(files[0].locate()))}" if files else ""
        lines.append(f"- {meta['Name']} {dist.version}: {licence}{where}")
    lines += ["", _("Qt for Python (PySide6) and Qt are used under the GNU LGPL version 3.")]
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle(_("About {app}").format(app=APP_TITLE))
        self.resize(720, 600)
        layout = QVBoxLayout(self)

        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(theme.pixmap("app", 64))
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        title = QVBoxLayout()
        self.version_label = QLabel(f"<b>{APP_TITLE}</b> {__version__}")
        self.version_label.setObjectName("AboutVersion")
        title.addWidget(self.version_label)
        blurb = QLabel(
            _("Add contacts to Netcore, İleti Merkezi, Aptania and Octopush one at a time or from a "
              "spreadsheet. API keys stay in your system keyring; every answer is shown in plain words.")
        )
        blurb.setWordWrap(True)
        title.addWidget(blurb)
        head.addLayout(title, 1)
        layout.addLayout(head)

        places = QFormLayout()
        self.location_labels: dict[str, QLabel] = {}
        for what, where in data_locations():
            label = QLabel(str(where))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.location_labels[what] = label
            places.addRow(_("{place}:").format(place=_(what)), label)
        layout.addLayout(places)
        self.open_folder_button = QPushButton(_("Open the data folder"))
        self.open_folder_button.clicked.connect(self.open_data_folder)
        layout.addWidget(self.open_folder_button, 0, Qt.AlignmentFlag.AlignLeft)

        layout.addWidget(QLabel("<b>" + html.escape(_("Third-party licences")) + "</b>"))
        self.licences = QPlainTextEdit()
        self.licences.setObjectName("LicenceText")
        self.licences.setReadOnly(True)
        self.licences.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # prose wraps
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setStyleHint(QFont.StyleHint.Monospace)
        self.licences.setFont(fixed)
        self.licences.setPlainText(licence_text())
        layout.addWidget(self.licences, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def open_data_folder(self) -> bool:
        folder = state_dir()
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

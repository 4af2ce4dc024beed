"""Find visible texts that did not go through translation, under the ``qps`` pseudo-locale.

Under ``qps`` every translated text is accented and wrapped in ⟦ ⟧ (core.i18n.pseudo), Qt's own texts included
(gui installs a pseudo QTranslator). What is left once every ⟦…⟧ is taken out must be data, not words of the
program: digits and punctuation, names (the providers', the program's, the languages' own names), file names,
e-mail addresses, phone numbers, URLs, and the values of the file being imported (given as ``data``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextEdit,
    QWidget,
)

from core.i18n import PSEUDO_CLOSE, PSEUDO_OPEN

NAMES = {
    "Contact", "Uploader", "Contact Uploader", "Netcore", "Smartech", "CEE", "İleti", "Merkezi", "Aptania",
    "Octopush", "English", "Türkçe", "Français", "Español", "DEMO", "UTF-8", "UTF-16", "CSV", "XLSX", "ODS",
    "XLS", "TSV", "API", "E.164", "Qt", "PySide6", "cp1254", "cp1252", "ISO-8859-9", "userUUID", "tokenUUID",
}
# the innermost ⟦…⟧ (a translated text may hold another: "⟦Octopush needs ⟦Mobile phone⟧⟧")
_PSEUDO = re.compile(f"{re.escape(PSEUDO_OPEN)}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{re.escape(PSEUDO_CLOSE)}")
# texts that are data as a whole: third-party licence texts, the request as it goes on the wire
DATA_OBJECTS = {"LicenceText"}
_WIRE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \S+")
_DATA = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|https?://\S+"  # URL
    r"|(?:[A-Za-z]:)?(?:[\w~.\-]+)?[/\\][\w~./\\\-]+"  # a path
    r"|[\w\-]+\.(?i:csv|xlsx|xlsm|xls|ods|tsv|txt|cuimport|log|json|sqlite|qm|mo)\b"  # a file name
    r"|\+?\d[\d\s().\-/:,%×x]*"  # numbers, phones, times, sizes
    r"|\b[A-Z]{1,2}\b"  # a country code, a column letter
    r"|\([a-z]{2}\)"  # a region code: "(us)"
    r"|\b[\w-]+(?:\.[\w-]+)+\b"  # a host name
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def plain(text: str) -> str:
    if GuiQt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def leftover(text: str, data: Iterable[str] = ()) -> str:
    """What of ``text`` is words the program wrote without translating them ("" when nothing)."""
    rest = plain(text).replace("&&", "&")
    while True:
        inner = _PSEUDO.sub(" ", rest)
        if inner == rest:
            break
        rest = inner
    for value in sorted({d for d in data if d and len(d) > 3}, key=len, reverse=True):
        rest = rest.replace(value, " ")  # whole values (a column name of several words)
    for name in sorted(NAMES, key=len, reverse=True):
        rest = rest.replace(name, " ")
    rest = _DATA.sub(" ", rest).replace("&", "")  # "&" of mnemonics
    allowed = {w for d in data for w in _WORD.findall(d)} | {w for n in NAMES for w in _WORD.findall(n)}
    return " ".join(w for w in _WORD.findall(rest) if w not in allowed)


def texts_of(widget: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every text a user sees in ``widget`` and its visible children, menus included."""
    found: list[tuple[str, str]] = []

    def add(where: QWidget, kind: str, text: str) -> None:
        if where.objectName() in DATA_OBJECTS or _WIRE.match(text or ""):
            return
        if text and text.strip():
            name = where.objectName() or type(where).__name__
            found.append((f"{name}.{kind}", text))

    widgets = [widget, *widget.findChildren(QWidget)]
    for w in widgets:
        if w is not widget and not w.isVisibleTo(widget) and not isinstance(w, QMenu):
            continue
        if w.isWindow():
            add(w, "windowTitle", w.windowTitle())
        add(w, "toolTip", w.toolTip())
        if isinstance(w, QLabel):
            add(w, "text", w.text())
        elif isinstance(w, QAbstractButton):
            add(w, "text", w.text())
        elif isinstance(w, QGroupBox):
            add(w, "title", w.title())
        elif isinstance(w, QLineEdit):
            add(w, "placeholder", w.placeholderText())
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            add(w, "placeholder", w.placeholderText())
            if w.isReadOnly():
                add(w, "text", w.toPlainText())
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add(w, f"item{i}", w.itemText(i))
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                add(w, f"item{i}", w.item(i).text())
                add(w, f"itemToolTip{i}", w.item(i).toolTip())
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w, f"tab{i}", w.tabText(i))
                add(w, f"tabToolTip{i}", w.tabToolTip(i))
        elif isinstance(w, QMenu):
            add(w, "title", w.title())
            for action in w.actions():
                if not action.isSeparator():
                    add(w, "action", action.text())
                    add(w, "actionToolTip", action.toolTip() if action.toolTip() != action.text().replace(
                        "&", "") else "")
        if isinstance(w, QTableView) and w.model() is not None and w.horizontalHeader().isVisible():
            model = w.model()
            for section in range(min(w.horizontalHeader().count(), 60)):
                add(w, f"header{section}", str(model.headerData(section, Qt.Orientation.Horizontal) or ""))
    if isinstance(widget, QMainWindow):
        for action in widget.menuBar().actions():
            add(widget.menuBar(), "menu", action.text())
    return found


def untranslated(widget: QWidget, data: Iterable[str] = ()) -> list[str]:
    """Lines "where: text" for each text of ``widget`` with words that skipped translation."""
    data = list(data)
    out = []
    for where, text in texts_of(widget):
        rest = leftover(text, data)
        if rest:
            out.append(f"{where}: {text!r} (untranslated: {rest!r})")
    return out


def clipped(widget: QWidget) -> list[str]:
    """Lines "where: text" for each visible button or one-line label narrower than its text needs."""
    out = []
    for w in [widget, *widget.findChildren(QWidget)]:
        if w is not widget and not w.isVisibleTo(widget):
            continue
        if isinstance(w, QListWidget) and w.count():
            metrics = w.fontMetrics()
            texts = [w.item(i).text() for i in range(w.count())]
            need = max(metrics.horizontalAdvance(t) for t in texts) + 56
            text = max(texts, key=len)
        elif isinstance(w, QAbstractButton) and w.text():
            need, text = w.sizeHint().width(), w.text()
        elif isinstance(w, QLabel) and w.text() and not w.wordWrap() and w.pixmap().isNull():
            need, text = w.sizeHint().width(), w.text()
        else:
            continue
        if w.width() + 2 < need:
            name = w.objectName() or type(w).__name__
            out.append(f"{name}: {text!r} is {w.width()} px wide, needs {need}")
    return out

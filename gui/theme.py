"""Look and feel: the style sheet, icons, and the dynamic properties the style sheet keys on.

Widgets never set colours themselves: they set a property (``state="error"``, ``tone="success"``)
and :func:`set_prop` re-applies the style sheet in ``resources/style.qss``.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QWidget

from core.resources import resource_path


def style_sheet() -> str:
    """``resources/style.qss`` with ``@ICONS@`` replaced by the icon folder (url() needs a real path)."""
    path = resource_path("style.qss")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    return text.replace("@ICONS@", resource_path("icons").as_posix())


@cache
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.png`` as an icon (empty when missing)."""
    path = resource_path("icons", f"{name}.png")
    return QIcon(str(path)) if path.exists() else QIcon()


def pixmap(name: str, size: int) -> QPixmap:
    return icon(name).pixmap(size, size)


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the style sheet selects on, and re-polish when it changed."""
    # PySide6 6.12 drops a reference to None when property() reads an unset property, so ask first.
    if name.encode() in {bytes(n.data()) for n in widget.dynamicPropertyNames()}:
        if widget.property(name) == value:
            return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()

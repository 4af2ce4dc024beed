"""Draw the application and navigation icons with QPainter.

Run once to (re)generate the committed PNG/ICO files in ``resources/icons/``::

    QT_QPA_PLATFORM=offscreen python -m gui.icon_art

The app icon: a blue rounded square with a contact card (a person) and an upward arrow (upload).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPen

BLUE_TOP = QColor("#3B6FF5")
BLUE_BOTTOM = QColor("#1E40AF")
GREEN = QColor("#22C55E")
WHITE = QColor("#FFFFFF")
INK = QColor("#344054")


def _canvas(size: int) -> tuple[QImage, QPainter]:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 256.0, size / 256.0)  # draw on a 256 × 256 grid
    return image, painter


def _person(painter: QPainter, cx: float, top: float, scale: float, color: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    r = 22 * scale
    painter.drawEllipse(QPointF(cx, top + r), r, r)
    body = QPainterPath()
    w, h = 46 * scale, 34 * scale
    y = top + 2 * r + 8 * scale
    body.moveTo(cx - w, y + h)
    body.cubicTo(cx - w, y - 4 * scale, cx + w, y - 4 * scale, cx + w, y + h)
    body.closeSubpath()
    painter.drawPath(body)


def app_icon(size: int = 256) -> QImage:
    image, p = _canvas(size)
    grad = QLinearGradient(0, 0, 0, 256)
    grad.setColorAt(0, BLUE_TOP)
    grad.setColorAt(1, BLUE_BOTTOM)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 56, 56)
    # a subtle card behind the person
    p.setBrush(QColor(255, 255, 255, 38))
    p.drawRoundedRect(QRectF(40, 52, 150, 156), 24, 24)
    _person(p, 115, 72, 1.35, WHITE)
    # the upload badge
    p.setBrush(GREEN)
    p.setPen(QPen(QColor("#FFFFFF"), 10))
    p.drawEllipse(QPointF(186, 178), 44, 44)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    arrow = QPainterPath()
    arrow.moveTo(186, 150)
    arrow.lineTo(211, 177)
    arrow.lineTo(196, 177)
    arrow.lineTo(196, 204)
    arrow.lineTo(176, 204)
    arrow.lineTo(176, 177)
    arrow.lineTo(161, 177)
    arrow.closeSubpath()
    p.drawPath(arrow)
    p.end()
    return image


def nav_contact(size: int = 64) -> QImage:
    image, p = _canvas(size)
    _person(p, 108, 40, 2.0, INK)
    p.setPen(QPen(INK, 22, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(206, 70), QPointF(206, 150))
    p.drawLine(QPointF(166, 110), QPointF(246, 110))
    p.end()
    return image


def nav_sheet(size: int = 64) -> QImage:
    image, p = _canvas(size)
    pen = QPen(INK, 18)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(30, 40, 196, 176), 22, 22)
    p.drawLine(QPointF(30, 98), QPointF(226, 98))
    p.drawLine(QPointF(30, 156), QPointF(226, 156))
    p.drawLine(QPointF(100, 40), QPointF(100, 216))
    p.end()
    return image


def key_icon(size: int = 64) -> QImage:
    image, p = _canvas(size)
    pen = QPen(INK, 22, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(86, 128), 46, 46)
    p.drawLine(QPointF(132, 128), QPointF(228, 128))
    p.drawLine(QPointF(200, 128), QPointF(200, 168))
    p.drawLine(QPointF(168, 128), QPointF(168, 158))
    p.end()
    return image


def check_mark(size: int = 32) -> QImage:
    image, p = _canvas(size)
    pen = QPen(WHITE, 34, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    path = QPainterPath()
    path.moveTo(56, 134)
    path.lineTo(106, 184)
    path.lineTo(204, 78)
    p.drawPath(path)
    p.end()
    return image


def chevron_down(size: int = 32) -> QImage:
    image, p = _canvas(size)
    grey = QColor("#667085")
    pen = QPen(grey, 28, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    path = QPainterPath()
    path.moveTo(52, 96)
    path.lineTo(128, 172)
    path.lineTo(204, 96)
    p.drawPath(path)
    p.end()
    return image


def drop_file(size: int = 96) -> QImage:
    """The drop zone's picture: a light-blue sheet with a folded corner, grid lines and an up arrow."""
    image, p = _canvas(size)
    blue = QColor("#2F5BEA")
    sheet = QPainterPath()
    sheet.moveTo(52, 20)
    sheet.lineTo(160, 20)
    sheet.lineTo(212, 72)
    sheet.lineTo(212, 224)
    sheet.quadTo(212, 236, 200, 236)
    sheet.lineTo(56, 236)
    sheet.quadTo(44, 236, 44, 224)
    sheet.lineTo(44, 32)
    sheet.quadTo(44, 20, 52, 20)
    sheet.closeSubpath()
    p.setPen(QPen(blue, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.setBrush(QColor("#EEF2FF"))
    p.drawPath(sheet)
    fold = QPainterPath()
    fold.moveTo(160, 20)
    fold.lineTo(160, 72)
    fold.lineTo(212, 72)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(fold)
    p.setPen(QPen(QColor("#A4BCFD"), 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    for y in (104, 140):
        p.drawLine(QPointF(72, y), QPointF(184, y))
    p.drawLine(QPointF(116, 92), QPointF(116, 152))
    # the arrow
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(blue)
    p.drawEllipse(QPointF(128, 196), 34, 34)
    pen = QPen(WHITE, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.drawLine(QPointF(128, 214), QPointF(128, 178))
    arrow = QPainterPath()
    arrow.moveTo(112, 192)
    arrow.lineTo(128, 176)
    arrow.lineTo(144, 192)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(arrow)
    p.end()
    return image


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, image in (
        ("app.png", app_icon(256)),
        ("app-32.png", app_icon(32)),
        ("app-64.png", app_icon(64)),
        ("nav-contact.png", nav_contact(64)),
        ("nav-sheet.png", nav_sheet(64)),
        ("key.png", key_icon(64)),
        ("check.png", check_mark(32)),
        ("chevron-down.png", chevron_down(32)),
        ("drop-file.png", drop_file(96)),
    ):
        path = folder / name
        if not image.save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)
    ico = folder / "app.ico"
    if app_icon(256).save(str(ico)):
        written.append(ico)
    return written


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    from core.resources import resource_path

    for path in write_all(resource_path("icons")):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write ``resources/icons/app.icns`` (the macOS application icon) from the drawn application icon.

    QT_QPA_PLATFORM=offscreen python packaging/macos/make_icns.py      (needs Pillow: pip install pillow)

The icon is drawn by :func:`gui.icon_art.app_icon` at every size an ``.icns`` holds (16 … 1024 px, the
@2x variants included) and written with Pillow's ICNS writer. Run it again when the icon changes and commit
the file; the build itself does not need Pillow.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16, 32, 64, 128, 256, 512, 1024)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QGuiApplication

    from gui.icon_art import app_icon

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images = []
    for size in SIZES:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not app_icon(size).save(buffer, "PNG"):
            raise OSError(f"could not draw the {size} px icon")
        images.append(Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA"))
    target = ROOT / "resources" / "icons" / "app.icns"
    images[-1].save(target, format="ICNS", append_images=images[:-1])
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Colours for states (error, warning, done) set through palettes: cheap to apply to many widgets, unlike style
sheets, and they follow the platform's style. Colour is never the only cue: messages also carry ✖ or ⚠.

Every text colour here reads at 4.5:1 or more against the background it is shown on (WCAG 2.1, 1.4.3): muted text
is a darker grey on a light window and a lighter one on a dark window, and the placeholder text of the fields
(half-transparent black in Qt's own palette, 3.9:1 on white) is made as readable.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

ERROR_TEXT = QColor("#b00020")
WARNING_TEXT = QColor("#6b4500")
OK_TEXT = QColor("#1b5e20")
MUTED_TEXT = QColor("#5f6368")  # 6.0:1 on white, 5.3:1 on Fusion's window grey
MUTED_ON_DARK = QColor("#aab0b6")  # 6.3:1 on #2b2b2b
MIN_CONTRAST = 4.5
ERROR_BASE = QColor("#fdecec")
WARNING_BASE = QColor("#fff4dc")
FLAG_BASE = QColor("#fff1cc")

TEXT = {"error": ERROR_TEXT, "warning": WARNING_TEXT, "ok": OK_TEXT, "muted": MUTED_TEXT}
BASE = {"error": ERROR_BASE, "warning": WARNING_BASE}


def luminance(color: QColor) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast(foreground: QColor, background: QColor) -> float:
    """WCAG's contrast ratio of two opaque colours (1 to 21)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def seen_on(foreground: QColor, background: QColor) -> QColor:
    """A half-transparent colour as it shows on a background."""
    alpha = foreground.alphaF()
    front = (foreground.redF(), foreground.greenF(), foreground.blueF())
    back = (background.redF(), background.greenF(), background.blueF())
    red, green, blue = (alpha * f + (1 - alpha) * b for f, b in zip(front, back, strict=True))
    return QColor.fromRgbF(red, green, blue)


def muted_for(background: QColor) -> QColor:
    return MUTED_TEXT if background.lightness() >= 128 else MUTED_ON_DARK


def readable_palette() -> None:
    """Make the application's placeholder text as readable as muted text (once the application exists)."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return
    palette = app.palette()
    changed = False
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        base = palette.color(group, QPalette.ColorRole.Base)
        shown = seen_on(palette.color(group, QPalette.ColorRole.PlaceholderText), base)
        if contrast(shown, base) < MIN_CONTRAST:
            palette.setColor(group, QPalette.ColorRole.PlaceholderText, muted_for(base))
            changed = True
    if changed:
        QGuiApplication.setPalette(palette)


def text_color(widget: QWidget, state: str) -> None:
    """Colour a label's text by state ("error", "warning", "ok", "muted"; "" for the default)."""
    palette = QPalette(widget.palette())
    color = muted_for(palette.color(QPalette.ColorRole.Window)) if state == "muted" else TEXT.get(state)
    parent = widget.parentWidget()
    default = parent.palette() if parent is not None else QPalette()
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, color if color is not None else default.color(role))
    widget.setPalette(palette)


def base_color(widget: QWidget, state: str) -> None:
    """Tint an editor's background by state ("error", "warning"; "" for the default)."""
    palette = QPalette(widget.palette())
    color = BASE.get(state)
    parent = widget.parentWidget()
    default = parent.palette() if parent is not None else QPalette()
    for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, color if color is not None else default.color(role))
    widget.setPalette(palette)


def flag_box(widget: QWidget) -> None:
    """The amber box of an unconfirmed fact."""
    widget.setAutoFillBackground(True)
    palette = QPalette(widget.palette())
    palette.setColor(QPalette.ColorRole.Window, FLAG_BASE)
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#5c3d00"))
    widget.setPalette(palette)

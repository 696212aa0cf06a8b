"""Colours for states (error, warning, done) set through palettes: cheap to apply to many widgets, unlike style
sheets, and they follow the platform's style. Colour is never the only cue: messages also carry ✖ or ⚠."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR_TEXT = QColor("#b00020")
WARNING_TEXT = QColor("#6b4500")
OK_TEXT = QColor("#1b5e20")
MUTED_TEXT = QColor("#5f6368")
ERROR_BASE = QColor("#fdecec")
WARNING_BASE = QColor("#fff4dc")
FLAG_BASE = QColor("#fff1cc")

TEXT = {"error": ERROR_TEXT, "warning": WARNING_TEXT, "ok": OK_TEXT, "muted": MUTED_TEXT}
BASE = {"error": ERROR_BASE, "warning": WARNING_BASE}


def text_color(widget: QWidget, state: str) -> None:
    """Colour a label's text by state ("error", "warning", "ok", "muted"; "" for the default)."""
    palette = QPalette(widget.palette())
    color = TEXT.get(state)
    default = widget.parentWidget().palette() if widget.parentWidget() is not None else QPalette()
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, color if color is not None else default.color(role))
    widget.setPalette(palette)


def base_color(widget: QWidget, state: str) -> None:
    """Tint an editor's background by state ("error", "warning"; "" for the default)."""
    palette = QPalette(widget.palette())
    color = BASE.get(state)
    default = widget.parentWidget().palette() if widget.parentWidget() is not None else QPalette()
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

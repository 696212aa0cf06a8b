"""Showing a window: on screen, raised and given the keyboard, and sized to the screen it opens on.

A window the user asked for takes the keyboard at once (on a desktop the window manager usually does that; without
one, as on a bare X server, nobody else would). A window's preferred size is only a wish: it never exceeds the
available screen geometry, so its buttons stay on screen on a 1024x640 screen, or at 125% scaling on 1366x768.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

MARGIN = 0.96  # of the available height and width: room for the window's frame


def available(widget: QWidget | None = None) -> QSize:
    """The room on the screen `widget` is on (or the primary screen), less the window frame."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(1024, 640)
    room = screen.availableGeometry().size()
    return QSize(int(room.width() * MARGIN), int(room.height() * MARGIN) - 30)


def fit(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to `width` x `height`, or to what the screen has room for, whichever is smaller; its
    minimum size shrinks with it when needed (its layout then scrolls or squeezes instead of overflowing)."""
    room = available(widget)
    minimum = widget.minimumSize()
    if minimum.width() > room.width() or minimum.height() > room.height():
        widget.setMinimumSize(min(minimum.width(), room.width()), min(minimum.height(), room.height()))
    widget.resize(min(width, room.width()), min(height, room.height()))


def within(widget: QWidget) -> None:
    """Shrink `widget` (a restored geometry, a size hint) to the screen when it would not fit."""
    fit(widget, widget.width(), widget.height())


def keep_inside(widget: QWidget) -> None:
    """Move a shown window whose frame crosses the screen's edge back inside (a dialog centred on a parent near
    the edge, a position saved on another screen)."""
    screen = widget.screen()
    if screen is None:
        return
    room = screen.availableGeometry()
    frame = widget.frameGeometry()
    x = max(room.left(), min(frame.left(), room.right() + 1 - frame.width()))
    y = max(room.top(), min(frame.top(), room.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        widget.move(widget.x() + x - frame.left(), widget.y() + y - frame.top())


def present(widget: QWidget, *, modal: bool = False) -> None:
    """Show `widget` (`modal`: a dialog, window-modal and not blocking), inside the screen, on top, with the
    keyboard."""
    if modal and isinstance(widget, QDialog):
        widget.open()
    else:
        widget.show()
    keep_inside(widget)
    widget.raise_()
    widget.activateWindow()

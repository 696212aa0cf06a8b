"""What every window must satisfy on the screen it opens on; the smoke run checks each window and dialog it shows.

- The window (its frame included) lies inside the screen's available geometry.
- Every button outside a scrolling area is shown whole: not cut by the window's edge or by a parent, and not
  squeezed below its own minimum height.
- No two widgets of one layout overlap (a message that grew over the field above it, say).
- No wrapped label outside a scrolling area is shorter than its text needs (its last lines cut off).

Each problem is one line naming the window and the widget, for the smoke run's report.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QLayout,
    QStackedLayout,
    QWidget,
)


def describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QAbstractButton | QLabel) else ""
    name = widget.accessibleName() or text.replace("&", "")[:40] or widget.objectName()
    return f"{type(widget).__name__} {name!r}" if name else type(widget).__name__


def scrolls(widget: QWidget, window: QWidget) -> bool:
    """Is `widget` inside a scrolling area of `window` (where it may be scrolled out of sight on purpose)?"""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def shown_whole(widget: QWidget, window: QWidget) -> bool:
    """Is every pixel of `widget` inside each of its parents, up to the window?"""
    rect = QRect(widget.rect())
    child: QWidget = widget
    parent = widget.parentWidget()
    while parent is not None:
        rect.translate(child.pos())
        if not parent.rect().contains(rect):
            return False
        if parent is window:
            return True
        child, parent = parent, parent.parentWidget()
    return True


def _layout_overlaps(layout: QLayout) -> list[tuple[QRect, QRect, str, str]]:
    if isinstance(layout, QStackedLayout):
        return []
    boxes: list[tuple[QRect, str]] = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None or item.isEmpty():
            continue
        widget = item.widget()
        if widget is not None:
            if not widget.isVisible():
                continue
            boxes.append((widget.geometry(), describe(widget)))
        elif item.layout() is not None:
            boxes.append((item.geometry(), "a group of fields"))
    found = []
    for n, (a, name_a) in enumerate(boxes):
        for b, name_b in boxes[n + 1 :]:
            overlap = a.intersected(b)
            if overlap.width() > 1 and overlap.height() > 1:
                found.append((a, b, name_a, name_b))
    return found


def _layouts(window: QWidget) -> list[QLayout]:
    """The layouts of the visible widgets of `window`, nested ones included."""
    found: list[QLayout] = []
    for widget in [window, *window.findChildren(QWidget)]:
        top = widget.layout()
        if top is not None and widget.isVisible() and widget.window() is window:
            pending = [top]
            while pending:
                layout = pending.pop()
                found.append(layout)
                for i in range(layout.count()):
                    item = layout.itemAt(i)
                    inner = item.layout() if item is not None else None
                    if inner is not None:
                        pending.append(inner)
    return found


def problems(window: QWidget) -> list[str]:
    """Everything wrong with how `window` (shown) sits on its screen; empty when it fits."""
    title = window.windowTitle() or describe(window)
    out: list[str] = []
    screen = window.screen()
    if screen is not None:
        room = screen.availableGeometry()
        frame = window.frameGeometry()
        if not room.contains(frame):
            out.append(
                f"{title}: {frame.width()}x{frame.height()} at ({frame.x()},{frame.y()}) does not fit the "
                f"{room.width()}x{room.height()} screen"
            )
    for button in window.findChildren(QAbstractButton):
        if button.isVisible() and button.window() is window and not scrolls(button, window):
            if not shown_whole(button, window):
                out.append(f"{title}: {describe(button)} is cut off")
            elif button.height() < button.minimumSizeHint().height():
                out.append(f"{title}: {describe(button)} is squeezed to {button.height()} px of height")
    for layout in _layouts(window):
        for _a, _b, name_a, name_b in _layout_overlaps(layout):
            out.append(f"{title}: {name_a} overlaps {name_b}")
    for label in window.findChildren(QLabel):
        if not (label.isVisible() and label.wordWrap() and label.text()) or label.window() is not window:
            continue
        if scrolls(label, window):
            continue
        needed = label.heightForWidth(label.width())
        if needed > label.height() + 2:
            out.append(f"{title}: {describe(label)} needs {needed} px of height, has {label.height()}")
    return out

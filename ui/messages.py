"""Messages to the user that need no answer: a known problem with the way forward, or a short notice.

Every box is opened window-modal with `open()` (never `exec()`), so nothing blocks the event loop and tests can
find and close it. Texts come from the core's errors (`StoreError.message` and `.hint`), which hold no personal data.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.store.errors import StoreError

TITLES = {
    "DiskFull": "Disk full",
    "StoreBusy": "Store busy",
    "DamagedStore": "Damaged store",
    "ReadOnlyStore": "Store cannot be written",
    "InvalidTransition": "Not possible now",
}


def box(
    parent: QWidget | None,
    title: str,
    text: str,
    hint: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Information,
) -> QMessageBox:
    """A message box opened without blocking; it deletes itself when closed."""
    message = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if hint:
        message.setInformativeText(hint)
    message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    message.setTextFormat(Qt.TextFormat.PlainText)
    message.open()
    return message


def store_problem(parent: QWidget | None, exc: StoreError) -> QMessageBox:
    """A known store problem (disk full, store busy, damaged file...): what happened and what to do next."""
    title = TITLES.get(type(exc).__name__, "The store reported a problem")
    return box(parent, title, exc.message, exc.hint, QMessageBox.Icon.Warning)


def notice(parent: QWidget | None, title: str, text: str, hint: str = "") -> QMessageBox:
    return box(parent, title, text, hint, QMessageBox.Icon.Information)

"""Messages to the user that need no answer: a known problem with the way forward, or a short notice.

Every box is opened window-modal with `open()` (never `exec()`), so nothing blocks the event loop and tests can
find and close it. Texts come from the core's errors (`UserError.message` and `.hint`), which hold no personal data.
The core's hints are written for the command line (`coc store restore FILE`, `--data-dir`); on screen the way
forward points to the screen instead (`SCREEN_HINTS`), and a hint that names a command is never shown.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.errors import UserError
from app.store.errors import StoreError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

RESTORE = (
    "Restore a backup you made (from the command line: see the README, Where the data lives, and backups), and "
    "keep this file in case it is needed later."
)
# The way forward on screen, by the core error's class name.
SCREEN_HINTS = {
    "StoreNotFound": "Start the application again to create a new store, or restore a backup.",
    "StoreExists": "Open the existing store with its passphrase.",
    "PlainDatabaseFile": "Choose the data folder of your store (COC_DATA_DIR), or move this file away.",
    "EmptyStoreFile": "If nothing was ever saved in it, move the file away and start again; otherwise "
    + RESTORE[0].lower()
    + RESTORE[1:],
    "DamagedStore": RESTORE,
    "NotAStoreFile": "Choose the data folder of your store (COC_DATA_DIR).",
    "UnexpectedSchema": "It may have been tampered with: do not use it. " + RESTORE,
    "ReadOnlyFolder": "Make the data folder writable for your user, or copy the whole folder to a writable "
    "place and start the application from there. The store itself is intact.",
    "RequestNotFound": "Refresh the list (it may have been deleted in another window).",
    "NotConfigured": "Open Settings, Transmission, and give the receiving service's address and access token.",
    "NotReady": "Open the request: its review page lists every error, each a link to its field.",
    "NotQueued": "Choose Transmit on the request first.",
    "AlreadySent": "Choose Check status to ask the receiving service about it.",
    "ReceiverRefused": "Check the access token in Settings, Transmission.",
}
_COMMAND = re.compile(r"`?\bcoc [a-z]|(?<![\w-])--[a-z]")
_COMMAND_ASIDE = re.compile(
    r"\s*\((?:`?coc [^)]*|--[^)]*)\)"
)  # "the endpoint (coc settings set endpoint URL)"

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
    icon: QMessageBox.Icon | None = None,
) -> QMessageBox:
    """A message box opened without blocking; it deletes itself when closed (`icon`: Information unless said)."""
    from PySide6.QtWidgets import QMessageBox

    chosen = QMessageBox.Icon.Information if icon is None else icon
    message = QMessageBox(chosen, title, text, QMessageBox.StandardButton.Ok, parent)
    if hint:
        message.setInformativeText(hint)
    message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    message.setTextFormat(Qt.TextFormat.PlainText)
    message.open()
    return message


def counted(n: int, noun: str) -> str:
    """'1 error', '2 errors': never 'error(s)'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def names_a_command(text: str) -> bool:
    return bool(_COMMAND.search(text))


def screen_hint(exc: UserError) -> str:
    """What to do next, said for the screen (never a command to type)."""
    for kind in type(exc).__mro__:
        hint = SCREEN_HINTS.get(kind.__name__)
        if hint is not None:
            return hint
        if kind is UserError:
            break
    return "" if names_a_command(exc.hint) else exc.hint


def screen_message(exc: UserError) -> str:
    """What happened, without the asides that name a command ("the endpoint (coc settings set endpoint URL)")."""
    return _COMMAND_ASIDE.sub("", exc.message)


def screen_text(exc: UserError) -> str:
    """The message and the way forward, as one text for a label."""
    return f"{screen_message(exc)} {screen_hint(exc)}".strip()


def store_problem(parent: QWidget | None, exc: StoreError) -> QMessageBox:
    """A known store problem (disk full, store busy, damaged file...): what happened and what to do next."""
    from PySide6.QtWidgets import QMessageBox

    title = TITLES.get(type(exc).__name__, "The store reported a problem")
    return box(parent, title, screen_message(exc), screen_hint(exc), QMessageBox.Icon.Warning)


def notice(parent: QWidget | None, title: str, text: str, hint: str = "") -> QMessageBox:
    from PySide6.QtWidgets import QMessageBox

    return box(parent, title, text, hint, QMessageBox.Icon.Information)

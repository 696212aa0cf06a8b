"""The list of steps beside the wizard: every page with its state (not started, in progress, has errors, complete),
and the save state under it.

Choosing a step goes there (the wizard walks to it, so Back keeps working); Enter on a step goes there and does
nothing else. It is also where the wizard says "Saved" or why it could not save: saving is never called sending.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from ui import style

PAGE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class StepState(Enum):
    """A page's state: its mark in the list, and what the mark means (tooltip and screen readers)."""

    NOT_STARTED = ("○", "not started")
    IN_PROGRESS = ("◐", "in progress: some answers are still needed")
    ERRORS = ("✖", "has errors")
    COMPLETE = ("✓", "complete: no error left")

    @property
    def mark(self) -> str:
        return self.value[0]

    @property
    def meaning(self) -> str:
        return self.value[1]


LEGEND = "  ".join(f"{s.mark} {s.meaning.split(':')[0]}" for s in StepState)


class StepList(QWidget):
    """Signals:
    chosen(int): the page id the user picked.
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Steps")
        self.list.setAccessibleDescription("The pages of the request, each with its state")
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.list.setSpacing(2)
        self.list.itemClicked.connect(self._activated)
        self.list.installEventFilter(
            self
        )  # Enter: go to the step, and nothing else (never the default button)
        self.legend = QLabel(LEGEND.replace("  ", "\n"))
        self.legend.setAccessibleName("What the marks mean")
        style.text_color(self.legend, "muted")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        self.status = QLabel("No changes yet")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Save status")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        title = QLabel("Steps")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        self.setMinimumWidth(190)
        self.setMaximumWidth(260)

    def set_steps(self, steps: list[tuple[int, str]]) -> None:
        self.list.clear()
        for page_id, title in steps:
            item = QListWidgetItem(title)
            item.setData(PAGE_ROLE, page_id)
            item.setData(TITLE_ROLE, title)
            self.list.addItem(item)

    def mark(self, page_id: int, state: StepState | None, errors: int = 0) -> None:
        """The state of a page (None: no mark, for the first and the review page); `errors`: how many show."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(PAGE_ROLE) != page_id:
                continue
            title = item.data(TITLE_ROLE)
            if state is None:
                text, tip = f"   {title}", ""
            else:
                count = f" ({errors})" if state is StepState.ERRORS and errors else ""
                text = f"{state.mark} {title}{count}"
                tip = f"{title}: {state.meaning}" + (f" ({errors})" if count else "")
            if item.text() != text:
                item.setText(text)
                item.setToolTip(tip)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, tip or title)

    def state_text(self, page_id: int) -> str:
        """The text of a page's step (for tests and screen readers)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(PAGE_ROLE) == page_id:
                return str(item.text())
        return ""

    def set_enabled_beyond_start(self, enabled: bool) -> None:
        """Before the agreement is chosen, only the first step can be chosen."""
        for row in range(1, self.list.count()):
            item = self.list.item(row)
            flags = item.flags()
            wanted = flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled
            if wanted != flags:
                item.setFlags(wanted)

    def set_current(self, page_id: int) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(PAGE_ROLE) == page_id:
                self.list.blockSignals(True)
                self.list.setCurrentRow(row)
                self.list.blockSignals(False)
                return

    def set_status(self, text: str, *, problem: bool = False) -> None:
        self.status.setText(text)
        style.text_color(self.status, "error" if problem else "muted")

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            item = self.list.currentItem()
            if item is not None:
                self._activated(item)
            return True  # consumed: the dialog's default button never sees it
        return False

    def _activated(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.chosen.emit(int(item.data(PAGE_ROLE)))

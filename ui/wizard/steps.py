"""The list of steps beside the wizard: every page, a ✓ where the page has no error left, and the save state.

Choosing a step goes there (the wizard walks to it, so Back keeps working). It is also where the wizard says
"Saved" or why it could not save: saving is never called sending.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from ui import style

PAGE_ROLE = Qt.ItemDataRole.UserRole


class StepList(QWidget):
    """Signals:
    chosen(int): the page id the user picked.
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Steps")
        self.list.setAccessibleDescription(
            "The pages of the request; a check mark means no error is left there"
        )
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.list.setSpacing(2)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
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
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        self.setMinimumWidth(190)
        self.setMaximumWidth(260)

    def set_steps(self, steps: list[tuple[int, str]]) -> None:
        self.list.clear()
        for page_id, title in steps:
            item = QListWidgetItem(title)
            item.setData(PAGE_ROLE, page_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, title)
            self.list.addItem(item)

    def mark(self, page_id: int, complete: bool | None, errors: int = 0) -> None:
        """`complete` True: ✓; False: the number of errors; None: no mark (the first and the review page)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(PAGE_ROLE) != page_id:
                continue
            title = item.data(Qt.ItemDataRole.UserRole + 1)
            if complete is None:
                text = f"   {title}"
            elif complete:
                text = f"✓ {title}"
            else:
                text = f"• {title} ({errors})"
            if item.text() != text:
                item.setText(text)
            item.setToolTip(
                "No error left on this page"
                if complete
                else f"{errors} error(s) on this page"
                if complete is False
                else ""
            )

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

    def _activated(self, item: QListWidgetItem) -> None:
        self.chosen.emit(int(item.data(PAGE_ROLE)))

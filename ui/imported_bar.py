"""The bar above the request list after a roster import: what it shows, Undo import, Show all (its own module: the
window builds it at every start, without the import dialog's code)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ui.messages import counted


class ImportedBar(QWidget):
    """Above the request list after an import: "Showing the N requests of the import", Undo import, Show all.

    Signals: undo_requested(str): the batch to undo; show_all_requested().
    """

    undo_requested = Signal(str)
    show_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.batch_id = ""
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("&Undo import")
        self.undo_button.setToolTip("Delete the requests this import made and put back those it changed")
        self.undo_button.setAccessibleName("Undo import")
        self.show_all_button = QPushButton("Show &all requests")
        self.show_all_button.setAccessibleName("Show all requests")
        self.undo_button.clicked.connect(lambda: self.undo_requested.emit(self.batch_id))
        self.show_all_button.clicked.connect(self.show_all_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.show_all_button)
        self.hide()

    def show_import(self, count: int, text: str, batch_id: str) -> None:
        self.batch_id = batch_id
        self.label.setText(f"{text} Showing the {counted(count, 'request')} of this import.")
        self.undo_button.setVisible(bool(batch_id))
        self.show()

    def clear(self) -> None:
        self.batch_id = ""
        self.label.clear()
        self.hide()

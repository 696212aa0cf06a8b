"""The receipt of a sent request: the confirmation number, when the receiving service received it, which service,
and the request's status now (with the agency's decision once there is one), with Copy and Print.

It shows under the request list (for the selected request) and on the review page of a sent request. Copy puts
the receipt as plain text on the clipboard; Print lays it out on one page through the system's print dialog
(opened without blocking; `print_to(printer)` prints directly, for tests).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.request import State
from ui.request_model import local_time

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

STATUS = {
    State.SENT: "Sent: waiting for the agency's decision (Check status asks for it)",
    State.APPROVED: "Approved: the certificate was issued",
    State.REJECTED: "Rejected by the agency",
}


def receipt_lines(state: State, receipt: dict[str, Any], request_id: str) -> list[tuple[str, str]]:
    """The receipt as (label, value) lines, in the order shown, copied and printed."""
    received = receipt.get("received_at")
    receiver = receipt.get("receiver")
    lines = [
        ("Confirmation number", str(receipt.get("confirmation") or "—")),
        ("Received", local_time(received) if isinstance(received, str) else "—"),
        ("Receiving service", urlsplit(receiver).netloc or receiver if isinstance(receiver, str) else "—"),
        ("Status", STATUS.get(state, state.label)),
    ]
    decision = receipt.get("decision")
    if isinstance(decision, dict):
        certificate = decision.get("certificate")
        if isinstance(certificate, dict) and certificate.get("start"):
            end = certificate.get("end") or "an open end"
            lines.append(("Certificate", f"{certificate['start']} to {end}"))
        if decision.get("reason"):
            lines.append(("Reason", str(decision["reason"])))
    lines.append(("Request id", request_id))
    return lines


class ReceiptPanel(QFrame):
    """The receipt of one request (`show_receipt`), or nothing (`clear`: the panel hides)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Receipt")
        self.lines: list[tuple[str, str]] = []
        self.title = QLabel("Receipt")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(2)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setAccessibleName("Copy the receipt")
        self.copy_button.setToolTip("The receipt as text, to paste into an e-mail or a file")
        self.print_button = QPushButton("Pr&int receipt…")
        self.print_button.setAccessibleName("Print the receipt")
        for button in (self.copy_button, self.print_button):
            button.setAutoDefault(False)  # Enter never copies or prints behind the user's back
        self.copy_button.clicked.connect(self.copy)
        self.print_button.clicked.connect(self.print_receipt)
        buttons = QVBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        body = QVBoxLayout()
        body.addWidget(self.title)
        body.addLayout(self.grid)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.addLayout(body, 1)
        row.addLayout(buttons)
        self._print_dialog: QPrintDialog | None = None
        self.hide()

    def show_receipt(self, state: State, receipt: dict[str, Any] | None, request_id: str) -> None:
        if receipt is None:
            self.clear()
            return
        self.lines = receipt_lines(state, receipt, request_id)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for row, (label, value) in enumerate(self.lines):
            name = QLabel(label)
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setAccessibleName(label)
            shown.setWordWrap(True)
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(shown, row, 1)
        self.grid.setColumnStretch(1, 1)
        self.show()

    def clear(self) -> None:
        self.lines = []
        self.hide()

    def text(self) -> str:
        return "\n".join(["Certificate of Coverage request: receipt", *(f"{k}: {v}" for k, v in self.lines)])

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def document(self) -> QTextDocument:
        rows = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in self.lines
        )
        document = QTextDocument()
        document.setHtml(
            "<h2>Certificate of Coverage request: receipt</h2>"
            f"<table cellpadding='4' cellspacing='0'>{rows}</table>"
            "<p>Keep this receipt: the confirmation number identifies the request at the receiving service.</p>"
        )
        return document

    def print_receipt(self) -> None:
        """The system's print dialog (not blocking), then the receipt on one page."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # loaded when someone prints

        if self._print_dialog is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName("Certificate of Coverage receipt")
            self._print_dialog = QPrintDialog(printer, self)
            self._print_dialog.accepted.connect(lambda: self.print_to(printer))
        QDialog.open(self._print_dialog)

    def print_to(self, printer: QPrinter) -> None:
        self.document().print_(printer)

"""The review page: every error and warning, each a link to its field, and the whole request as it stands.

Transmit stays disabled while an error is left (the core's send gate refuses it anyway). The SSN shows only its
last four digits here; hidden fields and empty answers are left out, as they are of what is transmitted.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.forms.model import FieldSpec, FieldType, FormSpec
from app.forms.session import FormSession, Issue
from app.forms.validate import country_name
from app.forms.verdict import Verdict
from app.request import State
from ui import messages, style
from ui.receipt_panel import STATUS, ReceiptPanel
from ui.wizard import splitters
from ui.wizard.group import cell_text

ERROR_COLOR, WARNING_COLOR = "#b00020", "#7a4f00"


count = messages.counted


def masked_ssn(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"•••-••-{digits[-4:]}" if len(digits) >= 4 else "•••"


def answer_text(spec: FieldSpec, value: Any) -> str:
    if spec.type is FieldType.SSN and isinstance(value, str):
        return masked_ssn(value)
    if spec.type is FieldType.COUNTRY and isinstance(value, str):
        return f"{country_name(value)} ({value})"
    return cell_text(spec, value)


def issues_html(issues: list[Issue]) -> str:
    if not issues:
        return "<p>No problem found.</p>"
    items = []
    for i, issue in enumerate(issues):
        color = ERROR_COLOR if issue.is_error else WARNING_COLOR
        mark = "✖ Error" if issue.is_error else "⚠ Warning"
        flag = f"<br><small>⚠ {html.escape(issue.flag)}</small>" if issue.flag else ""
        items.append(
            f"<li style='margin-bottom:4px'><span style='color:{color}'><b>{mark}:</b></span> "
            f"<a href='#issue-{i}'>{html.escape(issue.message)}</a>{flag}</li>"
        )
    return "<ul style='margin-left:-20px'>" + "".join(items) + "</ul>"


def request_html(spec: FormSpec, session: FormSession) -> str:
    e = html.escape
    parts = [f"<h3 style='margin-top:0'>{e(spec.title)}</h3>"]
    if spec.kind_info is not None and spec.kind_info.summary:
        parts.append(f"<p>{e(spec.kind_info.summary)}</p>")
    for section in spec.sections:
        rows = []
        for field in session.visible_fields(section.id):
            value = session.value(field.id)
            if value is None:
                continue
            if field.is_group and isinstance(value, list):
                for n, row in enumerate(value, start=1):
                    cells = "; ".join(
                        f"{e(c.label)}: {e(answer_text(c, row.get(c.id)))}"
                        for c in field.columns
                        if isinstance(row, dict) and row.get(c.id) not in (None, "")
                    )
                    rows.append(f"<tr><td width='40%'>{e(field.label)} {n}</td><td>{cells}</td></tr>")
                continue
            text = e(answer_text(field, value)).replace("\n", "<br>")
            rows.append(f"<tr><td width='40%'>{e(field.label)}</td><td>{text}</td></tr>")
        body = "".join(rows) or "<tr><td colspan='2'><i>Nothing answered yet.</i></td></tr>"
        parts.append(
            f"<h4 style='margin-bottom:2px'>{e(section.title)}</h4>"
            f"<table cellspacing='0' cellpadding='2' width='100%'>{body}</table>"
        )
    return "".join(parts)


class ReviewPage(QWizardPage):
    """Signals:
    jump(str): the field id of an issue the user chose.
    transmit_requested(): the Transmit button.
    print_requested(): the Print fax copy button.
    """

    jump = Signal(str)
    transmit_requested = Signal()
    print_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Review")
        self.setSubTitle("Check the whole request. Choose a problem to go to its field.")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.issues: list[Issue] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.problems = QTextBrowser()
        self.problems.setOpenLinks(False)
        self.problems.setAccessibleName("Problems: each links to its field")
        self.problems.anchorClicked.connect(self._clicked)
        self.document = QTextBrowser()
        self.document.setAccessibleName("The whole request")
        self.document.setOpenExternalLinks(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._titled("Probl&ems", self.problems))
        self.splitter.addWidget(self._titled("The &request", self.document))
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        splitters.first_sizes(self.splitter, [180, 420])
        self.transmit_button = QPushButton("&Transmit…")
        self.transmit_button.setAccessibleName("Transmit the request")
        self.print_button = QPushButton("&Print fax copy…")
        self.print_button.setAccessibleName("Print a fax copy")
        self.transmit_button.clicked.connect(self.transmit_requested.emit)
        self.print_button.clicked.connect(self.print_requested.emit)
        self.gate = QLabel()
        self.gate.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.gate, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.transmit_button)
        self.receipt = ReceiptPanel()  # a sent request's receipt, above its problems
        self.sent_state: State | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.receipt)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        splitters.apply_pending(self)

    @staticmethod
    def _titled(title: str, body: QWidget) -> QWidget:
        box = QWidget()
        label = QLabel(title)
        label.setBuddy(body)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(body)
        return box

    def refresh(
        self, spec: FormSpec, session: FormSession, judged: Verdict, can_transmit: bool, read_only: bool
    ) -> None:
        """Show the verdict (`judged`, the one verdict on the request) and the request as the session has it."""
        self.issues = list(judged.issues)
        errors, warnings = judged.error_count, judged.warning_count
        if errors:
            also = f" and {count(warnings, 'warning')}" if warnings else ""
            self.summary.setText(
                f"{count(errors, 'error')}{also}. The request is kept as a draft; "
                "it can be transmitted once no error is left."
            )
            style.text_color(self.summary, "error")
        else:
            extra = f" {count(warnings, 'warning')} to read." if warnings else ""
            self.summary.setText(f"No error left: the request is ready.{extra}")
            style.text_color(self.summary, "ok")
        self.problems.setHtml(issues_html(self.issues))
        self.document.setHtml(request_html(spec, session))
        self.transmit_button.setEnabled(judged.ready and can_transmit and not read_only)
        if read_only and self.sent_state is not None:
            self.summary.setText(
                f"{STATUS.get(self.sent_state, self.sent_state.label)}. The receipt is below."
            )
            style.text_color(self.summary, "error" if self.sent_state is State.REJECTED else "ok")
        if read_only:
            self.gate.setText("This request can no longer be changed or transmitted.")
        elif errors:
            self.gate.setText("Transmit is off until every error is fixed.")
        elif not can_transmit:
            self.gate.setText("Transmission is not available in this build; print a fax copy instead.")
        else:
            self.gate.setText("")

    def show_sent(self, state: State, receipt: dict[str, Any] | None, request_id: str) -> None:
        """A sent request: its status in the summary, and its receipt."""
        self.sent_state = state
        self.receipt.show_receipt(state, receipt, request_id)

    def clear(self) -> None:
        self.receipt.clear()
        self.issues = []
        self.problems.clear()
        self.document.clear()
        self.summary.clear()

    def _clicked(self, url: QUrl) -> None:
        fragment = url.fragment() or url.toString().lstrip("#")
        if fragment.startswith("issue-"):
            index = int(fragment.removeprefix("issue-"))
            if 0 <= index < len(self.issues):
                self.jump.emit(self.issues[index].field)

    def open_issue(self, index: int) -> None:
        """Follow the link of issue `index` (what a click or Enter on the link does)."""
        self._clicked(QUrl(f"#issue-{index}"))

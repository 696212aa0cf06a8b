"""The help beside the page: the focused field's label, help text, an amber flag where the fact behind it is not
confirmed, and where the claim comes from; under it, the page's own help. Everything comes from the definition."""

from __future__ import annotations

import html
from urllib.parse import urlparse

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.forms.model import FieldSpec
from ui import style
from ui.wizard import glossary

IDLE_TEXT = "Move to a field to see what to enter there, and why SSA asks for it."


def short_link(url: str) -> str:
    """A link to a source, shortened: 'secure.ssa.gov/…/0302002115'."""
    parsed = urlparse(url)
    tail = parsed.path.rstrip("/").rsplit("/", 1)[-1]
    shown = f"{parsed.netloc}/…/{tail}" if tail else parsed.netloc or url
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(shown)}</a>'


def source_link(url: str) -> str:
    """'Source: secure.ssa.gov/…/0302002115', linked."""
    return f"Source: {short_link(url)}"


def _label(name: str, *, bold: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if bold:
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        label.setFont(font)
    return label


class HelpPanel(QScrollArea):
    """Shows the help of one field at a time, and the page's help below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Help")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumWidth(220)
        body = QWidget()
        body.setObjectName("helpBody")
        self.title = _label("Help: field", bold=True)
        self.help = _label("Help: what to enter")
        self.flag = _label("Help: unconfirmed fact")
        style.flag_box(self.flag)
        self.flag.setMargin(4)
        small = self.flag.font()
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.flag.setFont(small)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setTextFormat(Qt.TextFormat.RichText)
        self.source.setOpenExternalLinks(True)
        self.source.setAccessibleName("Help: source")
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        self.page_title = _label("Help: page", bold=True)
        self.page_help = _label("Help: about this page")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        # What to enter first; where it comes from, and how sure that is, after it.
        for widget in (self.title, self.help, self.source, self.flag, rule, self.page_title, self.page_help):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)
        self.field_id = ""
        self.show_idle()

    def show_field(self, spec: FieldSpec, group: FieldSpec | None = None) -> None:
        """The help of `spec` (a column of `group` when given)."""
        self.field_id = f"{group.id}.{spec.id}" if group is not None else spec.id
        self.title.setText(f"{group.label}: {spec.label}" if group is not None else spec.label)
        self.help.setText(glossary.explain(spec.help, set()))
        flag = spec.flag or (group.flag if group is not None else "")
        self.flag.setText(f"⚠ {flag}")
        self.flag.setVisible(bool(flag))
        source = spec.source or (group.source if group is not None else "")
        self.source.setText(source_link(source) if source else "")
        self.source.setVisible(bool(source))

    def show_idle(self) -> None:
        self.field_id = ""
        self.title.setText("Help")
        self.help.setText(IDLE_TEXT)
        self.flag.hide()
        self.source.hide()

    def show_page(self, title: str, text: str) -> None:
        self.page_title.setText(f"About this page: {title}" if title else "About this page")
        self.page_help.setText(glossary.explain(text, set()))
        self.page_title.setVisible(bool(text))
        self.page_help.setVisible(bool(text))

    def field_help_text(self) -> str:
        return self.help.text()

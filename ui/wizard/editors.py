"""One editor per field type (the closed `FieldType` set): the widget, its value as the form session takes it, and
the look of an error or a warning.

Editors hold no rules. They turn what was typed into an answer (`normalise` from the core: trimmed text, codes in
upper case, SSN and EIN formatted) and emit `changed`; the wizard forwards it to `FormSession.answer`. Every
editor allows "not answered": an empty line, or a "Not answered" entry in a list.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from app.forms.model import FieldSpec, FieldType
from app.forms.validate import normalise
from ui import style

FIELD_PROPERTY = "coc_field"
NOT_ANSWERED = "Not answered"
PLACEHOLDERS = {
    FieldType.DATE: "YYYY-MM-DD",
    FieldType.SSN: "000-00-0000",
    FieldType.EIN: "00-0000000",
    FieldType.EMAIL: "name@example.com",
    FieldType.PHONE: "(212) 555-0100",
}


class Editor(QObject):
    """The base of every editor.

    Signals:
        changed(object): the new answer (None when cleared), already normalised.
    """

    changed = Signal(object)
    # Is each change a whole answer (a choice from a list, a table cell finished with Enter), whose problems may
    # show at once? Typed text is checked once the field is left.
    whole_answers = False

    def __init__(self, spec: FieldSpec, widget: QWidget) -> None:
        super().__init__(widget)
        self.spec = spec
        self.widget = widget
        widget.setProperty(FIELD_PROPERTY, spec.id)
        widget.setAccessibleName(spec.label)
        widget.setAccessibleDescription(spec.help)
        widget.setToolTip(spec.help)

    @property
    def focus_widget(self) -> QWidget:
        """The widget that takes the keyboard focus (the label's buddy)."""
        return self.widget

    def owns_focus(self, widget: QWidget) -> bool:
        """Is `widget` (which has the keyboard) where this field's answer is typed? A button beside it is not."""
        target = self.focus_widget
        return widget is target or target.isAncestorOf(widget)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        self.set_value(None)

    def set_issue(self, severity: str, message: str = "") -> None:
        """Mark the editor as holding an error or a warning ("" for none)."""
        if self.widget.property("issue") != severity:
            self.widget.setProperty("issue", severity)
            style.base_color(self.widget, severity)
        self.widget.setAccessibleDescription(message or self.spec.help)

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setEnabled(not read_only)

    def focus(self) -> None:
        self.focus_widget.setFocus(Qt.FocusReason.OtherFocusReason)


class LineEditor(Editor):
    """One line of text: text, name, date, SSN, EIN, e-mail, telephone, foreign insurance number."""

    def __init__(self, spec: FieldSpec) -> None:
        self.line = QLineEdit()
        super().__init__(spec, self.line)
        self.line.setPlaceholderText(spec.placeholder or PLACEHOLDERS.get(spec.type, ""))
        if spec.type is FieldType.DATE:
            # Digits and hyphens only; the core still says whether it is a real date.
            self.line.setValidator(
                QRegularExpressionValidator(QRegularExpression(r"[0-9-]{0,10}"), self.line)
            )
            self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("0000-00-00") + 40)
        if spec.type is FieldType.SSN:
            self._mask()
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)

    def _mask(self) -> None:
        """An SSN is hidden on screen unless being typed or shown on purpose (a Show button beside it)."""
        self.line.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("000-00-0000") + 60)
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        self.reveal = QToolButton()
        self.reveal.setText("Show")
        self.reveal.setCheckable(True)
        self.reveal.setAccessibleName(f"Show the {self.spec.label}")
        self.reveal.toggled.connect(self._reveal)
        layout.addWidget(self.reveal)
        layout.addStretch(1)
        box.setProperty(FIELD_PROPERTY, self.spec.id)
        self.widget = box

    def _reveal(self, shown: bool) -> None:
        self.line.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.reveal.setText("Hide" if shown else "Show")

    @property
    def focus_widget(self) -> QWidget:
        return self.line

    def clear(self) -> None:
        super().clear()
        if self.spec.type is FieldType.SSN:
            self.reveal.setChecked(False)

    def _edited(self, text: str) -> None:
        self.changed.emit(self._answer(text))

    def _answer(self, text: str) -> Any:
        value = normalise(self.spec, text)
        return value if value != "" else None

    def _finished(self) -> None:
        value = self._answer(self.line.text())
        if isinstance(value, str) and value != self.line.text():
            self.line.setText(value)  # the canonical form: trimmed, 123-45-6789

    def value(self) -> Any:
        return self._answer(self.line.text())

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if self.line.text() != text:
            self.line.setText(text)

    def set_read_only(self, read_only: bool) -> None:
        self.line.setReadOnly(read_only)

    def set_issue(self, severity: str, message: str = "") -> None:
        if self.line.property("issue") != severity:
            self.line.setProperty("issue", severity)
            style.base_color(self.line, severity)
        self.line.setAccessibleDescription(message or self.spec.help)


class TextAreaEditor(Editor):
    def __init__(self, spec: FieldSpec) -> None:
        self.text = QPlainTextEdit()
        super().__init__(spec, self.text)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(spec.placeholder)
        lines = self.text.fontMetrics().lineSpacing()
        self.text.setFixedHeight(lines * 4 + 14)
        self._setting = False
        self.text.textChanged.connect(self._edited)

    def _edited(self) -> None:
        if not self._setting:
            self.changed.emit(self.value())

    def value(self) -> Any:
        text = self.text.toPlainText()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if self.text.toPlainText() != text:
            self._setting = True
            try:
                self.text.setPlainText(text)
            finally:
                self._setting = False

    def set_read_only(self, read_only: bool) -> None:
        self.text.setReadOnly(read_only)


class ListEditor(Editor):
    """A fixed list with "Not answered" first: choices, and yes/no (a tri-state: yes, no, not answered)."""

    whole_answers = True

    def __init__(self, spec: FieldSpec, entries: list[tuple[str, Any]]) -> None:
        self.combo = QComboBox()
        super().__init__(spec, self.combo)
        self.combo.addItem(NOT_ANSWERED, None)
        for text, data in entries:
            self.combo.addItem(text, data)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setSizePolicy(
            QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed
        )  # a short list stays short
        self.combo.currentIndexChanged.connect(lambda _: self.changed.emit(self.value()))

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = next((i for i in range(self.combo.count()) if self.combo.itemData(i) == value), -1)
        if value is not None and index < 0:  # an answer the list does not offer: shown as it is
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        index = max(index, 0)
        if self.combo.currentIndex() != index:
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(index)
            self.combo.blockSignals(False)


def make_editor(spec: FieldSpec) -> Editor:
    """The editor for one (non-group) field."""
    kind = spec.type
    if kind is FieldType.TEXTAREA:
        return TextAreaEditor(spec)
    if kind is FieldType.YESNO:
        return ListEditor(spec, [("Yes", True), ("No", False)])
    if kind is FieldType.CHOICE:
        return ListEditor(spec, [(c.label, c.value) for c in spec.choices])
    if kind in (FieldType.COUNTRY, FieldType.US_STATE):
        from ui.wizard.picker import country_picker, state_picker

        return country_picker(spec) if kind is FieldType.COUNTRY else state_picker(spec)
    if kind is FieldType.GROUP:
        raise ValueError("a group has its own editor (ui.wizard.group)")
    return LineEditor(spec)

"""The wizard's pages, built from the definition at run time: the first page (agreement and kind, with the
agreement's key facts), and one page per section of the form. No page is written for a particular agreement.

Pages only forward to the form session (through the wizard); they never decide what is valid. `isComplete` stays
true (coordinators fill in what they know, in any order); `page_complete` only sets the ✓ of the step list.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.forms import Catalog
from app.forms.model import Agreement, FieldSpec, FormSpec, Section
from app.forms.session import Issue
from ui import style
from ui.wizard import glossary, mnemonics, splitters
from ui.wizard.editors import Editor, make_editor
from ui.wizard.group import GroupEditor, Row
from ui.wizard.help_panel import HelpPanel, short_link

ERROR_MARK, WARNING_MARK = "✖", "⚠"


class FieldRow:
    """One field on a page: its label (with buddy and mnemonic), its editor, and the message under the editor."""

    def __init__(self, spec: FieldSpec, editor: Editor, label_text: str) -> None:
        self.spec = spec
        self.editor = editor
        self.label_text = label_text
        self.label = QLabel(label_text)
        self.label.setBuddy(editor.focus_widget)
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(180)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(f"Problem: {spec.label}")
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.message.hide()
        self.container = QWidget()
        layout = QVBoxLayout(self.container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor.widget)
        layout.addWidget(self.message)
        self._required: bool | None = None
        self.severity = ""

    def set_required(self, required: bool) -> None:
        if required != self._required:
            self._required = required
            self.label.setText(self.label_text + ("\u00a0*" if required else ""))

    def show_issues(self, issues: list[Issue]) -> None:
        if isinstance(self.editor, GroupEditor):
            self.editor.set_issues(issues)
        ordered = sorted(issues, key=lambda i: not i.is_error)
        text = "\n".join(f"{ERROR_MARK if i.is_error else WARNING_MARK} {i.message}" for i in ordered)
        severity = "error" if any(i.is_error for i in issues) else "warning" if issues else ""
        if severity != self.severity:
            self.severity = severity
            self.message.setProperty("issue", severity)
            style.text_color(self.message, severity)
        if self.message.text() != text:
            self.message.setText(text)
        self.message.setVisible(bool(text))
        self.editor.set_issue(severity, text)

    def clear(self) -> None:
        self.editor.clear()
        self.message.clear()
        self.message.hide()


GroupRule = Callable[[str, dict[str, Any], str], bool]  # (group id, row, column id) -> does the cell apply?


def make_row(
    spec: FieldSpec, label_text: str, applies: GroupRule, group_buttons: tuple[str, str]
) -> FieldRow:
    if spec.is_group:
        group_id = spec.id

        def rule(row: Row, column: str) -> bool:
            return applies(group_id, row, column)

        editor: Editor = GroupEditor(spec, rule, *group_buttons)
    else:
        editor = make_editor(spec)
    return FieldRow(spec, editor, label_text)


class SectionPage(QWizardPage):
    """One section of the form: its fields on the left, the help panel on the right.

    The page is a light shell until it is first needed (`build`, called when the wizard enters the page or must
    show one of its fields): a form of ten pages then opens at once, and a page costs only when it is visited.

    Signals:
        built(): the rows exist now (the wizard connects them to the session).
    """

    built = Signal()

    def __init__(self, section: Section, applies: GroupRule, subtitle: str = "") -> None:
        super().__init__()
        self.section = section
        self.applies = applies
        self.setTitle(section.title)
        self.setSubTitle(subtitle)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.rows: list[FieldRow] = []
        self.is_built = False
        self.splitter: QSplitter
        self.help: HelpPanel
        self.form: QFormLayout

    def initializePage(self) -> None:
        self.build()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        splitters.apply_pending(self)

    def build(self) -> None:
        if self.is_built:
            return
        self.is_built = True
        section = self.section
        texts = [f.label for f in section.fields]
        group_buttons = [("Add a row", "Remove the row") for f in section.fields if f.is_group]
        extra = [t for pair in group_buttons for t in pair]
        labelled = mnemonics.assign([*texts, *extra])
        button_texts = iter(zip(labelled[len(texts) :: 2], labelled[len(texts) + 1 :: 2], strict=True))
        # The frame first, then the rows into it: adding a filled form to a splitter costs a layout pass.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter)
        scroll = QScrollArea(self.splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setMinimumWidth(380)
        form_body = QWidget()
        form_body.setObjectName("formBody")
        scroll.setWidget(form_body)
        column = QVBoxLayout(form_body)  # the rows at the top, the spare room below them
        column.setContentsMargins(0, 0, 0, 0)
        self.help = HelpPanel(self.splitter)
        self.help.show_page(section.title, section.help)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setContentsMargins(12, 12, 12, 12)
        self.form.setVerticalSpacing(10)
        for spec, label_text in zip(section.fields, labelled, strict=False):
            buttons = next(button_texts) if spec.is_group else ("", "")
            row = make_row(spec, label_text, self.applies, buttons)
            self.rows.append(row)
            if spec.is_group:  # a table is wide: its label above it
                self.form.addRow(row.label)
                self.form.addRow(row.container)
            else:
                self.form.addRow(row.label, row.container)
        # Never a sideways scroll bar for the fields: the form's side is at least as wide as its rows need, and it
        # starts with most of the room (a saved splitter position, restored by the wizard, wins).
        scroll.setMinimumWidth(
            max(380, form_body.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        )
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        splitters.first_sizes(self.splitter, [640, 360])
        self.built.emit()

    def set_row_visible(self, row: FieldRow, visible: bool) -> None:
        if row.container.isVisibleTo(self) != visible or row.label.isVisibleTo(self) != visible:
            if row.spec.is_group:
                self.form.setRowVisible(row.label, visible)
            self.form.setRowVisible(row.container, visible)

    def first_visible_row(self) -> FieldRow | None:
        return next((r for r in self.rows if r.container.isVisibleTo(self)), None)


def facts_html(agreement: Agreement) -> str:
    """The agreement's key facts, what a coordinator needs first; then, under "Sources", where each comes from and
    how sure it is (the flag of an unconfirmed or conflicting fact). Abbreviations are explained once."""
    e = html.escape
    said: set[str] = set()

    def text(value: str) -> str:
        return e(glossary.explain(value, said))

    parts = [f"<h3 style='margin-top:0'>{e(agreement.name)}</h3>", "<table cellspacing='0' cellpadding='3'>"]
    if agreement.in_force is not None:
        parts.append(f"<tr><td><b>In force</b></td><td>since {agreement.in_force.isoformat()}</td></tr>")
    if agreement.detachment_limit_months is not None:
        months = agreement.detachment_limit_months
        years = f" ({months // 12} years)" if months % 12 == 0 else ""
        parts.append(
            f"<tr><td><b>Limit</b></td><td>{months} months{years} for a worker sent abroad</td></tr>"
        )
    parts.append("</table>")
    sources: list[str] = []
    for fact in agreement.facts:
        if fact.key == "in_force":
            continue
        warn = style.WARNING_TEXT.name()
        mark = f" <small style='color:{warn}'>(⚠ not confirmed: see Sources)</small>" if fact.flagged else ""
        parts.append(f"<p><b>{e(fact.title)}.</b> {text(fact.text)}{mark}</p>")
        if fact.sources or fact.flagged:
            links = ", ".join(short_link(url) for url in fact.sources) or "no source found"
            flag = f"<br><span style='color:{warn}'>⚠ {text(fact.status.flag)}</span>" if fact.flagged else ""
            sources.append(f"<li><b>{e(fact.title)}</b>: {links}{flag}</li>")
    if agreement.paper is not None:
        parts.append(f"<p><b>On paper.</b> {text(agreement.paper.office)}; fax {e(agreement.paper.fax)}.</p>")
        if agreement.paper.sources:
            links = ", ".join(short_link(url) for url in agreement.paper.sources)
            sources.append(f"<li><b>On paper</b>: {links}</li>")
    if sources:
        parts.append(
            "<h4 style='margin-bottom:2px'>Sources</h4><small><ul style='margin-left:-20px'>"
            + "".join(sources)
            + "</ul></small>"
        )
    return "".join(parts)


NO_AGREEMENT_YET = (
    "<p>Choose the agreement first: the country the worker is sent to. Its key facts show here: how long a "
    "worker may be sent, how to extend, who is covered, and where a fax copy goes.</p>"
)


class StartPage(QWizardPage):
    """The agreement and the kind of request, with the agreement's key facts.

    Signals:
        choice_changed(str): the form id now chosen (the wizard rebuilds its pages when the user moves on).
    """

    choice_changed = Signal(str)

    def __init__(
        self, catalog: Catalog, spec: FormSpec, on_leave: Callable[[str], None], *, chosen: bool = True
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self._on_leave = on_leave
        self.chosen = chosen  # a new request starts with no agreement chosen: the user picks it first
        self.setTitle("Agreement and kind of request")
        self.setSubTitle("Choose the country the worker goes to, and who the certificate is for.")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        # The kinds of request, in the definitions' order; special ones (offered by few agreements) last.
        self.kind_list = sorted(catalog.kinds.values(), key=lambda k: k.special)
        labels = mnemonics.assign(["Agreement", *(k.title for k in self.kind_list)])
        self.agreement = QComboBox()
        self.agreement.setAccessibleName("Agreement")
        self.agreement.setPlaceholderText("Choose the country the worker goes to")
        self.agreement.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for agreement in catalog.in_force():
            if any(f.agreement.id == agreement.id for f in catalog.forms.values()):
                self.agreement.addItem(agreement.name, agreement.id)
        agreement_label = QLabel(labels[0])
        agreement_label.setBuddy(self.agreement)
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        for kind, label in zip(self.kind_list, labels[1:], strict=True):
            button = QRadioButton(label)
            button.setAccessibleName(kind.title)
            button.setToolTip(kind.summary)
            self.kinds.addButton(button)
            self.kind_buttons[kind.id] = button
            kind_layout.addWidget(button)
        self.kind_note = QLabel()
        self.kind_note.setWordWrap(True)
        style.text_color(self.kind_note, "muted")
        kind_layout.addWidget(self.kind_note)
        kind_label = QLabel("Kind")
        form_body = QWidget()
        form = QFormLayout(form_body)
        form.setContentsMargins(12, 12, 12, 12)
        form.setVerticalSpacing(12)
        form.addRow(agreement_label, self.agreement)
        form.addRow(kind_label, kind_box)
        self.facts = QTextBrowser()
        self.facts.setOpenExternalLinks(True)
        self.facts.setAccessibleName("Key facts of the agreement")
        self.facts.setMinimumWidth(300)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(form_body)
        self.splitter.addWidget(self.facts)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        splitters.first_sizes(self.splitter, [420, 580])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.wanted_kind = spec.kind  # what the user chose, kept while browsing agreements that lack it
        if chosen:
            self.select(spec.agreement.id, spec.kind)
        else:
            self.agreement.setCurrentIndex(-1)
            self.kind_buttons[spec.kind].setChecked(True)
            for kind in self.kind_list:  # a special kind shows once an agreement that offers it is chosen
                self.kind_buttons[kind.id].setVisible(not kind.special)
            self.facts.setHtml(NO_AGREEMENT_YET)
        self.agreement.currentIndexChanged.connect(self._agreement_changed)
        for kind_id, button in self.kind_buttons.items():
            button.clicked.connect(lambda _checked=False, k=kind_id: self._kind_chosen(k))
        self.kinds.buttonToggled.connect(self._kind_button_toggled)

    def _kind_button_toggled(self, _button: QAbstractButton, on: bool) -> None:
        if on:
            self._kind_toggled()

    def _kind_toggled(self) -> None:
        if not self.chosen:
            return
        self._show_kind_note()
        self.choice_changed.emit(self.form_id())

    def _kind_chosen(self, kind: str) -> None:
        self.wanted_kind = kind

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        splitters.apply_pending(self)

    def select(self, agreement_id: str, kind: str) -> None:
        index = self.agreement.findData(agreement_id)
        self.agreement.blockSignals(True)
        self.agreement.setCurrentIndex(max(index, 0))
        self.agreement.blockSignals(False)
        self._update_kinds(kind)

    def _agreement_changed(self) -> None:
        if self.agreement.currentIndex() < 0:
            return
        newly = not self.chosen
        self.chosen = True
        self._update_kinds(self.wanted_kind)
        self.choice_changed.emit(self.form_id())
        if newly:
            self.completeChanged.emit()  # Next is on now

    def isComplete(self) -> bool:
        return self.chosen

    def _update_kinds(self, wanted: str) -> None:
        agreement_id = self.agreement.currentData()
        agreement = self.catalog.agreements[agreement_id]
        offered = [k.id for k in self.kind_list if f"{agreement_id}-{k.id}" in self.catalog.forms]
        for kind in self.kind_list:
            button = self.kind_buttons[kind.id]
            button.setEnabled(kind.id in offered)
            button.setVisible(
                kind.id in offered or not kind.special
            )  # a special kind shows only where offered
        chosen = wanted if wanted in offered else offered[0]
        self.kind_buttons[chosen].setChecked(True)
        self._show_kind_note()
        self.facts.setHtml(facts_html(agreement))

    def _show_kind_note(self) -> None:
        """What the chosen kind of request asks for, and which ordinary kinds this agreement does not offer."""
        agreement_id = self.agreement.currentData()
        agreement = self.catalog.agreements[agreement_id]
        missing = [
            k for k in self.kind_list if not k.special and f"{agreement_id}-{k.id}" not in self.catalog.forms
        ]
        chosen = next((k for k in self.kind_list if k.id == self.kind()), None)
        lines = [chosen.summary] if chosen is not None and chosen.summary else []
        if missing:
            fact = agreement.fact("self_employment")
            reason = (
                f" {fact.text}" if fact is not None and any(k.id == "self_employed" for k in missing) else ""
            )
            lines.append(
                f"Not offered under this agreement: {', '.join(k.title for k in missing).lower()}.{reason}"
            )
        self.kind_note.setText("\n\n".join(lines))
        self.kind_note.setVisible(bool(lines))

    def kind(self) -> str:
        return next((k for k, b in self.kind_buttons.items() if b.isChecked()), "employee")

    def form_id(self) -> str:
        return f"{self.agreement.currentData()}-{self.kind()}"

    def set_read_only(self, read_only: bool) -> None:
        self.agreement.setEnabled(not read_only)
        for button in self.kind_buttons.values():
            button.setEnabled(not read_only and button.isEnabled())

    def validatePage(self) -> bool:
        self._on_leave(self.form_id())
        return True

"""The whole flow for three agreements, by keys and clicks: the employer profile in Settings, New, the agreement
and kind, invalid values and their errors, fixing them, conditional fields appearing (family rows for Denmark,
health and earlier postings for France), the review with a link to a remaining error, Save, Close, and reopening
where the request was left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton, QWizard

from app.forms import Catalog
from app.forms.example import example_answers
from app.request import State
from tests.gui.helpers import start_app, stop_app
from tests.gui.keyboard import enter, fill_page, pick, replace_text, type_cell
from ui.wizard import REVIEW_ID, START_ID, RequestWizard
from ui.wizard.group import GroupEditor

pytestmark = pytest.mark.gui
LEFT = Qt.MouseButton.LeftButton


def click(qtbot: Any, widget: Any) -> None:
    qtbot.mouseClick(widget, LEFT)
    QApplication.processEvents()


def toolbar_button(window: Any, action: Any) -> QToolButton:
    return next(b for b in window.findChildren(QToolButton) if b.defaultAction() is action)


def message(wizard: RequestWizard, field_id: str) -> str:
    row = wizard.rows[field_id][1]
    return row.message.text() if row.message.isVisibleTo(row.container) else ""


def set_employer_profile(qtbot: Any, controller: Any, answers: dict[str, Any]) -> None:
    """Settings, Employer profile: typed field by field, then Save."""
    window = controller.window
    click(qtbot, toolbar_button(window, window.settings_action))
    dialog = controller.settings_dialog
    assert dialog is not None and dialog.isVisible()
    for field_id, row in dialog.rows.items():
        enter(qtbot, row.editor, answers.get(field_id))
    assert "✖" not in "".join(r.message.text() for r in dialog.rows.values())
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    assert not dialog.isVisible()
    assert controller.ctx.store.employer_profile() == {
        k: v for k, v in answers.items() if k.startswith("employer.")
    }


def new_wizard(qtbot: Any, controller: Any, agreement: str) -> RequestWizard:
    window = controller.window
    before = set(controller.wizards)
    click(qtbot, toolbar_button(window, window.new_action))
    (request_id,) = set(controller.wizards) - before
    wizard = controller.wizards[request_id]
    assert wizard.currentId() == START_ID and not wizard.stored
    combo = wizard.start_page.agreement
    combo.setFocus()
    qtbot.keyClicks(combo, agreement)
    assert combo.currentText() == agreement
    assert wizard.start_page.kind_buttons["employee"].isChecked()
    assert agreement in wizard.start_page.facts.toPlainText()
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() == 1 and wizard.spec.agreement.name == agreement
    return wizard


def next_page(qtbot: Any, wizard: RequestWizard) -> None:
    before = wizard.currentId()
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() != before


def fill_worker_with_mistakes(qtbot: Any, wizard: RequestWizard, answers: dict[str, Any]) -> None:
    """The worker page: a wrong SSN and an impossible date show their errors; fixing them clears them."""
    ssn = wizard.rows["worker.ssn"][1].editor
    enter(qtbot, ssn, "000-12-3456")
    assert "SSA never issues this number" in message(wizard, "worker.ssn")
    assert wizard.rows["worker.ssn"][1].severity == "error"
    birth = wizard.rows["worker.birth_date"][1].editor
    enter(qtbot, birth, "1985-13-45")
    assert "real date" in message(wizard, "worker.birth_date")
    assert wizard.steps.list.item(1).text() == "✖ The worker (2)"  # the two errors shown, no ✓
    fill_page(qtbot, wizard, answers)
    assert message(wizard, "worker.ssn") == "" and message(wizard, "worker.birth_date") == ""
    assert wizard.session.answers["worker.ssn"] == answers["worker.ssn"]
    assert wizard.steps.list.item(1).text().startswith("✓")


def go_through(qtbot: Any, wizard: RequestWizard, answers: dict[str, Any], special: Any = None) -> None:
    """Fill every section page by keys and move on with Next, up to the review page."""
    while wizard.currentId() != REVIEW_ID:
        section = wizard.current_key()
        if special is not None and special(section):
            pass
        elif section == "worker":
            fill_worker_with_mistakes(qtbot, wizard, answers)
        else:
            fill_page(qtbot, wizard, answers)
        next_page(qtbot, wizard)


def review_and_fix_via_link(qtbot: Any, wizard: RequestWizard, field_id: str, value: Any) -> None:
    """On the review page, a remaining error links to its field; follow it with the keyboard and fix it."""
    review = wizard.review_page
    assert review is not None
    assert not review.transmit_button.isEnabled()
    errors = [i for i in review.issues if i.is_error]
    assert [i.field for i in errors] == [field_id], errors
    review.problems.setFocus()
    qtbot.keyClick(review.problems, Qt.Key.Key_Tab)  # the first link
    qtbot.keyClick(review.problems, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert wizard.current_key() == field_id.split(".")[0]
    row = wizard.rows[field_id][1]
    assert QApplication.focusWidget() is row.editor.focus_widget
    enter(qtbot, row.editor, value)
    wizard.steps.list.setFocus()
    review_row = wizard.steps.list.count() - 1
    wizard.steps.list.setCurrentRow(review_row)
    qtbot.keyClick(wizard.steps.list, Qt.Key.Key_Return)  # the Review step
    assert wizard.currentId() == REVIEW_ID
    assert not [i for i in review.issues if i.is_error]
    assert review.transmit_button.isEnabled()
    assert "No error left" in review.summary.text()


def save_close_reopen(
    qtbot: Any, controller: Any, wizard: RequestWizard, expected: dict[str, Any]
) -> RequestWizard:
    request_id = wizard.doc.id
    page = wizard.current_key()
    click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))  # Save
    assert wizard.steps.status.text().startswith("Saved")
    click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))  # Close: everything is saved
    assert request_id not in controller.wizards
    stored = controller.ctx.store.get(request_id)
    for field_id, value in expected.items():
        assert stored.answers.get(field_id) == value, field_id
    window = controller.window
    row = window.model.row_of(request_id)
    assert row >= 0
    window.table.setFocus()
    window.table.selectRow(row)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # open it again
    reopened = controller.wizards[request_id]
    assert reopened.current_key() == page
    assert reopened.session.answers == stored.answers
    return reopened


def test_germany_by_keys_and_clicks(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    spec = catalog.form("de-employee")
    answers = example_answers(spec)
    set_employer_profile(qtbot, controller, answers)
    wizard = new_wizard(qtbot, controller, "Germany")
    assert wizard.session.answers["employer.ein"] == answers["employer.ein"]  # the profile pre-filled it
    assert wizard.session.answers["host.country"] == "DE"
    go_through(qtbot, wizard, {**answers, "request.confirmation_email": "not-an-address"})
    assert "e-mail" in wizard.review_page.issues[0].message
    review_and_fix_via_link(
        qtbot, wizard, "request.confirmation_email", answers["request.confirmation_email"]
    )
    reopened = save_close_reopen(qtbot, controller, wizard, answers)
    assert reopened.currentId() == REVIEW_ID
    assert controller.ctx.store.get(reopened.doc.id).state is State.READY
    stop_app(controller)


def test_denmark_with_family_rows(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    spec = catalog.form("dk-employee")
    answers = example_answers(spec)

    def family(section: str) -> bool:
        if section != "family":
            return False
        assert not wizard.session.visible("family")
        enter(qtbot, wizard.rows["family.has_family"][1].editor, True)
        assert wizard.session.visible("family")  # the table appears once the answer is Yes
        table = wizard.rows["family"][1].editor
        assert isinstance(table, GroupEditor) and table.table.isVisibleTo(wizard)
        row = dict(answers["family"][0], birth_date="1986-02-30")
        enter(qtbot, table, [row])
        assert "real date" in message(wizard, "family")
        assert table.model.issues and (0, "birth_date") in table.model.issues
        type_cell(qtbot, table, 0, "birth_date", "1986-02-20")
        assert message(wizard, "family") == ""
        assert wizard.session.answers["family"] == answers["family"]
        return True

    wizard = new_wizard(qtbot, controller, "Denmark")
    go_through(qtbot, wizard, {**answers, "employer.zip": "1220"}, special=family)
    review_and_fix_via_link(qtbot, wizard, "employer.zip", answers["employer.zip"])
    reopened = save_close_reopen(qtbot, controller, wizard, answers)
    reopened.go_to_section("assignment")  # leave it on a page in the middle this time
    click(qtbot, reopened.button(QWizard.WizardButton.CancelButton))
    window = controller.window
    window.table.selectRow(window.model.row_of(reopened.doc.id))
    window.open_action.trigger()
    assert controller.wizards[reopened.doc.id].current_key() == "assignment"
    stop_app(controller)


def test_france_with_health_and_earlier_postings(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    spec = catalog.form("fr-employee")
    answers = example_answers(spec)

    def special(section: str) -> bool:
        if section == "history":
            assert not wizard.session.visible("history.first_start")
            enter(qtbot, wizard.rows["history.previous_posting"][1].editor, True)
            assert wizard.session.visible("history.first_start")  # earlier postings: their dates appear
            enter(qtbot, wizard.rows["history.first_start"][1].editor, "2020-01-06")
            enter(qtbot, wizard.rows["history.last_end"][1].editor, "2027-06-30")
            assert "must end" in message(wizard, "history.last_end")  # a rule across fields speaks
            enter(qtbot, wizard.rows["history.previous_posting"][1].editor, False)
            assert not wizard.session.visible("history.first_start")
            assert message(wizard, "history.last_end") == ""
            return True
        if section == "health":
            enter(qtbot, wizard.rows["health.worker_covered"][1].editor, False)
            assert "health" in message(wizard, "health.worker_covered").lower()
            fill_page(qtbot, wizard, answers)
            assert message(wizard, "health.worker_covered") == ""
            return True
        return False

    wizard = new_wizard(qtbot, controller, "France")
    mistaken = {**answers, "assignment.end_date": "2026-12-31"}  # ends before it starts
    go_through(qtbot, wizard, mistaken, special=special)
    review_and_fix_via_link(qtbot, wizard, "assignment.end_date", answers["assignment.end_date"])
    save_close_reopen(qtbot, controller, wizard, answers)
    stop_app(controller)


def test_the_kind_and_agreement_can_change_on_the_first_page(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    wizard = new_wizard(qtbot, controller, "Japan")
    replace_text(qtbot, wizard.rows["worker.first_name"][1].editor.focus_widget, "Hana")
    wizard.go_to(START_ID)
    wizard.start_page.kind_buttons["self_employed"].click()
    pick(qtbot, wizard.start_page.agreement, "jp")
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.spec.id == "jp-self_employed"
    assert wizard.session.answers["worker.first_name"] == "Hana"  # kept across the change
    assert "self" in wizard.section_ids
    stop_app(controller)

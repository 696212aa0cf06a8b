"""What keys do in the wizard, and what a new request looks like, by keys and clicks as a coordinator meets them:
a new request starts with no agreement chosen and the cursor on it, no field is red before it was visited and left
(or the review page was seen), the steps tell "not started", "in progress", "has errors" and "complete" apart, and
Enter always presses a button in sight (Next; Transmit on the review page when it may be used; Enter on a step
only goes there). Esc at the unlock dialog after the idle lock closes the dialog, never the application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from app.forms import Catalog
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from tests.gui.keyboard import focus
from tests.gui.test_wizard_flow import click, message, toolbar_button
from ui.wizard import REVIEW_ID, START_ID, RequestWizard
from ui.wizard.steps import StepState

pytestmark = pytest.mark.gui


def open_new(qtbot: Any, controller: Any) -> RequestWizard:
    window = controller.window
    click(qtbot, toolbar_button(window, window.new_action))
    (wizard,) = controller.wizards.values()
    return wizard


def red_fields(wizard: RequestWizard) -> list[str]:
    return [fid for fid in wizard.rows if message(wizard, fid)]


def test_a_new_request_starts_with_the_agreement_and_no_red(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    wizard = open_new(qtbot, controller)
    start = wizard.start_page
    assert wizard.currentId() == START_ID
    assert start.agreement.currentIndex() == -1 and start.agreement.currentText() == ""
    assert QApplication.focusWidget() is start.agreement
    assert wizard.windowTitle() == "New request: choose the agreement"
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    qtbot.keyClick(start.agreement, Qt.Key.Key_Return)  # nothing chosen: Enter goes nowhere
    qtbot.mouseClick(  # nor does a later step
        wizard.steps.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=wizard.steps.list.visualItemRect(wizard.steps.list.item(3)).center(),
    )
    assert wizard.currentId() == START_ID

    qtbot.keyClicks(start.agreement, "Germany")
    assert wizard.windowTitle() == "Request: Germany, employee sent abroad"  # the title follows the choice
    assert next_button.isEnabled() and next_button.isDefault()
    qtbot.keyClick(start.agreement, Qt.Key.Key_Return)  # Enter: the default button, Next, in sight
    assert wizard.currentId() == 1 and wizard.current_key() == "worker"

    # A new request: nothing red, and the steps say what is begun and what is not.
    assert red_fields(wizard) == []
    assert wizard.steps.state_text(1) == f"{StepState.IN_PROGRESS.mark} The worker"
    assert wizard.steps.state_text(4) == f"{StepState.NOT_STARTED.mark} Employment"
    employer = wizard.steps.state_text(2)
    assert employer.startswith(StepState.NOT_STARTED.mark)  # no employer profile in Settings yet

    # Tabbing out of the first field without typing does not flag it; leaving a wrong SSN does.
    first = wizard.rows["worker.first_name"][1].editor.focus_widget
    assert QApplication.focusWidget() is first
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    assert red_fields(wizard) == []
    ssn = wizard.rows["worker.ssn"][1].editor.focus_widget
    focus(qtbot, ssn)
    qtbot.keyClicks(ssn, "123")
    assert red_fields(wizard) == []  # not while typing
    qtbot.keyClick(ssn, Qt.Key.Key_Tab)
    assert red_fields(wizard) == ["worker.ssn"]
    assert wizard.steps.state_text(1) == f"{StepState.ERRORS.mark} The worker (1)"

    # The review page shows every problem, and from then on each field's too.
    wizard.steps.list.setCurrentRow(wizard.steps.list.count() - 1)
    qtbot.keyClick(wizard.steps.list, Qt.Key.Key_Return)
    assert wizard.currentId() == REVIEW_ID and wizard.isVisible()
    wizard.go_to_section("worker")
    assert "worker.last_name" in red_fields(wizard)
    assert wizard.steps.state_text(4).startswith(StepState.ERRORS.mark)
    stop_app(controller)


def test_enter_on_every_page_goes_on_and_transmits_only_from_the_review(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "de-employee")
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    sent: list[str] = []
    wizard.transmit_requested.disconnect()
    wizard.transmit_requested.connect(sent.append)
    qtbot.waitUntil(wizard.isActiveWindow)  # the window manager's part: the new window takes the keyboard
    wizard.go_to(START_ID)
    assert all(wizard.steps.state_text(p).startswith(StepState.COMPLETE.mark) for p in range(1, 8))
    pages = []
    while wizard.currentId() != REVIEW_ID:
        pages.append(wizard.currentId())
        assert wizard.button(QWizard.WizardButton.NextButton).isDefault()
        target = QApplication.focusWidget()
        assert target is not None and target.window() is wizard
        qtbot.keyClick(target, Qt.Key.Key_Return)
    assert pages == [START_ID, *range(1, len(wizard.spec.sections) + 1)]
    review = wizard.review_page
    assert review is not None and review.transmit_button.isEnabled() and review.transmit_button.isDefault()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isDefault()
    assert sent == []  # arriving at the review with Enter sent nothing
    target = QApplication.focusWidget()  # the cursor is on the review, never on a button Enter would press
    assert target is not None and review.isAncestorOf(target), target

    # Enter on a step goes there and does nothing else (it used to close the wizard through a hidden default).
    wizard.go_to(1)
    wizard.steps.list.setFocus()
    wizard.steps.list.setCurrentRow(wizard.steps.list.count() - 1)
    qtbot.keyClick(wizard.steps.list, Qt.Key.Key_Return)
    assert wizard.currentId() == REVIEW_ID and wizard.isVisible() and sent == []

    # On the review page, Enter is Transmit, the button in sight that says so.
    qtbot.keyClick(review.problems, Qt.Key.Key_Return)
    assert sent == [doc.id]
    stop_app(controller)


def test_enter_after_clicking_next_into_the_review_transmits_and_never_closes(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    """Seen on xcb: Next clicked (or Enter) on the last page hid Next, Qt gave the focus to Done, and the Enter
    meant for Transmit closed the wizard with nothing sent."""
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "de-employee")
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    sent: list[str] = []
    wizard.transmit_requested.disconnect()
    wizard.transmit_requested.connect(sent.append)
    qtbot.waitUntil(wizard.isActiveWindow)
    wizard.go_to_section(wizard.spec.sections[-1].id)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    click(qtbot, next_button)
    assert wizard.currentId() == REVIEW_ID
    target = QApplication.focusWidget()
    assert target is not None and target is not wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    assert wizard.isVisible() and sent == [doc.id]
    stop_app(controller)


@pytest.mark.parametrize("form", ["de-employee", "dk-employee"])  # Denmark: the family rows' table too
def test_tab_from_the_last_field_goes_to_next(
    qtbot: Any, data_dir: Path, catalog: Catalog, form: str
) -> None:
    """Seen on xcb: Tab out of a page's last field landed on Back, and Enter there went back a page."""
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, form)
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    qtbot.waitUntil(wizard.isActiveWindow)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    for section in wizard.spec.sections:
        wizard.go_to_section(section.id)
        page = wizard.currentPage()
        last = None
        for _ in range(200):  # Tab through the page to its last stop
            here = QApplication.focusWidget()
            assert here is not None
            if not page.isAncestorOf(here):
                break
            last = here
            qtbot.keyClick(here, Qt.Key.Key_Tab)
        assert last is not None
        assert QApplication.focusWidget() is next_button, (section.id, QApplication.focusWidget())
        before = wizard.currentId()
        qtbot.keyClick(next_button, Qt.Key.Key_Return)
        assert wizard.currentId() > before  # Enter there goes on
    stop_app(controller)


def test_enter_on_a_review_with_errors_does_nothing(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "de-employee", worker__last_name=None)
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.go_to(REVIEW_ID)
    review = wizard.review_page
    assert review is not None and not review.transmit_button.isEnabled()
    assert not any(b.isDefault() for b in (review.transmit_button, review.print_button))
    qtbot.keyClick(review.document, Qt.Key.Key_Return)
    assert wizard.isVisible() and wizard.currentId() == REVIEW_ID
    stop_app(controller)


def test_esc_at_the_unlock_after_the_idle_lock_does_not_quit(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    from tests.gui.conftest import PASSPHRASE

    controller = start_app(qtbot, data_dir, catalog)
    controller.lock()
    dialog = controller.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not controller._quitting and controller.window.isVisible()
    assert controller.window.stack.currentIndex() == 1  # the Locked page, with its Unlock button
    click(qtbot, controller.window.unlock_button)
    again = controller.dialog
    assert again is not None and again is not dialog and again.isVisible()
    qtbot.keyClicks(again.passphrase, PASSPHRASE)
    qtbot.keyClick(again.passphrase, Qt.Key.Key_Return)
    assert controller.ctx.store is not None and not controller.is_locked
    stop_app(controller)


def test_the_quit_button_of_the_unlock_dialog_quits(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    controller.lock()
    dialog = controller.dialog
    assert dialog is not None
    calls: list[bool] = []
    controller.shutdown = lambda: calls.append(True)  # type: ignore[method-assign]
    click(qtbot, dialog.quit_button)
    assert controller._quitting and calls == [True]
    del controller.shutdown
    stop_app(controller)

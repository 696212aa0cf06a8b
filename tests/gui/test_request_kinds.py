"""The kinds of request on the wizard's first page and the review page (Australia's letter of exemption is its
own kind, offered only under that agreement, with its own wording), and the review page's warnings across the
worker's other requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from app.forms import Catalog
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from tests.gui.test_wizard_flow import toolbar_button
from ui.wizard import REVIEW_ID, START_ID

pytestmark = pytest.mark.gui


def test_the_letter_of_exemption_is_offered_only_for_australia_with_its_own_wording(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    window = controller.window
    qtbot.mouseClick(toolbar_button(window, window.new_action), Qt.MouseButton.LeftButton)
    (wizard,) = controller.wizards.values()
    assert wizard.currentId() == START_ID
    start = wizard.start_page
    letter = start.kind_buttons["exemption_letter"]

    start.agreement.setFocus()
    qtbot.keyClicks(start.agreement, "Germany")
    assert start.agreement.currentText() == "Germany"
    assert letter.isHidden()  # not offered: not shown, and not listed as missing either
    assert "letter" not in start.kind_note.text().lower()
    assert "Certificate of U.S. Coverage" in start.kind_note.text()  # what the chosen kind asks for

    start.agreement.setCurrentIndex(start.agreement.findText("Australia"))
    assert start.agreement.currentText() == "Australia"
    assert not letter.isHidden() and letter.isEnabled()
    letter.click()
    assert letter.isChecked() and start.form_id() == "au-exemption_letter"
    assert (
        "letter of exemption" in start.kind_note.text()
        and "not a certificate of coverage" in start.kind_note.text()
    )

    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert wizard.spec.id == "au-exemption_letter"
    assert "letter of exemption" in wizard.windowTitle().lower()
    assert [s.id for s in wizard.spec.sections] == ["worker", "exemption", "request"]
    wizard.go_to(REVIEW_ID)
    QApplication.processEvents()
    text = wizard.review_page.document.toPlainText()
    assert "Letter of exemption: Australia" in text and "not a certificate of coverage" in text
    stop_app(controller)


def test_the_review_page_warns_of_another_request_for_the_same_worker(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    """Two requests for the same worker (same SSN) covering the same days, under Germany and France: the review
    page of each warns, naming the other; the warning links to the start date. Transmit stays allowed."""
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    germany = add_example(store, catalog, "de-employee")
    france = add_example(store, catalog, "fr-employee")
    alone = add_example(
        store, catalog, "de-employee", worker__ssn="123-45-6780", worker__last_name="Otherperson"
    )
    for mine, theirs in ((germany, france), (france, germany)):
        controller.open_request(mine.id)
        wizard = controller.wizards[mine.id]
        wizard.go_to(REVIEW_ID)
        QApplication.processEvents()
        review = wizard.review_page
        warnings = [i for i in review.issues if i.code == "overlapping_request"]
        assert len(warnings) == 1 and theirs.id in warnings[0].message and not warnings[0].is_error
        assert theirs.id in review.problems.toPlainText()
        assert review.transmit_button.isEnabled()  # a warning informs; it never blocks
        review.open_issue(review.issues.index(warnings[0]))
        QApplication.processEvents()
        assert wizard.current_key() == "assignment"  # the link goes to the start date's page
        wizard.close()
    controller.open_request(alone.id)
    wizard = controller.wizards[alone.id]
    wizard.go_to(REVIEW_ID)
    QApplication.processEvents()
    assert not [i for i in wizard.review_page.issues if i.code == "overlapping_request"]
    stop_app(controller)


def test_the_request_list_marks_requests_with_warnings_across_requests(
    qtbot: Any, data_dir: Path, catalog: Catalog, qtmodeltester: Any
) -> None:
    """The list's "Other requests" column: ⚠ on each of two overlapping requests of one worker (the tooltip names
    the other), nothing on a worker's only request; the Kind column names the letter of exemption."""
    from ui.request_model import COLUMNS

    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    germany = add_example(store, catalog, "de-employee")
    france = add_example(store, catalog, "fr-employee")
    alone = add_example(
        store, catalog, "de-employee", worker__ssn="123-45-6780", worker__last_name="Otherperson"
    )
    letter = add_example(
        store, catalog, "au-exemption_letter", worker__ssn="123-45-6781", worker__last_name="Thirdperson"
    )
    model = controller.window.model
    model.refresh()
    QApplication.processEvents()
    across = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "across")
    kind = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "kind")

    def cell(request_id: str, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.data(model.index(model.row_of(request_id), column), role)

    qtbot.waitUntil(lambda: cell(germany.id, across) != "")  # judged once the rows are shown

    assert model.headerData(across, Qt.Orientation.Horizontal) == "Other requests"
    tip = Qt.ItemDataRole.ToolTipRole
    assert cell(germany.id, across) == "⚠ 1 warning" and france.id in cell(germany.id, across, tip)
    assert cell(france.id, across) == "⚠ 1 warning" and germany.id in cell(france.id, across, tip)
    assert "(France, 2027-01-04 to 2029-12-18)" in cell(germany.id, across, tip)
    assert cell(alone.id, across) == "" and cell(letter.id, across) == ""
    assert cell(letter.id, kind) == "Exemption letter" and cell(germany.id, kind) == "Employee"
    qtmodeltester.check(model, force_py=True)
    # Moving France's request to later days clears the warning on both, once saved.
    moved = store.get(france.id)
    moved.answers["assignment.start_date"] = "2030-01-07"
    moved.answers["assignment.end_date"] = "2031-01-07"
    from ui import ops

    ops.save_request(store, moved, catalog)
    model.update_row(store.summary(france.id))
    qtbot.waitUntil(lambda: cell(germany.id, across) == "" and cell(france.id, across) == "")
    stop_app(controller)

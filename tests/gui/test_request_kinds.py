"""The kinds of request on the wizard's first page and the review page: Australia's letter of exemption is its
own kind, offered only under that agreement, with its own wording; the request list names the kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from app.forms import Catalog
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

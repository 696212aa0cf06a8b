"""Transmission and printing from the windows, wired to the core: Settings (endpoint, CA bundle, token) typed in,
Transmit on the review page against the reference intake service (a receipt comes back and the request is Sent),
Check status, the message when transmission is not set up, and Print fax copy opening its dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from app.forms import Catalog
from app.request import State
from intake import RunningIntake, serve_in_thread
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from tests.gui.keyboard import replace_text
from ui.request_model import COLUMNS
from ui.wizard import REVIEW_ID

pytestmark = pytest.mark.gui
TOKEN = "gui-test-token-0123456789"


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[RunningIntake]:
    with serve_in_thread(tmp_path / "intake", [TOKEN]) as running:
        yield running


def boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def configure(qtbot: Any, controller: Any, intake: RunningIntake) -> None:
    controller.show_settings()
    dialog = controller.settings_dialog
    dialog.tabs.setCurrentIndex(2)
    replace_text(qtbot, dialog.endpoint, intake.url)
    replace_text(qtbot, dialog.ca_bundle, str(intake.ca_path))
    replace_text(qtbot, dialog.token, TOKEN)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.problem.text()


def test_transmit_from_the_review_page_then_check_status(
    qtbot: Any, data_dir: Path, catalog: Catalog, intake: RunningIntake
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    configure(qtbot, controller, intake)
    doc = add_example(controller.ctx.store, catalog, "de-employee")
    controller.window.refresh()
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.go_to(REVIEW_ID)
    review = wizard.review_page
    assert review.transmit_button.isEnabled()
    qtbot.mouseClick(review.transmit_button, Qt.MouseButton.LeftButton)
    assert controller.ctx.store.get(doc.id).state is State.SENT
    receipt = controller.ctx.store.receipt(doc.id)
    assert receipt and receipt.get("confirmation")
    assert any(receipt["confirmation"] in b.text() for b in boxes())
    for box in boxes():
        box.close()
    # The wizard that sent it is read-only now, and shows the receipt.
    assert wizard.read_only and "(sent, read-only)" in wizard.windowTitle()
    assert not review.transmit_button.isEnabled() and not review.transmit_button.isDefault()
    assert review.summary.text().startswith("Sent: waiting for the agency's decision")
    assert review.receipt.isVisible() and receipt["confirmation"] in review.receipt.text()
    assert not wizard.button(QWizard.WizardButton.CustomButton1).isVisible()  # no Save
    wizard.go_to_section("worker")
    first = wizard.rows["worker.first_name"][1].editor.focus_widget
    qtbot.keyClicks(first, "X")
    assert wizard.session.answers["worker.first_name"] == doc.answers["worker.first_name"]
    wizard.close()
    assert boxes() == []  # closing it asks nothing and reports nothing
    window = controller.window
    window.table.selectRow(window.model.row_of(doc.id))
    assert window.model.summary(window.model.row_of(doc.id)).state is State.SENT
    assert window.status_action.isEnabled()
    window.status_action.trigger()
    assert any("receiving service says" in b.text() for b in boxes())
    for box in boxes():
        box.close()
    controller.open_request(doc.id)  # a sent request opens read-only
    sent = controller.wizards[doc.id]
    assert sent.read_only and "can no longer be changed" in sent.steps.note.text()
    sent.go_to_section("worker")
    first = sent.rows["worker.first_name"][1].editor.focus_widget
    assert first.isReadOnly()
    qtbot.keyClicks(first, "X")
    assert sent.session.answers["worker.first_name"] == doc.answers["worker.first_name"]
    sent.go_to(REVIEW_ID)
    assert not sent.review_page.transmit_button.isEnabled()
    stop_app(controller)


def transmit_without_settings(qtbot: Any, controller: Any, doc: Any) -> QMessageBox:
    window = controller.window
    window.refresh()
    window.table.selectRow(window.model.row_of(doc.id))
    window.transmit_action.trigger()
    (box,) = boxes()
    assert box.text() == (
        "Transmission is not set up: the receiving service's address and the access token are missing."
    )
    assert "Open Settings" in box.informativeText() and "coc " not in box.informativeText()
    assert controller.ctx.store.get(doc.id).state is State.READY  # nothing queued behind the user's back
    return box


def button(box: QMessageBox, text: str) -> Any:
    return next(b for b in box.buttons() if b.text().replace("&", "") == text)


def test_transmit_without_settings_opens_them_and_sends_once_saved(
    qtbot: Any, data_dir: Path, catalog: Catalog, intake: RunningIntake
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "dk-employee")
    box = transmit_without_settings(qtbot, controller, doc)
    assert box.defaultButton() is button(box, "Open Settings")
    qtbot.mouseClick(button(box, "Open Settings"), Qt.MouseButton.LeftButton)
    dialog = controller.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.tabs.currentIndex() == dialog.tab_names.index("transmission")
    replace_text(qtbot, dialog.endpoint, intake.url)
    replace_text(qtbot, dialog.ca_bundle, str(intake.ca_path))
    replace_text(qtbot, dialog.token, TOKEN)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert controller.ctx.store.get(doc.id).state is State.SENT  # the Transmit asked for goes on
    assert intake.stats.created == 1
    for shown in boxes():
        shown.close()
    stop_app(controller)


def test_transmit_without_settings_queues_only_with_consent(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "dk-employee")
    box = transmit_without_settings(qtbot, controller, doc)
    qtbot.mouseClick(button(box, "Cancel"), Qt.MouseButton.LeftButton)
    assert controller.ctx.store.get(doc.id).state is State.READY
    box = transmit_without_settings(qtbot, controller, doc)
    qtbot.mouseClick(button(box, "Queue it for later"), Qt.MouseButton.LeftButton)
    assert controller.ctx.store.get(doc.id).state is State.QUEUED
    (said,) = boxes()
    assert "sent by itself once transmission is set up" in said.text()
    said.close()
    window = controller.window
    state = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "state")
    row = window.model.row_of(doc.id)
    assert window.model.index(row, state).data() == "Queued (waiting for Settings)"  # the list says so
    stop_app(controller)


def test_a_draft_is_not_transmitted(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "dk-employee", worker__ssn="000-12-3456")
    controller.outbox.transmit(doc.id)  # what Transmit would do, were it not disabled for a draft
    shown = boxes()
    assert shown and "1 error" in shown[0].text() and "review page" in shown[0].informativeText()
    for box in shown:
        box.close()
    assert controller.ctx.store.get(doc.id).state is State.DRAFT
    stop_app(controller)


def test_print_fax_copy_opens_the_print_dialog(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    from ui.print_dialog import PrintDialog

    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "fr-employee")
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.go_to(REVIEW_ID)
    qtbot.mouseClick(wizard.review_page.print_button, Qt.MouseButton.LeftButton)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, PrintDialog) and w.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].doc.id == doc.id
    controller.lock()  # the lock closes it with the rest: the preview holds personal data
    assert not any(isinstance(w, PrintDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert wizard.button(QWizard.WizardButton.CancelButton) is not None
    stop_app(controller)


def test_print_of_a_withdrawn_form_says_why(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    from app.request import RequestDoc

    controller = start_app(qtbot, data_dir, catalog)
    doc = RequestDoc(form="zz-employee", edition="2001-01-01", answers={"worker.first_name": "Ann"})
    controller.ctx.store.save(doc, error_count=1)
    controller.print_request(doc.id)
    shown = boxes()
    assert shown and "no longer offered" in shown[0].text()
    for box in shown:
        box.close()
    stop_app(controller)


def test_newer_form_editions_at_the_receiver_are_announced(
    qtbot: Any, data_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    import shutil

    from app.forms import load
    from app.paths import forms_dir

    newer = tmp_path / "receiver-forms"
    shutil.copytree(forms_dir(), newer)
    si = newer / "agreements" / "si.toml"  # Slovenia: one form (no self-employed form)
    si.write_text(
        si.read_text(encoding="utf-8").replace('edition = "2026-12-01"', 'edition = "2027-03-01"'), "utf-8"
    )
    with serve_in_thread(tmp_path / "intake", [TOKEN], catalog=load(newer)) as running:
        controller = start_app(qtbot, data_dir, catalog)
        configure(qtbot, controller, running)
        controller.outbox.check_editions()
        text = controller.window.statusBar().currentMessage()
        assert "newer edition of 1 form (si-employee)" in text
        stop_app(controller)

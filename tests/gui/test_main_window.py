"""The main window: search as you type, filters, the "ending soon" view, sorting by a header, duplicate for a new
assignment or an extension, delete with a question and undo, and the actions that follow the selection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.forms import Catalog
from app.request import State
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from ui.request_model import COLUMNS

pytestmark = pytest.mark.gui


def names(window: Any) -> list[str]:
    return [window.model.summary(r).worker_name for r in range(window.model.rowCount())]


@pytest.fixture
def app3(qtbot: Any, data_dir: Path, catalog: Catalog) -> Any:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    add_example(store, catalog, "de-employee", worker__last_name="Adler")
    add_example(store, catalog, "dk-employee", worker__last_name="Berg", worker__ssn="000-12-3456")
    add_example(
        store,
        catalog,
        "fr-employee",
        worker__last_name="Chevalier",
        assignment__start_date="2025-01-06",
        assignment__end_date=soon,
    )
    controller.window.refresh()
    yield controller
    stop_app(controller)


def test_search_as_you_type_waits_for_a_pause(qtbot: Any, app3: Any) -> None:
    window = app3.window
    assert len(names(window)) == 3
    window.search_timer.setInterval(60_000)  # a very slow typist: the pause has not come yet
    qtbot.keyClicks(window.search, "berg")
    assert len(names(window)) == 3 and window.search_timer.isActive()  # each key restarted the wait
    window.search_timer.setInterval(20)
    window.search_timer.start()
    qtbot.waitUntil(lambda: names(window) == ["Berg, Jane Q."], timeout=2000)
    assert window.count_label.text() == "1 request"
    window.search.setText("nobody")
    qtbot.waitUntil(lambda: window.empty_label.isVisible(), timeout=2000)
    assert "No request matches" in window.empty_label.text()


def sent(store: Any, request_id: str, confirmation: str) -> None:
    """The request as the outbox leaves it once the receiver took it."""
    doc = store.get(request_id)
    store.enqueue(request_id, doc.to_json(), request_id)
    receipt = {"confirmation": confirmation, "received_at": "2027-01-02T09:30:00Z", "request_id": request_id}
    store.mark_sent(request_id, {**receipt, "receiver": "https://receiver.example"})


def test_filters_and_the_ending_soon_view_of_certificates(qtbot: Any, app3: Any, catalog: Catalog) -> None:
    window = app3.window
    store = app3.ctx.store
    window.state_filter.setCurrentIndex(window.state_filter.findData(State.DRAFT.value))
    assert names(window) == ["Berg, Jane Q."]
    window.state_filter.setCurrentIndex(0)
    window.agreement_filter.setCurrentIndex(window.agreement_filter.findData("fr"))
    assert names(window) == ["Chevalier, Jane Q."]
    window.agreement_filter.setCurrentIndex(0)
    soon = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    certificate = add_example(
        store,
        catalog,
        "it-employee",
        worker__last_name="Dossi",
        assignment__start_date="2025-01-06",
        assignment__end_date=soon,
    )
    sent(store, certificate.id, "COC-2027-000042")
    window.refresh()
    days = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "days_left")
    assert window.table.isColumnHidden(days)
    window.ending_check.setFocus()
    qtbot.keyClick(window.ending_check, Qt.Key.Key_Space)
    assert names(window) == ["Dossi, Jane Q."]  # certificates: the sent request, not the draft ending soon
    assert not window.table.isColumnHidden(days)
    assert window.model.index(0, days).data() == "20"
    qtbot.keyClick(window.with_drafts, Qt.Key.Key_Space)
    assert names(window) == ["Dossi, Jane Q.", "Chevalier, Jane Q."]  # ending soonest first
    window.ending_days.setValue(10)
    qtbot.waitUntil(lambda: names(window) == [], timeout=2000)
    assert app3.ctx.settings.value("main/ending") in (True, "true")  # the view is remembered, not the names


def test_sorting_by_a_header(qtbot: Any, app3: Any) -> None:
    window = app3.window
    header = window.table.horizontalHeader()
    worker = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "worker")
    header.setSortIndicator(worker, Qt.SortOrder.AscendingOrder)
    assert names(window) == ["Adler, Jane Q.", "Berg, Jane Q.", "Chevalier, Jane Q."]
    header.setSortIndicator(worker, Qt.SortOrder.DescendingOrder)
    assert names(window) == ["Chevalier, Jane Q.", "Berg, Jane Q.", "Adler, Jane Q."]
    agreement = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "agreement")
    header.setSortIndicator(
        agreement, Qt.SortOrder.AscendingOrder
    )  # by the names shown: Denmark, France, Germany
    assert names(window) == ["Berg, Jane Q.", "Chevalier, Jane Q.", "Adler, Jane Q."]
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        agreement,
        Qt.SortOrder.AscendingOrder,
    )
    header.setSortIndicator(agreement, Qt.SortOrder.DescendingOrder)
    assert names(window) == ["Adler, Jane Q.", "Chevalier, Jane Q.", "Berg, Jane Q."]
    confirmation = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "confirmation")
    header.setSortIndicator(
        confirmation, Qt.SortOrder.AscendingOrder
    )  # not sorted by it: the arrow goes back
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        agreement,
        Qt.SortOrder.DescendingOrder,
    )
    assert "not sorted by it" in window.model.headerData(
        confirmation, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    for key in ("kind", "errors", "start", "end", "state", "updated"):
        column = next(i for i, (k, _t) in enumerate(COLUMNS) if k == key)
        header.setSortIndicator(column, Qt.SortOrder.DescendingOrder)
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
            column,
            Qt.SortOrder.DescendingOrder,
        )
        assert len(names(window)) == 3


def test_duplicate_for_a_new_assignment_and_as_an_extension(qtbot: Any, app3: Any) -> None:
    window = app3.window
    window.search.setText("adler")
    window.apply_filters()
    window.table.selectRow(0)
    window.duplicate_ext_action.trigger()
    (copy_id,) = [i for i in app3.wizards]
    wizard = app3.wizards[copy_id]
    assert wizard.session.answers["assignment.is_extension"] is True
    assert wizard.session.answers["assignment.previous_certificate_end"] == "2029-12-18"
    assert (
        wizard.session.answers["assignment.start_date"] == "2027-01-04"
    )  # the original start: the whole stay
    assert "assignment.end_date" not in wizard.session.answers
    assert wizard.current_key() == "assignment"  # it opens where the new end date goes
    wizard.close()
    window.search.setText("")
    window.apply_filters()
    assert names(window).count("Adler, Jane Q.") == 2


def test_delete_asks_and_can_be_undone(qtbot: Any, app3: Any, monkeypatch: Any) -> None:
    window = app3.window
    window.table.setFocus()
    window.table.selectRow(window.model.row_of(window.model.summary(0).id))
    doomed = window.selected()
    assert doomed is not None
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    box = window.delete_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "undo" in box.informativeText().lower()
    delete = next(b for b in box.buttons() if b.text() == "&Delete")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert window.model.row_of(doomed.id) == -1
    assert window.undo_action.isEnabled()
    window.activateWindow()  # the closed question gives the focus back, as a window manager does
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.model.row_of(doomed.id) >= 0
    restored = app3.ctx.store.get(doomed.id)
    assert restored.answers["worker.last_name"] == doomed.worker_name.split(",")[0]
    assert not window.undo_action.isEnabled()


def test_actions_follow_the_selection(qtbot: Any, app3: Any) -> None:
    window = app3.window
    window.table.clearSelection()
    window.table.setCurrentIndex(window.model.index(-1, -1))
    window._selection_changed()
    assert not window.open_action.isEnabled() and not window.transmit_action.isEnabled()
    draft = next(r for r in range(window.model.rowCount()) if window.model.summary(r).state is State.DRAFT)
    window.table.selectRow(draft)
    assert window.open_action.isEnabled() and not window.transmit_action.isEnabled()
    ready = next(r for r in range(window.model.rowCount()) if window.model.summary(r).state is State.READY)
    window.table.selectRow(ready)
    assert window.transmit_action.isEnabled() and not window.status_action.isEnabled()
    for action in window.actions():
        if action.text() and action is not window.quit_action:
            assert action.toolTip(), action.text()

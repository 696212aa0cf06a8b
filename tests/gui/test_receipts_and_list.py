"""After Transmit, as a coordinator meets it: the receipt under the list (confirmation number, when received, the
receiving service, the status) with Copy and Print, the Confirmation column, search by confirmation number or
request id, a sent request's wizard read-only with its receipt; and the list keeps its selection across refreshes
and says the total in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrinter

from app.forms import Catalog
from app.request import State
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from tests.gui.test_main_window import names, sent
from ui.request_model import COLUMNS
from ui.wizard import REVIEW_ID

pytestmark = pytest.mark.gui
NUMBER = "COC-2027-004711"


@pytest.fixture
def app(qtbot: Any, data_dir: Path, catalog: Catalog) -> Any:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    add_example(store, catalog, "de-employee", worker__last_name="Adler")
    doc = add_example(store, catalog, "fr-employee", worker__last_name="Chevalier")
    sent(store, doc.id, NUMBER)
    controller.sent_id = doc.id
    controller.window.refresh()
    yield controller
    stop_app(controller)


def column(key: str) -> int:
    return next(i for i, (k, _t) in enumerate(COLUMNS) if k == key)


def test_the_receipt_under_the_list_with_copy_and_print(qtbot: Any, app: Any, tmp_path: Path) -> None:
    window = app.window
    row = window.model.row_of(app.sent_id)
    assert window.model.index(row, column("confirmation")).data() == NUMBER
    assert window.model.index(window.model.row_of(app.sent_id) ^ 1, column("confirmation")).data() == ""
    window.table.selectRow(row)
    panel = window.receipt
    assert panel.isVisible()
    shown = dict(panel.lines)
    assert shown["Confirmation number"] == NUMBER
    assert shown["Receiving service"] == "receiver.example"
    assert shown["Status"].startswith("Sent")
    assert shown["Received"].startswith("2027-01-0")  # local time of 2027-01-02T09:30Z
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert NUMBER in copied and app.sent_id in copied and "Chevalier" not in copied
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "receipt.pdf"))
    panel.print_to(printer)
    text = "".join(page.extract_text() or "" for page in PdfReader(tmp_path / "receipt.pdf").pages)
    assert NUMBER in text and "receipt" in text.lower()
    window.table.selectRow(window.model.row_of(app.sent_id) ^ 1)  # the draft: no receipt
    assert not panel.isVisible()


def test_search_finds_a_request_by_confirmation_number_or_request_id(qtbot: Any, app: Any) -> None:
    window = app.window
    window.search.setFocus()
    qtbot.keyClicks(window.search, NUMBER)
    qtbot.waitUntil(lambda: names(window) == ["Chevalier, Jane Q."])  # once the typing pauses
    qtbot.keyClick(window.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, "Adler")
    qtbot.waitUntil(lambda: names(window) == ["Adler, Jane Q."])
    qtbot.keyClick(window.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, app.sent_id)
    qtbot.waitUntil(lambda: names(window) == ["Chevalier, Jane Q."])
    assert "confirmation number" in window.search.placeholderText()


def test_a_sent_request_opens_read_only_with_its_receipt(qtbot: Any, app: Any) -> None:
    window = app.window
    window.table.selectRow(window.model.row_of(app.sent_id))
    window.open_action.trigger()
    wizard = app.wizards[app.sent_id]
    assert wizard.read_only and "read-only" in wizard.windowTitle()
    wizard.go_to(REVIEW_ID)
    review = wizard.review_page
    assert review.receipt.isVisible() and dict(review.receipt.lines)["Confirmation number"] == NUMBER
    assert not review.transmit_button.isEnabled()


def test_the_selection_stays_across_refreshes_and_sorts(qtbot: Any, app: Any) -> None:
    window = app.window
    window.table.selectRow(window.model.row_of(app.sent_id))
    window.refresh()
    assert [s.id for s in window.selected_summaries()] == [app.sent_id]
    header = window.table.horizontalHeader()
    header.setSortIndicator(column("worker"), Qt.SortOrder.DescendingOrder)
    assert [s.id for s in window.selected_summaries()] == [app.sent_id]
    app._refresh_list()  # what a transmission or a status check does
    assert [s.id for s in window.selected_summaries()] == [app.sent_id]


def test_the_status_bar_says_the_total(qtbot: Any, app: Any, catalog: Catalog, monkeypatch: Any) -> None:
    import ui.request_model

    monkeypatch.setattr(ui.request_model, "PAGE_SIZE", 2)  # the list loads more only as it scrolls
    add_example(app.ctx.store, catalog, "it-employee")
    window = app.window
    window.model.clear()
    window.refresh()
    assert window.model.rowCount() == 2 and window.model.total == 3
    assert window.count_label.text() == "3 requests"
    assert app.ctx.store.get(app.sent_id).state is State.SENT


def test_agreement_kind_and_last_change_are_shown_whole(qtbot: Any, app: Any, catalog: Catalog) -> None:
    """Seen on xcb at 1024x640 and 1366x768: 'United Kingd…', 'Self-emplo…' in every list."""
    import datetime as dt

    from ui.request_model import short_time

    add_example(app.ctx.store, catalog, "gb-employee", worker__last_name="Sample")
    add_example(app.ctx.store, catalog, "jp-self_employed", worker__last_name="Rei")
    window = app.window
    window.refresh()
    metrics = window.table.fontMetrics()
    for key in ("agreement", "kind", "updated"):
        col = column(key)
        texts = [window.model.index(r, col).data() for r in range(window.model.rowCount())]
        assert any(t in ("United Kingdom", "Self-employed") for t in texts) or key == "updated"
        for text in texts:
            assert metrics.horizontalAdvance(text) + 8 <= window.table.columnWidth(col), (key, text)
    assert short_time("2027-01-04T09:30:00Z", today=dt.date(2027, 1, 5)) == "2027-01-04"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert short_time(now).startswith("today ")
    tip = window.model.index(0, column("updated")).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Last changed 20")

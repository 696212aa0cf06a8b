"""The request list's count of matches: a keystroke asks the first page (one row more than shown), and only when more
match does a count of its own follow it on the database thread; a count for an older query is never shown, a short
page is its own count, and paging reads every match without the count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.forms import Catalog
from app.request import RequestDoc
from app.store import Store
from tests.gui.test_main_window import sent
from ui import ops
from ui.request_model import COLUMNS, PAGE_SIZE, RequestListModel

pytestmark = pytest.mark.gui


def fill(store: Store, last_name: str, n: int) -> None:
    answers = [{"worker.first_name": f"P{i:04d}", "worker.last_name": last_name} for i in range(n)]
    store.save_many((RequestDoc("de-employee", "x", a), 0, 0) for a in answers)


def model_for(ctx: Any) -> RequestListModel:
    return RequestListModel(ctx.tasks, ctx.require_store, ctx.agreement_names)


def what_arrives(model: RequestListModel) -> list[tuple[int, int | None]]:
    """(rows shown, total) at each `loaded`, in order."""
    seen: list[tuple[int, int | None]] = []
    model.loaded.connect(lambda total: seen.append((model.rowCount(), total)))
    return seen


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The search text of every count the list asked the store for."""
    asked: list[str] = []
    count = ops.count

    def spy(store: Store, query: ops.Query) -> int:
        asked.append(query.text)
        return count(store, query)

    monkeypatch.setattr(ops, "count", spy)
    return asked


def test_the_first_page_comes_before_its_count(ctx: Any, store: Store, counts: list[str]) -> None:
    fill(store, "Smith", 250)
    model = model_for(ctx)
    seen = what_arrives(model)
    model.set_query(ops.Query(text="smi"))
    assert seen == [(PAGE_SIZE, None), (PAGE_SIZE, 250)]
    assert counts == ["smi"] and model.total == 250


@pytest.mark.parametrize("n", [0, 30, PAGE_SIZE])
def test_a_short_page_is_its_own_count(ctx: Any, store: Store, counts: list[str], n: int) -> None:
    fill(store, "Smith", n)
    fill(store, "Jones", PAGE_SIZE + 5)  # not found: the store holds more than a page
    model = model_for(ctx)
    seen = what_arrives(model)
    model.set_query(ops.Query(text="smith"))
    assert seen == [(n, n)] and model.total == n
    assert counts == []  # no count asked
    assert not model.canFetchMore()


def test_a_search_scrolls_to_all_its_matches_without_the_count(
    ctx: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paging knows from each page whether more match: it reads all 250 even if the count never came."""
    fill(store, "Smith", 250)
    fill(store, "Jones", 40)
    model = model_for(ctx)
    monkeypatch.setattr(model, "_count", lambda generation, query: None)
    model.set_query(ops.Query(text="smith"))
    assert model.total is None and model.rowCount() == PAGE_SIZE
    pages = 1
    while model.canFetchMore():
        model.fetchMore()
        pages += 1
    assert pages == -(-250 // PAGE_SIZE) and model.rowCount() == 250
    assert len({model.summary(r).id for r in range(250)}) == 250  # no row twice
    assert {model.summary(r).worker_name.split(",")[0] for r in range(250)} == {"Smith"}
    assert model.total == 250  # the last, short page said it


def test_a_count_for_an_older_query_is_never_asked_nor_shown(
    ctx: Any, store: Store, counts: list[str]
) -> None:
    """'S' then 'Sm' typed on before the count of 'S' ran: that count is skipped on the database thread, and only
    the count of 'Sm' is shown."""
    fill(store, "Smith", 150)
    fill(store, "Sanders", 60)
    model = model_for(ctx)
    seen = what_arrives(model)

    def typing_on(total: int | None) -> None:
        if model.query.text == "s":  # the first page of 'S' is shown; its count is not asked yet
            model.set_query(ops.Query(text="sm"))

    model.loaded.connect(typing_on)
    model.set_query(ops.Query(text="s"))
    assert counts == ["sm"]
    assert seen == [(PAGE_SIZE, None), (PAGE_SIZE, None), (PAGE_SIZE, 150)]
    assert model.total == 150


def test_a_count_that_ran_when_typing_went_on_is_dropped(
    ctx: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count of 'S' was running on the database thread when 'Sm' was typed: its answer is not shown."""
    fill(store, "Smith", 150)
    fill(store, "Sanders", 60)
    model = model_for(ctx)
    seen = what_arrives(model)
    count = ops.count

    def typed_meanwhile(store: Store, query: ops.Query) -> int:
        if query.text == "s":
            model.set_query(ops.Query(text="sm"))  # (tasks run inline here: 'Sm' is shown, counted and all)
        return count(store, query)

    monkeypatch.setattr(ops, "count", typed_meanwhile)
    model.set_query(ops.Query(text="s"))
    assert seen == [(PAGE_SIZE, None), (PAGE_SIZE, None), (PAGE_SIZE, 150)]
    assert model.total == 150 and model.query.text == "sm"


def test_the_status_bar_never_says_a_count_of_an_older_query(
    qtbot: Any, data_dir: Path, catalog: Catalog, store: Store
) -> None:
    """Typed quickly, with the database on its own thread: whatever arrives when, the last word is the count of
    what the box holds, and the count of 'S' never shows."""
    from ui.context import AppContext
    from ui.gui_settings import open_settings
    from ui.main_window import MainWindow
    from ui.tasks import TaskManager

    fill(store, "Smith", 150)
    fill(store, "Sanders", 60)
    tasks = TaskManager()
    window = MainWindow(AppContext(data_dir, catalog, tasks, open_settings(data_dir), store))
    qtbot.addWidget(window)
    shown: list[str] = []
    # connected after the window's own slot: the label as it was just set
    window.model.loaded.connect(lambda _total: shown.append(window.count_label.text()))
    try:
        for text in ("S", "Sm"):
            window.search.setText(text)
            window.apply_filters()
        assert tasks.wait(30)
    finally:
        tasks.shutdown()
    assert window.count_label.text() == "150 requests"
    assert "210 requests" not in shown
    assert set(shown) <= {"150 requests", f"More than {PAGE_SIZE} requests (counting…)"}


def test_a_damaged_receipt_still_shows_its_row(
    qtbot: Any, ctx: Any, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A receipt this application did not write (a crafted store): its row is listed without a number, the others
    with theirs, and the list reports nothing."""
    from tests.gui.conftest import add_example

    ids = [add_example(store, catalog, "de-employee", worker__last_name=n).id for n in ("Adler", "Berg")]
    for i, request_id in enumerate(ids):
        sent(store, request_id, f"COC-{i}")
    with store.connection() as conn:
        conn.execute("UPDATE receipts SET receipt = '[1]' WHERE request_id = ?", (ids[0],))
    reported: list[BaseException] = []
    monkeypatch.setattr(ctx.tasks, "report", reported.append)
    model = model_for(ctx)
    model.set_query(ops.Query())
    number = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "confirmation")
    shown = {model.summary(r).id: model.index(r, number).data() for r in range(model.rowCount())}
    assert shown == {ids[0]: "", ids[1]: "COC-1"}
    assert reported == [] and model.total == 2


def test_a_window_taller_than_a_page_fills_itself_and_scrolls_to_every_match(
    qtbot: Any, ctx: Any, store: Store
) -> None:
    """A search reads one page; in a window that shows more rows than a page (a maximised window on a 2560x1440
    screen shows 52), Qt's view asks for more while the last row loaded is in sight: the rows fill the window with
    no scrolling, no more is read than that, and scrolling on reaches every match."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    total = PAGE_SIZE * 4 + 7
    fill(store, "Smith", total)
    fill(store, "Jones", 20)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    table, model = window.table, window.model
    row = table.verticalHeader().defaultSectionSize()
    window.resize(1200, 400 + row * PAGE_SIZE * 3 // 2)
    window.show()
    qtbot.waitExposed(window)
    assert table.viewport().height() > row * (PAGE_SIZE + 5)  # more rows in sight than a page holds
    window.search.setText("smith")
    window.apply_filters()
    qtbot.waitUntil(lambda: model.rowCount() > PAGE_SIZE)
    QApplication.processEvents()
    bottom = table.indexAt(QPoint(5, table.viewport().height() - 2))
    assert bottom.isValid() and table.verticalScrollBar().value() == 0  # filled, and nothing scrolled
    assert model.rowCount() == 2 * PAGE_SIZE and model.canFetchMore()  # the next rows not read yet
    bar = table.verticalScrollBar()
    while model.canFetchMore():  # scrolled to the end of the rows loaded, again and again
        qtbot.waitUntil(lambda: bar.maximum() > bar.value())  # the rows read last are laid out below
        loaded = model.rowCount()
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda loaded=loaded: model.rowCount() > loaded)
    assert model.rowCount() == total == model.total
    assert len({model.summary(r).id for r in range(total)}) == total  # no row twice
    assert {model.summary(r).worker_name.split(",")[0] for r in range(total)} == {"Smith"}
    assert window.count_label.text() == f"{total} requests"


def test_the_store_benchmark_asks_the_page_the_list_asks() -> None:
    from benchmarks import bench_store

    assert bench_store.PAGE == PAGE_SIZE


def test_select_all_after_an_import_of_up_to_100_takes_it_whole(qtbot: Any, ctx: Any, store: Store) -> None:
    """An import's requests come in pages of 100 (the store reads them all for any page), so that Select all then
    Transmit all ready takes an import of 80 whole, as it did before search pages were cut to 50."""
    from ui.main_window import MainWindow
    from ui.request_model import IMPORT_PAGE_SIZE

    fill(store, "Smith", 80)
    ids = [s.id for s in store.list(text="smith")]
    fill(store, "Jones", 10)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show_ids(ids, "80 requests imported")
    window.table.selectAll()
    assert PAGE_SIZE < len(ids) <= IMPORT_PAGE_SIZE
    assert sorted(s.id for s in window.selected_summaries()) == sorted(ids)

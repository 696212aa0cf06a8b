"""The request list model: Qt's model rules (qtmodeltester), paging with fetchMore, sorting both ways, search."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.forms import Catalog
from app.request import RequestDoc
from app.store import ListOrder, Store
from tests.gui.conftest import add_example
from ui import ops
from ui.request_model import COLUMNS, PAGE_SIZE, RequestListModel

pytestmark = pytest.mark.gui


def fill(store: Store, n: int) -> None:
    for i in range(n):
        doc = RequestDoc(
            "de-employee", "x", {"worker.first_name": f"Person{i:04d}", "worker.last_name": f"Zed{i:04d}"}
        )
        store.save(doc, error_count=i % 3)


def model_for(ctx: Any) -> RequestListModel:
    return RequestListModel(ctx.tasks, ctx.require_store, ctx.agreement_names)


def test_the_model_passes_qtmodeltester(qtmodeltester: Any, ctx: Any, store: Store, catalog: Catalog) -> None:
    add_example(store, catalog, "de-employee")
    add_example(store, catalog, "dk-employee", worker__ssn="000-12-3456")
    add_example(store, catalog, "fr-employee", worker__first_name=None, worker__last_name=None)
    model = model_for(ctx)
    model.set_query(ops.Query())
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)


def test_paging_loads_a_page_at_a_time(qtmodeltester: Any, ctx: Any, store: Store) -> None:
    fill(store, PAGE_SIZE * 2 + 17)
    model = model_for(ctx)
    model.set_query(ops.Query())
    assert model.total == PAGE_SIZE * 2 + 17
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == model.total
    assert not model.canFetchMore()
    assert len({model.summary(r).id for r in range(model.rowCount())}) == model.total  # no row twice
    qtmodeltester.check(model, force_py=True)


def test_a_new_query_reads_one_page_and_a_refresh_keeps_what_was_loaded(ctx: Any, store: Store) -> None:
    """Typing in the search box after scrolling far asks the store for one page, not for as many rows as the
    previous list had loaded; a refresh of the same list (after a save) keeps the rows loaded, so the view stays."""
    fill(store, PAGE_SIZE * 3)
    model = model_for(ctx)
    model.set_query(ops.Query())
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE_SIZE * 3
    model.refresh()
    assert model.rowCount() == PAGE_SIZE * 3
    model.set_query(ops.Query(text="zed"))
    assert (model.total, model.rowCount()) == (PAGE_SIZE * 3, PAGE_SIZE)


def test_sorting_both_ways_reads_the_store_order_from_either_end(ctx: Any, store: Store) -> None:
    fill(store, PAGE_SIZE + 30)
    model = model_for(ctx)
    model.set_query(ops.Query())
    worker = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "worker")
    model.sort(worker, Qt.SortOrder.AscendingOrder)
    model.fetchMore()
    ascending = [model.summary(r).worker_name for r in range(model.rowCount())]
    model.sort(worker, Qt.SortOrder.DescendingOrder)
    assert model.query.order is ListOrder.WORKER and model.query.reverse
    model.fetchMore()
    descending = [model.summary(r).worker_name for r in range(model.rowCount())]
    assert ascending == sorted(ascending, key=str.casefold)
    assert descending == list(reversed(ascending))
    assert model.sort_column() == (worker, Qt.SortOrder.DescendingOrder)


def test_search_and_filters_narrow_the_list(ctx: Any, store: Store, catalog: Catalog) -> None:
    add_example(store, catalog, "de-employee", worker__last_name="Müller")
    add_example(store, catalog, "dk-employee", worker__last_name="Jensen", worker__ssn="000-12-3456")
    model = model_for(ctx)
    model.set_query(ops.Query(text="muller"))
    assert [model.summary(r).worker_name for r in range(model.rowCount())] == ["Müller, Jane Q."]
    model.set_query(ops.Query(agreement="dk"))
    assert model.rowCount() == 1
    model.set_query(ops.Query(state="draft"))
    assert [model.summary(0).agreement] == ["dk"]
    errors = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "errors")
    assert model.index(0, errors).data() == "1"


def test_clear_forgets_every_row(ctx: Any, store: Store, catalog: Catalog) -> None:
    add_example(store, catalog, "de-employee")
    model = model_for(ctx)
    model.set_query(ops.Query())
    model.clear()
    assert model.rowCount() == 0
    assert not model.canFetchMore()
    assert model.worker_names() == []

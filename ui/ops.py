"""The store operations the windows ask for, each run on the database thread by `ui.tasks` (Anki's "ops").

Plain functions over an open `Store`: they never touch a widget, and they keep the rules in the core (the error
count comes from `app.store.service`, which validates with the form engine).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from app.forms.loader import Catalog
from app.request import RequestDoc
from app.store import DuplicateMode, ListOrder, RequestSummary, Store
from app.store.service import counter, issue_counts
from app.store.service import duplicate as duplicate_saved

PAGE_SETTING = "ui.page."


def page_setting(request_id: str) -> str:
    return PAGE_SETTING + request_id


@dataclass(frozen=True)
class Query:
    """What the request list shows: filters, and a sort (a store order, possibly read backwards)."""

    text: str = ""
    state: str | None = None
    agreement: str | None = None
    ending_within_days: int | None = None
    order: ListOrder = ListOrder.RECENT
    reverse: bool = False
    ids: tuple[str, ...] = ()  # only these requests (what a roster import made), in this order


@dataclass(frozen=True)
class Page:
    total: int
    offset: int
    rows: list[RequestSummary]


def list_page(store: Store, query: Query, offset: int, limit: int, total: int | None = None) -> Page:
    """Rows `offset` to `offset + limit` of the list; a reversed sort is the store's order reversed (an index
    walked backwards: as fast)."""
    filters = {
        "state": query.state,
        "agreement": query.agreement,
        "text": query.text or None,
        "ending_within_days": query.ending_within_days,
    }
    if query.ids:
        rows = [summary for summary in (_summary_or_none(store, i) for i in query.ids) if summary is not None]
        return Page(len(rows), offset, rows[offset : offset + limit])
    if total is None:
        total = store.count(**filters)
    rows = store.list(**filters, order_by=query.order, reverse=query.reverse, limit=limit, offset=offset)
    return Page(total, offset, rows)


def _summary_or_none(store: Store, request_id: str) -> RequestSummary | None:
    from app.store import RequestNotFound

    try:
        return store.summary(request_id)
    except RequestNotFound:  # deleted since
        return None


def save_request(store: Store, doc: RequestDoc, catalog: Catalog) -> RequestDoc:
    """Judge and save a copy of `doc` (a new revision); returns the copy with its stored state and time."""
    snapshot = RequestDoc(doc.form, doc.edition, copy.deepcopy(doc.answers), doc.id, doc.created, doc.updated)
    snapshot.state = doc.state
    errors, warnings = issue_counts(snapshot, catalog)
    store.save(snapshot, error_count=errors, warning_count=warnings)
    return snapshot


def load_request(store: Store, request_id: str) -> tuple[RequestDoc, str | None]:
    """The request and the page it was left on."""
    return store.get(request_id), store.get_setting(page_setting(request_id))


def remember_page(store: Store, request_id: str, page: str) -> None:
    store.set_setting(page_setting(request_id), page)


def delete_request(store: Store, request_id: str) -> RequestDoc:
    """Delete a request and its page setting; returns the document so that the deletion can be undone."""
    doc = store.get(request_id)
    store.delete(request_id)
    store.delete_setting(page_setting(request_id))
    return doc


def restore_request(store: Store, doc: RequestDoc, catalog: Catalog) -> RequestDoc:
    """Undo a deletion: save the kept document again under its id (its history starts anew)."""
    return save_request(store, doc, catalog)


def duplicate_request(store: Store, request_id: str, mode: DuplicateMode, catalog: Catalog) -> RequestDoc:
    return duplicate_saved(store, request_id, mode, validator=counter(catalog))


def across_warnings(store: Store, catalog: Catalog, ids: list[str]) -> dict[str, list[str]]:
    """For the request list's indicator: the messages of the verdict's issues across requests (overlapping
    periods, extensions, running certificates) of those of `ids` that have any. Only requests whose worker has
    another request are judged (one query finds them)."""
    from app.forms import Context, verdict
    from app.forms.across import codes

    out: dict[str, list[str]] = {}
    from app.store import RequestNotFound

    for request_id in sorted(store.sharing_a_worker(ids)):
        try:
            doc = store.get(request_id)
        except RequestNotFound:  # deleted meanwhile
            continue
        judged = verdict(doc, catalog, Context(others=store.worker_requests(doc)))
        across = codes(judged.spec) if judged.spec is not None else frozenset()
        found = [i.message for i in judged.issues if i.code in across]
        if found:
            out[request_id] = found
    return out


def worker_requests(store: Store, doc: RequestDoc) -> list[RequestDoc]:
    """The worker's other requests (any agreement, not rejected): what the verdict compares `doc` with."""
    return store.worker_requests(doc)


def new_request(store: Store, form: str, edition: str) -> RequestDoc:
    """A new, unsaved request pre-filled with the employer profile."""
    return store.new_request(form, edition)

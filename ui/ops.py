"""The store operations the windows ask for, each run on the database thread by `ui.tasks` (Anki's "ops").

Plain functions over an open `Store`: they never touch a widget, and they keep the rules in the core (the error
count comes from `app.store.service`, which validates with the form engine).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.request import RequestDoc, State
from app.store import DuplicateMode, ListOrder, RequestSummary, Store
from app.store.service import counter, issue_counts
from app.store.service import duplicate as duplicate_saved

if TYPE_CHECKING:
    from app.forms.loader import Catalog

PAGE_SETTING = "ui.page."


def page_setting(request_id: str) -> str:
    return PAGE_SETTING + request_id


# The certificates that run (the "ending within" view): sent and approved requests; drafts only when asked.
CERTIFICATES = (State.SENT.value, State.APPROVED.value)
DRAFTS = (State.DRAFT.value, State.READY.value, State.QUEUED.value)
WITH_RECEIPT = frozenset({State.SENT, State.APPROVED, State.REJECTED})


@dataclass(frozen=True)
class Query:
    """What the request list shows: filters, and a sort (a store order, possibly read backwards).

    `agreements_by_name`: sort by agreement, in the order of their names (the store keeps agreement ids, whose
    order is not the names': "at" Austria comes before "au" Australia)."""

    text: str = ""
    state: str | None = None
    agreement: str | None = None
    ending_within_days: int | None = None
    with_drafts: bool = False  # with `ending_within_days`: drafts too, not only certificates
    order: ListOrder = ListOrder.RECENT
    reverse: bool = False
    agreements_by_name: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # only these requests (what a roster import made), in this order

    def states(self) -> str | tuple[str, ...] | None:
        if self.ending_within_days is None:
            return self.state
        shown = CERTIFICATES + (DRAFTS if self.with_drafts else ())
        return tuple(s for s in shown if self.state in (None, s))


@dataclass(frozen=True)
class Page:
    """Rows of the list from `offset`. `total`: how many requests match, or None when more match than this page
    reaches and they were not counted (the list asks `count` apart, after showing the page)."""

    total: int | None
    offset: int
    rows: list[RequestSummary]  # each sent one with its confirmation number (`RequestSummary.confirmation`)

    @property
    def more(self) -> bool:
        """Whether requests match beyond this page."""
        return self.total is None or self.offset + len(self.rows) < self.total


def list_page(store: Store, query: Query, offset: int, limit: int) -> Page:
    """Rows `offset` to `offset + limit` of the list (a sent one with its confirmation number); a reversed
    sort is the store's order reversed (an index walked backwards: as fast). The rows are read as `limit + 1`, so
    that whether more match is known without counting them: a short page gives the exact total at no cost, a full
    one leaves it to `count`, whose cost grows with the matches (every "S" among 100,000 requests), not the page's."""
    filters = _filters(query)
    if query.ids:
        rows = [summary for summary in (_summary_or_none(store, i) for i in query.ids) if summary is not None]
        total: int | None = len(rows)
        rows = rows[offset : offset + limit]
    elif query.agreements_by_name and query.agreement is None:
        total, rows = _by_agreement(store, filters, query, offset, limit)
    else:
        rows = store.list(
            **filters, order_by=query.order, reverse=query.reverse, limit=limit + 1, offset=offset
        )
        total = offset + len(rows) if len(rows) <= limit else None
        del rows[limit:]
    return Page(total, offset, rows)


@dataclass(frozen=True)
class FirstPage:
    """The list's first page read on the database thread right after the store opened, for the query a window
    starts with when nothing is filtered or sorted (`Query()`): the window uses it when its query is that one, and
    reads its own otherwise. Reading it there, while the window is being built, takes it off the way to the list."""

    query: Query
    page: Page


def first_page(store: Store, limit: int) -> FirstPage | None:
    """`FirstPage` of `store` (None when it cannot be read: the window reads again, and says why)."""
    from app.store import StoreError

    query = Query()
    try:
        return FirstPage(query, list_page(store, query, 0, limit))
    except StoreError:
        return None


def count(store: Store, query: Query) -> int:
    """How many requests match `query`: what a full first page leaves to count (a page of given ids, or sorted by
    agreement name, carries its total already)."""
    ready = query.ids or (query.agreements_by_name and query.agreement is None)
    total = list_page(store, query, 0, 0).total if ready else None
    return total if total is not None else store.count(**_filters(query))


def _filters(query: Query) -> dict[str, Any]:
    return {
        "state": query.states(),
        "agreement": query.agreement,
        "text": query.text or None,
        "ending_within_days": query.ending_within_days,
    }


def _by_agreement(
    store: Store, filters: dict[str, Any], query: Query, offset: int, limit: int
) -> tuple[int, list[RequestSummary]]:
    """Sorted by agreement name: each agreement's requests in turn (latest change first within one), every group
    read from the store's agreement index; a page may span groups."""
    order = list(reversed(query.agreements_by_name)) if query.reverse else list(query.agreements_by_name)
    counts = [(a, store.count(**{**filters, "agreement": a})) for a in order]
    total = sum(n for _a, n in counts)
    rows: list[RequestSummary] = []
    skip = offset
    for agreement, n in counts:
        if len(rows) >= limit:
            break
        if skip >= n:
            skip -= n
            continue
        rows.extend(
            store.list(
                **{**filters, "agreement": agreement},
                order_by=ListOrder.RECENT,
                limit=limit - len(rows),
                offset=skip,
            )
        )
        skip = 0
    return total, rows


def _summary_or_none(store: Store, request_id: str) -> RequestSummary | None:
    from app.store import RequestNotFound

    try:
        return store.summary(request_id)
    except RequestNotFound:  # deleted since
        return None


@dataclass
class Base:
    """The revision a window's copy of a request was read at, advanced by each of its saves. Only the database
    thread reads and writes it (a window's saves run there one after the other), so a save queued behind another
    is checked against the revision the first one made."""

    revision: int | None


def save_request(store: Store, doc: RequestDoc, catalog: Catalog, base: Base | None = None) -> RequestDoc:
    """Judge and save a copy of `doc` (a new revision) made from `base` (else from `doc.revision`); returns the
    copy with its stored state, time and revision. `RevisionConflict` when the request changed meanwhile."""
    snapshot = RequestDoc(doc.form, doc.edition, copy.deepcopy(doc.answers), doc.id, doc.created, doc.updated)
    snapshot.state = doc.state
    snapshot.revision = base.revision if base is not None else doc.revision
    errors, warnings = issue_counts(snapshot, catalog)
    store.save(snapshot, error_count=errors, warning_count=warnings)
    if base is not None:
        base.revision = snapshot.revision
    return snapshot


def stored_version(store: Store, request_id: str) -> RequestDoc | None:
    """The request as stored now (None when it was deleted): what a conflicting save is shown against."""
    from app.store import RequestNotFound

    try:
        return store.get(request_id)
    except RequestNotFound:
        return None


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
    return save_request(store, doc, catalog, Base(None))


DUPLICATE_OPENS_ON = "assignment"  # a duplicate's dates are what is left to change


def duplicate_request(store: Store, request_id: str, mode: DuplicateMode, catalog: Catalog) -> RequestDoc:
    """A saved duplicate for a new assignment or an extension, left to open on its assignment page."""
    doc = duplicate_saved(store, request_id, mode, validator=counter(catalog))
    remember_page(store, doc.id, DUPLICATE_OPENS_ON)
    return doc


def receipt(store: Store, request_id: str) -> tuple[State, dict[str, Any] | None]:
    """A request's state and its receipt (None before it was sent)."""
    state = store.summary(request_id).state
    return state, store.receipt(request_id) if state in WITH_RECEIPT else None


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

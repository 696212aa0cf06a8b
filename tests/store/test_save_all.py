"""`drafts.save_all` (a roster import's save) writes exactly what one `drafts.save` per document writes: the same
request rows, revisions, audit entries and outbox, the same refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.request import RequestDoc, State
from app.store import Store, drafts
from app.store.errors import InvalidValue, RevisionConflict
from app.store.keys import random_key
from tests.store.helpers import make_doc

NOW = "2026-12-01T10:00:00Z"
BEFORE = "2026-12-01T09:00:00Z"  # when the existing requests were saved
TABLES = {
    "requests": "SELECT * FROM requests ORDER BY seq",
    "revisions": "SELECT * FROM revisions ORDER BY seq",
    "audit": "SELECT request_id, at, event, detail FROM audit ORDER BY seq",
    "outbox": "SELECT request_id FROM outbox ORDER BY request_id",
    "search": "SELECT rowid, search_name FROM search WHERE search MATCH 'ann' ORDER BY rowid",
}


def _store(folder: Path, existing: list[RequestDoc]) -> Store:
    """A store holding `existing`: the first queued, the second saved 50 times (its next save prunes). Its clock
    is fixed: two stores made a second apart on a busy machine must still hold the same rows."""
    store = Store.create(folder, key=random_key(), now=lambda: BEFORE)
    for i, doc in enumerate(existing):
        copy = RequestDoc.from_dict(doc.to_dict())
        store.save(copy, error_count=0)
        if i == 1:
            for _ in range(49):
                store.save(copy, error_count=0)
    store.enqueue(existing[0].id, "{}", "key-1")
    return store


def _dump(store: Store) -> dict[str, list[Any]]:
    with store.connection() as conn:
        return {name: [tuple(r) for r in conn.execute(sql)] for name, sql in TABLES.items()}


def _items(existing: list[RequestDoc], new: int) -> list[drafts.SaveItem]:
    updated = [
        RequestDoc.from_dict({**d.to_dict(), "answers": {**d.answers, "worker.middle_name": "Q"}})
        for d in existing
    ]
    revisions = [1, 50, *[1] * (len(existing) - 2)]
    items: list[drafts.SaveItem] = [(d, 0, 1, r) for d, r in zip(updated, revisions, strict=True)]
    for i in range(new):  # more than one chunk
        items.append((make_doc(worker__first_name="Ann", worker__last_name=f"Lee{i}"), i % 3, 0, None))
    return items


def _both_ways(
    folder: Path, existing: list[RequestDoc], items: list[drafts.SaveItem]
) -> tuple[list[tuple[int, State]], list[tuple[int, State]], dict[str, list[Any]], dict[str, list[Any]]]:
    """`items` saved with one `save` each into a store holding `existing`, and with `save_all` into another: (what
    each returned, each store's rows), once the name index of both passed FTS5's own integrity check."""
    from app.store import search

    one, many = _store(folder / "one", existing), _store(folder / "many", existing)
    try:
        with one._writing() as conn:
            singly = [drafts.save(conn, d, e, w, NOW, base_revision=b) for d, e, w, b in items]
        with many._writing() as conn:
            together = drafts.save_all(conn, items, NOW)
        for store in (one, many):
            with store.connection() as conn:
                search.check(conn)
        return singly, together, _dump(one), _dump(many)
    finally:
        one.close()
        many.close()


def test_save_all_writes_what_a_save_per_document_writes(tmp_path: Path) -> None:
    existing = [make_doc(worker__first_name="Ann", worker__last_name=n) for n in ("Queued", "Long", "Plain")]
    singly, together, one, many = _both_ways(tmp_path, existing, _items(existing, drafts.SAVE_CHUNK + 20))
    assert together == singly
    assert together[0] == (2, State.READY) and together[1] == (51, State.READY)
    assert many == one
    assert many["outbox"] == []  # the edited queued request left the outbox


def test_rows_written_many_to_a_statement_are_those_of_a_save_each(tmp_path: Path) -> None:
    """Updates and inserts spanning several statements of `ROWS_PER_STATEMENT` rows (a partial last one too): the
    same rows, and a name index that agrees with them."""
    extra = drafts.ROWS_PER_STATEMENT + 7
    names = ("Queued", "Long", "Plain", *(f"Extra{i}" for i in range(extra)))
    existing = [make_doc(worker__first_name="Ann", worker__last_name=n) for n in names]
    items = _items(existing, 2 * drafts.ROWS_PER_STATEMENT + 3)
    singly, together, one, many = _both_ways(tmp_path, existing, items)
    assert together == singly
    assert many == one and len(many["search"]) == len(items)


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        (lambda d: (d, -1, 0, None), InvalidValue),
        (lambda d: (d, 0, 0, 7), RevisionConflict),
    ],
)
def test_save_all_refuses_what_save_refuses_and_writes_nothing(
    tmp_path: Path, broken: Any, error: type[Exception]
) -> None:
    with Store.create(tmp_path / "s", key=random_key()) as store:
        before = _dump(store)
        items = [(make_doc(), 0, 0, None), broken(make_doc()), (make_doc(), 0, 0, None)]
        with pytest.raises(error), store._writing() as conn:
            drafts.save_all(conn, items, NOW)
        assert _dump(store) == before

"""A stale copy never wins: every save carries the revision its copy was read at, and the store refuses a save
made from any other (changed, deleted or added elsewhere meanwhile) with nothing written."""

from __future__ import annotations

import pytest

from app.store import RequestNotFound, RevisionConflict, Store
from tests.store.helpers import make_doc


def test_get_says_which_revision_was_read_and_save_advances_it(store: Store) -> None:
    doc = make_doc()
    assert doc.revision is None
    assert store.save(doc, error_count=0) == 1 and doc.revision == 1
    assert store.save(doc, error_count=0) == 2 and doc.revision == 2  # the same copy goes on saving
    assert store.get(doc.id).revision == 2 and store.revision_of(doc.id) == 2
    assert store.revision_of("no-such-id") is None


def test_a_save_from_an_older_revision_is_refused_and_changes_nothing(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    mine, theirs = store.get(doc.id), store.get(doc.id)
    theirs.answers["worker.ssn"] = "123-45-6780"
    store.save(theirs, error_count=0)
    mine.answers["worker.first_name"] = "Janet"
    with pytest.raises(RevisionConflict) as caught:
        store.save(mine, error_count=0)
    assert (caught.value.base, caught.value.current) == (1, 2) and caught.value.exit_code == 5
    assert "changed elsewhere" in caught.value.message and "nothing was saved" in caught.value.message
    now = store.get(doc.id)
    assert now.answers["worker.ssn"] == "123-45-6780" and now.answers["worker.first_name"] == "Jane"
    assert [r.rev for r in store.history(doc.id)] == [1, 2] and mine.revision == 1
    # keeping this version is an explicit choice: saved on top, theirs in the history
    mine.revision = now.revision
    store.save(mine, error_count=0)
    assert store.get(doc.id).answers["worker.first_name"] == "Janet"
    assert store.revision(doc.id, 2).answers["worker.ssn"] == "123-45-6780"


def test_a_new_copy_of_a_stored_request_and_a_deleted_one_are_refused(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    copy = make_doc()
    copy.id = doc.id  # a file with the same id: not read from the store
    with pytest.raises(RevisionConflict, match="already in the store"):
        store.save(copy, error_count=0)
    read = store.get(doc.id)
    store.delete(doc.id)
    with pytest.raises(RevisionConflict, match="deleted elsewhere"):
        store.save(read, error_count=0)
    with pytest.raises(RequestNotFound):
        store.get(doc.id)


def test_a_stale_copy_in_a_bulk_save_saves_none(store: Store) -> None:
    first, second = make_doc(), make_doc()
    store.save_many([(first, 0, 0), (second, 0, 0)])
    stale = store.get(second.id)
    store.save(store.get(second.id), error_count=1)
    fresh = make_doc()
    with pytest.raises(RevisionConflict):
        store.save_many([(fresh, 0, 0), (stale, 0, 0)])
    with pytest.raises(RequestNotFound):
        store.get(fresh.id)  # all or none
    assert store.summary(second.id).error_count == 1

"""The store's side of a roster import: references found by an index over the documents (also those typed in the
wizard, and in a store made before the index existed), batches saved against the revisions read."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.request import RequestDoc
from app.store import Store
from app.store.batches import BatchConflict, BatchItem
from app.store.keys import random_key
from tests.store.helpers import as_schema_version


def doc(ref: str | None, **answers: object) -> RequestDoc:
    values = {"worker.first_name": "Ann", **answers}
    if ref is not None:
        values["request.external_ref"] = ref
    return RequestDoc(form="de-employee", edition="2026-11-29", answers=values)


def test_a_store_made_before_the_index_finds_references_after_migrating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = random_key()
    with Store.create(tmp_path / "old", key=key) as old:
        typed = doc("HR-7")
        old.save(typed, error_count=3)
    as_schema_version(tmp_path / "old" / "store.db", key, 1)
    with Store.open(tmp_path / "old", key=key) as store:
        found = store.find_external_refs(["HR-7", "HR-8"])
        assert (
            list(found) == ["HR-7"]
            and found["HR-7"].request_id == typed.id
            and found["HR-7"].error_count == 3
        )
        with store.connection() as conn:
            plan = " ".join(
                str(r[-1])
                for r in conn.execute(
                    "EXPLAIN QUERY PLAN SELECT r.id FROM revisions v JOIN requests r ON r.id = v.request_id "
                    "AND r.revision = v.rev WHERE json_extract(v.doc, '$.answers.\"request.external_ref\"') = ?",
                    ("HR-7",),
                )
            )
        assert "revisions_by_external_ref" in plan


def test_only_the_current_revision_counts(tmp_path: Path) -> None:
    with Store.create(tmp_path / "s", key=random_key()) as store:
        d = doc("OLD")
        store.save(d, error_count=1)
        d.answers["request.external_ref"] = "NEW"
        store.save(d, error_count=1)
        assert list(store.find_external_refs(["OLD", "NEW"])) == ["NEW"]


def test_a_batch_is_all_or_nothing(tmp_path: Path) -> None:
    with Store.create(tmp_path / "s", key=random_key()) as store:
        existing = doc("A")
        store.save(existing, error_count=1)
        fresh = doc("B")
        # claims to be new, but its id is taken
        stale = BatchItem(doc("A", **{"worker.last_name": "X"}), 1, 0, None)
        stale.doc.id = existing.id
        with pytest.raises(BatchConflict):
            store.save_batch([BatchItem(fresh, 1, 0, None), stale])
        assert store.count() == 1 and store.last_batch() is None

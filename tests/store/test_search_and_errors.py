"""Property tests of the name search, and the mapping of SQLite errors to messages with a way forward."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import (
    DamagedStore,
    DiskFull,
    ReadOnlyStore,
    Store,
    StoreBusy,
    StoreError,
    StoreUnreadable,
    WrongPassphrase,
)
from app.store.columns import fold
from app.store.connection import translate
from app.store.keys import random_key
from tests.store.helpers import PASSPHRASE, make_doc

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


def test_every_word_of_a_name_finds_it() -> None:
    with tempfile.TemporaryDirectory() as folder, Store.create(folder, key=random_key()) as store:

        @settings(max_examples=150, deadline=None)
        @given(first=names, last=names)
        def check(first: str, last: str) -> None:
            doc = make_doc(**{"worker.first_name": first, "worker.last_name": last, "worker.middle_name": ""})
            store.save(doc, error_count=0)
            for word in fold(
                store.summary(doc.id).worker_name
            ).split():  # "Last, First" (no comma without both)
                assert doc.id in {r.id for r in store.list(text=word)}, word
            assert doc.id in {r.id for r in store.list(text=f"{first} {last}")}
            store.delete(doc.id)

        check()


def test_search_text_is_never_sql() -> None:
    with tempfile.TemporaryDirectory() as folder, Store.create(folder, key=random_key()) as store:
        store.save(make_doc(), error_count=0)

        @settings(max_examples=150, deadline=None)
        @given(text=st.text(max_size=40))
        def check(text: str) -> None:
            rows = store.list(text=text)
            assert store.count(text=text) == len(rows) <= 1

        check()
        assert store.count() == 1


class FakeSqliteError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__("x")
        self.sqlite_errorcode = code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (26, WrongPassphrase),
        (11, DamagedStore),
        (5, StoreBusy),
        (517, StoreBusy),  # SQLITE_BUSY_SNAPSHOT: extended codes map by their low byte
        (6, StoreBusy),
        (13, DiskFull),
        (8, ReadOnlyStore),
        (14, StoreUnreadable),  # an existing file SQLite cannot open: never 'run coc store init'
        (10, StoreError),
        (522, StoreError),  # SQLITE_IOERR_SHORT_READ
    ],
)
def test_environment_errors_become_messages_with_a_way_forward(code: int, expected: type[StoreError]) -> None:
    mapped = translate(FakeSqliteError(code))
    assert isinstance(mapped, expected)
    assert mapped.message and mapped.hint and "\n" not in mapped.user_text
    assert "store init" not in mapped.user_text


@pytest.mark.parametrize("code", [1, 19, 20, 21, 25])  # SQL error, constraint, mismatch, misuse, range: bugs
def test_bugs_are_not_disguised_as_environment_errors(code: int) -> None:
    assert translate(FakeSqliteError(code)) is None
    assert translate(ValueError("x")) is None


def test_orders_by_kind_and_by_errors(tmp_path: Path) -> None:
    from app.store import ListOrder

    with Store.create(tmp_path / "s", PASSPHRASE) as store:
        a = make_doc(form="de-self_employed")
        b = make_doc()
        c = make_doc()
        store.save(a, error_count=0)
        store.save(b, error_count=3)
        store.save(c, error_count=1)
        assert [r.id for r in store.list(order_by=ListOrder.ERRORS)] == [b.id, c.id, a.id]
        assert [r.kind for r in store.list(order_by=ListOrder.KIND)] == [
            "employee",
            "employee",
            "self_employed",
        ]


def test_every_order_reversed_is_its_exact_opposite_and_walks_an_index(tmp_path: Path) -> None:
    """The list's column sorts in both directions: the reversed list is the mirror image, and neither direction
    sorts the requests (an index walked forwards or backwards), so the first page costs the same at any size."""
    from app.store import ListOrder
    from app.store.drafts import ORDER_SQL, SUMMARY_COLUMNS, reversed_order

    with Store.create(tmp_path / "s", key=random_key()) as store:
        for i, (first, end, errors, form) in enumerate(
            [
                ("Ann", "2029-01-01", 0, "de-employee"),
                ("Bob", None, 2, "fr-self_employed"),
                ("Cy", "2028-05-05", 1, "de-employee"),
                ("Ann", "2029-01-01", 0, "jp-employee"),
                ("Di", None, 0, "de-employee"),
            ]
        ):
            doc = make_doc(
                form=form,
                **{"worker.first_name": first, "assignment.end_date": end, "worker.last_name": f"L{i % 2}"},
            )
            store.save(doc, error_count=errors)
        for order in ListOrder:
            forward = [r.id for r in store.list(order_by=order)]
            assert [r.id for r in store.list(order_by=order, reverse=True)] == forward[::-1], order
            assert [r.id for r in store.list(order_by=order, reverse=True, limit=2, offset=1)] == forward[
                ::-1
            ][1:3]
            with store.connection() as conn:
                for sql in (ORDER_SQL[order], reversed_order(ORDER_SQL[order])):
                    plan = conn.execute(
                        f"EXPLAIN QUERY PLAN SELECT {SUMMARY_COLUMNS} FROM requests ORDER BY {sql} LIMIT 200"
                    ).fetchall()
                    assert not any("TEMP B-TREE" in str(row) for row in plan), (order, sql, plan)

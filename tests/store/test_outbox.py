"""The outbox and receipts: payload and key frozen at queueing, one transaction per transition."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.request import RequestDoc, State
from app.store import DamagedStore, InvalidTransition, InvalidValue, RequestNotFound, Store
from app.store import audit as audit_module
from tests.store.helpers import PASSPHRASE, make_doc


def _ready(store: Store) -> str:
    doc = make_doc()
    store.save(doc, error_count=0)
    return doc.id


def test_enqueue_freezes_payload_and_key_and_marks_queued(store: Store) -> None:
    rid = _ready(store)
    payload = json.dumps({"request": rid, "answers": {"a": 1}})
    item = store.enqueue(rid, payload, rid)
    assert store.get(rid).state is State.QUEUED
    (listed,) = store.outbox()
    assert listed == item == store.outbox_item(rid)
    assert listed.payload == payload
    assert listed.payload_sha256 == hashlib.sha256(payload.encode()).hexdigest()
    assert (listed.idempotency_key, listed.attempts, listed.last_error) == (rid, 0, None)
    assert [e.event for e in store.audit(rid)] == ["created", "queued"]


def test_only_a_ready_request_can_be_queued(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=2)
    with pytest.raises(InvalidTransition):
        store.enqueue(doc.id, "{}", doc.id)
    rid = _ready(store)
    store.enqueue(rid, "{}", rid)
    with pytest.raises(InvalidTransition):
        store.enqueue(rid, "{}", rid)  # already queued
    with pytest.raises(RequestNotFound):
        store.enqueue("0d1c7c0e-0000-4000-8000-000000000000", "{}", "k")
    assert len(store.outbox()) == 1


def test_enqueue_checks_payload_and_key(store: Store) -> None:
    rid = _ready(store)
    for payload, key in (("not json", rid), ("{}", ""), ("{}", "has space"), ("{}", "x" * 256), ("{}", "é")):
        with pytest.raises(InvalidValue):
            store.enqueue(rid, payload, key)
    assert store.get(rid).state is State.READY
    assert store.outbox() == []


def test_record_attempt_keeps_error_and_next_try(store: Store) -> None:
    rid = _ready(store)
    store.enqueue(rid, "{}", rid)
    assert store.record_attempt(rid, "connection refused", "2030-01-01T00:00:10Z") == 1
    assert store.record_attempt(rid, "HTTP 503", "2030-01-01T00:01:00Z") == 2
    (item,) = store.outbox()
    assert (item.attempts, item.last_error, item.next_try) == (2, "HTTP 503", "2030-01-01T00:01:00Z")
    assert item.payload == "{}" and item.idempotency_key == rid  # unchanged by retries
    assert store.outbox(due_at="2030-01-01T00:00:59Z") == []
    assert store.outbox(due_at="2030-01-01T00:01:00Z") == [item]
    assert [e.detail for e in store.audit(rid) if e.event == "send_failed"] == ["attempt=1", "attempt=2"]


def test_mark_sent_stores_receipt_and_leaves_the_outbox(store: Store) -> None:
    rid = _ready(store)
    store.enqueue(rid, "{}", "key-1")
    receipt = {"confirmation": "CoC-2027-000123", "received": "2027-01-01T10:00:00Z"}
    store.mark_sent(rid, receipt)
    assert store.get(rid).state is State.SENT
    assert store.outbox() == []
    assert store.receipt(rid) == receipt
    with store.connection() as conn:
        assert conn.execute("SELECT idempotency_key FROM receipts").fetchone()[0] == "key-1"
    with pytest.raises(InvalidTransition):
        store.mark_sent(rid, receipt)
    with pytest.raises(InvalidTransition):
        store.record_attempt(rid, "x", "2030-01-01T00:00:00Z")
    assert store.receipt(_ready(store)) is None


def test_mark_sent_many_stores_each_receipt_or_says_why_not(store: Store) -> None:
    """Several receipts in one transaction: each stored as `mark_sent` would, except those `mark_sent` would
    refuse, which are left out alone with their reason (and nothing of them written)."""
    sent, edited, bad, other = (_ready(store) for _ in range(4))
    for rid in (sent, edited, bad, other):
        store.enqueue(rid, "{}", rid)
    store.save(store.get(edited), error_count=0)  # edited meanwhile: out of the outbox
    missing = "0d1c7c0e-0000-4000-8000-000000000000"
    outcomes = store.mark_sent_many(
        [
            (sent, {"confirmation": "COC-ABCD-EFGH"}),
            (edited, {"confirmation": "COC-BCDE-FGHJ"}),
            (bad, {"when": object()}),
            (missing, {"confirmation": "COC-CDEF-GHJK"}),
            (other, {"confirmation": "COC-DEFG-HJKM"}),
        ]
    )
    assert [type(o) if o is not None else None for o in outcomes] == [
        None,
        InvalidTransition,
        InvalidValue,
        RequestNotFound,
        None,
    ]
    assert store.receipt(sent) == {"confirmation": "COC-ABCD-EFGH"} and store.get(sent).state is State.SENT
    assert store.receipt(other) == {"confirmation": "COC-DEFG-HJKM"} and store.get(other).state is State.SENT
    assert store.get(edited).state is State.READY and store.receipt(edited) is None
    assert store.get(bad).state is State.QUEUED and store.receipt(bad) is None
    assert [i.request_id for i in store.outbox()] == [bad]
    assert [r.id for r in store.list(text="DEFG-HJKM")] == [other]  # found by its number, as after mark_sent
    assert store.list(text="BCDE-FGHJ") == []  # the refused ones' numbers were not kept
    assert [e.event for e in store.audit(bad)] == ["created", "queued"]  # nothing of it was written


def test_mark_sent_many_writes_what_a_mark_sent_each_writes(tmp_path: Path) -> None:
    """The rows of a group of receipts are changed together at the end (one statement for the name index): the
    same rows, order (`seq`), receipts, numbers and audit as one `mark_sent` per receipt; a request given twice is
    stored once, the second refused as already sent; the name index agrees with its rows (FTS5's check)."""
    from app.store import search
    from app.store.keys import random_key

    key = random_key()
    stores = [Store.create(tmp_path / name, key=key, now=lambda: "2027-01-04T09:30:00Z") for name in "ab"]
    try:
        ids = []
        for i in range(7):
            doc = make_doc(worker__first_name="Ann", worker__last_name=f"Lee{i}")
            for store in stores:
                store.save(RequestDoc.from_dict(doc.to_dict()), error_count=0)
                store.enqueue(doc.id, "{}", doc.id)
            ids.append(doc.id)
        receipts = [(rid, {"confirmation": f"COC-{i:04d}-ABCD"}) for i, rid in enumerate(ids)]
        one, many = stores
        for rid, receipt in receipts:
            one.mark_sent(rid, receipt)
        outcomes = many.mark_sent_many([*receipts[:3], receipts[1], *receipts[3:]])
        assert [type(o) if o is not None else None for o in outcomes] == [None] * 3 + [InvalidTransition] + [
            None
        ] * 4
        dumps = []
        for store in stores:
            with store.connection() as conn:
                search.check(conn)
                dumps.append(
                    [
                        conn.execute(sql).fetchall()
                        for sql in (
                            "SELECT id, state, updated, seq FROM requests ORDER BY seq",
                            "SELECT * FROM receipts ORDER BY request_id",
                            "SELECT * FROM confirmation_words ORDER BY word",
                            "SELECT request_id, event, detail FROM audit ORDER BY seq",
                            "SELECT rowid FROM search WHERE search MATCH 'ann' ORDER BY rowid",
                        )
                    ]
                )
        assert dumps[0] == dumps[1]
    finally:
        for store in stores:
            store.close()


def test_mark_sent_many_is_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _ready(store), _ready(store)
    for rid in (first, second):
        store.enqueue(rid, "{}", rid)
    real = audit_module.log

    def fails_on_the_second(conn: object, request_id: str | None, *args: object, **kwargs: object) -> None:
        if request_id == second:
            raise RuntimeError("simulated failure in the middle of the group")
        real(conn, request_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_module, "log", fails_on_the_second)
    with pytest.raises(RuntimeError):
        store.mark_sent_many([(first, {"confirmation": "C-1"}), (second, {"confirmation": "C-2"})])
    monkeypatch.undo()
    for rid in (first, second):  # neither: the first one's writes went with the failed transaction
        assert store.get(rid).state is State.QUEUED and store.receipt(rid) is None
    assert len(store.outbox()) == 2


def _numbers(store: Store) -> dict[str, str]:
    """The confirmation number of each row of the list that has one."""
    return {r.id: r.confirmation for r in store.list() if r.confirmation is not None}


def test_confirmations_of_a_page_of_rows(store: Store) -> None:
    """A page's sent rows come with their numbers: those without a receipt (or whose receipt has no number)
    have none."""
    sent = []
    for i in range(3):
        rid = _ready(store)
        store.enqueue(rid, "{}", f"key-{i}")
        store.mark_sent(
            rid, {"confirmation": f"COC-000{i}"} if i < 2 else {"received": "2027-01-01T10:00:00Z"}
        )
        sent.append(rid)
    _ready(store)
    assert _numbers(store) == {sent[0]: "COC-0000", sent[1]: "COC-0001"}


@pytest.mark.parametrize(
    ("receipt", "number", "damaged"),
    [
        ("[1]", None, True),  # not an object
        ("not json", None, True),
        ("[" * 990 + "]" * 990, None, True),  # deeper than Python's reader goes
        ('{"confirmation": 7}', None, False),  # an object without a number: nothing to show
        ('{"confirmation": ["COC-1"]}', None, False),
        (b'{"confirmation": "COC-1"}', None, False),  # a blob: the store writes text
        # a lone surrogate, decoded by SQLite, is not UTF-8 that the driver reads
        ('{"confirmation": "COC-\\ud800"}', "COC-\ud800", False),
        ('{"confirmation": "COC-\\"1\\"", "extra": NaN}', 'COC-"1"', False),  # what Python's reader takes too
    ],
)
def test_a_crafted_receipt_never_fails_the_numbers_of_a_page(
    store: Store, receipt: str | bytes, number: str | None, damaged: bool
) -> None:
    """Receipts are untrusted text (a crafted store or backup): the numbers of a page never fail on one, the row's
    number is simply missing; opening a receipt that is not a JSON object still says it is damaged."""
    rid, other = _ready(store), _ready(store)
    for i, request_id in enumerate((rid, other)):
        store.enqueue(request_id, "{}", f"key-{i}")
        store.mark_sent(request_id, {"confirmation": f"COC-{i}"})
    with store.connection() as conn:
        conn.execute("UPDATE receipts SET receipt = ? WHERE request_id = ?", (receipt, rid))
    expected = {other: "COC-1"} | ({rid: number} if number is not None else {})
    assert _numbers(store) == expected
    if damaged:
        with pytest.raises(DamagedStore):
            store.receipt(rid)


def test_a_number_that_is_not_utf8_is_no_number(store: Store) -> None:
    """Text that is not UTF-8 in a crafted file: the driver would fail the whole page's query on it."""
    rid = _ready(store)
    store.enqueue(rid, "{}", "key")
    store.mark_sent(rid, {"confirmation": "COC-1"})
    with store.connection() as conn:
        conn.execute(
            "UPDATE receipts SET receipt = CAST(? AS TEXT) WHERE request_id = ?",
            (b'{"confirmation": "COC-\xff"}', rid),
        )
    assert _numbers(store) == {}


def test_dequeue_back_to_draft_with_the_receivers_errors(store: Store) -> None:
    rid = _ready(store)
    store.enqueue(rid, "{}", rid)
    errors = [{"field": "worker.ssn", "code": "invalid", "message": "SSN not issued"}]
    store.dequeue(rid, errors)
    assert store.get(rid).state is State.DRAFT
    assert store.outbox() == []
    assert store.receiver_errors(rid) == errors
    assert store.audit(rid)[-1].detail == "reason=receiver_errors errors=1"
    # fixed and queued again: the old errors go
    store.save(store.get(rid), error_count=0)
    store.enqueue(rid, "{}", rid)
    assert store.receiver_errors(rid) == []
    store.dequeue(rid)
    assert store.audit(rid)[-1].detail == "reason=user"
    with pytest.raises(InvalidTransition):
        store.dequeue(rid)


def test_editing_a_queued_request_takes_it_out_of_the_outbox(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    store.enqueue(doc.id, doc.to_json(), doc.id)
    doc.answers["worker.first_name"] = "Edited"
    store.save(doc, error_count=1)
    assert store.outbox() == []
    assert store.get(doc.id).state is State.DRAFT
    assert ("dequeued", "reason=edited") in [(e.event, e.detail) for e in store.audit(doc.id)]


def test_outcome_only_after_sent(store: Store) -> None:
    rid = _ready(store)
    with pytest.raises(InvalidTransition):
        store.set_outcome(rid, State.APPROVED)
    store.enqueue(rid, "{}", rid)
    store.mark_sent(rid, {"confirmation": "C"})
    with pytest.raises(InvalidValue):
        store.set_outcome(rid, State.READY)
    store.set_outcome(rid, State.APPROVED)
    assert store.get(rid).state is State.APPROVED
    assert store.audit(rid)[-1].event == "approved"


def test_a_failure_inside_a_transition_changes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = _ready(store)
    store.enqueue(rid, "{}", rid)

    def broken_log(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated failure after the first statements")

    monkeypatch.setattr(audit_module, "log", broken_log)
    with pytest.raises(RuntimeError):
        store.mark_sent(rid, {"confirmation": "C"})
    with pytest.raises(RuntimeError):
        store.save(store.get(rid), error_count=0)
    monkeypatch.undo()
    assert store.get(rid).state is State.QUEUED
    assert len(store.outbox()) == 1
    assert store.receipt(rid) is None
    assert [r.rev for r in store.history(rid)] == [1]


def test_receipt_must_be_json_data(store: Store) -> None:
    rid = _ready(store)
    store.enqueue(rid, "{}", rid)
    with pytest.raises(InvalidValue):
        store.mark_sent(rid, {"when": object()})
    assert store.get(rid).state is State.QUEUED


def test_receipt_commit_skips_only_its_own_sync(tmp_path: Path) -> None:
    """mark_sent commits with synchronous=NORMAL (a lost receipt is recovered by the idempotent resend); every
    other write, before and after it, stays synchronous=FULL."""
    from app.forms import default_catalog, new_document
    from app.forms.example import example_answers

    with Store.create(tmp_path / "s", PASSPHRASE) as store:
        spec = default_catalog().form("de-employee")
        doc = new_document(spec, example_answers(spec))
        store.save(doc, error_count=0)
        store.enqueue(doc.id, doc.to_json(), doc.id)
        store.mark_sent(
            doc.id, {"confirmation": "C-1", "received_at": "2026-01-01T00:00:00Z", "request_id": doc.id}
        )
        with store.connection() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
        assert store.receipt(doc.id)["confirmation"] == "C-1"  # type: ignore[index]


# --- the confirmation number on the request's row (app.store.confirmations) -----------------------------------------


def test_a_sent_requests_row_carries_its_number(store: Store) -> None:
    """The list reads each sent request's number with its row: after a receipt, a group of receipts, a decision
    kept beside the receipt; a receipt without a number gives none; a request not sent has none."""
    one, two, three, none, draft = (_ready(store) for _ in range(5))
    for i, rid in enumerate((one, two, three, none)):
        store.enqueue(rid, "{}", f"key-{i}")
    store.mark_sent(one, {"confirmation": "COC-AAAA-1111"})
    store.mark_sent_many(
        [(two, {"confirmation": "COC-BBBB-2222"}), (three, {"confirmation": "COC-CCCC-3333"})]
    )
    store.mark_sent(none, {"received_at": "2027-01-01T10:00:00Z"})
    store.set_outcome(one, State.APPROVED, {"period": {"start": "2027-01-04", "end": "2028-01-03"}})
    numbers = {r.id: r.confirmation for r in store.list()}
    assert numbers == {
        one: "COC-AAAA-1111",
        two: "COC-BBBB-2222",
        three: "COC-CCCC-3333",
        none: None,
        draft: None,
    }
    assert store.summary(two).confirmation == "COC-BBBB-2222"
    store.delete(two)
    assert {r.id for r in store.list() if r.confirmation} == {one, three}


@pytest.mark.parametrize(
    ("column", "number"),
    [
        ("'COC-1'", None),  # text that is not a JSON string
        ("7", None),
        ("CAST('\"COC-1' AS BLOB)", None),  # a JSON string's start only
        ("CAST(X'22434f432dff22' AS TEXT)", None),  # not UTF-8
        ("X'22434f432dff22'", None),
        ('CAST(\'"COC-\\"1\\""\' AS BLOB)', 'COC-"1"'),
        ("CAST('\"COC-\\ud800\"' AS BLOB)", "COC-\ud800"),
    ],
)
def test_a_crafted_number_on_a_row_never_fails_the_list(
    store: Store, column: str, number: str | None
) -> None:
    """What a crafted file holds in the column is read as bytes and taken only if it is a JSON string in UTF-8:
    the list never fails on it."""
    rid = _ready(store)
    store.enqueue(rid, "{}", "key")
    store.mark_sent(rid, {"confirmation": "COC-1"})
    with store.connection() as conn:
        conn.execute(f"UPDATE requests SET confirmation = {column} WHERE id = ?", (rid,))
    (row,) = store.list()
    assert row.confirmation == number
    assert store.summary(rid).confirmation == number


def test_the_check_sets_numbers_out_of_step_again(store: Store) -> None:
    rid, other = _ready(store), _ready(store)
    for i, request_id in enumerate((rid, other)):
        store.enqueue(request_id, "{}", f"key-{i}")
        store.mark_sent(request_id, {"confirmation": f"COC-{i}"})
    with store.connection() as conn:  # written behind the triggers' back
        conn.execute("UPDATE requests SET confirmation = CAST('\"FORGED\"' AS BLOB) WHERE id = ?", (rid,))
        conn.execute("UPDATE requests SET confirmation = NULL WHERE id = ?", (other,))
    assert {r.confirmation for r in store.list()} == {"FORGED", None}
    assert store.check().index_rebuilt
    assert {r.id: r.confirmation for r in store.list()} == {rid: "COC-0", other: "COC-1"}
    assert not store.check().index_rebuilt


def test_a_restore_takes_the_numbers_from_the_receipts(tmp_path: Path) -> None:
    """A backup whose rows carry other numbers than their receipts (crafted) is restored with the receipts'."""
    from app.store.connection import connect
    from app.store.keys import derive, read_salt
    from tests.store.helpers import OTHER_PASSPHRASE

    with Store.create(tmp_path / "a", PASSPHRASE) as store:
        rid = _ready(store)
        store.enqueue(rid, "{}", "key")
        store.mark_sent(rid, {"confirmation": "COC-REAL"})
        store.backup(tmp_path / "backup.db", OTHER_PASSPHRASE)
    backup = tmp_path / "backup.db"
    conn = connect(backup, derive(OTHER_PASSPHRASE, read_salt(backup)))
    try:
        conn.execute("UPDATE requests SET confirmation = CAST('\"COC-FORGED\"' AS BLOB)")
    finally:
        conn.close()
    restored, _kept = Store.restore(backup, OTHER_PASSPHRASE, tmp_path / "b", PASSPHRASE)
    with restored:
        assert [r.confirmation for r in restored.list()] == ["COC-REAL"]

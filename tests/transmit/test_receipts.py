"""The receipts of an outbox run, stored by one writer several to a transaction (app/transmit/receipts.py), over
real HTTPS to the intake service and the real encrypted store: a request is reported Sent only once its receipt is
committed, counts as being sent until then, and a receipt that never reaches the disk loses nothing (the request
stays queued, and sending it again brings the same receipt back)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from app.request import State
from app.store import DiskFull, Store, StoreError
from app.transmit import Outbox, Outcome, RunReport, SendResult, queue
from intake import RunningIntake
from tests.transmit.helpers import FAST, client_for, ready_request

FOREVER = 3600.0  # a linger no run reaches: the writer stores what it holds when the senders are done


def queued(store: Store, n: int) -> list[str]:
    ids = [ready_request(store) for _ in range(n)]
    for request_id in ids:
        queue(store, request_id)
    return ids


Receipts = Sequence[tuple[str, dict[str, Any]]]


def spy(store: Store, before: Callable[[Receipts], None] = lambda receipts: None) -> list[list[str]]:
    """Record each transaction of receipts (the ids in it), calling `before` ahead of it."""
    batches: list[list[str]] = []
    real = store.mark_sent_many

    def mark_sent_many(receipts: Receipts) -> list[StoreError | None]:
        batches.append([request_id for request_id, _ in receipts])
        before(receipts)
        return real(receipts)

    store.mark_sent_many = mark_sent_many  # type: ignore[method-assign]
    return batches


def receiver_receipt(server: RunningIntake, request_id: str) -> dict[str, Any]:
    client_id = server.service.authenticate("Bearer " + client_for(server).settings.token)
    assert client_id is not None
    row = server.service.db.for_client(client_id, request_id)
    assert row is not None
    return {**row.receipt(), "receiver": server.url}


def test_a_run_stores_its_receipts_together(store: Store, server: RunningIntake) -> None:
    ids = queued(store, 12)
    batches = spy(store)
    with Outbox(store, client_for(server), policy=FAST, concurrency=2, receipt_linger=FOREVER) as outbox:
        report = outbox.send_due()
    assert report.sent == 12 and len(report.results) == 12
    assert len(batches) == 1 and sorted(batches[0]) == sorted(ids)  # one transaction for the whole run
    for request_id in ids:
        assert store.get(request_id).state is State.SENT
        assert store.receipt(request_id) == receiver_receipt(server, request_id)
    assert store.outbox() == [] and outbox.sending == frozenset()


def test_a_request_is_being_sent_until_its_receipt_is_stored(store: Store, server: RunningIntake) -> None:
    ids = queued(store, 5)
    reported: list[str] = []
    seen_while_storing: list[tuple[frozenset[str], set[State], list[str]]] = []

    with Outbox(store, client_for(server), policy=FAST, concurrency=2, receipt_linger=FOREVER) as outbox:

        def before(receipts: Receipts) -> None:
            batch = [request_id for request_id, _ in receipts]
            states = {store.get(request_id).state for request_id in batch}
            seen_while_storing.append((outbox.sending, states, list(reported)))

        spy(store, before)
        report = outbox.send_due(progress=lambda n, m, r: reported.append(r.request_id))
        assert outbox.sending == frozenset()
    [(sending, states, reported_before)] = seen_while_storing
    assert sending == frozenset(ids)  # not editable in the window: they are on their way
    assert states == {State.QUEUED} and reported_before == []  # nothing called Sent before it is stored
    assert sorted(reported) == sorted(ids) and report.sent == 5


def test_a_failed_commit_leaves_them_queued_and_the_next_run_gets_the_same_receipts(
    store: Store, server: RunningIntake
) -> None:
    ids = queued(store, 6)

    def disk_full(receipts: Receipts) -> None:
        raise DiskFull()

    spy(store, disk_full)
    with Outbox(store, client_for(server), policy=FAST, concurrency=2) as outbox:
        with pytest.raises(DiskFull):
            outbox.send_due()
        assert outbox.sending == frozenset()
    at_receiver = {request_id: receiver_receipt(server, request_id) for request_id in ids}
    for request_id in ids:  # every one reached the receiver; none is lost or half-marked here
        assert store.get(request_id).state is State.QUEUED
        assert store.outbox_item(request_id) is not None and store.receipt(request_id) is None

    del store.mark_sent_many  # the disk has room again
    with Outbox(store, client_for(server), policy=FAST, concurrency=2) as outbox:
        report = outbox.send_due()
    assert report.sent == 6
    for request_id in ids:
        assert store.get(request_id).state is State.SENT
        assert store.receipt(request_id) == at_receiver[request_id]  # the receiver's first receipt, replayed
    assert sorted(r.request_id for r in server.service.db.all()) == sorted(ids)  # one copy of each


def test_a_request_edited_while_its_receipt_waits_is_taken_out_alone(
    store: Store, server: RunningIntake
) -> None:
    ids = queued(store, 4)
    edited = ids[1]

    def edit(receipts: Receipts) -> None:
        doc = store.get(edited)
        store.save(doc, error_count=0)  # saved in the editor: it leaves the outbox

    spy(store, edit)
    results: dict[str, SendResult] = {}
    with Outbox(store, client_for(server), policy=FAST, receipt_linger=FOREVER) as outbox:
        report = outbox.send_due(progress=lambda n, m, r: results.__setitem__(r.request_id, r))
    assert results[edited].outcome is Outcome.TAKEN_OUT
    assert "changed or deleted here while it was being sent" in results[edited].message
    assert store.get(edited).state is State.READY and store.receipt(edited) is None
    for request_id in ids:
        if request_id != edited:
            assert results[request_id].outcome is Outcome.SENT
            assert store.get(request_id).state is State.SENT
    assert report.sent == 3


def test_a_single_send_does_not_wait_for_company(store: Store, server: RunningIntake) -> None:
    """The writer's wait ends when the senders are done: a run of one request is not held for the linger."""
    [request_id] = queued(store, 1)
    reports: list[RunReport] = []
    with Outbox(store, client_for(server), policy=FAST, receipt_linger=FOREVER) as outbox:
        run = threading.Thread(target=lambda: reports.append(outbox.send_due()), daemon=True)
        run.start()
        run.join(timeout=60)  # a bound, not a measure: the linger is an hour
        assert not run.is_alive(), "the run waited for company after its last sender was done"
    assert reports[0].sent == 1 and store.get(request_id).state is State.SENT


def test_a_failing_report_ends_the_run_and_loses_no_request(store: Store, server: RunningIntake) -> None:
    """The progress callback raising on the writer's thread: the run raises it, nothing stays 'being sent', and
    every request is either Sent with the receiver's receipt or still queued for the next run."""
    ids = queued(store, 6)

    def boom(n: int, m: int, result: SendResult) -> None:
        raise RuntimeError("progress failed")

    with Outbox(store, client_for(server), policy=FAST, receipt_linger=FOREVER) as outbox:
        with pytest.raises(RuntimeError, match="progress failed"):
            outbox.send_due(progress=boom)
        assert outbox.sending == frozenset()
        outbox.send_due()  # the next run finishes what the failed one left queued
    for request_id in ids:
        assert store.get(request_id).state is State.SENT
        assert store.receipt(request_id) == receiver_receipt(server, request_id)
    assert sorted(r.request_id for r in server.service.db.all()) == sorted(ids)

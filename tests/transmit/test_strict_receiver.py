"""The client against an independent strict receiver (tests/transmit/strict_receiver.py, written from the spec):
it sends, retries, reads receipts and status, and shows the receiver's messages, whatever their spelling."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.request import State
from app.store import Store
from app.transmit import Client, Outbox, Outcome, TransmitSettings, queue
from tests.transmit.helpers import FAST, TOKEN, Pki, ready_request
from tests.transmit.strict_receiver import RunningReceiver, problem, serve_strict


@pytest.fixture
def strict(pki: Pki) -> Iterator[RunningReceiver]:
    running = serve_strict(TOKEN, pki.good.cert, pki.good.key)
    try:
        yield running
    finally:
        running.stop()


def client(strict: RunningReceiver, pki: Pki, **overrides: float) -> Client:
    values = {"connect_timeout": 5.0, "read_timeout": 5.0, **overrides}
    return Client(TransmitSettings(endpoint=strict.url, token=TOKEN, ca_bundle=str(pki.ca), **values))


def outbox(store: Store, strict: RunningReceiver, pki: Pki) -> Outbox:
    return Outbox(store, client(strict, pki), policy=FAST, concurrency=1)


def queued(store: Store, n: int = 1) -> list[str]:
    ids = [ready_request(store) for _ in range(n)]
    for request_id in ids:
        queue(store, request_id)
    return ids


def test_sends_with_a_quoted_key_and_reads_an_upper_case_receipt(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    (request_id,) = queued(store)
    with outbox(store, strict, pki) as box:
        (result,) = box.send_due().results
    assert result.outcome is Outcome.SENT and result.tries == 1
    assert strict.receiver.keys_seen == [f'"{request_id}"']
    receipt = store.receipt(request_id)
    assert receipt is not None and receipt["request_id"] == request_id  # ours, canonical
    assert receipt["confirmation"] == "SR00000001"
    assert store.get(request_id).state is State.SENT


def test_retries_with_the_same_key_until_it_is_received(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    (request_id,) = queued(store)
    strict.receiver.first[request_id] = [
        problem(503, "Maintenance.", {"Retry-After": "0"}),
        problem(500, "Oops."),
    ]
    with outbox(store, strict, pki) as box:
        (result,) = box.send_due().results
    assert result.outcome is Outcome.SENT and result.tries == 3
    assert strict.receiver.keys_seen == [f'"{request_id}"'] * 3
    assert len(strict.receiver.requests) == 1


def test_a_replay_is_accepted_without_idempotent_replayed(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    (request_id,) = queued(store)
    item = store.outbox_item(request_id)
    assert item is not None
    with client(strict, pki) as c:
        first = c.submit(item.payload, item.idempotency_key)
        again = c.submit(item.payload, item.idempotency_key)
    assert (first.status, again.status) == (201, 200)
    assert again.replayed and again.receipt == first.receipt


def test_reads_the_status_the_receiver_echoes_in_upper_case(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    (request_id,) = queued(store)
    with outbox(store, strict, pki) as box:
        box.send_due()
        assert box.check_status(request_id).state == "received"
        strict.receiver.decide(
            request_id,
            "approved",
            decided_at="2027-01-02T03:04:05Z",
            certificate={"start": "2027-01-04", "end": None},
        )
        status = box.check_status(request_id)
    assert status.request_id == request_id and status.state == "approved"
    assert (status.certificate_start, status.certificate_end) == ("2027-01-04", None)
    assert store.get(request_id).state is State.APPROVED


def test_shows_the_detail_of_a_pure_problem_details_refusal(
    store: Store, strict: RunningReceiver, pki: Pki
) -> None:
    (request_id,) = queued(store)
    strict.receiver.refuse[request_id] = problem(
        422, "The assignment exceeds the agreement's detachment limit."
    )
    with outbox(store, strict, pki) as box:
        (result,) = box.send_due().results
    assert result.outcome is Outcome.REFUSED
    assert result.message.endswith("(HTTP 422): The assignment exceeds the agreement's detachment limit.")
    (error,) = store.receiver_errors(request_id)
    assert error["message"] == "The assignment exceeds the agreement's detachment limit."
    assert store.get(request_id).state is State.DRAFT


def test_reads_title_when_there_is_no_detail(store: Store, strict: RunningReceiver, pki: Pki) -> None:
    (request_id,) = queued(store)

    def title_only(h: object) -> None:
        from tests.transmit.strict_receiver import StrictHandler

        assert isinstance(h, StrictHandler)
        h.send_json(
            400, {"type": "about:blank", "title": "Bad Request", "status": 400}, "application/problem+json"
        )

    strict.receiver.refuse[request_id] = title_only
    with outbox(store, strict, pki) as box:
        (result,) = box.send_due().results
    assert result.message.endswith("(HTTP 400): Bad Request")


def test_the_forms_list_with_extra_members(strict: RunningReceiver, pki: Pki) -> None:
    with client(strict, pki) as c:
        assert c.forms() == {"de-employee": "2099-01-01"}


def test_an_unknown_id_is_not_at_the_receiver(strict: RunningReceiver, pki: Pki) -> None:
    from app.transmit import NotAtReceiver

    with client(strict, pki) as c, pytest.raises(NotAtReceiver):
        c.status(str(uuid.uuid4()))

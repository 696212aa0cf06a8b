"""Queueing, the send gate, and what each kind of answer does to a request (real HTTPS on loopback)."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.forms import default_catalog
from app.request import State
from app.store import Store
from app.transmit import (
    AlreadySent,
    Answer,
    Client,
    NotAtReceiver,
    NotReady,
    Outbox,
    Outcome,
    ReceiverRefused,
    RetryPolicy,
    TransmitSettings,
    queue,
    send,
)
from app.transmit.outbox import epoch
from intake import Faults, RunningIntake
from intake.service import decide
from tests.transmit.helpers import (
    FAST,
    TOKEN,
    FakeClock,
    client_for,
    ready_request,
    settings_for,
    start,
    valid_doc,
)

# --- queueing ------------------------------------------------------------------------------------------------------


def test_queue_refuses_an_invalid_request_with_its_issues(store: Store) -> None:
    doc = valid_doc()
    del doc.answers["worker.ssn"]
    store.save(doc, error_count=1)
    with pytest.raises(NotReady) as caught:
        queue(store, doc.id)
    assert any(e["field"] == "worker.ssn" for e in caught.value.errors)
    assert all(set(e) == {"field", "code", "message"} for e in caught.value.errors)
    assert store.get(doc.id).state is State.DRAFT
    assert store.outbox() == []


def test_queue_freezes_payload_and_key(store: Store) -> None:
    request_id = ready_request(store)
    item = queue(store, request_id)
    assert item.idempotency_key == request_id
    frozen = json.loads(item.payload)
    assert frozen["id"] == request_id and "state" not in frozen
    assert store.get(request_id).state is State.QUEUED
    assert queue(store, request_id) == item  # queueing again changes nothing


def test_queue_rechecks_a_draft_and_makes_it_ready(store: Store) -> None:
    doc = valid_doc()
    store.save(doc, error_count=3)  # a stale count: the request is in fact complete
    assert store.get(doc.id).state is State.DRAFT
    queue(store, doc.id)
    assert store.get(doc.id).state is State.QUEUED


# --- sending -------------------------------------------------------------------------------------------------------


def test_send_stores_the_receipt_and_the_request_becomes_sent(store: Store, server: RunningIntake) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    with client_for(server) as client:
        result = send(store, request_id, client, policy=FAST)
    assert result.outcome is Outcome.SENT and result.http_status == 201
    assert store.get(request_id).state is State.SENT
    receipt = store.receipt(request_id)
    row = server.service.db.for_client(server.service.authenticate(f"Bearer {TOKEN}") or "", request_id)
    assert row is not None and receipt == {**row.receipt(), "receiver": server.url}
    assert store.outbox() == []
    with pytest.raises(AlreadySent):
        queue(store, request_id)


def test_invalid_request_forced_into_the_outbox_never_leaves_the_machine(
    store: Store, server: RunningIntake
) -> None:
    """Bypass `queue` (straight into the store's outbox): the gate in the client still refuses it."""
    doc = valid_doc()
    store.save(doc, error_count=0)
    bad = doc.to_dict()
    del bad["answers"]["worker.ssn"]
    bad["answers"]["employer.ein"] = "not an EIN"
    store.enqueue(doc.id, json.dumps(bad), doc.id)
    with Outbox(store, client_for(server), policy=FAST) as outbox:
        report = outbox.send_due(force=True)
        # and straight through the client, too
        with pytest.raises(NotReady):
            outbox.client.submit(json.dumps(bad), doc.id)
    assert report.results[0].outcome is Outcome.INVALID
    assert server.stats.bodies == 0 and server.stats.connections == 0
    assert server.service.db.count() == 0
    assert store.get(doc.id).state is State.DRAFT
    assert {"worker.ssn", "employer.ein"} <= {e["field"] for e in store.receiver_errors(doc.id)}


def test_send_rechecks_against_the_current_definitions(store: Store, server: RunningIntake) -> None:
    """Valid when queued; by the time of sending, the form is no longer offered: nothing is sent."""
    request_id = ready_request(store)
    queue(store, request_id)
    catalog = default_catalog()
    newer = dataclasses.replace(catalog, forms={k: v for k, v in catalog.forms.items() if k != "de-employee"})
    with Client(settings_for(server), catalog=newer) as client:
        result = send(store, request_id, client, policy=FAST)
    assert result.outcome is Outcome.INVALID
    assert server.stats.bodies == 0
    assert store.get(request_id).state is State.DRAFT
    assert store.receiver_errors(request_id)[0]["field"] == "form"


def test_receiver_refusal_goes_back_to_draft_with_its_field_messages(store: Store, intake_dir: Path) -> None:
    catalog = default_catalog()
    smaller = dataclasses.replace(
        catalog, forms={k: v for k, v in catalog.forms.items() if k != "de-employee"}
    )
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, catalog=smaller) as srv, client_for(srv) as client:
        result = send(store, request_id, client, policy=FAST)
        assert srv.stats.bodies == 1  # refused at once, not retried
    assert result.outcome is Outcome.REFUSED and result.http_status == 422
    assert store.get(request_id).state is State.DRAFT
    errors = store.receiver_errors(request_id)
    assert errors and errors[0]["field"] == "form" and errors[0]["code"] == "unknown_form"


def test_bad_token_takes_the_request_out_and_stops_the_run(store: Store, server: RunningIntake) -> None:
    first, second = ready_request(store), ready_request(store)
    queue(store, first)
    queue(store, second)
    with Outbox(store, client_for(server, token="not-the-token"), policy=FAST, concurrency=1) as outbox:
        report = outbox.send_due(force=True)
    assert len(report.results) == 1 and report.results[0].outcome is Outcome.REFUSED
    assert report.stopped and "token" in report.stopped
    refused = report.results[0].request_id
    untouched = second if refused == first else first
    assert store.get(refused).state is State.DRAFT
    assert store.receiver_errors(refused)[0]["code"] == "unauthorized"
    assert store.get(untouched).state is State.QUEUED
    assert server.stats.bodies == 0 and server.service.db.count() == 0  # refused before the body was read


def test_transient_failure_keeps_it_queued_with_next_try_and_last_error(
    store: Store, intake_dir: Path
) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    clock = FakeClock(time.time())
    faults = Faults(seed=3, error_rate=1.0, error_statuses=(500,))
    with start(intake_dir, faults) as srv, client_for(srv) as client:
        result = send(store, request_id, client, policy=FAST, clock=clock, sleep=clock.sleep)
        assert srv.stats.keys[request_id] == FAST.tries_per_send  # every try, the same key
    assert result.outcome is Outcome.WAITING and result.tries == FAST.tries_per_send
    item = store.outbox_item(request_id)
    assert item is not None and item.attempts == 1
    assert item.last_error is not None and "HTTP 500" in item.last_error
    assert epoch(item.next_try) >= clock.now
    assert store.get(request_id).state is State.QUEUED


def test_retry_after_is_honoured_between_tries(store: Store, intake_dir: Path) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    clock = FakeClock(time.time())
    policy = RetryPolicy(tries_per_send=3, base=0.001, cap=0.01, inline_max_wait=10)
    with start(intake_dir, Faults(error_rate=1.0, error_statuses=(429,), retry_after=("2",))) as srv:
        with client_for(srv) as client:
            result = send(store, request_id, client, policy=policy, clock=clock, sleep=clock.sleep)
        assert srv.stats.keys[request_id] == 3
    assert clock.sleeps == [2.0, 2.0]
    assert result.outcome is Outcome.WAITING and result.endpoint_wide
    assert result.next_try == pytest.approx(clock.now + 2.0)


def test_overload_with_a_long_retry_after_pauses_the_outbox(store: Store, intake_dir: Path) -> None:
    ids = [ready_request(store) for _ in range(3)]
    for request_id in ids:
        queue(store, request_id)
    clock = FakeClock(time.time() + 5)
    with start(intake_dir, Faults(error_rate=1.0, error_statuses=(503,), retry_after=("86400",))) as srv:
        with Outbox(
            store, client_for(srv), policy=FAST, clock=clock, sleep=clock.sleep, concurrency=1
        ) as outbox:
            report = outbox.send_due()
            assert len(report.results) == 1 and report.stopped
            assert outbox.paused_until == pytest.approx(clock.now + 3600)  # 86400 s capped at an hour
            clock.now += 60
            again = outbox.send_due()
            assert again.results == [] and again.paused_until == outbox.paused_until
            assert outbox.next_wakeup() == pytest.approx(clock.now - 60 + 3600)
        assert srv.stats.bodies == 1
    assert all(store.get(i).state is State.QUEUED for i in ids)


def test_connection_refused_keeps_everything_queued(store: Store, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port with nothing listening on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ids = [ready_request(store) for _ in range(2)]
    for request_id in ids:
        queue(store, request_id)
    settings = TransmitSettings(
        endpoint=f"https://127.0.0.1:{port}", token=TOKEN, connect_timeout=1, read_timeout=1
    )
    clock = FakeClock(time.time() + 5)
    with Outbox(
        store, Client(settings), policy=FAST, clock=clock, sleep=clock.sleep, concurrency=1
    ) as outbox:
        report = outbox.send_due()
    assert len(report.results) == 1
    assert report.results[0].outcome is Outcome.WAITING
    assert "Cannot connect" in report.results[0].message
    assert report.stopped is not None and report.paused_until is not None
    assert all(store.get(i).state is State.QUEUED for i in ids)


def test_progress_reports_n_of_m(store: Store, server: RunningIntake) -> None:
    for _ in range(3):
        queue(store, ready_request(store))
    seen: list[tuple[int, int, Outcome]] = []
    with Outbox(store, client_for(server), policy=FAST) as outbox:
        report = outbox.send_due(progress=lambda n, m, r: seen.append((n, m, r.outcome)))
    assert seen == [(1, 3, Outcome.SENT), (2, 3, Outcome.SENT), (3, 3, Outcome.SENT)]
    assert report.sent == 3 and report.total == 3 and report.stopped is None


def test_cancel_stops_after_the_current_item(store: Store, server: RunningIntake) -> None:
    for _ in range(3):
        queue(store, ready_request(store))
    with Outbox(store, client_for(server), policy=FAST, concurrency=1) as outbox:
        submit = outbox.client.submit

        def submit_then_cancel(*args: Any, **kwargs: Any) -> Answer:
            answer = submit(*args, **kwargs)
            outbox.cancel()  # pressed while the first request was on its way
            return answer

        outbox.client.submit = submit_then_cancel  # type: ignore[method-assign]
        report = outbox.send_due()
    assert report.sent == 1 and report.stopped == "Cancelled."
    assert (
        len(store.outbox()) == 2
    )  # the request on its way was finished (its receipt stored), no other begun


def test_check_status_records_the_agency_decision(
    store: Store, server: RunningIntake, intake_dir: Path
) -> None:
    approved, rejected = ready_request(store), ready_request(store)
    for request_id in (approved, rejected):
        queue(store, request_id)
    with Outbox(store, client_for(server), policy=FAST) as outbox:
        assert outbox.send_due().sent == 2
        assert outbox.check_status(approved).state == "received"
        assert store.get(approved).state is State.SENT
        decide(server.service.db, intake_dir, approved, "approve")
        decide(server.service.db, intake_dir, rejected, "reject", reason="Not covered.")
        status = outbox.check_status(approved)
        assert status.state == "approved"
        assert (status.certificate_start, status.certificate_end) == ("2027-01-04", "2029-12-18")
        assert store.get(approved).state is State.APPROVED
        status = outbox.check_status(rejected)
        assert status.state == "rejected" and status.reason == "Not covered."
        assert store.get(rejected).state is State.REJECTED
        never_sent = ready_request(store)
        with pytest.raises(NotAtReceiver):
            outbox.check_status(never_sent)


def test_status_with_a_bad_token(store: Store, server: RunningIntake) -> None:
    with client_for(server, token="nope") as client, pytest.raises(ReceiverRefused):
        client.status("00000000-0000-4000-8000-000000000000")


def test_newer_editions_at_the_receiver(store: Store, intake_dir: Path) -> None:
    catalog = default_catalog()
    spec = catalog.forms["de-employee"]
    newer = dataclasses.replace(
        catalog, forms={**catalog.forms, "de-employee": dataclasses.replace(spec, edition="2099-01-01")}
    )
    with start(intake_dir, catalog=newer) as srv, Outbox(store, client_for(srv)) as outbox:
        assert outbox.newer_editions() == {"de-employee": "2099-01-01"}


def test_a_replayed_receipt_after_a_lost_answer_is_the_same(store: Store, intake_dir: Path) -> None:
    """The receiver stores the request and the connection drops: the retry gets the same receipt (200)."""
    request_id = ready_request(store)
    queue(store, request_id)
    faults = Faults(drop_after_processing=1.0)
    with start(intake_dir, faults) as srv, client_for(srv) as client:
        result = send(store, request_id, client, policy=RetryPolicy(tries_per_send=1, base=0.001, cap=0.01))
        assert result.outcome is Outcome.WAITING and "cut" in result.message
        srv.faults = Faults()
        result = send(store, request_id, client, policy=FAST)
        assert result.outcome is Outcome.SENT and result.http_status == 200
        assert srv.service.db.count() == 1 and srv.stats.created == 1 and srv.stats.replayed == 1
    assert store.receipt(request_id) == result.receipt


# --- races with the user and with another sender --------------------------------------------------------------------


class EditsDuringSend:
    """A client whose POST reaches the receiver while, meanwhile, something happens to the request locally."""

    def __init__(self, real: Client, meanwhile: Callable[[], object]) -> None:
        self.real = real
        self.meanwhile = meanwhile

    def submit(self, payload_json: str, key: str, *, now: float | None = None) -> Answer:
        answer = self.real.submit(payload_json, key, now=now)
        self.meanwhile()
        return answer


def test_edited_while_being_sent(store: Store, server: RunningIntake) -> None:
    request_id = ready_request(store)
    queue(store, request_id)

    def edit() -> None:
        doc = store.get(request_id)
        doc.answers["worker.first_name"] = "Janet"
        store.save(doc, error_count=0)  # an edit takes a queued request out of the outbox

    with client_for(server) as real:
        result = send(store, request_id, EditsDuringSend(real, edit), policy=FAST)  # type: ignore[arg-type]
    assert result.outcome is Outcome.TAKEN_OUT
    assert result.receipt is not None and result.receipt["confirmation"] in result.message
    assert store.get(request_id).state is State.READY and store.outbox() == []


def test_another_sender_stored_the_receipt_first(store: Store, server: RunningIntake) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    with client_for(server) as real:
        first = real.submit(queue(store, request_id).payload, request_id)
        assert first.receipt is not None
        receipt = first.receipt
        result = send(
            store,
            request_id,
            EditsDuringSend(real, lambda: store.mark_sent(request_id, receipt)),
            policy=FAST,
        )  # type: ignore[arg-type]
    assert result.outcome is Outcome.SENT and result.receipt == receipt
    assert server.service.db.count() == 1


def test_outbox_says_which_request_is_being_sent(store: Store, server: RunningIntake) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    seen: list[frozenset[str]] = []
    with Outbox(store, client_for(server), policy=FAST) as outbox:
        real_submit = outbox.client.submit

        def spy(payload_json: str, key: str, *, now: float | None = None) -> Answer:
            seen.append(outbox.sending)
            return real_submit(payload_json, key, now=now)

        outbox.client.submit = spy  # type: ignore[method-assign]
        outbox.send_due()
        assert outbox.sending == frozenset()
    assert seen == [frozenset({request_id})]


# --- concurrent senders --------------------------------------------------------------------------------------------


def test_two_senders_send_each_request_once_and_count_progress_in_order(
    store: Store, server: RunningIntake
) -> None:
    ids = [ready_request(store) for _ in range(12)]
    for request_id in ids:
        queue(store, request_id)
    seen: list[tuple[int, int]] = []
    with Outbox(store, client_for(server), policy=FAST, concurrency=2) as outbox:
        report = outbox.send_due(progress=lambda n, m, r: seen.append((n, m)))
    assert report.sent == 12 and seen == [(n, 12) for n in range(1, 13)]
    assert sorted(server.stats.keys) == sorted(ids) and set(server.stats.keys.values()) == {1}
    assert server.stats.connections <= 2  # one connection per sender, kept alive


def test_an_endpoint_problem_stops_every_sender(store: Store, server: RunningIntake) -> None:
    for _ in range(6):
        queue(store, ready_request(store))
    with Outbox(store, client_for(server, token="nope"), policy=FAST, concurrency=2) as outbox:
        report = outbox.send_due()
    assert 1 <= len(report.results) <= 2 and report.stopped is not None
    assert len(store.outbox()) >= 4


def test_a_failing_progress_callback_reaches_the_caller(store: Store, server: RunningIntake) -> None:
    for _ in range(4):
        queue(store, ready_request(store))

    def boom(n: int, m: int, result: object) -> None:
        raise RuntimeError("progress failed")

    with Outbox(store, client_for(server), policy=FAST, concurrency=2) as outbox, pytest.raises(RuntimeError):
        outbox.send_due(progress=boom)

"""Idempotent resend under a faulty receiver (reliability.md §6 #9).

The receiver drops the connection after processing one POST in three and answers 500, 503 and 429 (with and without
Retry-After) at random. 1,000 requests queued in the real encrypted store go through the real outbox over real
HTTPS until the outbox is empty: exactly 1,000 at the receiver, 0 duplicates, 0 lost, every retry with the same key
and payload, every stored receipt equal to the receiver's. The clock is fake (backoff waits cost no time).
"""

from __future__ import annotations

import collections
import json
import time
from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.transmit import Outbox, Outcome, RetryPolicy, queue
from intake import Faults
from tests.transmit.helpers import FakeClock, client_for, ready_request, start

N = 1000
SEED = 20261129
POLICY = RetryPolicy(tries_per_send=3, base=0.5, cap=30.0, inline_max_wait=10.0)


@pytest.mark.slow  # a thousand requests through faults: half a minute
def test_thousand_requests_through_a_faulty_receiver(store: Store, intake_dir: Path) -> None:
    ids = [ready_request(store) for _ in range(N)]
    payloads = {i: queue(store, i).payload for i in ids}
    faults = Faults(
        seed=SEED,
        error_rate=0.2,
        error_statuses=(500, 503, 429),
        retry_after=("0", "1", "3", None),
        drop_after_processing=1 / 3,
    )
    clock = FakeClock(time.time() + 2)
    rounds = 0
    outcomes: collections.Counter[Outcome] = collections.Counter()
    started = time.perf_counter()
    with start(intake_dir, faults) as srv:
        with Outbox(store, client_for(srv), policy=POLICY, clock=clock, sleep=clock.sleep) as outbox:
            while store.outbox() and rounds < 5000:
                rounds += 1
                report = outbox.send_due()
                outcomes.update(r.outcome for r in report.results)
                if not report.results:
                    wake = outbox.next_wakeup()
                    assert wake is not None
                    clock.advance_to(wake + 1)
        elapsed = time.perf_counter() - started
        stats = srv.stats
        rows = srv.service.db.all()
        receiver = srv.url

    # the faults really happened
    assert stats.dropped > N / 5, stats
    assert stats.faults > N / 10, stats
    # exactly N at the receiver, 0 duplicates, 0 lost
    assert len(rows) == N
    assert sorted(r.request_id for r in rows) == sorted(ids)
    assert stats.created == N
    assert stats.refused == 0  # never "same key, different payload"
    # every retry reused its key with the same frozen payload
    assert set(stats.keys) == set(ids)
    for row in rows:
        assert json.loads(row.payload) == json.loads(payloads[row.request_id])
    # every request is Sent locally with the receiver's own receipt
    assert store.outbox() == []
    assert store.count(state=State.SENT) == N
    for row in rows:
        assert store.receipt(row.request_id) == {**row.receipt(), "receiver": receiver}
    assert outcomes[Outcome.REFUSED] == 0 and outcomes[Outcome.INVALID] == 0
    tries = sorted(stats.keys.values())
    print(
        f"\n{N} requests: {stats.bodies} POST bodies, {stats.created} created, {stats.replayed} replayed, "
        f"{stats.dropped} dropped after processing, {stats.faults} injected 5xx/429, {rounds} outbox runs, "
        f"tries per request: median {tries[N // 2]}, max {tries[-1]}; {elapsed:.1f} s"
    )
    # A try fails with p = 0.2 + 0.8/3 ~ 0.47, so 30 failures in a row for any of 1,000 requests has a chance of
    # about 3e-7: more than that would mean the outbox is not retrying as it should.
    assert tries[-1] <= 30

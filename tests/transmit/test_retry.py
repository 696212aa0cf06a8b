"""Retry policy and time budget: Retry-After parsing, full-jitter backoff, and what `send` does with sequences of
transient answers (a fake clock; a scripted client so that thousands of sequences run in seconds)."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.request import State
from app.store import Store
from app.store.keys import random_key
from app.transmit import Answer, AnswerKind, Outcome, RetryPolicy, parse_retry_after, queue, send
from app.transmit.outbox import epoch
from tests.transmit.helpers import FakeClock, ready_request

NOW = 1_900_000_000.0


# --- Retry-After ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),  # absent
        ("0", 0.0),
        ("5", 5.0),
        (" 5 ", 5.0),
        ("86400", 3600.0),  # a day is capped at the policy's hour
        ("99999999999999999999", None),  # too long to be a real value: ignored
        (format_datetime(dt.datetime.fromtimestamp(NOW - 600, dt.UTC), usegmt=True), 0.0),  # a past date
        (format_datetime(dt.datetime.fromtimestamp(NOW + 120, dt.UTC), usegmt=True), 120.0),
        (format_datetime(dt.datetime.fromtimestamp(NOW + 10 * 86400, dt.UTC), usegmt=True), 3600.0),
        ("garbage", None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("٣", None),  # an Arabic-Indic digit is not delay-seconds
        ("Wed, 99 Foo 2026 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@given(st.text(max_size=80))
def test_retry_after_garbage_never_crashes(header: str) -> None:
    value = parse_retry_after(header, NOW)
    assert value is None or 0.0 <= value <= 3600.0


# --- backoff -------------------------------------------------------------------------------------------------------


def test_backoff_windows_double_up_to_the_cap() -> None:
    policy = RetryPolicy(base=1.0, cap=900.0)
    assert [policy.window(n) for n in range(12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert policy.window(10_000) == 900


@given(st.integers(0, 200), st.one_of(st.none(), st.floats(0, 10**7)), st.integers(0, 2**32))
def test_full_jitter_stays_within_the_window_and_honours_retry_after(
    n: int, retry_after: float | None, seed: int
) -> None:
    policy = RetryPolicy()
    wait = policy.wait(n, retry_after, random.Random(seed))
    floor = 0.0 if retry_after is None else min(retry_after, policy.retry_after_cap)
    assert floor <= wait <= max(policy.window(n), floor)
    assert wait <= max(policy.cap, policy.retry_after_cap)


def test_jitter_spreads_clients_that_failed_together() -> None:
    policy = RetryPolicy(base=1.0)
    waits = [policy.wait(5, None, random.Random(seed)) for seed in range(200)]
    assert min(waits) < 4 and max(waits) > 28  # spread over the whole window [0, 32]


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(tries_per_send=0)
    with pytest.raises(ValueError):
        RetryPolicy(base=10, cap=1)


# --- send() against scripted answers -------------------------------------------------------------------------------


class Scripted:
    """Stands in for `Client`: answers from a script, and remembers what it was sent."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str]] = []

    def submit(self, payload_json: str, key: str, *, now: float | None = None) -> Answer:
        self.sent.append((payload_json, key))
        return self.answers.pop(0)


def transient(status: int | None, retry_after: float | None = None) -> Answer:
    wide = status in (429, 503) and retry_after is not None
    return Answer(AnswerKind.RETRY, f"status {status}", status, retry_after=retry_after, endpoint_wide=wide)


def accepted(request_id: str) -> Answer:
    receipt = {
        "confirmation": "COC-TEST-0001",
        "received_at": "2026-11-29T00:00:00Z",
        "request_id": request_id,
    }
    return Answer(AnswerKind.ACCEPTED, "ok", 201, receipt)


answer_strategy = st.tuples(
    st.sampled_from([None, 500, 502, 503, 504, 429, 408]),
    st.one_of(st.none(), st.sampled_from([0.0, 1.0, 5.0, 30.0, 3600.0])),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    script=st.lists(answer_strategy, min_size=0, max_size=6), succeed=st.booleans(), seed=st.integers(0, 999)
)
def test_send_honours_retry_after_and_always_reuses_the_key(
    shared_store: Store, script: list[tuple[int | None, float | None]], succeed: bool, seed: int
) -> None:
    policy = RetryPolicy(tries_per_send=4, base=0.5, cap=60.0, inline_max_wait=10.0)
    request_id = ready_request(shared_store)
    queue(shared_store, request_id)
    answers = [transient(s, ra) for s, ra in script]
    if succeed:
        answers.append(accepted(request_id))
    answers += [transient(500)] * policy.tries_per_send  # never run out
    client = Scripted(answers)
    clock = FakeClock(NOW)
    result = send(
        shared_store,
        request_id,
        client,
        policy=policy,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(seed),
    )  # type: ignore[arg-type]

    # every try carried the same frozen payload and the same key (the request id)
    item_payloads = {p for p, _ in client.sent}
    assert len(item_payloads) == 1 and {k for _, k in client.sent} == {request_id}
    assert 1 <= len(client.sent) <= policy.tries_per_send
    # each wait honoured the Retry-After of the answer before it, was no longer than the inline limit, and stayed
    # within the jittered window otherwise
    for i, slept in enumerate(clock.sleeps):
        asked = answers[i].retry_after
        assert slept >= min(asked or 0.0, policy.retry_after_cap)
        assert slept <= policy.inline_max_wait
        assert slept <= max(policy.window(i), asked or 0.0)
    assert len(clock.sleeps) == len(client.sent) - 1
    if result.outcome is Outcome.SENT:
        assert shared_store.get(request_id).state is State.SENT
        assert shared_store.receipt(request_id) == answers[len(client.sent) - 1].receipt
    else:
        assert result.outcome is Outcome.WAITING
        item = shared_store.outbox_item(request_id)
        assert item is not None and item.attempts == 1 and item.last_error == result.message
        last = answers[len(client.sent) - 1]
        assert result.next_try is not None
        assert result.next_try - clock.now >= min(last.retry_after or 0.0, policy.retry_after_cap)
        assert epoch(item.next_try) >= result.next_try  # stored rounded up to the second, never earlier


@pytest.fixture(scope="module")
def shared_store() -> Any:
    with tempfile.TemporaryDirectory() as folder, Store.create(Path(folder) / "store", key=random_key()) as s:
        yield s


def test_a_long_retry_after_ends_the_send_and_pauses_the_endpoint(shared_store: Store) -> None:
    request_id = ready_request(shared_store)
    queue(shared_store, request_id)
    clock = FakeClock(NOW)
    client = Scripted([transient(503, 3600.0)])
    result = send(shared_store, request_id, client, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    assert result.outcome is Outcome.WAITING and result.endpoint_wide
    assert clock.sleeps == [] and len(client.sent) == 1
    assert result.next_try == pytest.approx(NOW + 3600.0)


def test_backoff_grows_with_the_attempts_already_made(shared_store: Store) -> None:
    policy = RetryPolicy(tries_per_send=1, base=1.0, cap=10_000.0)
    request_id = ready_request(shared_store)
    queue(shared_store, request_id)
    clock = FakeClock(time.time())
    windows = []
    for attempt in range(8):
        result = send(
            shared_store,
            request_id,
            Scripted([transient(500)]),
            policy=policy,
            clock=clock,
            sleep=clock.sleep,
        )  # type: ignore[arg-type]
        assert result.next_try is not None
        windows.append(result.next_try - clock.now)
        assert result.next_try - clock.now <= policy.window(attempt)
    item = shared_store.outbox_item(request_id)
    assert item is not None and item.attempts == 8

"""Timeouts: a receiver that accepts the connection and never answers. Each try ends within its timeout plus a
second, and the request stays queued with the reason."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.transmit import Answer, Client, Outcome, RetryPolicy, TransmitSettings, queue, send
from intake import Faults
from tests.transmit.helpers import TOKEN, ready_request, settings_for, start

TIMEOUT = 1.0
POLICY = RetryPolicy(tries_per_send=2, base=0.001, cap=0.01)


class Timed(Client):
    """A client that measures each try."""

    durations: list[float]

    def submit(self, payload_json: str, key: str, *, now: float | None = None) -> Answer:
        t0 = time.perf_counter()
        try:
            return super().submit(payload_json, key, now=now)
        finally:
            self.durations.append(time.perf_counter() - t0)


def test_server_that_reads_the_request_and_never_answers(store: Store, intake_dir: Path) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, Faults(hang=True)) as srv:
        client = Timed(settings_for(srv, connect_timeout=TIMEOUT, read_timeout=TIMEOUT))
        client.durations = []
        with client:
            result = send(store, request_id, client, policy=POLICY)
        assert srv.stats.hung == POLICY.tries_per_send
    assert len(client.durations) == POLICY.tries_per_send
    assert all(d < TIMEOUT + 1.0 for d in client.durations), client.durations
    print(f"\nhanging receiver: tries took {[round(d, 2) for d in client.durations]} s (timeout {TIMEOUT} s)")
    assert result.outcome is Outcome.WAITING and "no answer within 1 s" in result.message
    assert store.get(request_id).state is State.QUEUED
    item = store.outbox_item(request_id)
    assert item is not None and item.last_error == result.message


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP port whose connections are accepted by the kernel and then left alone (no TLS handshake, ever)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


def test_server_that_accepts_the_connection_and_never_speaks(store: Store, silent_listener: int) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    settings = TransmitSettings(
        endpoint=f"https://127.0.0.1:{silent_listener}",
        token=TOKEN,
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
    )
    client = Timed(settings)
    client.durations = []
    with client:
        result = send(store, request_id, client, policy=POLICY)
    assert client.durations and all(d < TIMEOUT + 1.0 for d in client.durations), client.durations
    print(f"\nsilent listener: tries took {[round(d, 2) for d in client.durations]} s; {result.message}")
    assert result.outcome is Outcome.WAITING
    assert store.get(request_id).state is State.QUEUED

"""Timeouts: a receiver that accepts the connection and never answers. Each try ends by its timeout (the answer
says which one), never by luck, and the request stays queued with the reason. Nothing here measures time: the
deadline tests (test_hostile_answers.py) count the watchdog's cuts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.transmit import Client, Outcome, RetryPolicy, TransmitSettings, queue, send
from intake import Faults
from tests.transmit.helpers import TOKEN, ready_request, settings_for, start

TIMEOUT = 1.0
POLICY = RetryPolicy(tries_per_send=2, base=0.001, cap=0.01)


def test_server_that_reads_the_request_and_never_answers(store: Store, intake_dir: Path) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, Faults(hang=True)) as srv:
        with Client(settings_for(srv, connect_timeout=TIMEOUT, read_timeout=TIMEOUT)) as client:
            result = send(store, request_id, client, policy=POLICY)
            assert (
                client.transport.watchdog.cuts == 0
            )  # the read timeout ended each try, well before the deadline
        assert srv.stats.hung == POLICY.tries_per_send
    assert result.outcome is Outcome.WAITING and "no answer within 1 s" in result.message
    assert result.tries == POLICY.tries_per_send
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
    with Client(settings) as client:
        result = send(store, request_id, client, policy=POLICY)
    assert result.outcome is Outcome.WAITING and result.tries >= 1
    assert store.get(request_id).state is State.QUEUED

"""SIGKILL during a send, then restart (reliability.md §6 #14): the request is at the receiver exactly once and its
receipt is stored.

A child process opens the encrypted store and sends one queued request to the intake service, which holds each
POST for a while before and after storing it. Each kill point is a state, waited for (never a moment slept to):
the child ready to send; the receiver holding the request's body, not stored yet; the receiver having stored it,
its answer not sent yet (so the receipt is not committed locally); the child reporting the outcome. After each
kill the store is opened again (as a restarted program would) and the outbox is drained.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.store.keys import RawKey
from app.transmit import Outbox, Outcome, queue, send
from intake import Faults, RunningIntake
from tests.conftest import REPO
from tests.transmit.helpers import FAST, TOKEN, client_for, ready_request, start

ITERATIONS = 30
DELAY = 0.1  # the receiver holds each POST this long before storing it, and again before answering
KILL_POINTS = ("ready", "body read", "stored", "answered")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Wait for a state (not for a moment): fails only if it never comes."""
    for _ in range(30_000):
        if condition():
            return
        time.sleep(0.002)
    raise AssertionError(f"never: {what}")


@contextmanager
def sender_child(
    store_dir: Path, srv: RunningIntake, what: str, env: dict[str, str]
) -> Iterator[subprocess.Popen[str]]:
    """The child sending `what` (a request id, or `--all` for an outbox run), once it says it is ready; SIGKILLed
    when the block ends (at the state the block waited for), and always reaped."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.transmit.sender_child",
            str(store_dir),
            srv.url,
            str(srv.ca_path),
            what,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        yield child
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_sigkill_during_send_then_restart(tmp_path: Path, store_key: RawKey, intake_dir: Path) -> None:
    store_dir = tmp_path / "store"
    with Store.create(store_dir, key=store_key) as store:
        ids = [ready_request(store) for _ in range(ITERATIONS)]
        for request_id in ids:
            queue(store, request_id)
    kinds: collections.Counter[str] = collections.Counter()
    env = {**os.environ, "COC_TEST_KEY": store_key.to_hex(), "COC_TOKEN": TOKEN}
    with start(intake_dir, Faults(delay=DELAY)) as srv:
        client_id = srv.service.authenticate(f"Bearer {TOKEN}")
        assert client_id is not None
        for i, request_id in enumerate(ids):
            point = KILL_POINTS[i % len(KILL_POINTS)]
            bodies = srv.stats.bodies
            with sender_child(store_dir, srv, request_id, env) as child:
                if point == "body read":
                    wait_for(lambda b=bodies: srv.stats.bodies > b, "the receiver reads the body")
                elif point == "stored":
                    wait_for(
                        lambda r=request_id: srv.service.db.for_client(client_id, r) is not None, "stored"
                    )
                elif point == "answered":
                    assert child.stdout.readline().strip(), "the child reports the outcome"
            at_receiver = srv.service.db.for_client(client_id, request_id) is not None
            # restart: open the store again and drain the outbox
            with Store.open(store_dir, key=store_key) as store:
                local = store.get(request_id).state
                if local is State.SENT:
                    kinds["finished before the kill"] += 1
                else:
                    assert local is State.QUEUED
                    kinds[
                        "killed after the receiver stored it" if at_receiver else "killed before it arrived"
                    ] += 1
                    with client_for(srv) as client:
                        assert send(store, request_id, client, policy=FAST).outcome is Outcome.SENT
                row = srv.service.db.for_client(client_id, request_id)
                assert row is not None
                assert store.get(request_id).state is State.SENT
                assert store.receipt(request_id) == {**row.receipt(), "receiver": srv.url}
                assert store.outbox_item(request_id) is None
        rows = srv.service.db.all()
    # exactly once at the receiver, for every request
    assert sorted(r.request_id for r in rows) == sorted(ids)
    print(f"\n{ITERATIONS} kills: {dict(kinds)}")
    assert kinds["killed before it arrived"] >= 1 and kinds["killed after the receiver stored it"] >= 1


@pytest.mark.slow
def test_sigkill_while_a_run_holds_receipts_then_restart(
    tmp_path: Path, store_key: RawKey, intake_dir: Path
) -> None:
    """An outbox run keeps its receipts in memory until its writer stores them together: killed while it holds
    some (the receiver has stored them, nothing is committed here), the restarted program finds every request still
    queued, and draining the outbox brings back the receiver's own receipts, with one copy of each there."""
    store_dir = tmp_path / "store"
    with Store.create(store_dir, key=store_key) as store:
        ids = [ready_request(store) for _ in range(10)]
        for request_id in ids:
            queue(store, request_id)
    env = {**os.environ, "COC_TEST_KEY": store_key.to_hex(), "COC_TOKEN": TOKEN}
    with start(intake_dir, Faults(delay=DELAY)) as srv:
        client_id = srv.service.authenticate(f"Bearer {TOKEN}")
        assert client_id is not None

        def at_receiver() -> int:
            return sum(srv.service.db.for_client(client_id, r) is not None for r in ids)

        with sender_child(store_dir, srv, "--all", env):
            # two senders, each request held 2 x DELAY by the receiver: when three are stored, at least one answer
            # has come back (its receipt is with the writer) and three requests are not finished
            wait_for(lambda: at_receiver() >= 3, "the receiver stores three of the ten")
        stored_there = at_receiver()
        assert 3 <= stored_there < len(ids)
        with Store.open(store_dir, key=store_key) as store:
            assert {store.get(r).state for r in ids} == {State.QUEUED}  # nothing half-marked, nothing lost
            with Outbox(store, client_for(srv), policy=FAST) as outbox:
                report = outbox.send_due(force=True)
            assert report.sent == len(ids)
            for request_id in ids:
                row = srv.service.db.for_client(client_id, request_id)
                assert row is not None
                assert store.get(request_id).state is State.SENT
                assert store.receipt(request_id) == {**row.receipt(), "receiver": srv.url}
        assert sorted(r.request_id for r in srv.service.db.all()) == sorted(
            ids
        )  # exactly once at the receiver

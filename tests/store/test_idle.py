"""The idle lock, on a fake clock (reliability.md §6 test #20b)."""

from __future__ import annotations

import threading

import pytest

from app.store import IdleLock, Store, StoreLocked
from tests.store.helpers import make_doc


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_locks_after_the_default_fifteen_minutes_of_quiet(store: Store) -> None:
    clock = FakeClock()
    locked: list[bool] = []
    idle = IdleLock(store, on_lock=lambda: locked.append(store.closed), clock=clock)
    assert idle.timeout == 15 * 60
    clock.advance(15 * 60 - 1)
    assert idle.poll() is False and not store.closed
    assert idle.remaining() == pytest.approx(1.0)
    clock.advance(1)
    assert idle.poll() is True
    assert store.closed and locked == [True]  # closed before the callback runs
    assert idle.poll() is True and locked == [True]  # the callback runs once
    with pytest.raises(StoreLocked):
        store.list()
    with pytest.raises(StoreLocked):
        store.save(make_doc(), error_count=0)


def test_activity_restarts_the_countdown(store: Store) -> None:
    clock = FakeClock()
    idle = IdleLock(store, 60, clock=clock)
    for _ in range(10):
        clock.advance(59)
        idle.touch()
        assert idle.poll() is False
    clock.advance(60)
    assert idle.poll() is True and idle.locked


def test_timeout_from_the_store_setting(store: Store) -> None:
    store.set_setting("idle_lock_minutes", "2")
    clock = FakeClock()
    idle = IdleLock.for_store(store, clock=clock)
    assert idle.timeout == 120
    clock.advance(119)
    assert not idle.poll()
    clock.advance(1)
    assert idle.poll() and store.closed


def test_rearm_after_unlocking_again(store_dir, key) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    calls: list[int] = []
    first = Store.create(store_dir, key=key)
    idle = IdleLock(first, 30, on_lock=lambda: calls.append(1), clock=clock)
    idle.lock_now()
    assert first.closed and calls == [1]
    second = Store.open(store_dir, key=key)
    idle.rearm(second)
    assert not idle.locked
    clock.advance(29)
    assert not idle.poll()
    clock.advance(1)
    assert idle.poll() and second.closed and calls == [1, 1]


def test_background_polling_thread(store: Store) -> None:
    clock = FakeClock()
    done = threading.Event()
    idle = IdleLock(store, 10, on_lock=done.set, clock=clock)
    idle.start(interval=0.01)
    try:
        assert not done.wait(0.05)
        clock.advance(10)
        assert done.wait(5)
        assert store.closed
    finally:
        idle.stop()


def test_invalid_timeouts() -> None:
    with pytest.raises(ValueError):
        IdleLock(None, 0)
    idle = IdleLock(None, 5)
    with pytest.raises(ValueError):
        idle.timeout = -1
    idle.timeout = 7
    assert idle.timeout == 7


def test_closing_twice_and_close_listeners(store: Store) -> None:
    heard: list[str] = []
    store.on_close(lambda: heard.append("closed"))
    store.close()
    store.close()
    assert heard == ["closed"]

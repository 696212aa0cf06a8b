"""The deadline watchdog (app/transmit/deadline.py) lets go of what a disarmed deadline refers to at once.

Found by the memory test of the intake under a flood (test_intake_abuse.py): a disarmed watch stayed in the heap
until its own deadline, and with it the connection's handler and headers; 1,000 unauthenticated connections with
30 KB keys, finished within a minute, kept 36 MB alive."""

from __future__ import annotations

import gc
import threading
import weakref

from app.transmit.deadline import COMPACT_AFTER, Watchdog


class Connection:
    """Stands for what a watch refers to: a handler with its headers."""

    def __init__(self) -> None:
        self.headers = "k" * 30_000


def test_a_disarmed_watch_lets_go_of_its_connection_at_once() -> None:
    watchdog = Watchdog()
    try:
        refs = []
        for _ in range(1000):
            connection = Connection()
            refs.append(weakref.ref(connection))
            watch = watchdog.arm(lambda c=connection: c, 3600.0)  # a deadline far away
            del connection
            assert watchdog.disarm(watch) is False
        gc.collect()
        assert [r for r in refs if r() is not None] == []
        assert (
            len(watchdog._heap) <= 2 * COMPACT_AFTER + 2
        )  # the heap does not grow with finished connections
        assert watchdog.cuts == 0
    finally:
        watchdog.close()


def test_armed_watches_survive_the_compaction_and_still_cut() -> None:
    watchdog = Watchdog()
    try:
        kept = [watchdog.arm(lambda: None, 3600.0) for _ in range(10)]
        for _ in range(5 * COMPACT_AFTER):
            watchdog.disarm(watchdog.arm(lambda: None, 3600.0))
        assert all(w in watchdog._heap for w in kept)
        cut_now = watchdog.arm(lambda: None, 0.0)
        for _ in range(60_000):  # a state (the watch expired), not a moment
            if cut_now.expired:
                break
            threading.Event().wait(0.005)
        assert cut_now.expired and watchdog.cuts == 1
        assert not any(w.expired for w in kept)
    finally:
        watchdog.close()

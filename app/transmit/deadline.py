"""Overall deadlines for socket work: one watchdog thread cuts (shuts down) a socket whose deadline has passed.

A socket timeout bounds each read; a peer that sends one byte just before every timeout keeps a connection busy
for ever. A deadline bounds the whole exchange: when it passes, the watchdog shuts the socket down, so whatever
is blocked on it (connect, TLS handshake, send, receive) returns at once with an error. The client arms one for
every try (connect + send + receive); the intake service arms one for the TLS handshake and request headers, and
another for the body and the answer.

    watchdog = Watchdog()
    watch = watchdog.arm(lambda: conn.sock, seconds)   # the socket is looked up when the deadline passes
    ...
    expired = watchdog.disarm(watch)                   # True when the deadline cut the socket

`cuts` counts the sockets cut, so tests can prove that the deadline (not a lucky timeout) ended an exchange.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
SocketOf = Callable[[], object]


@dataclass(eq=False)
class Watch:
    """One armed deadline. `expired` is set when the watchdog cut its socket."""

    deadline: float
    socket_of: SocketOf
    seq: int
    expired: bool = False
    done: bool = False
    _order: tuple[float, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._order = (self.deadline, self.seq)

    def __lt__(self, other: Watch) -> bool:
        return self._order < other._order


def cut(sock: object) -> bool:
    """Shut a socket down for reading and writing (works on TLS sockets too, from any thread)."""
    if not isinstance(sock, socket.socket):
        inner = getattr(sock, "socket", None)  # urllib3's SSLTransport (TLS inside a TLS proxy)
        if not isinstance(inner, socket.socket):
            return False
        sock = inner
    try:
        # the plain socket's method: on an SSLSocket this leaves the TLS object alone for its own thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        return False
    return True


COMPACT_AFTER = 64  # disarmed watches the heap may hold before it is compacted (when they are most of it)


def _no_socket() -> object:
    return None


class Watchdog:
    """Cuts sockets whose deadline passed. One daemon thread, started on first use, sleeping until the next
    deadline (never polling)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._heap: list[Watch] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._disarmed = 0  # disarmed watches still in the heap
        self.cuts = 0

    def arm(self, socket_of: SocketOf, seconds: float) -> Watch:
        watch = Watch(self._clock() + max(seconds, 0.0), socket_of, next(self._seq))
        with self._cond:
            heapq.heappush(self._heap, watch)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="deadline-watchdog", daemon=True)
                self._thread.start()
            # the earliest deadline now: the thread sleeps until a later one otherwise
            if self._heap[0] is watch:
                self._cond.notify()
        return watch

    def disarm(self, watch: Watch) -> bool:
        """Forget `watch`; True when its deadline had already cut the socket.

        What the watch refers to (a connection's handler, its headers) is let go at once, and the heap is compacted
        once most of it is disarmed watches: left in the heap until their deadlines, they kept every finished
        connection of the last minute alive (30 MB for 1,000 connections carrying 30 KB keys)."""
        with self._cond:
            if not watch.done:
                watch.done = True
                watch.socket_of = _no_socket
                self._disarmed += 1
                if self._disarmed > COMPACT_AFTER and self._disarmed * 2 > len(self._heap):
                    self._heap = [w for w in self._heap if not w.done]
                    heapq.heapify(self._heap)
                    self._disarmed = 0
            return watch.expired

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                while self._heap and self._heap[0].done:
                    if not heapq.heappop(self._heap).expired:
                        self._disarmed -= 1
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0].deadline - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                watch = heapq.heappop(self._heap)
                watch.expired = True
                watch.done = True
                self.cuts += 1
                with contextlib.suppress(Exception):
                    cut(watch.socket_of())

"""The idle lock: after a quiet spell (default 15 minutes, the `idle_lock_minutes` setting) the store closes.

Qt-free. The GUI calls `touch()` on user activity and `poll()` from a timer (or `start()` runs a small thread that
polls); when the time is up the store is closed (the key and page cache are released) and `on_lock` is called,
once, so the GUI can clear every widget and ask for the passphrase again. The clock is injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.store.settings import DEFAULT_IDLE_LOCK_MINUTES
from app.store.store import Store

Clock = Callable[[], float]


class IdleLock:
    def __init__(
        self,
        store: Store | None,
        timeout: float = DEFAULT_IDLE_LOCK_MINUTES * 60.0,
        *,
        on_lock: Callable[[], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if timeout <= 0:
            raise ValueError("the idle timeout must be positive")
        self._store = store
        self._timeout = float(timeout)
        self._on_lock = on_lock
        self._clock = clock
        self._last = clock()
        self._locked = False
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_store(
        cls, store: Store, *, on_lock: Callable[[], None] | None = None, clock: Clock = time.monotonic
    ) -> IdleLock:
        """An idle lock with the timeout of the store's `idle_lock_minutes` setting."""
        return cls(store, store.idle_lock_seconds(), on_lock=on_lock, clock=clock)

    @property
    def timeout(self) -> float:
        return self._timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the idle timeout must be positive")
        self._timeout = float(seconds)

    @property
    def locked(self) -> bool:
        return self._locked

    def touch(self) -> None:
        """User activity: restart the countdown."""
        with self._mutex:
            self._last = self._clock()

    def remaining(self) -> float:
        return max(0.0, self._timeout - (self._clock() - self._last))

    def idle_seconds(self) -> float:
        """How long since the last activity (the GUI runs the store's whole-file check after a quiet minute)."""
        return self._clock() - self._last

    def poll(self) -> bool:
        """Lock if the time is up; True when the store is (now or already) locked."""
        with self._mutex:
            if self._locked:
                return True
            if self._clock() - self._last < self._timeout:
                return False
            self._locked = True
            store = self._store
        if store is not None:
            store.close()
        if self._on_lock is not None:
            self._on_lock()
        return True

    def lock_now(self) -> None:
        """Lock at once (a "Lock" menu item)."""
        with self._mutex:
            self._last = self._clock() - self._timeout
        self.poll()

    def rearm(self, store: Store | None) -> None:
        """After the user unlocked again: watch the new store, countdown from now."""
        with self._mutex:
            self._store = store
            self._locked = False
            self._last = self._clock()

    def start(self, interval: float = 1.0) -> None:
        """Poll every `interval` seconds on a daemon thread (`on_lock` then runs on that thread)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                self.poll()

        self._thread = threading.Thread(target=loop, name="idle-lock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

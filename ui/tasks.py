"""Background work off the GUI thread: database work on ONE worker thread, network and PDF work on a small pool.

Modelled on Anki's task manager (`qt/aqt/taskman.py`: one executor for everything that touches the collection,
another for the rest) and Picard's thread helper (`picard/util/thread.py`: results handed back to the main thread).
A task is a plain callable that must not touch widgets; its result (or exception) comes back to the GUI thread
through a queued signal, where `on_done` / `on_error` run.

Without `on_error`, a known store problem (`StoreError`) is announced on `known_error` (the main window shows its
message and the way forward), a closed store (`StoreLocked`, after the idle lock) is dropped quietly, and anything
else goes to `sys.excepthook` (the crash handler). Tests make everything run at once with `inline=True`, the way
Picard's tests swap in a thread pool that runs tasks synchronously.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from app.store.errors import StoreError, StoreLocked

log = logging.getLogger(__name__)

T = TypeVar("T")
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]
IO_WORKERS = 4


def _alive(callback: Callable[..., Any] | None) -> bool:
    """False when the callback is a method of a Qt object that was deleted meanwhile (a closed wizard)."""
    owner = getattr(callback, "__self__", None)
    return not (isinstance(owner, QObject) and not shiboken6.isValid(owner))


class TaskManager(QObject):
    """Runs callables in the background and delivers their outcome on the GUI thread.

    Signals:
        known_error(object): a `StoreError` nobody handled; the main window shows `user_text`.
        busy_changed(bool): True while any task is pending.
    """

    known_error = Signal(object)
    busy_changed = Signal(bool)
    _deliver = Signal(object)

    def __init__(self, *, inline: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inline = inline
        self._db: ThreadPoolExecutor | None = None
        self._io: ThreadPoolExecutor | None = None
        self._pending = 0
        self._lock = threading.Lock()
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # --- submitting ----------------------------------------------------------------------------------------------

    def run_db(
        self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None, on_error: OnError | None = None
    ) -> None:
        """Run `fn` on the database thread (one thread, so store calls never overlap and keep their order)."""
        if self._db is None and not self.inline:
            self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coc-db")
        self._submit(self._db, fn, on_done, on_error)

    def run_io(
        self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None, on_error: OnError | None = None
    ) -> None:
        """Run `fn` on the pool for network and PDF work."""
        if self._io is None and not self.inline:
            self._io = ThreadPoolExecutor(max_workers=IO_WORKERS, thread_name_prefix="coc-io")
        self._submit(self._io, fn, on_done, on_error)

    def _submit(
        self,
        executor: ThreadPoolExecutor | None,
        fn: Callable[[], Any],
        on_done: OnDone | None,
        on_error: OnError | None,
    ) -> None:
        if threading.current_thread() is not threading.main_thread():
            log.warning("a background task was started off the GUI thread")
        self._count(+1)
        if self.inline or executor is None:
            try:
                result = fn()
            except BaseException as exc:
                self._finish(None, exc, on_done, on_error)
            else:
                self._finish(result, None, on_done, on_error)
            return
        future = executor.submit(fn)
        future.add_done_callback(lambda f: self._deliver.emit((f, on_done, on_error)))

    # --- delivering ----------------------------------------------------------------------------------------------

    def _on_deliver(self, payload: tuple[Future[Any], OnDone | None, OnError | None]) -> None:
        future, on_done, on_error = payload
        exc = future.exception()
        self._finish(None if exc is not None else future.result(), exc, on_done, on_error)

    def _finish(
        self, result: Any, exc: BaseException | None, on_done: OnDone | None, on_error: OnError | None
    ) -> None:
        try:
            if exc is None:
                if on_done is not None and _alive(on_done):
                    on_done(result)
            elif on_error is not None and _alive(on_error):
                on_error(exc)
            else:
                self.report(exc)
        except Exception:  # a bug in a callback: the crash handler, never a silent loss
            sys.excepthook(*sys.exc_info())
        finally:
            self._count(-1)

    def report(self, exc: BaseException) -> None:
        """What happens to an exception nobody handled: known ones become a message, others a crash report."""
        if isinstance(exc, StoreLocked):
            log.info("a task ran after the store was locked; dropped")
        elif isinstance(exc, StoreError):
            self.known_error.emit(exc)
        elif isinstance(exc, Exception):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        else:  # KeyboardInterrupt, SystemExit from a worker: nothing to show
            log.info("a task ended with %s", type(exc).__name__)

    def _count(self, delta: int) -> None:
        with self._lock:
            before = self._pending
            self._pending += delta
            after = self._pending
        if (before == 0) != (after == 0):
            self.busy_changed.emit(after > 0)

    # --- waiting and stopping ------------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return self._pending

    def wait(self, timeout: float = 30.0) -> bool:
        """Process events until every task is delivered (shutdown, the smoke run, tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._pending:
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.001)
        return True

    def shutdown(self, timeout: float = 30.0) -> None:
        """Finish what is queued (saves first of all), deliver it, then stop the threads."""
        self.wait(timeout)
        for executor in (self._db, self._io):
            if executor is not None:
                executor.shutdown(wait=True)
        self._db = self._io = None

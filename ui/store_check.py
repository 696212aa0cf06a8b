"""Check the store: the whole-file check (`Store.check`) on demand (Tools, Check the store) and in the background
when the application is idle.

Unlocking reads only the pages it needs (see docs/store.md, Checking the store); reading every page costs about
20 ms per 1,000 requests, so it runs here: when asked, and once a week when nobody has touched the application for
a minute. The check reads on a connection of its own on the pool (never the database thread), so the list and the
wizards carry on meanwhile; the lock interrupts it. A sound store is recorded in the audit log and says nothing
in the background; damage is always shown, with the way forward.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.store.audit import AuditEvent
from app.store.errors import StoreError, StoreLocked
from ui import messages

if TYPE_CHECKING:
    from app.store import Store, StoreCheck
    from ui.context import AppContext
    from ui.lock import IdleWatcher

QUIET_SECONDS = 60.0  # nobody has touched the application for this long
EVERY = dt.timedelta(days=7)  # a background check at most this often
POLL_MS = 15_000


def last_check(store: Store) -> dt.datetime | None:
    """When the last whole-file check passed (from the audit log), or None."""
    for entry in reversed(store.audit()):
        if entry.event == AuditEvent.STORE_CHECKED:
            try:
                return dt.datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
            except ValueError:
                return None
    return None


def due(last: dt.datetime | None, now: dt.datetime) -> bool:
    return last is None or now - last >= EVERY


class StoreChecker(QObject):
    """Signals:
    started(): a check began (the action is disabled until it ends).
    finished(object): it ended; the `StoreCheck`, or the exception.
    """

    started = Signal()
    finished = Signal(object)

    def __init__(self, ctx: AppContext, watcher: IdleWatcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.watcher = watcher
        self.running = False
        self.window: QWidget | None = None
        self._asked_at_idle = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    # --- on demand --------------------------------------------------------------------------------------------------

    def run_now(self) -> None:
        """Tools, Check the store: the result is always shown."""
        self._run("gui", quiet=False)

    # --- at idle ----------------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Every few seconds: when the user has been away for a minute, ask (on the database thread) whether a
        week has passed since the last check, and run one if so."""
        store = self.ctx.store
        if self.running or self._asked_at_idle or store is None:
            return
        if self.watcher.countdown.idle_seconds() < QUIET_SECONDS:
            return
        self._asked_at_idle = True  # once per quiet spell

        def decide(last: dt.datetime | None) -> None:
            self._asked_at_idle = False
            if due(last, dt.datetime.now(dt.UTC)) and self.watcher.countdown.idle_seconds() >= QUIET_SECONDS:
                self._run("idle", quiet=True)

        self.ctx.tasks.run_db(
            lambda: last_check(store), decide, lambda _exc: setattr(self, "_asked_at_idle", False)
        )

    # --- running ----------------------------------------------------------------------------------------------------

    def _run(self, source: str, *, quiet: bool) -> None:
        store = self.ctx.store
        if self.running or store is None:
            return
        self.running = True
        self.started.emit()
        self.ctx.tasks.run_io(
            lambda: store.check(source=source),
            lambda result: self._done(result, quiet),
            lambda exc: self._done(exc, quiet),
        )

    def _done(self, outcome: StoreCheck | BaseException, quiet: bool) -> None:
        self.running = False
        self.finished.emit(outcome)
        parent = self.window
        if isinstance(outcome, StoreLocked):
            return  # the lock stopped it: nothing to say
        if isinstance(outcome, StoreError):
            messages.store_problem(parent, outcome)
            return
        if isinstance(outcome, BaseException):
            self.ctx.tasks.report(outcome)
            return
        if quiet:
            return
        text = f"The store is sound: all {outcome.pages:,} pages ({outcome.size_bytes / 1e6:.1f} MB) were read and authenticated."
        if outcome.index_rebuilt:
            text += " The search index did not match the requests and was rebuilt."
        messages.notice(parent, "Check the store", text)

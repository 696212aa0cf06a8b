"""Storing the receipts of an outbox run in group commits.

Each receipt the receiver gives is stored with its request made Sent and taken out of the outbox, in one
transaction (`Store.mark_sent`). One transaction per receipt rewrote the pages that every send touches (the tail of
each of the list's indexes, the name index, the audit trail's) once per request: about 30 pages, most of the
outbox's own cost per request. The senders of a run hand their receipts to one writer thread instead, which stores
what has come in one transaction (`Store.mark_sent_many`), while they go on sending.

Nothing is promised earlier than before: a request is reported Sent (progress, the run's report) only once its
receipt is committed, and stays in the list of requests being sent until then. A receipt not yet stored when the
program ends (a crash, a kill, a power loss) leaves its request queued; sending it again (same bytes, same
Idempotency-Key) gets the same receipt back from the receiver, which keeps one copy. The window for that is the
writer's wait for company (`LINGER`, 50 ms, and none once the senders are done) plus one commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.store import Store, StoreError
from app.transmit.client import Answer

LINGER = 0.05  # seconds the writer waits after a first receipt for others to join its transaction
MAX_BATCH = 64


@dataclass(frozen=True)
class Accepted:
    """A request the receiver accepted, its receipt not yet stored."""

    request_id: str
    answer: Answer  # kind ACCEPTED, with its receipt
    tries: int


Stored = Callable[[Accepted, StoreError | None], None]  # after the commit: None, or why it was left out
Failed = Callable[[BaseException, list[Accepted]], None]  # the transaction failed: none of these was stored


class ReceiptWriter:
    """One thread storing the receipts `put` to it, several to a transaction; `close()` stores the rest.

    `stored(accepted, None)` is called on the writer's thread after the commit that stored a receipt, or with the
    store's reason when that one request could not take it (edited or deleted meanwhile: it is no longer queued);
    `failed(error, batch)` when the whole transaction failed (none of the batch was stored), and `failed(error,
    [])` when `stored` itself raised. After a failure the writer stores nothing more: what it still holds, and what
    comes after, goes to `failed` too.
    """

    def __init__(self, store: Store, stored: Stored, failed: Failed, *, linger: float = LINGER) -> None:
        self._store = store
        self._stored = stored
        self._failed = failed
        self._linger = linger
        self._pending: list[Accepted] = []
        self._closing = False
        self._broken: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="outbox-receipts", daemon=True)
        self._thread.start()

    def put(self, accepted: Accepted) -> None:
        with self._cond:
            if self._closing:
                raise RuntimeError("the receipt writer is closed")
            self._pending.append(accepted)
            self._cond.notify()

    def close(self) -> None:
        """Store what is pending (no more lingering) and end the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _take(self) -> list[Accepted] | None:
        """The next batch: what is pending once the first receipt has waited `linger` for company, or at once
        when the batch is full or the writer is closing; None when closed and empty."""
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            if not self._pending:
                return None
            until = time.monotonic() + self._linger
            while not self._closing and len(self._pending) < MAX_BATCH:
                left = until - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            if self._broken is not None:
                self._failed(self._broken, batch)
                continue
            # the store failing (closed, disk full...) stores nothing of the batch
            try:
                outcomes = self._store.mark_sent_many([(a.request_id, a.answer.receipt or {}) for a in batch])
            except BaseException as exc:
                self._broken = exc
                self._failed(exc, batch)
                continue
            for accepted, outcome in zip(batch, outcomes, strict=True):
                # a failing callback is the run's failure; the writer stores nothing after it
                try:
                    self._stored(accepted, outcome)
                except BaseException as exc:
                    self._broken = self._broken or exc
                    self._failed(exc, [])

"""Queueing and sending: the outbox on top of the encrypted store.

- `queue(store, id)` re-runs the full validation, refuses an invalid request (`NotReady`, with its issues), and
  freezes the payload and its idempotency key (the request id) in the store's outbox.
- `send(store, id, client)` sends one queued request: the gate in `Client.submit` validates it again against the
  current definitions; a few quick tries with backoff; a receipt makes it Sent; a permanent refusal takes it back
  to Draft with the receiver's messages on its fields; a transient failure leaves it queued with the next try's
  time and the last error.
- `Outbox` runs the queue for the GUI and the command line: `send_due(now, progress)`, `check_status(id)`.

Every retry of a request, in this run or after a crash and restart, sends the same frozen bytes with the same key,
so the receiver keeps exactly one copy. The item leaves the outbox only in the transaction that stores the receipt.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.forms import Catalog, default_catalog, verdict
from app.request import State
from app.store import InvalidTransition, OutboxItem, RequestNotFound, Store, StoreError
from app.transmit.client import Answer, AnswerKind, Client, ReceiverStatus, payload_json
from app.transmit.errors import AlreadySent, NotQueued, NotReady
from app.transmit.receipts import LINGER, Accepted, ReceiptWriter
from app.transmit.retry import RetryPolicy
from app.transmit.settings import TransmitSettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Any]
DONE = frozenset({State.SENT, State.APPROVED, State.REJECTED})


def iso_time(t: float) -> str:
    """An epoch time as the store writes times (UTC, whole seconds, `Z`), rounded up to the next second."""
    return dt.datetime.fromtimestamp(math.ceil(t), dt.UTC).isoformat().replace("+00:00", "Z")


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _now_floor(t: float) -> str:
    return dt.datetime.fromtimestamp(math.floor(t), dt.UTC).isoformat().replace("+00:00", "Z")


# --- queueing ------------------------------------------------------------------------------------------------------


def queue(store: Store, request_id: str, *, catalog: Catalog | None = None) -> OutboxItem:
    """Put a request in the outbox after the full validation; `NotReady` (with every issue) when it has errors.

    The payload and its idempotency key are frozen in the same transaction that marks it Queued. Queueing a request
    that is already queued returns its item; a sent one raises `AlreadySent`.
    """
    doc = store.get(request_id)
    if doc.state is State.QUEUED:
        item = store.outbox_item(request_id)
        if item is not None:
            return item
    if doc.state in DONE:
        receipt = store.receipt(request_id) or {}
        raise AlreadySent(
            f"The request was already sent (confirmation {receipt.get('confirmation', 'unknown')})."
        )
    judged = verdict(doc, catalog or default_catalog())
    if not judged.ready:
        raise NotReady(list(judged.issues))
    if doc.state is not State.READY:
        store.save(doc, error_count=0, warning_count=judged.warning_count)
    return store.enqueue(request_id, payload_json(doc), doc.id)


# --- sending one ---------------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"  # receipt stored; the request is Sent
    REFUSED = "refused"  # the receiver refused it for good; back to Draft with its messages
    INVALID = "invalid"  # the send gate found errors; back to Draft, nothing was sent
    WAITING = "waiting"  # a transient failure; still queued, next try at `next_try`
    TAKEN_OUT = "taken_out"  # edited or deleted here while it was being sent; the outbox no longer holds it


@dataclass(frozen=True)
class SendResult:
    request_id: str
    outcome: Outcome
    message: str
    receipt: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    next_try: float | None = None  # epoch seconds, for WAITING
    tries: int = 0  # HTTP tries made by this send
    http_status: int | None = None
    endpoint_wide: bool = False  # the problem concerns the endpoint, not this request


NOT_QUEUED_ANY_MORE = (InvalidTransition, RequestNotFound)


def _state(store: Store, request_id: str) -> State | None:
    try:
        return store.get(request_id).state
    except RequestNotFound:
        return None


def _taken_out(store: Store, request_id: str, answer: Answer, tries: int) -> SendResult:
    """The request left the outbox (edited or deleted by someone else) while this send was under way."""
    if answer.kind is AnswerKind.ACCEPTED:
        assert answer.receipt is not None
        # another sender (a second window, the CLI) stored the receipt first
        if _state(store, request_id) in DONE:
            return SendResult(
                request_id,
                Outcome.SENT,
                answer.message,
                answer.receipt,
                tries=tries,
                http_status=answer.status,
            )
        message = (
            f"The receiving service received this request (confirmation {answer.receipt['confirmation']}), but it "
            "was changed or deleted here while it was being sent, so the receipt is not kept with it and the "
            "changes were not sent. Do not send it again; contact the receiver if the changes matter."
        )
        log.warning("send %s: received, but edited or deleted locally during the send", request_id)
        return SendResult(
            request_id, Outcome.TAKEN_OUT, message, answer.receipt, tries=tries, http_status=answer.status
        )
    return SendResult(
        request_id,
        Outcome.TAKEN_OUT,
        "The request was changed or deleted here while it was being sent; it is no longer in the outbox.",
        errors=answer.errors,
        tries=tries,
        http_status=answer.status,
    )


def send(
    store: Store,
    request_id: str,
    client: Client,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> SendResult:
    """Send one queued request (see the module's description). Never raises for network or receiver problems:
    they are in the result and in the outbox item. `NotQueued` / `AlreadySent` when it is not in the outbox."""
    outcome = attempt(store, request_id, client, policy=policy, clock=clock, sleep=sleep, rng=rng)
    return outcome if isinstance(outcome, SendResult) else store_receipt(store, outcome)


def store_receipt(store: Store, accepted: Accepted) -> SendResult:
    """Store one accepted send's receipt in a transaction of its own, and what came of it."""
    assert accepted.answer.receipt is not None
    try:
        store.mark_sent(accepted.request_id, accepted.answer.receipt)
    except NOT_QUEUED_ANY_MORE as exc:
        return receipt_stored(store, accepted, exc)
    return receipt_stored(store, accepted, None)


def receipt_stored(store: Store, accepted: Accepted, refused: StoreError | None) -> SendResult:
    """The result of an accepted send once its receipt is stored (`refused` None), or found no longer queued."""
    if isinstance(refused, NOT_QUEUED_ANY_MORE):
        return _taken_out(store, accepted.request_id, accepted.answer, accepted.tries)
    if refused is not None:
        raise refused
    answer = accepted.answer
    log.info("send %s: sent (HTTP %s, try %d)", accepted.request_id, answer.status, accepted.tries)
    return SendResult(
        accepted.request_id,
        Outcome.SENT,
        answer.message,
        answer.receipt,
        tries=accepted.tries,
        http_status=answer.status,
    )


def attempt(
    store: Store,
    request_id: str,
    client: Client,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> SendResult | Accepted:
    """`send` up to the receiver's receipt: `Accepted` when there is one to store, else the final result (refused,
    invalid, waiting, taken out: each already recorded in the store)."""
    policy = policy or RetryPolicy()
    rng = rng or random.Random()
    item = store.outbox_item(request_id)
    if item is None:
        doc = store.get(request_id)
        if doc.state in DONE:
            return SendResult(request_id, Outcome.SENT, "Already sent.", store.receipt(request_id))
        raise NotQueued()
    answer: Answer | None = None
    for i in range(policy.tries_per_send):
        try:
            answer = client.submit(item.payload, item.idempotency_key, now=clock())
        except NotReady as exc:
            with suppress(*NOT_QUEUED_ANY_MORE):  # edited or deleted meanwhile: out of the outbox either way
                store.dequeue(request_id, exc.errors)
            log.info("send %s: refused by the send gate (%d errors)", request_id, len(exc.errors))
            return SendResult(request_id, Outcome.INVALID, exc.message, errors=exc.errors, tries=i)
        if answer.kind is AnswerKind.ACCEPTED:
            assert answer.receipt is not None
            return Accepted(request_id, answer, i + 1)
        if answer.kind is AnswerKind.REFUSED:
            try:
                store.dequeue(request_id, answer.errors)
            except NOT_QUEUED_ANY_MORE:
                return _taken_out(store, request_id, answer, i + 1)
            log.info("send %s: refused (HTTP %s)", request_id, answer.status)
            return SendResult(
                request_id,
                Outcome.REFUSED,
                answer.message,
                errors=answer.errors,
                tries=i + 1,
                http_status=answer.status,
                endpoint_wide=answer.endpoint_wide,
            )
        wait = policy.wait(item.attempts * policy.tries_per_send + i, answer.retry_after, rng)
        last_try = i + 1 >= policy.tries_per_send
        if last_try or not answer.retry_inline or wait > policy.inline_max_wait:
            next_try = clock() + wait
            try:
                store.record_attempt(request_id, answer.message, iso_time(next_try))
            except NOT_QUEUED_ANY_MORE:
                return _taken_out(store, request_id, answer, i + 1)
            log.info("send %s: will retry (HTTP %s, try %d)", request_id, answer.status, i + 1)
            return SendResult(
                request_id,
                Outcome.WAITING,
                answer.message,
                next_try=next_try,
                tries=i + 1,
                http_status=answer.status,
                endpoint_wide=answer.endpoint_wide,
            )
        sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


# --- the outbox runner ---------------------------------------------------------------------------------------------

Progress = Callable[[int, int, SendResult], Any]


@dataclass
class RunReport:
    """What one `send_due` run did."""

    total: int = 0  # items due when the run started
    results: list[SendResult] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before the last item (endpoint problem, cancelled, busy)
    paused_until: float | None = (
        None  # no automatic send before this time (endpoint overloaded or unreachable)
    )

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def sent(self) -> int:
        return self.count(Outcome.SENT)

    @property
    def refused(self) -> int:
        return self.count(Outcome.REFUSED) + self.count(Outcome.INVALID)

    @property
    def waiting(self) -> int:
        return self.count(Outcome.WAITING)


class Outbox:
    """The outbox of one store, sending to one receiving service. For the GUI and the command line.

    Run `send_due` and `check_status` on a worker thread (they do network and database work); `cancel()` may be
    called from any thread and ends a run once the requests being sent are done. One run at a time: a second
    concurrent `send_due` returns at once with `stopped` set.

    A run sends up to `concurrency` requests at a time (default 2), each sender on its own connection, so that one
    request's validation overlaps another's network round trip. Each request is handled by exactly one sender;
    `concurrency=1` sends strictly one after another. The receipts of a run are stored by a writer of their own,
    several to a transaction, while the senders go on (`app.transmit.receipts`).
    """

    def __init__(
        self,
        store: Store,
        client: Client,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        catalog: Catalog | None = None,
        concurrency: int = 2,
        receipt_linger: float = LINGER,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.store = store
        self.client = client
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.receipt_linger = receipt_linger  # how long the receipts' writer waits for more to share a commit
        self._clock = clock
        self._cancel = threading.Event()
        self._sleep: Sleep = sleep or self._cancel.wait
        self._rng = rng or random.Random()
        self._catalog = catalog
        self._running = threading.Lock()
        self._extra_clients: list[Client] = []
        self._sending: set[str] = set()
        self._sending_lock = threading.Lock()
        self.paused_until: float | None = None
        self.pause_reason: str | None = None

    @property
    def sending(self) -> frozenset[str]:
        """The ids of the requests being sent right now (the GUI should not let them be edited meanwhile)."""
        with self._sending_lock:
            return frozenset(self._sending)

    @classmethod
    def from_store(cls, store: Store, *, keychain_backend: Any | None = None, **kwargs: Any) -> Outbox:
        """An outbox using the transmission settings kept in `store` (`NotConfigured` when they are missing)."""
        settings = TransmitSettings.load(store, keychain_backend=keychain_backend)
        return cls(store, Client(settings, catalog=kwargs.get("catalog")), **kwargs)

    def close(self) -> None:
        self.client.close()
        for extra in self._extra_clients:
            extra.close()
        self._extra_clients.clear()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- queue ---------------------------------------------------------------------------------------------------

    def queue(self, request_id: str) -> OutboxItem:
        return queue(self.store, request_id, catalog=self._catalog)

    def items(self) -> list[OutboxItem]:
        """Every queued item (next to try first), with its attempts, next try and last error."""
        return self.store.outbox()

    # --- sending -------------------------------------------------------------------------------------------------

    def cancel(self) -> None:
        """End the current run once the requests being sent are done (and cut short any backoff wait)."""
        self._cancel.set()

    def send_one(self, request_id: str) -> SendResult:
        """Send one queued request now (Send now on one item), whatever its next try time."""
        with self._running:
            self._cancel.clear()
            return self._send(request_id, self.client)

    def _send(self, request_id: str, client: Client) -> SendResult:
        """`send`, with this outbox's bookkeeping (being sent, the pause)."""
        outcome = self._attempt(request_id, client)
        return self._settle(store_receipt(self.store, outcome)) if isinstance(outcome, Accepted) else outcome

    def _attempt(self, request_id: str, client: Client) -> SendResult | Accepted:
        """`attempt`; the request counts as being sent from here until `_settle` (an accepted one: until its
        receipt is stored)."""
        with self._sending_lock:
            self._sending.add(request_id)
        try:
            outcome = attempt(
                self.store,
                request_id,
                client,
                policy=self.policy,
                clock=self._clock,
                sleep=self._sleep,
                rng=self._rng,
            )
        except BaseException:
            self._done_sending(request_id)
            raise
        return outcome if isinstance(outcome, Accepted) else self._settle(outcome)

    def _done_sending(self, request_id: str) -> None:
        with self._sending_lock:
            self._sending.discard(request_id)

    def _settle(self, result: SendResult) -> SendResult:
        self._done_sending(result.request_id)
        if result.endpoint_wide and result.outcome is Outcome.WAITING:
            self.paused_until, self.pause_reason = result.next_try, result.message
        elif result.outcome is Outcome.SENT:
            self.paused_until, self.pause_reason = None, None
        return result

    def _clients(self, n: int) -> list[Client]:
        while len(self._extra_clients) < n - 1:
            self._extra_clients.append(Client(self.client.settings, catalog=self._catalog))
        return [self.client, *self._extra_clients[: n - 1]]

    def send_due(
        self, now: float | None = None, progress: Progress | None = None, *, force: bool = False
    ) -> RunReport:
        """Send every item due at `now` (default: the clock), reporting `progress(n, m, result)` after each.

        `force` (Send now) sends every queued item whatever its next try time, and ignores a pause. The run stops
        early when a problem concerns the whole endpoint (TLS, no connection, token refused, overloaded with a
        long Retry-After): no further request is started, the others keep their place, and `paused_until` says
        when automatic sending resumes. `progress` is called from the sending threads and the receipts' writer (a
        sent request is reported once its receipt is stored), one call at a time.
        """
        if not self._running.acquire(blocking=False):
            return RunReport(stopped="Another send is already running.")
        try:
            self._cancel.clear()
            now = self._clock() if now is None else now
            if not force and self.paused_until is not None and now < self.paused_until:
                return RunReport(stopped=self.pause_reason, paused_until=self.paused_until)
            due = self.store.outbox(None if force else _now_floor(now))
            report = RunReport(total=len(due))
            if due:
                self._run(due, report, progress)
            return report
        finally:
            self._running.release()

    def _run(self, due: list[OutboxItem], report: RunReport, progress: Progress | None) -> None:
        """The senders take the items in turn; the receipts they get are stored by one writer, several to a
        transaction (`app.transmit.receipts`); a request is reported when its result is final (a receipt: once
        stored)."""
        pending = iter(due)
        lock = threading.Lock()
        failures: list[BaseException] = []

        def finish(result: SendResult) -> None:
            with lock:
                report.results.append(result)
                if result.endpoint_wide and report.stopped is None:
                    report.stopped = result.message
                    report.paused_until = self.paused_until
                if progress is not None:
                    progress(len(report.results), len(due), result)

        def stored(accepted: Accepted, refused: StoreError | None) -> None:
            try:
                finish(self._settle(receipt_stored(self.store, accepted, refused)))
            except BaseException as exc:  # the progress callback, or a receipt the store refused as malformed
                self._done_sending(accepted.request_id)
                with lock:
                    failures.append(exc)

        def failed(exc: BaseException, batch: list[Accepted]) -> None:
            # not stored: still queued, and sent again (same key, same receipt) by the next run
            for accepted in batch:
                self._done_sending(accepted.request_id)
            with lock:
                failures.append(exc)

        def worker(client: Client) -> None:
            while True:
                with lock:
                    if report.stopped is not None or failures:
                        return
                    if self._cancel.is_set():
                        report.stopped = "Cancelled."
                        return
                    item = next(pending, None)
                if item is None:
                    return
                try:
                    outcome = self._attempt(item.request_id, client)
                except NotQueued:  # taken out (edited, deleted) while the run was going on
                    continue
                if isinstance(outcome, Accepted):
                    writer.put(outcome)
                else:
                    finish(outcome)

        def guarded(client: Client) -> None:
            try:
                worker(client)
            except BaseException as exc:  # a store or program error, or from the progress callback
                with lock:
                    failures.append(exc)

        writer = ReceiptWriter(self.store, stored, failed, linger=self.receipt_linger)
        clients = self._clients(min(self.concurrency, len(due)))
        threads = [threading.Thread(target=guarded, args=(c,), name="outbox-sender") for c in clients[1:]]
        try:
            for t in threads:
                t.start()
            try:
                guarded(clients[0])
            finally:
                for t in threads:
                    t.join()
        finally:
            writer.close()
        if failures:
            raise failures[0]

    def next_wakeup(self) -> float | None:
        """When an item is next due (epoch seconds), or None when the outbox is empty."""
        items = self.store.outbox()
        if not items:
            return None
        due = min(epoch(i.next_try) for i in items)
        return max(due, self.paused_until or 0.0)

    # --- after sending -------------------------------------------------------------------------------------------

    def check_status(self, request_id: str) -> ReceiverStatus:
        """Ask the receiver about a sent request; an approval or rejection is recorded in the store."""
        status = self.client.status(request_id)
        local = self.store.get(request_id).state
        if local in DONE and status.state in ("approved", "rejected"):
            outcome = State.APPROVED if status.state == "approved" else State.REJECTED
            decision = {
                k: v
                for k, v in status.to_dict().items()
                if k in ("state", "decided_at", "certificate", "reason")
            }
            receipt = self.store.receipt(request_id) or {}
            if local is not outcome or receipt.get("decision") != decision:
                self.store.set_outcome(request_id, outcome, decision)
        return status

    def newer_editions(self) -> dict[str, str]:
        """Forms whose edition at the receiver differs from the one installed here (form id -> receiver's)."""
        catalog = self._catalog or default_catalog()
        remote = self.client.forms()
        return {
            form: ed
            for form, ed in remote.items()
            if form in catalog.forms and catalog.forms[form].edition != ed
        }

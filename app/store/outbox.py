"""The outbox and receipts: the local half of "sent exactly once".

Queueing freezes the payload and its idempotency key in the same transaction that marks the request Queued; every
retry sends those exact bytes with that key. A receipt is stored, the item leaves the outbox and the request
becomes Sent in one transaction. A refusal takes the item out of the outbox and back to Draft, keeping what the
receiver said. The transmission code (`app/transmit`) builds on these; it decides when and how to send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from app.request import State
from app.store import audit, search, stored
from app.store.audit import AuditEvent
from app.store.drafts import next_seq, state_of, write_rows
from app.store.errors import InvalidTransition, InvalidValue, RequestNotFound, StoreError
from app.store.models import OutboxItem

MAX_KEY_LENGTH = 255
MAX_ERROR_LENGTH = 2000

ITEM_COLUMNS = "request_id, payload, payload_sha256, idempotency_key, queued, attempts, next_try, last_attempt, last_error"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        request_id=row[0],
        payload=row[1],
        payload_sha256=row[2],
        idempotency_key=row[3],
        queued=row[4],
        attempts=int(row[5]),
        next_try=row[6],
        last_attempt=row[7],
        last_error=row[8],
    )


def _set_state(conn: Any, request_id: str, state: State, now: str) -> None:
    conn.execute(
        "UPDATE requests SET state = ?, updated = ?, seq = ? WHERE id = ?",
        (state.value, now, next_seq(conn), request_id),
    )


def _confirmation(receipt: dict[str, Any]) -> str | None:
    value = receipt.get("confirmation")
    return value if isinstance(value, str) else None


def _require(conn: Any, request_id: str, *allowed: State, doing: str) -> State:
    state = state_of(conn, request_id)
    if state not in allowed:
        raise _not_allowed(state, allowed, doing)
    return state


def _not_allowed(state: State, allowed: Sequence[State], doing: str) -> InvalidTransition:
    return InvalidTransition(
        f"Cannot {doing}: the request is {state.label.lower()}.",
        "Only a request that is " + " or ".join(s.label.lower() for s in allowed) + " allows this.",
    )


def enqueue(conn: Any, request_id: str, payload_json: str, idempotency_key: str, now: str) -> OutboxItem:
    _require(conn, request_id, State.READY, doing="queue it")
    if not isinstance(payload_json, str):
        raise InvalidValue("The payload must be JSON text.")
    try:
        json.loads(payload_json)
    except ValueError:
        raise InvalidValue("The payload is not valid JSON.")
    key = idempotency_key
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isascii() or not key.isprintable() or " " in key:
        raise InvalidValue("The idempotency key must be 1 to 255 printable ASCII characters without spaces.")
    digest = hashlib.sha256(payload_json.encode("utf-8")).hexdigest()
    conn.execute(
        f"INSERT INTO outbox ({ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, ?, NULL, NULL)",
        (request_id, payload_json, digest, key, now, now),
    )
    conn.execute("DELETE FROM receiver_errors WHERE request_id = ?", (request_id,))
    _set_state(conn, request_id, State.QUEUED, now)
    audit.log(conn, request_id, AuditEvent.QUEUED, "", now)
    return OutboxItem(request_id, payload_json, digest, key, now, 0, now, None, None)


def items(conn: Any, due_at: str | None = None) -> list[OutboxItem]:
    """Every queued item, the next to try first; only those due at `due_at` when it is given."""
    where = " WHERE next_try <= ?" if due_at is not None else ""
    params = (due_at,) if due_at is not None else ()
    sql = f"SELECT {ITEM_COLUMNS} FROM outbox{where} ORDER BY next_try, queued, request_id"
    return [_item(r) for r in conn.execute(sql, params)]


def item(conn: Any, request_id: str) -> OutboxItem | None:
    row = conn.execute(f"SELECT {ITEM_COLUMNS} FROM outbox WHERE request_id = ?", (request_id,)).fetchone()
    return _item(row) if row else None


def record_attempt(conn: Any, request_id: str, error: str, next_try: str, now: str) -> int:
    """Count a failed try, keep its error and when to try again; returns the number of attempts so far."""
    _require(conn, request_id, State.QUEUED, doing="record a send attempt")
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_attempt = ?, last_error = ?, next_try = ? "
        "WHERE request_id = ?",
        (now, str(error)[:MAX_ERROR_LENGTH], next_try, request_id),
    )
    attempts = int(
        conn.execute("SELECT attempts FROM outbox WHERE request_id = ?", (request_id,)).fetchone()[0]
    )
    audit.log(conn, request_id, AuditEvent.SEND_FAILED, {"attempt": attempts}, now)
    return attempts


def mark_sent(conn: Any, request_id: str, receipt: dict[str, Any], now: str) -> None:
    keep_receipt(conn, request_id, receipt, now)
    _set_state(conn, request_id, State.SENT, now)


def mark_sent_many(
    conn: Any, receipts: Sequence[tuple[str, dict[str, Any]]], now: str
) -> list[StoreError | None]:
    """`mark_sent` for each receipt, in order, inside the caller's transaction; one outcome per receipt: None when
    stored, else the `RequestNotFound`, `InvalidTransition` or `InvalidValue` that `mark_sent` raises for it (that
    one alone is left out: a savepoint each). The requests' rows are changed together at the end, in few
    statements (`drafts.write_rows`): a row's new state moves its `seq`, which the name index's trigger follows,
    and FTS5 writes its pending terms to disk at every statement that changes it (a statement per receipt made a
    group of 25 about a tenth slower to store)."""
    outcomes: list[StoreError | None] = []
    stored: list[str] = []
    for request_id, receipt in receipts:
        conn.execute("SAVEPOINT receipt")
        try:
            if request_id in stored:  # its row changes at the end: it is sent already
                raise _not_allowed(State.SENT, (State.QUEUED,), "mark it sent")
            keep_receipt(conn, request_id, receipt, now)
        except (RequestNotFound, InvalidTransition, InvalidValue) as exc:
            conn.execute("ROLLBACK TO receipt")
            outcomes.append(exc)
        else:
            outcomes.append(None)
            stored.append(request_id)
        conn.execute("RELEASE receipt")
    first = next_seq(conn)
    write_rows(conn, SENT_SQL, [(rid, State.SENT.value, now, first + i) for i, rid in enumerate(stored)])
    return outcomes


# `_set_state(..., State.SENT, ...)` for many requests: (id, state, updated, seq) rows
SENT_SQL = (
    "UPDATE requests SET state = v.column2, updated = v.column3, seq = v.column4 FROM (VALUES {rows}) AS v "
    "WHERE requests.id = v.column1"
)


def keep_receipt(conn: Any, request_id: str, receipt: dict[str, Any], now: str) -> None:
    """All of `mark_sent` but the request's new state: the receipt kept, the request out of the outbox, found by
    its confirmation number, the audit entry."""
    _require(conn, request_id, State.QUEUED, doing="mark it sent")
    if not isinstance(receipt, dict):
        raise InvalidValue("A receipt is a JSON object.")
    try:
        text = json.dumps(receipt, ensure_ascii=False, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError):
        raise InvalidValue("The receipt is not plain JSON data.")
    key = conn.execute("SELECT idempotency_key FROM outbox WHERE request_id = ?", (request_id,)).fetchone()[0]
    conn.execute(
        "INSERT OR REPLACE INTO receipts (request_id, idempotency_key, received, receipt) VALUES (?, ?, ?, ?)",
        (request_id, key, now, text),
    )
    conn.execute("DELETE FROM outbox WHERE request_id = ?", (request_id,))
    search.add_confirmation(conn, request_id, _confirmation(receipt))  # found by its number from now on
    audit.log(conn, request_id, AuditEvent.SENT, "", now)


def dequeue(conn: Any, request_id: str, errors: list[dict[str, Any]] | None, now: str) -> None:
    """Out of the outbox and back to Draft; the receiver's `errors` (field, code, message) are kept."""
    _require(conn, request_id, State.QUEUED, doing="take it out of the outbox")
    conn.execute("DELETE FROM outbox WHERE request_id = ?", (request_id,))
    if errors:
        try:
            text = json.dumps(list(errors), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidValue("The receiver's errors are not plain JSON data.")
        conn.execute(
            "INSERT OR REPLACE INTO receiver_errors (request_id, recorded, errors) VALUES (?, ?, ?)",
            (request_id, now, text),
        )
    _set_state(conn, request_id, State.DRAFT, now)
    detail: dict[str, Any] = {"reason": "receiver_errors" if errors else "user"}
    if errors:
        detail["errors"] = len(errors)
    audit.log(conn, request_id, AuditEvent.DEQUEUED, detail, now)


def receipt(conn: Any, request_id: str) -> dict[str, Any] | None:
    state_of(conn, request_id)
    row = conn.execute("SELECT receipt FROM receipts WHERE request_id = ?", (request_id,)).fetchone()
    return stored.loads(row[0], "a receipt", dict) if row else None


def receiver_errors(conn: Any, request_id: str) -> list[dict[str, Any]]:
    state_of(conn, request_id)
    row = conn.execute("SELECT errors FROM receiver_errors WHERE request_id = ?", (request_id,)).fetchone()
    return stored.loads(row[0], "a receiver's refusal", list) if row else []


def set_outcome(
    conn: Any, request_id: str, outcome: State, now: str, decision: dict[str, Any] | None = None
) -> None:
    """The agency's decision on a sent request: approved or rejected. `decision` (the certificate's period, or the
    reason for a rejection, as the receiver reported them) is kept with the receipt, under "decision"."""
    if outcome not in (State.APPROVED, State.REJECTED):
        raise InvalidValue("An outcome is approved or rejected.")
    _require(
        conn, request_id, State.SENT, State.APPROVED, State.REJECTED, doing="record the agency's decision"
    )
    _set_state(conn, request_id, outcome, now)
    if decision is not None:
        row = conn.execute("SELECT receipt FROM receipts WHERE request_id = ?", (request_id,)).fetchone()
        if row is not None:
            kept = stored.loads(row[0], "a receipt", dict)
            kept["decision"] = decision
            conn.execute(
                "UPDATE receipts SET receipt = ? WHERE request_id = ?", (json.dumps(kept), request_id)
            )
    event = AuditEvent.APPROVED if outcome is State.APPROVED else AuditEvent.REJECTED
    audit.log(conn, request_id, event, "", now)

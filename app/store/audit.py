"""The audit log: what happened to each request, and when, with no personal data in it.

Only a fixed set of events is accepted, and the detail is a few `key=value` pairs where each key has a fixed kind
of value (a small number, yes/no, a word from a closed list, a request id). A name, an SSN or a date cannot pass,
so the log's text is safe to show, export or attach to a support ticket.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from app.request import State
from app.store.errors import InvalidValue
from app.store.models import AuditEntry, DuplicateMode


class AuditEvent(StrEnum):
    # about one request
    CREATED = "created"
    EDITED = "edited"
    DUPLICATED = "duplicated"
    QUEUED = "queued"
    DEQUEUED = "dequeued"
    SEND_FAILED = "send_failed"
    SENT = "sent"
    APPROVED = "approved"
    REJECTED = "rejected"
    PRINTED = "printed"
    EXPORTED = "exported"
    DELETED = "deleted"
    CARRIED_OVER = "carried_over"  # to a new edition of its form, with a report
    # about the store itself (no request id)
    STORE_CREATED = "store_created"
    PASSPHRASE_CHANGED = "passphrase_changed"
    BACKUP_MADE = "backup_made"
    RESTORED = "restored"
    IMPORTED = "imported"  # a roster import (one batch)
    IMPORT_UNDONE = "import_undone"
    REGISTER_EXPORTED = "register_exported"  # the register of requests, written to a file
    STORE_CHECKED = "store_checked"  # the whole-file check passed (`Store.check`)


def _number(value: str) -> bool:
    return re.fullmatch(r"\d{1,6}", value) is not None


def _one_of(*words: str) -> Callable[[str], bool]:
    allowed = frozenset(words)
    return lambda value: value in allowed


def _request_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


DETAIL_RULES: dict[str, Callable[[str], bool]] = {
    "masked": _one_of("yes", "no"),
    "revision": _number,
    "attempt": _number,
    "errors": _number,
    "warnings": _number,
    "pages": _number,
    "copies": _number,
    "http_status": _number,
    "schema": _number,
    "mode": _one_of(*(m.value for m in DuplicateMode)),
    "from": _request_id,
    "format": _one_of("json", "pdf", "csv", "xlsx"),
    "created": _number,
    "updated": _number,
    "deleted": _number,
    "restored": _number,
    "rows": _number,
    "ssn": _one_of("yes", "no"),
    "to": _one_of("file", "stdout", "printer", "preview"),
    "source": _one_of("cli", "gui", "import", "demo", "restore", "api", "idle"),
    "reason": _one_of("edited", "user", "receiver_refused", "receiver_errors", "new_edition"),
    "state": _one_of(*(s.value for s in State)),
    "index": _one_of("sound", "rebuilt"),
}


def format_detail(detail: str | Mapping[str, Any]) -> str:
    """The checked `key=value ...` text of a detail; `InvalidValue` (naming no value) when it is not allowed."""
    if isinstance(detail, str):
        pairs: list[tuple[str, str]] = []
        for part in detail.split():
            key, sep, value = part.partition("=")
            if not sep:
                raise InvalidValue("An audit detail must be key=value pairs.")
            pairs.append((key, value))
    else:
        pairs = []
        for key, value in detail.items():
            if isinstance(value, bool):
                text = "yes" if value else "no"
            elif isinstance(value, StrEnum):
                text = value.value
            else:
                text = str(value)
            pairs.append((key, text))
    for key, value in pairs:
        rule = DETAIL_RULES.get(key)
        if rule is None:
            raise InvalidValue(
                "An audit detail key is not one of the allowed ones.",
                f"Allowed keys: {', '.join(sorted(DETAIL_RULES))}.",
            )
        if not rule(value):
            raise InvalidValue(f"The audit detail {key!r} has a value of the wrong kind (it is not stored).")
    return " ".join(f"{k}={v}" for k, v in pairs)


def _row(
    request_id: str | None, event: AuditEvent | str, detail: str | Mapping[str, Any], at: str
) -> tuple[Any, ...]:
    try:
        kind = AuditEvent(event)
    except ValueError:
        raise InvalidValue(
            "Unknown audit event.", f"Known events: {', '.join(e.value for e in AuditEvent)}."
        ) from None
    if request_id is not None and not _request_id(request_id):
        raise InvalidValue("An audit entry names a request by its id (a UUID).")
    return (request_id, at, kind.value, format_detail(detail))


INSERT_SQL = "INSERT INTO audit (request_id, at, event, detail) VALUES (?, ?, ?, ?)"


def log(
    conn: Any, request_id: str | None, event: AuditEvent | str, detail: str | Mapping[str, Any], at: str
) -> None:
    conn.execute(INSERT_SQL, _row(request_id, event, detail, at))


def log_many(
    conn: Any, entries: Sequence[tuple[str | None, AuditEvent | str, str | Mapping[str, Any]]], at: str
) -> None:
    """`log` for each (request id, event, detail), in order, with one statement."""
    conn.executemany(
        INSERT_SQL, [_row(request_id, event, detail, at) for request_id, event, detail in entries]
    )


def last_event(conn: Any, request_id: str) -> str | None:
    row = conn.execute(
        "SELECT event FROM audit WHERE request_id = ? ORDER BY seq DESC LIMIT 1", (request_id,)
    ).fetchone()
    return str(row[0]) if row else None


def entries(conn: Any, request_id: str | None = None, *, limit: int | None = None) -> list[AuditEntry]:
    """Oldest first: for one request, or the store-level entries when `request_id` is None."""
    where = "request_id = ?" if request_id is not None else "request_id IS NULL"
    params: tuple[Any, ...] = (request_id,) if request_id is not None else ()
    sql = f"SELECT seq, request_id, at, event, detail FROM audit WHERE {where} ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params = (*params, int(limit))
    return [AuditEntry(int(r[0]), r[1], str(r[2]), str(r[3]), str(r[4])) for r in conn.execute(sql, params)]

"""Many requests written as one step (a roster import), found by their external reference, and undone as one.

- `find_refs(conn, refs)`: the current request holding each `request.external_ref` answer (an index over the
  stored documents, so a reference typed in the wizard is found too).
- `apply(conn, items, now)`: save every item inside the caller's ONE transaction, each against the revision the
  caller read (None for a new request): a request saved elsewhere meanwhile raises `BatchConflict`, and the
  whole batch rolls back. The batch is recorded with each request's revision before and after.
- `undo(conn, batch_id, now)`: in one transaction, delete the requests the batch created and put back the
  revision before it of those it updated; a request changed since the batch (or sent) is left as it is and
  counted as kept.

Like `drafts`, these functions take an open connection and run inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.request import RequestDoc, State
from app.store import audit, drafts, stored
from app.store.audit import AuditEvent
from app.store.errors import InvalidTransition, StoreError
from app.store.schema import REF_SQL

UPDATABLE = frozenset({State.DRAFT, State.READY})
CHUNK = 500  # ids or references per query (SQLite allows 999 parameters in old builds)


class BatchConflict(StoreError):
    """A request of the batch changed after it was read: nothing of the batch was saved."""

    message = "A request was changed elsewhere while this was being prepared; nothing was saved."
    hint = "Do it again: it starts from the requests as they are now."
    exit_code = 3


@dataclass(frozen=True)
class RefMatch:
    request_id: str
    state: State
    revision: int
    form: str
    error_count: int
    warning_count: int


@dataclass(frozen=True)
class BatchItem:
    doc: RequestDoc
    error_count: int
    warning_count: int
    base_revision: int | None  # the revision read before preparing the change; None for a new request


@dataclass(frozen=True)
class BatchInfo:
    id: str
    at: str
    undone: str | None
    created: int
    updated: int


@dataclass(frozen=True)
class UndoResult:
    batch_id: str
    deleted: int  # requests the batch had created
    restored: int  # requests put back to their revision before the batch
    kept: int  # requests changed (or sent) since the batch, left as they are


def find_refs(conn: Any, refs: Iterable[str]) -> dict[str, RefMatch]:
    """The request currently answering `request.external_ref` = ref, for each ref that has one (the latest
    changed when two requests hold the same reference)."""
    wanted = list(dict.fromkeys(refs))
    found: dict[str, RefMatch] = {}
    ref_sql = REF_SQL.replace("doc", "v.doc")
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            f"SELECT {ref_sql}, r.id, r.state, r.revision, r.form, r.error_count, r.warning_count "
            "FROM revisions v JOIN requests r ON r.id = v.request_id AND r.revision = v.rev "
            f"WHERE {ref_sql} IN ({', '.join('?' * len(chunk))}) ORDER BY r.seq",
            chunk,
        ).fetchall()
        for row in rows:  # in save order: the latest wins
            found[str(row[0])] = RefMatch(
                str(row[1]), State(row[2]), int(row[3]), str(row[4]), int(row[5]), int(row[6])
            )
    return found


def _current(conn: Any, ids: list[str]) -> dict[str, tuple[State, int]]:
    out: dict[str, tuple[State, int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        sql = f"SELECT id, state, revision FROM requests WHERE id IN ({', '.join('?' * len(chunk))})"
        for row in conn.execute(sql, chunk):
            out[str(row[0])] = (State(row[1]), int(row[2]))
    return out


def apply(conn: Any, items: Sequence[BatchItem], now: str) -> tuple[str, list[int]]:
    """Save every item (each checked against its base revision) and record the batch; (batch id, revisions)."""
    batch_id = str(uuid.uuid4())
    conn.execute("INSERT INTO batches (id, kind, at) VALUES (?, 'import', ?)", (batch_id, now))
    current = _current(conn, [item.doc.id for item in items])
    for item in items:
        state, base = current.get(item.doc.id, (None, None))
        if base != item.base_revision:
            raise BatchConflict()
        if state is not None and state not in UPDATABLE:
            raise BatchConflict(f"A request became {state.label.lower()} meanwhile; nothing was saved.")
    saved = drafts.save_all(
        conn, [(item.doc, item.error_count, item.warning_count, item.base_revision) for item in items], now
    )
    revisions = [revision for revision, _state in saved]
    records = [
        (batch_id, item.doc.id, item.base_revision, revision)
        for item, revision in zip(items, revisions, strict=True)
    ]
    conn.executemany(
        "INSERT INTO batch_items (batch_id, request_id, before_rev, after_rev) VALUES (?, ?, ?, ?)", records
    )
    created = sum(1 for r in records if r[2] is None)
    updated = len(records) - created
    audit.log(conn, None, AuditEvent.IMPORTED, {"created": created, "updated": updated}, now)
    return batch_id, revisions


def last(conn: Any) -> BatchInfo | None:
    """The latest batch not undone yet, or None."""
    row = conn.execute(
        "SELECT b.id, b.at, b.undone, sum(i.before_rev IS NULL), sum(i.before_rev IS NOT NULL) "
        "FROM batches b LEFT JOIN batch_items i ON i.batch_id = b.id WHERE b.undone IS NULL "
        "GROUP BY b.id ORDER BY b.rowid DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return BatchInfo(str(row[0]), str(row[1]), row[2], int(row[3] or 0), int(row[4] or 0))


def undo(conn: Any, batch_id: str, now: str) -> UndoResult:
    row = conn.execute("SELECT undone FROM batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise InvalidTransition("There is no such import.")
    if row[0] is not None:
        raise InvalidTransition("That import was already undone.")
    deleted = restored = kept = 0
    items = conn.execute(
        "SELECT request_id, before_rev, after_rev FROM batch_items WHERE batch_id = ?", (batch_id,)
    ).fetchall()
    for request_id, before, after in items:
        current = conn.execute("SELECT state, revision FROM requests WHERE id = ?", (request_id,)).fetchone()
        if current is None:  # deleted since: nothing to undo
            continue
        if int(current[1]) != int(after) or State(current[0]) not in UPDATABLE:
            kept += 1
            continue
        if before is None:
            drafts.delete(conn, request_id, now)
            deleted += 1
            continue
        old = conn.execute(
            "SELECT doc, error_count, warning_count FROM revisions WHERE request_id = ? AND rev = ?",
            (request_id, before),
        ).fetchone()
        if old is None:  # pruned (only the last revisions are kept)
            kept += 1
            continue
        doc = stored.document(old[0])
        drafts.save(conn, doc, int(old[1]), int(old[2]), now, base_revision=int(current[1]))
        restored += 1
    conn.execute("UPDATE batches SET undone = ? WHERE id = ?", (now, batch_id))
    audit.log(conn, None, AuditEvent.IMPORT_UNDONE, {"deleted": deleted, "restored": restored}, now)
    return UndoResult(batch_id, deleted, restored, kept)

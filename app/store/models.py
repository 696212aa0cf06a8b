"""The plain records the store hands out: list rows, revisions, outbox items, audit entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from app.request import State


class DuplicateMode(StrEnum):
    NEW_ASSIGNMENT = "new_assignment"  # same worker, new dates
    EXTENSION = "extension"  # continues an earlier certificate


class ListOrder(StrEnum):
    """How `Store.list` sorts. Each value maps to a fixed ORDER BY (never user text in SQL)."""

    RECENT = "-updated"  # last changed first (the default)
    OLDEST = "updated"
    ENDING = "end_date"  # assignment ends soonest first, undated last
    STARTING = "start_date"
    WORKER = "worker"  # by name
    CREATED = "-created"  # newest first
    STATE = "state"
    KIND = "kind"  # employee before self-employed
    ERRORS = "-errors"  # most errors first


class RequestSummary(NamedTuple):
    """One row of the request list (what the list shows, without the answers).

    A named tuple: immutable, and cheap enough to build 10,000 of them for a full list.
    """

    id: str
    form: str
    agreement: str
    kind: str
    edition: str
    state: State
    worker_name: str
    start_date: str | None
    end_date: str | None
    error_count: int
    warning_count: int
    revision: int
    created: str
    updated: str
    # the receiver's confirmation number, once sent (`app.store.confirmations`)
    confirmation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict()
        data["state"] = self.state.value
        return data


@dataclass(frozen=True)
class Revision:
    """One saved version of a request (`Store.revision(id, rev)` returns its document)."""

    rev: int
    saved: str
    state: State
    error_count: int
    warning_count: int


@dataclass(frozen=True)
class OutboxItem:
    """A queued request: its frozen payload and idempotency key, and how sending has gone so far."""

    request_id: str
    payload: str = field(repr=False)
    payload_sha256: str
    idempotency_key: str
    queued: str
    attempts: int
    next_try: str
    last_attempt: str | None
    last_error: str | None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    request_id: str | None
    at: str
    event: str
    detail: str


@dataclass(frozen=True)
class EditionReport:
    """What carrying a request over to a new edition of its form did (`report`: JSON, see
    `app.forms.migration.MigrationReport`), and whether the coordinator has seen it."""

    seq: int
    request_id: str
    created: str
    report: str
    seen: bool


@dataclass(frozen=True)
class StoreCheck:
    """What `Store.check` found in a sound store: how much it read, and whether it had to rebuild the search index
    (or set the confirmation numbers on the rows again from the receipts)."""

    pages: int
    size_bytes: int
    index_rebuilt: bool

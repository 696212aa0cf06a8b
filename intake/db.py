"""The intake service's own database (plain SQLite: this is a reference service for local runs, not the app).

One row per request received, unique per (client, idempotency key): a retry can never make a second row, even
when two copies arrive at once. A row is committed (WAL, synchronous=FULL) before the receipt is answered, so a
receipt once issued is never forgotten.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_FILE = "intake.sqlite3"
STATES = ("received", "in_review", "approved", "rejected")
# Confirmation numbers: no 0/O or 1/I/L, so they can be read out over the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,
    client TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    form TEXT NOT NULL,
    confirmation TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'in_review', 'approved', 'rejected')),
    decided_at TEXT,
    reason TEXT,
    cert_start TEXT,
    cert_end TEXT,
    UNIQUE (client, idempotency_key)
);
CREATE INDEX IF NOT EXISTS requests_by_id ON requests (request_id);
"""


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_confirmation() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"COC-{body[:4]}-{body[4:]}"


@dataclass(frozen=True)
class Received:
    """One request as the receiver holds it."""

    seq: int
    client: str
    idempotency_key: str
    request_id: str
    fingerprint: str
    payload: str
    form: str
    confirmation: str
    received_at: str
    state: str
    decided_at: str | None
    reason: str | None
    cert_start: str | None
    cert_end: str | None

    def receipt(self) -> dict[str, str]:
        return {
            "confirmation": self.confirmation,
            "received_at": self.received_at,
            "request_id": self.request_id,
        }

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "request_id": self.request_id,
            "confirmation": self.confirmation,
            "received_at": self.received_at,
            "state": self.state,
        }
        if self.decided_at:
            out["decided_at"] = self.decided_at
        if self.state == "approved":
            out["certificate"] = {"start": self.cert_start, "end": self.cert_end}
        if self.state == "rejected":
            out["reason"] = self.reason or ""
        return out

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload)
        return data


COLUMNS = (
    "seq, client, idempotency_key, request_id, fingerprint, payload, form, confirmation, received_at, state, "
    "decided_at, reason, cert_start, cert_end"
)


def _row(row: Any) -> Received:
    return Received(*row)


class IntakeDB:
    """The database, shared by the server's threads (one connection behind a lock)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    def __enter__(self) -> IntakeDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def by_key(self, client: str, key: str) -> Received | None:
        with self.lock:
            row = self._conn.execute(
                f"SELECT {COLUMNS} FROM requests WHERE client = ? AND idempotency_key = ?", (client, key)
            ).fetchone()
        return _row(row) if row else None

    def insert(
        self,
        conn: sqlite3.Connection,
        client: str,
        key: str,
        request_id: str,
        fingerprint: str,
        payload: str,
        form: str,
    ) -> Received:
        """Insert inside the caller's transaction; a fresh confirmation number is drawn until it is unique."""
        received_at = now_iso()
        while True:
            confirmation = new_confirmation()
            try:
                cur = conn.execute(
                    "INSERT INTO requests (client, idempotency_key, request_id, fingerprint, payload, form, "
                    "confirmation, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (client, key, request_id, fingerprint, payload, form, confirmation, received_at),
                )
            except sqlite3.IntegrityError as exc:
                if "confirmation" in str(exc):
                    continue
                raise
            seq = int(cur.lastrowid or 0)
            break
        row = conn.execute(f"SELECT {COLUMNS} FROM requests WHERE seq = ?", (seq,)).fetchone()
        return _row(row)

    def for_client(self, client: str, request_id: str) -> Received | None:
        with self.lock:
            row = self._conn.execute(
                f"SELECT {COLUMNS} FROM requests WHERE client = ? AND request_id = ? ORDER BY seq LIMIT 1",
                (client, request_id),
            ).fetchone()
        return _row(row) if row else None

    def find(self, id_or_confirmation: str) -> list[Received]:
        """Requests whose id or confirmation number is `id_or_confirmation` (or starts with it, 4+ characters)."""
        text = id_or_confirmation.strip()
        with self.lock:
            rows = self._conn.execute(
                f"SELECT {COLUMNS} FROM requests WHERE request_id = ? OR confirmation = ? ORDER BY seq",
                (text, text.upper()),
            ).fetchall()
            if not rows and len(text) >= 4:
                rows = self._conn.execute(
                    f"SELECT {COLUMNS} FROM requests WHERE substr(request_id, 1, ?) = ? ORDER BY seq",
                    (len(text), text),
                ).fetchall()
        return [_row(r) for r in rows]

    def all(self) -> list[Received]:
        with self.lock:
            rows = self._conn.execute(f"SELECT {COLUMNS} FROM requests ORDER BY seq").fetchall()
        return [_row(r) for r in rows]

    def count(self) -> int:
        with self.lock:
            return int(self._conn.execute("SELECT count(*) FROM requests").fetchone()[0])

    def decide(
        self, seq: int, state: str, reason: str | None, cert_start: str | None, cert_end: str | None
    ) -> Received:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE requests SET state = ?, decided_at = ?, reason = ?, cert_start = ?, cert_end = ? "
                "WHERE seq = ?",
                (
                    state,
                    now_iso() if state in ("approved", "rejected") else None,
                    reason,
                    cert_start,
                    cert_end,
                    seq,
                ),
            )
            row = conn.execute(f"SELECT {COLUMNS} FROM requests WHERE seq = ?", (seq,)).fetchone()
        return _row(row)

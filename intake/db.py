"""The intake service's own database: SQLCipher 4, as the application's store, since it holds whole requests (SSNs,
birth dates, names).

The key is 32 random bytes (and the file's salt) made on first start and kept in `intake.key` beside the database,
mode 0600 in a 0700 folder; it never appears on a command line. The connection is opened the application's way
(`app.store.connection`: key first, fail closed unless the library encrypts).

One row per request received, unique per (client, idempotency key): a retry can never make a second row, even
when two copies arrive at once. A row is committed (WAL, synchronous=FULL) before the receipt is answered, so a
receipt once issued is never forgotten.

A plain-SQLite `intake.sqlite3` left by an older version is copied into the encrypted database on first start and
then deleted (`IntakeDB.upgraded` says so).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from app.fileio import create_private, private_dir, tighten_file
from app.store.connection import SQLITE_HEADER, configure, connect, translated
from app.store.errors import StoreError
from app.store.keys import KEY_BYTES, SALT_BYTES, RawKey

DB_FILE = "intake.db"
KEY_FILE = "intake.key"
LEGACY_FILE = "intake.sqlite3"  # plain SQLite, written by versions before the database was encrypted
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
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


class IntakeDataError(Exception):
    """The service's data folder cannot be used; the message says why and what to do."""


def has_data(data_dir: Path) -> bool:
    """Whether `data_dir` holds an intake database (encrypted, or plain from an older version)."""
    return (data_dir / DB_FILE).is_file() or (data_dir / LEGACY_FILE).is_file()


def _read_key(path: Path) -> RawKey:
    tighten_file(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) != 2 * (KEY_BYTES + SALT_BYTES):
            raise ValueError("not a key")
        return RawKey.from_hex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise IntakeDataError(
            f"The intake database's key file {path} cannot be read or is damaged, so the requests received "
            "cannot be decrypted. Restore the file, or move the folder away to start with an empty service."
        )


def database_key(data_dir: Path) -> RawKey:
    """The database's key from `intake.key`, made (0600) when neither the key nor the database exists yet."""
    path = data_dir / KEY_FILE
    if path.exists() or (data_dir / DB_FILE).exists():
        if not path.exists():
            raise IntakeDataError(
                f"The intake database {data_dir / DB_FILE} is there but its key file {path} is missing, so the "
                "requests received cannot be decrypted. Restore the key file, or move the folder away to start "
                "with an empty service."
            )
        return _read_key(path)
    key = RawKey(secrets.token_bytes(KEY_BYTES), secrets.token_bytes(SALT_BYTES))
    try:
        create_private(path, key.to_hex().encode("ascii"))
    except FileExistsError:  # another process made it first
        return _read_key(path)
    return key


def _remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_SUFFIXES)):
        with suppress(FileNotFoundError):
            candidate.unlink()


class IntakeDB:
    """The database, shared by the server's threads (one connection behind a lock)."""

    def __init__(self, data_dir: Path) -> None:
        private_dir(data_dir)
        self.path = data_dir / DB_FILE
        self.upgraded: Path | None = None  # the plain database of an older version, now encrypted and deleted
        key = database_key(data_dir)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        if not self.path.exists():  # SQLite would make it 0644; its -wal and -shm take this file's mode
            with suppress(FileExistsError):
                create_private(self.path, b"")
        tighten_file(self.path)
        try:
            self._conn: Any = connect(self.path, key, create=fresh)
            configure(self._conn)
        except StoreError as exc:
            raise IntakeDataError(
                f"The intake database {self.path} cannot be opened: {exc.message} Move the folder away to start "
                "with an empty service."
            )
        self.lock = threading.RLock()
        with translated():
            self._conn.execute("PRAGMA busy_timeout = 30000")
            self._conn.executescript(SCHEMA)
        legacy = data_dir / LEGACY_FILE
        if legacy.is_file():
            try:
                self._upgrade(legacy)
            except StoreError as exc:
                self.close()
                raise IntakeDataError(
                    f"The plain database {legacy} of an older version could not be encrypted: {exc.message} "
                    "Move it away (it holds requests in clear) and start again."
                )

    def _upgrade(self, legacy: Path) -> None:
        """Copy the requests of an older version's plain database into this one, then delete the plain file."""
        with open(legacy, "rb") as fh:
            if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return
        with self.lock, translated():
            self._conn.execute("ATTACH DATABASE ? AS legacy KEY ''", (str(legacy),))
            try:
                with self.transaction() as conn:
                    conn.execute(
                        f"INSERT OR IGNORE INTO main.requests ({COLUMNS}) SELECT {COLUMNS} FROM legacy.requests"
                    )
            finally:
                self._conn.execute("DETACH DATABASE legacy")
        _remove_with_sidecars(legacy)
        self.upgraded = legacy

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    def __enter__(self) -> IntakeDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
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
        conn: Any,
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
            except sqlcipher3.IntegrityError as exc:
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

"""Opening a SQLCipher connection the safe way, and telling environment errors from bugs.

The order is fixed (see `docs/store.md`): look at the file before the library touches it (so that an empty, plain
or truncated file is refused without a byte written), key the connection before any other statement, silence
SQLCipher's own log, fail closed unless the library is SQLCipher 4, probe with a first read, check every page's
HMAC and the b-tree, and only then configure (WAL, `synchronous=FULL`, in-memory temp storage), which is the first
thing that may write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import sqlcipher3

from app.store.errors import (
    CipherUnavailable,
    DamagedStore,
    DiskFull,
    EmptyStoreFile,
    PlainDatabaseFile,
    ReadOnlyFolder,
    ReadOnlyStore,
    StoreBusy,
    StoreError,
    StoreNotFound,
    StoreUnreadable,
    UnsafeCompanionFile,
    WrongPassphrase,
)
from app.store.keys import RawKey

PAGE_SIZE = 4096
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0
EXPECTED_CIPHER_SETTINGS = {
    "cipher_page_size": "4096",
    "cipher_use_hmac": "1",
    "cipher_hmac_algorithm": "HMAC_SHA512",
    "cipher_plaintext_header_size": "0",
}

# SQLite primary result codes (the low byte of an extended code).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_INTERRUPT, SQLITE_IOERR = 5, 6, 8, 9, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What the store needs of a DB-API connection (sqlcipher3's, or the standard library's for baselines)."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ..., /) -> Cursor: ...
    def close(self) -> None: ...


def precheck(path: Path) -> None:
    """Refuse, without opening it in SQLite, a file that cannot be a store: missing, empty, plain or cut short, or
    with a companion file that is a symbolic link."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoreNotFound(f"There is no store at {path}.")
    except PermissionError:
        raise StoreUnreadable(
            f"The folder {path.parent} cannot be read by you (permission denied); nothing was changed."
        )
    if not path.is_file():
        raise StoreNotFound(f"{path} is not a file.")
    check_companions(path)
    if size == 0:
        raise EmptyStoreFile()
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise PlainDatabaseFile()
    if size % PAGE_SIZE:
        raise DamagedStore(
            f"The store file is incomplete or not a store file ({size} bytes is not a whole number of "
            f"{PAGE_SIZE}-byte pages); it was left unchanged."
        )


def check_companions(path: Path) -> None:
    """Refuse a store whose -wal, -shm or -journal is a symbolic link: SQLite would follow it, writing the store's
    pages elsewhere or reading someone else's frames as the store's own."""
    for suffix in COMPANION_SUFFIXES:
        side = path.with_name(path.name + suffix)
        if side.is_symlink():
            raise UnsafeCompanionFile(
                f"{side} is a symbolic link (to {os.readlink(side)}), where the store keeps a file of its own; "
                "a link there could send the store's pages elsewhere. Nothing was opened or changed."
            )


def explain(path: Path, error: StoreError) -> StoreError:
    """What is actually wrong when SQLite could not open or set up the existing store `path` (`error` is what its
    result code alone says): a companion file that is a link, a folder that cannot be written, a file that is not
    yours. Never "create a store": there is one."""
    try:
        check_companions(path)
    except UnsafeCompanionFile as unsafe:
        return unsafe
    folder = path.parent
    if path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return ReadOnlyFolder(
            f"The data folder {folder} cannot be written (a read-only folder or disk), and the store needs to "
            f"keep its companion files (store.db-wal, store.db-shm) beside {path.name} while it is open. Nothing "
            "was changed."
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return StoreUnreadable(f"You may not read and write the store file {path}; nothing was changed.")
    if isinstance(error, StoreNotFound) and path.exists():
        return StoreUnreadable()
    return error


def translate(exc: BaseException) -> StoreError | None:
    """The `StoreError` an SQLite error stands for, or None when it is a bug (bad SQL, misuse)."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, MemoryError):  # SQLCipher's quick_check on some damaged pages
        return DamagedStore()
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == SQLITE_NOTADB:
        return WrongPassphrase()
    if primary == SQLITE_CORRUPT:
        return DamagedStore()
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreBusy()
    if primary == SQLITE_FULL:
        return DiskFull()
    if primary == SQLITE_READONLY:
        return ReadOnlyStore()
    if primary == SQLITE_CANTOPEN:
        return StoreUnreadable(
            "The store file or a companion file of it cannot be opened; nothing was changed."
        )
    if primary == SQLITE_IOERR:
        return StoreError("A disk error stopped the store.", "Check the disk and try again.")
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Turn SQLite environment errors raised inside the block into `StoreError`s."""
    try:
        yield
    except (sqlcipher3.Error, MemoryError) as exc:
        mapped = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc
    except Exception as exc:  # the standard library's sqlite3 errors (baselines, the fail-closed test)
        mapped = translate(exc) if hasattr(exc, "sqlite_errorcode") else None
        if mapped is None:
            raise
        raise mapped from exc


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def connect(
    path: Path,
    key: RawKey,
    *,
    create: bool = False,
    readonly: bool = False,
    driver: ModuleType | None = None,
) -> Any:
    """A keyed, checked connection to `path`; closed again (and the file untouched) on any failure.

    `create` allows the file to be made (only ever a fresh temporary file, see `Store.create`); otherwise the file
    must exist and pass `precheck`. `driver` swaps the DB-API module (tests prove a plain SQLite fails closed).
    """
    if not create:
        precheck(path)
    mode = "rwc" if create else ("ro" if readonly else "rw")
    module: Any = driver or sqlcipher3
    with translated():
        conn = module.connect(
            _uri(path, mode), uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
    try:
        with translated():
            # 1. the key, before any other statement (SQLCipher >= 4.7 requires it)
            conn.execute(f'PRAGMA key = "{key.sql_literal()}"')
            # 2. SQLCipher's own log off: a wrong key must not print to stderr
            conn.execute("PRAGMA cipher_log_level = NONE")
            # 3. fail closed on a library that does not encrypt
            row = conn.execute("PRAGMA cipher_version").fetchone()
            version = str(row[0]) if row and row[0] else ""
            if not version.startswith("4."):
                raise CipherUnavailable()
            # 4. the probe: a wrong key shows only on the first read
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            check_cipher_settings(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def check_cipher_settings(conn: Any) -> None:
    for pragma, expected in EXPECTED_CIPHER_SETTINGS.items():
        row = conn.execute(f"PRAGMA {pragma}").fetchone()
        if row is None or str(row[0]) != expected:
            raise CipherUnavailable(
                f"SQLCipher is not using its version 4 settings ({pragma} is {row[0] if row else 'unset'})."
            )


def interrupted(exc: BaseException) -> bool:
    """True for the error of a statement stopped by `Connection.interrupt()`."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_INTERRUPT


def verify(conn: Any) -> None:
    """Every page's HMAC (`cipher_integrity_check`) and then the b-trees (`quick_check`); read only.

    This reads the whole file twice, so it is not part of opening (SQLCipher checks each page's HMAC when it reads
    it anyway): it runs after a restore, on demand and at idle (`Store.check`). See `docs/store.md`."""
    with translated():
        failures = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if failures:
            raise DamagedStore(
                f"The store file is damaged or was altered ({len(failures)} page(s) failed their integrity "
                "check); it was left unchanged."
            )
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise DamagedStore()


CACHE_KIB = 64 * 1024


def configure(conn: Any) -> None:
    """The settings of a working connection; the first statements that may write to the file."""
    with translated():
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        # Pages are decrypted and authenticated as they are read, so the page cache, not the disk's, is what keeps
        # a search or a scroll from paying that again: 64 MiB at most (SQLite's default is 2 MiB; it grows only as
        # pages are read), the hot part of a store of 100,000 requests.
        conn.execute(f"PRAGMA cache_size = {-CACHE_KIB:d}")

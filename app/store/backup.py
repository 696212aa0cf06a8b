"""Encrypted backups and restoring them, on this machine or another.

A backup is a complete SQLCipher 4 file under its own passphrase, written with `sqlcipher_export` into a separately
keyed database (SQLCipher disables SQLite's online backup API for encrypted files). It is written under a
temporary name and moved into place only when complete. Restoring opens the backup read-only, checks it like a
store (integrity, schema version), exports it into a new file keyed with the new store passphrase, and only then
moves it into place; an existing store is kept aside under a dated name, never deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.store import schema
from app.store.audit import AuditEvent
from app.store.connection import configure, connect, precheck, translated, verify
from app.store.errors import BackupError, NotAStoreFile, StoreBusy, StoreExists, WrongPassphrase
from app.store.keys import RawKey, derive, new_salt, read_salt, require_strong

if TYPE_CHECKING:
    from app.store.store import Store


def _export(conn: Any, target: Path, key: RawKey, version: int) -> None:
    """Copy every table of `conn`'s main database into a new file `target` keyed with `key`."""
    with translated():
        conn.execute("ATTACH DATABASE ? AS export KEY ?", (str(target), key.sql_literal()))
        try:
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT sqlcipher_export('export')")
                conn.execute(f"PRAGMA export.application_id = {schema.APPLICATION_ID:d}")
                conn.execute(f"PRAGMA export.user_version = {int(version):d}")
                conn.execute("COMMIT")
            except BaseException:
                with suppress(Exception):
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE export")


def _temporary(next_to: Path, label: str) -> Path:
    return next_to.with_name(f".{next_to.name}.{label}-{secrets.token_hex(4)}")


def make_backup(store: Store, destination: Path, passphrase: str, *, overwrite: bool = False) -> Path:
    """Write the store, encrypted under `passphrase`, to `destination`; returns its path."""
    from app.store.store import place_new_file, remove_with_sidecars

    destination = destination.expanduser()
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give a file name for the backup.")
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} already exists; it was left as it is.", "Choose another file name.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    key = derive(require_strong(passphrase), new_salt())
    tmp = _temporary(destination, "partial")
    try:
        with store.connection() as conn:
            _export(conn, tmp, key, schema.read_version(conn)[1])
        with suppress(OSError):
            os.chmod(tmp, 0o600)
        if overwrite and destination.exists():
            os.replace(tmp, destination)
        else:
            place_new_file(tmp, destination)
    except StoreExists:
        raise BackupError(f"{destination} already exists; it was left as it is.", "Choose another file name.")
    except OSError as exc:
        raise BackupError(f"The backup could not be written to {destination} ({exc.strerror}).")
    finally:
        remove_with_sidecars(tmp)
    store.log_store_event(AuditEvent.BACKUP_MADE, {"schema": schema.LATEST})
    return destination


def restore_backup(
    backup_file: Path,
    backup_passphrase: str,
    target: Path,
    new_passphrase: str,
    *,
    replace: bool = False,
) -> tuple[Path, RawKey, Path | None]:
    """Make `target` a store holding the backup's content, keyed with `new_passphrase`.

    Returns the store path, its key, and where the store it replaced was kept (None if there was none).
    """
    from app.store.store import place_new_file, remove_with_sidecars

    backup_file = backup_file.expanduser()
    if target.exists() and not replace:
        raise StoreExists(
            f"A store already exists at {target}; it was left as it is.",
            "Restore into another data folder (--data-dir), or replace it (--replace keeps the old file aside).",
        )
    new_key = derive(require_strong(new_passphrase), new_salt())
    precheck(backup_file)
    try:
        source = connect(backup_file, derive(backup_passphrase, read_salt(backup_file)), readonly=True)
    except WrongPassphrase:
        raise WrongPassphrase(
            "The backup passphrase does not unlock this file (or it is not a backup of this application).",
            "Check the backup passphrase; the file was left unchanged.",
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = _temporary(target, "restore")
    try:
        try:
            verify(source)
            version = schema.check(source)
            if version == 0:
                raise NotAStoreFile(
                    "This file is an empty encrypted database, not a backup of this application."
                )
            _export(source, tmp, new_key, version)
        finally:
            source.close()
        conn = connect(tmp, new_key)
        try:
            configure(conn)
            schema.migrate(conn)
        finally:
            conn.close()
        with suppress(OSError):
            os.chmod(tmp, 0o600)
        kept: Path | None = None
        if target.exists():
            wal = target.with_name(target.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreBusy(
                    "The store to be replaced is open in another program (or was not closed cleanly).",
                    "Close the application, open the store once, and try again.",
                )
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = target.with_name(f"{target.stem}-before-restore-{stamp}{target.suffix}")
            os.rename(target, kept)
            remove_with_sidecars(target)
        place_new_file(tmp, target)
    finally:
        remove_with_sidecars(tmp)
    return target, new_key, kept

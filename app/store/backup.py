"""Encrypted backups and restoring them, on this machine or another.

A backup is a complete SQLCipher 4 file under its own passphrase, written with `sqlcipher_export` into a separately
keyed database (SQLCipher disables SQLite's online backup API for encrypted files). It is written under a
temporary name and moved into place only when complete. It holds only the objects the application's migrations
make: the store's schema is compared first (`schema.check_objects`), and the finished backup again.

A backup file is not trusted. Restoring opens it read-only and checks it like a store (every page, the b-trees, the
application id, the schema version, and every object of its schema against the expected one: a trigger, a view or
a table the application did not create is refused), exports it into a new file keyed with the new store
passphrase, migrates it, and runs the full checks on the result (`integrity_check`, `foreign_key_check`, the
schema again) before it is put in place.

Putting it in place is atomic: at every instant either the old store or the new one is `store.db`. The old one is
first given a second name (`store-before-restore-<time>.db`, a hard link, or a copy where the file system has
none), then the new one is renamed over `store.db`. A journal (`.store.db.restoring`) records the plan while this
happens; `finish_interrupted_restore` (run by `coc` at start) reads it after a crash, tidies up and says which
store is in place. A lock on the data folder keeps that from touching a restore that is still running.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import os
import secrets
import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.fileio import fsync_dir, fsync_file, private_dir, write_private
from app.store import confirmations, schema, search
from app.store.audit import AuditEvent
from app.store.connection import configure, connect, precheck, translated, verify
from app.store.errors import (
    BackupError,
    DamagedStore,
    NotAStoreFile,
    StoreBusy,
    StoreExists,
    UnexpectedSchema,
    WrongPassphrase,
)
from app.store.folder_lock import exclusive as _folder_lock
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
            version = schema.read_version(conn)[1]
            schema.check_objects(conn, version)  # only the known objects leave the store
            _export(conn, tmp, key, version)
        written = connect(tmp, key)
        try:
            schema.check(written)
        finally:
            written.close()
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


# --- restoring -------------------------------------------------------------------------------------------------

# The steps of a restore, in order: the data folder locked; the backup copied into a temporary file; the copy
# checked; the journal written; "kept": the old store given its second name (into an empty folder: the new store
# linked in place); "sidecars": the old store's empty companion files removed (into an empty folder: the temporary
# name removed); "placed": the new store renamed over the old one; "done": the journal removed. `step_hook` (tests
# only) is called with each name once that step is done, so that a test can kill the process at exactly that point.
RESTORE_STEPS = ("locked", "exported", "checked", "journal", "kept", "sidecars", "placed", "done")
step_hook: Callable[[str], None] | None = None


def _reached(step: str) -> None:
    if step_hook is not None:
        step_hook(step)


def journal_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.restoring")


def _partials(target: Path) -> list[Path]:
    """Temporary files of restores into `target` (the copy being made and its companion files)."""
    return sorted(target.parent.glob(f".{target.name}.restore-*"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def finish_interrupted_restore(target: Path) -> str | None:
    """Tidy up after a restore into `target` that was interrupted (a crash, a kill, a power cut), and say in one
    sentence which store is now in place; None when there was nothing to tidy, or a restore is still running."""
    if not journal_path(target).exists() and not _partials(target):
        return None  # the common case: one stat and one listing, no lock
    with _folder_lock(target.parent) as locked:
        return _tidy(target) if locked else None  # not locked: a restore is running right now


def _tidy(target: Path) -> str | None:
    """`finish_interrupted_restore` under the folder's lock: decide from the files alone which store is in place."""
    journal = journal_path(target)
    if not journal.exists():
        if not _partials(target):
            return None
        _remove_partials(target)
        return (
            "A restore was interrupted while the backup was being copied: the partial copy was removed, and the "
            f"store at {target} was not changed. Run the restore again."
        )
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        tmp: Path | None = target.with_name(str(plan["tmp"]))
        kept = target.with_name(str(plan["kept"])) if plan.get("kept") else None
    except (OSError, ValueError, KeyError, TypeError):  # written atomically, so only if someone else wrote it
        tmp, kept = None, None
    if tmp is not None and (not tmp.exists() or _same_file(tmp, target)):
        with suppress(FileNotFoundError):
            tmp.unlink()  # at most a second name of the store now in place
        where = f"; the one you had before is kept as {kept}" if kept is not None and kept.exists() else ""
        message = (
            "A restore was interrupted just after the restored store was put in place: the store at "
            f"{target} is the restored one{where}."
        )
    else:
        if (
            kept is not None
            and kept.exists()
            and target.exists()
            and (_same_file(kept, target) or filecmp.cmp(kept, target, shallow=False))
        ):
            kept.unlink()  # only a second name (or an identical copy) of the store still in place
        _remove_partials(target)
        now = (
            f"the store at {target} is the one you had before, unchanged"
            if target.exists()
            else f"no store was put in place at {target}"
        )
        message = f"A restore was interrupted before the restored store was put in place: {now}. Run the restore again."
    journal.unlink()
    fsync_dir(target.parent)
    return message


def _remove_partials(target: Path) -> None:
    for leftover in _partials(target):
        with suppress(FileNotFoundError):
            leftover.unlink()


def _full_check(conn: Any) -> None:
    """Everything SQLite can check, before a restored store is put in place: every page's HMAC and the b-trees
    (`verify`), then the full `integrity_check` (indexes against their tables too) and the foreign keys."""
    verify(conn)
    with translated():
        if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            raise DamagedStore("The restored copy failed its integrity check; nothing was put in place.")
        if conn.execute("PRAGMA foreign_key_check").fetchall():
            raise DamagedStore(
                "The restored copy has broken references between its tables; nothing was put in place."
            )
    schema.check(conn)


def _kept_name(target: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.stem}-before-restore-{stamp}{target.suffix}")
    n = 1
    while kept.exists():
        n += 1
        kept = target.with_name(f"{target.stem}-before-restore-{stamp}-{n}{target.suffix}")
    return kept


def _keep(target: Path, kept: Path) -> None:
    """Give the store in place a second name (a hard link; a copy where the file system has none)."""
    try:
        os.link(target, kept)
    except FileExistsError:
        raise
    except OSError:
        shutil.copyfile(target, kept)
        os.chmod(kept, 0o600)
        fsync_file(kept)
    fsync_dir(kept.parent)


def _require_closed(target: Path) -> None:
    wal = target.with_name(target.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreBusy(
            "The store to be replaced is open in another program (or was not closed cleanly).",
            "Close the application, open the store once, and try again.",
        )


def _swap(tmp: Path, target: Path) -> Path | None:
    """Put the finished copy `tmp` in place as `target`; at every instant `target` is the old store or the new
    one. Returns the old store's new name, None when there was none."""
    from app.store.store import SIDE_SUFFIXES, place_new_file

    kept = None
    if target.exists():
        _require_closed(target)
        kept = _kept_name(target)
    write_private(journal_path(target), json.dumps({"tmp": tmp.name, "kept": kept and kept.name}).encode())
    _reached("journal")
    if kept is None:  # a new name for the new store, never over a store made meanwhile
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise StoreExists(f"A store was made at {target} meanwhile; it was left as it is.")
        except OSError:  # no hard links on this file system: a rename that refuses to replace
            place_new_file(tmp, target)
        fsync_dir(target.parent)
        _reached("kept")
        with suppress(FileNotFoundError):
            tmp.unlink()
        _reached("sidecars")
    else:
        _keep(target, kept)
        _reached("kept")
        for (
            suffix
        ) in SIDE_SUFFIXES:  # the old store's, empty (checked above): not to be read with the new one
            with suppress(FileNotFoundError):
                target.with_name(target.name + suffix).unlink()
        _reached("sidecars")
        os.replace(tmp, target)
        fsync_dir(target.parent)
    _reached("placed")
    journal_path(target).unlink()
    fsync_dir(target.parent)
    _reached("done")
    return kept


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
    try:
        verify(source)
        try:
            version = schema.check(source)
        except UnexpectedSchema as exc:
            raise UnexpectedSchema.listing(
                list(exc.objects),
                "The backup",
                "nothing was restored, and the backup file was left unchanged",
            ) from None
        if version == 0:
            raise NotAStoreFile("This file is an empty encrypted database, not a backup of this application.")
    except BaseException:
        source.close()
        raise
    private_dir(target.parent)
    finish_interrupted_restore(target)
    with _folder_lock(target.parent) as locked:
        if not locked:
            source.close()
            raise StoreBusy(
                "The store in this data folder is open in another program (the application, or another coc "
                "command), or another restore into it is running; nothing was changed.",
                "Close the application (or lock it) and wait for other commands to end, then restore again.",
            )
        _reached("locked")
        tmp = _temporary(target, "restore")
        try:
            try:
                _export(source, tmp, new_key, version)
            finally:
                source.close()
            _reached("exported")
            conn = connect(tmp, new_key)
            try:
                configure(conn)
                schema.migrate(conn)
                # the search index and the confirmation numbers from the restored rows, whatever the backup held
                with translated():
                    conn.execute("BEGIN IMMEDIATE")
                    search.rebuild(conn)
                    confirmations.rebuild(conn)
                    conn.execute("COMMIT")
                _full_check(conn)
            finally:
                conn.close()
            os.chmod(tmp, 0o600)
            fsync_file(tmp)
            _reached("checked")
            kept = _swap(tmp, target)
        except BaseException:
            _tidy(target)  # the same decision as after a crash: the old store or the new one, never neither
            raise
    return target, new_key, kept

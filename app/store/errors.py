"""What can go wrong with the store, each with a message a coordinator understands and a way forward.

Environment problems (wrong passphrase, damaged file, disk full, store busy) are `StoreError`s; anything else is a
bug and is left to propagate. No message ever contains personal data: they name files and counts, never answers.
"""

from __future__ import annotations

from app.errors import UserError


class StoreError(UserError):
    """A known problem with the store: `message` says what happened, `hint` what to do next."""

    message: str = "The store cannot be used."
    exit_code: int = 3


# --- opening and unlocking ---------------------------------------------------------------------------------------


class CipherUnavailable(StoreError):
    message = "The database library in use does not encrypt (SQLCipher 4 is required); nothing was opened or written."
    hint = "Reinstall the application (it needs the sqlcipher3 package with SQLCipher 4)."


class StoreNotFound(StoreError):
    message = "There is no store here yet."
    hint = "Run `coc store init` to create one, or `coc store restore FILE` to restore a backup."


class StoreExists(StoreError):
    message = "A store already exists here; it was left as it is."
    hint = "Use the existing store, or choose another data folder (--data-dir)."


class WrongPassphrase(StoreError):
    message = "The passphrase does not unlock this store (or the file is not a store of this application)."
    hint = (
        "Check the passphrase (Caps Lock, keyboard layout) and try again. The file was left unchanged. A forgotten "
        "passphrase cannot be recovered: restore a backup if you have one."
    )


class PlainDatabaseFile(StoreError):
    message = "This file is an unencrypted SQLite database, not an encrypted store; it was left unchanged."
    hint = "Point --data-dir at the folder of your store, or move this file away and run `coc store init`."


class EmptyStoreFile(StoreError):
    message = (
        "The store file is empty (0 bytes), probably from an interrupted first run; it was left unchanged."
    )
    hint = "If nothing was ever saved in it, move the file away and run `coc store init`; otherwise restore a backup."


class DamagedStore(StoreError):
    message = "The store file is damaged; it was left unchanged."
    hint = (
        "Restore a backup with `coc store restore FILE` (keep the damaged file in case it is needed later)."
    )


class NotAStoreFile(StoreError):
    message = (
        "This file is an encrypted database, but not a store of this application; it was left unchanged."
    )
    hint = "Point --data-dir at the folder of your store."


class UnexpectedSchema(StoreError):
    """The file holds database objects the application did not create (a trigger, a view, a table...), or lacks or
    alters some it did: it may have been tampered with, and a planted trigger would run inside the application."""

    message = (
        "The store file holds database objects that this application did not create; it was left unchanged."
    )
    hint = (
        "It may have been tampered with: do not use it. Restore a backup you made yourself (`coc store restore "
        "FILE`) into another data folder (--data-dir), and keep this file for investigation."
    )
    objects: tuple[str, ...] = ()

    @classmethod
    def listing(
        cls, objects: list[str], what: str = "The store file", outcome: str = "it was left unchanged"
    ) -> UnexpectedSchema:
        shown = ", ".join(objects[:6]) + (f" and {len(objects) - 6} more" if len(objects) > 6 else "")
        error = cls(f"{what} does not have the structure this application makes ({shown}); {outcome}.")
        error.objects = tuple(objects)
        return error


class NewerSchema(StoreError):
    message = "This store was written by a newer version of the application; it was left unchanged."
    hint = "Install the newer version of the application to open it."


class StoreBusy(StoreError):
    message = "The store is busy: another copy of the application is writing to it."
    hint = "Wait a moment and try again, or close the other copy."


class DiskFull(StoreError):
    message = "The disk is full: the last change was not saved."
    hint = "Free some disk space and save again; everything saved before is intact."


class ReadOnlyStore(StoreError):
    message = "The store cannot be written (read-only file or folder): the last change was not saved."
    hint = "Check the permissions of the data folder."


class ReadOnlyFolder(StoreError):
    """The folder of an existing store cannot be written, so SQLite cannot make the companion files it needs."""

    hint = (
        "Make the folder writable for your user, or copy the whole folder to a writable place and point "
        "--data-dir (or COC_DATA_DIR) at it. The store itself is intact."
    )


class UnsafeCompanionFile(StoreError):
    """A companion file of the store (-wal, -shm, -journal) is a symbolic link: refused before SQLite follows it."""

    hint = (
        "If you did not make this link, someone else did: remove the link (not what it points to) and start "
        "again. The store file itself was not touched."
    )


class StoreUnreadable(StoreError):
    """An existing store file that SQLite cannot open (permissions, ownership): never 'create a new store'."""

    message = "The store file exists but cannot be opened; nothing was changed."
    hint = "Check that the data folder and store.db belong to you and that you may read and write them."


class StoreLocked(StoreError):
    message = "The store is locked."
    hint = "Unlock it with the passphrase."


# --- passphrases and the keychain --------------------------------------------------------------------------------


class WeakPassphrase(StoreError):
    message = "The passphrase is too weak."
    exit_code = 2


class PassphraseMismatch(StoreError):
    message = "The two passphrases differ."
    hint = "Type the same passphrase twice."
    exit_code = 2


class NoPassphrase(StoreError):
    message = "No passphrase was given."
    hint = "Type it when asked, or set COC_PASSPHRASE (meant for automation only)."
    exit_code = 2


class KeychainUnavailable(StoreError):
    message = "No system keychain is available, so this workstation cannot remember the passphrase."
    hint = "Type the passphrase at each start; it is never stored in a plain file."


# --- requests ----------------------------------------------------------------------------------------------------


class RequestNotFound(StoreError):
    message = "No request with that id."
    hint = "List the requests with `coc drafts list`."
    exit_code = 4


class AmbiguousId(StoreError):
    message = "More than one request starts with that id."
    hint = "Give more characters of the id."
    exit_code = 4


class InvalidTransition(StoreError):
    """An operation that the request's state does not allow (say, editing a sent request)."""

    message = "The request is not in a state that allows this."
    exit_code = 4


class RevisionConflict(StoreError):
    """A save made from a copy of a request older than the one stored: it was changed (or deleted, or added)
    elsewhere after this copy was read. Nothing was saved; the stored version is untouched."""

    exit_code = 5

    def __init__(self, request_id: str, base: int | None, current: int | None, saved: str = "") -> None:
        self.request_id, self.base, self.current, self.saved = request_id, base, current, saved
        when = f", saved {saved}" if saved else ""
        if current is None:
            message = "This request was deleted elsewhere after this copy of it was read; nothing was saved."
        elif base is None:
            message = f"A request with this id is already in the store (revision {current}{when}); nothing was saved."
        else:
            message = (
                f"This request was changed elsewhere after this copy of it was read (revision {base}; it is now "
                f"at revision {current}{when}); nothing was saved."
            )
        super().__init__(
            message,
            "Read it again and make the change there, or keep this version explicitly as the newest revision "
            "(the other stays in the request's history).",
        )


class InvalidValue(StoreError):
    """A value the store refuses (an unknown setting name, an audit detail that could hold personal data...)."""

    message = "The value is not accepted."
    exit_code = 2


class BackupError(StoreError):
    message = "The backup could not be written."

"""`Store`: the encrypted local store, one SQLCipher file, and the one object the rest of the program talks to.

Every public method holds the store's lock (so the GUI's worker thread and the idle-lock timer never collide),
turns SQLite environment errors into `StoreError`s, and writes in exactly one transaction. See `docs/store.md`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
import os
import secrets
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from app.fileio import fsync_dir, fsync_file, private_dir
from app.paths import data_dir
from app.request import RequestDoc, State, now_utc
from app.store import audit, confirmations, drafts, outbox, reports, schema, search, settings
from app.store.audit import AuditEvent
from app.store.connection import (
    PAGE_SIZE,
    configure,
    connect,
    explain,
    interrupted,
    precheck,
    translated,
    verify,
)
from app.store.errors import (
    DamagedStore,
    NoPassphrase,
    ReadOnlyFolder,
    ReadOnlyStore,
    StoreBusy,
    StoreError,
    StoreExists,
    StoreLocked,
    StoreUnreadable,
)
from app.store.folder_lock import Shared
from app.store.keys import RawKey, derive, new_salt, read_salt, require_strong
from app.store.models import (
    AuditEntry,
    DuplicateMode,
    EditionReport,
    ListOrder,
    OutboxItem,
    RequestSummary,
    Revision,
    StoreCheck,
)

if TYPE_CHECKING:
    from app.store import batches

log = logging.getLogger(__name__)

FILE_NAME = "store.db"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def locate(location: str | os.PathLike[str] | None = None) -> Path:
    """The store file for `location`: a folder (the file inside it), a `.db` file, or None for the data folder."""
    if location is None:
        return data_dir() / FILE_NAME
    path = Path(location).expanduser()
    if path.is_dir() or (not path.exists() and path.suffix != ".db"):
        return path / FILE_NAME
    return path


def _shared_lock(path: Path) -> Shared | None:
    """The shared lock of an open store on its folder (`app.store.folder_lock`); `StoreBusy` while a restore or a
    passphrase change holds it alone. None where the folder cannot be opened (the connection then says why)."""
    try:
        held = Shared.take(path.parent)
    except OSError:
        return None
    if held is None:
        raise StoreBusy(
            f"A restore or a passphrase change is running on the store in {path.parent}; it was not opened.",
            "Wait for it to finish, then open the store again.",
        )
    return held


def remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_SUFFIXES)):
        with suppress(FileNotFoundError):
            candidate.unlink()


def place_new_file(tmp: Path, target: Path) -> None:
    """Move a finished temporary file to `target` atomically, never over an existing file."""
    fsync_file(tmp)
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise StoreExists(f"A store already exists at {target}; it was left as it is.")
    except OSError:  # no hard links here (some file systems): rename, refusing to replace
        if target.exists():
            raise StoreExists(f"A store already exists at {target}; it was left as it is.")
        os.rename(tmp, target)
    else:
        tmp.unlink()
    fsync_dir(target.parent)


class Store:
    """An unlocked store. Make one with `Store.create` or `Store.open` (or `app.store.unlock.unlock`)."""

    def __init__(
        self,
        conn: Any,
        path: Path,
        key: RawKey,
        now: Callable[[], str] = now_utc,
        folder_lock: Shared | None = None,
    ) -> None:
        self._conn: Any = conn
        self._folder_lock = folder_lock  # shared while open: no restore or passphrase change under us
        self._path = path
        self._key = key
        self._now = now
        self._lock = threading.RLock()
        self._close_listeners: builtins.list[Callable[[], None]] = []
        self._checks: set[Any] = set()  # connections of running whole-file checks, interrupted by close()

    # --- opening and closing -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        passphrase: str | None = None,
        *,
        key: RawKey | None = None,
        verify_pages: bool = False,
        driver: ModuleType | None = None,
        now: Callable[[], str] = now_utc,
    ) -> Store:
        """Unlock an existing store with its passphrase (or a raw key from the keychain).

        Refuses, leaving the file byte-for-byte as it was: a missing, empty, plain-SQLite, truncated or foreign
        file, a wrong passphrase, and a schema newer than this program. Opening reads a few pages whatever the
        store's size; SQLCipher checks each page's HMAC when it is read, so a page damaged on disk is reported
        (`DamagedStore`) by the first read that meets it. The whole-file check is `check()`; `verify_pages` runs
        it before anything is written (about 20 ms per 1,000 requests).
        """
        path = locate(location)
        if key is None:
            if passphrase is None:
                raise NoPassphrase()
            precheck(path)
            key = derive(passphrase, read_salt(path))
        held = _shared_lock(path)
        try:
            try:
                conn = connect(path, key, driver=driver)
            except (ReadOnlyStore, StoreUnreadable) as exc:
                raise explain(path, exc) from exc
            try:
                if verify_pages:
                    verify(conn)
                schema.check(conn)  # ours, not newer, only our objects: still nothing written
                configure(conn)
                schema.migrate(conn)
            except (ReadOnlyStore, StoreUnreadable) as exc:
                conn.close()
                raise explain(path, exc) from exc
            except BaseException:
                conn.close()
                raise
        except BaseException:
            if held is not None:
                held.release()
            raise
        log.info("store opened (schema %d)", schema.LATEST)
        return cls(conn, path, key, now, held)

    @classmethod
    def create(
        cls,
        location: str | os.PathLike[str] | None = None,
        passphrase: str | None = None,
        *,
        key: RawKey | None = None,
        driver: ModuleType | None = None,
        now: Callable[[], str] = now_utc,
    ) -> Store:
        """A new, empty store with `passphrase` (which must meet the strength rule); never over an existing file.

        The database is built under a temporary name and moved into place only when complete, so an interrupted
        first run leaves no half-made store behind.
        """
        path = locate(location)
        if path.exists():
            raise StoreExists(f"A store already exists at {path}; it was left as it is.")
        if key is None:
            if passphrase is None:
                raise NoPassphrase()
            key = derive(require_strong(passphrase), new_salt())
        try:
            private_dir(path.parent)
        except OSError as exc:
            raise ReadOnlyFolder(
                f"The folder {path.parent} cannot be made ({exc.strerror}); no store was created.",
                "Choose a data folder you may write (--data-dir or COC_DATA_DIR).",
            )
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise ReadOnlyFolder(
                f"The folder {path.parent} cannot be written (a read-only folder or disk); no store was created.",
                "Choose a data folder you may write (--data-dir or COC_DATA_DIR).",
            )
        tmp = path.with_name(f".{path.name}.new-{secrets.token_hex(4)}")
        try:
            conn = connect(tmp, key, create=True, driver=driver)
            try:
                configure(conn)
                schema.migrate(conn)
                with translated():
                    audit.log(conn, None, AuditEvent.STORE_CREATED, {"schema": schema.LATEST}, now())
            finally:
                conn.close()
            with suppress(OSError):
                os.chmod(tmp, 0o600)
            place_new_file(tmp, path)
        finally:
            remove_with_sidecars(tmp)
        log.info("store created")
        return cls.open(path, key=key, verify_pages=False, driver=driver, now=now)

    @property
    def path(self) -> Path:
        return self._path

    @contextmanager
    def _alone(self, refused: str) -> Iterator[Any]:
        """The connection, while no other program has this store open; else `StoreBusy` saying `refused`."""
        conn = self._require()
        if self._folder_lock is None:
            yield conn
            return
        with self._folder_lock.exclusive() as alone:
            if not alone:
                raise StoreBusy(
                    f"The store is open in another program (the application, or another coc command), so "
                    f"{refused}; nothing was changed.",
                    "Close the other program (or lock it), then try again.",
                )
            yield conn

    @property
    def closed(self) -> bool:
        return self._conn is None

    @property
    def raw_key(self) -> RawKey:
        """The derived key, for the system keychain only ("remember on this workstation"); never log or save it."""
        return self._key

    def close(self) -> None:
        """Close the database (the idle lock does this); later calls raise `StoreLocked`. Safe to call twice."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            for checking in builtins.list(self._checks):
                checking.interrupt()
            with suppress(Exception):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            if self._folder_lock is not None:
                self._folder_lock.release()
            listeners = builtins.list(self._close_listeners)
        log.info("store closed")
        for listener in listeners:
            listener()

    def on_close(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on the closing thread) after the store closes, e.g. to clear the screen."""
        self._close_listeners.append(listener)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self._path} {'closed' if self.closed else 'open'}>"

    # --- transactions --------------------------------------------------------------------------------------------

    def _require(self) -> Any:
        if self._conn is None:
            raise StoreLocked()
        return self._conn

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        with self._lock, translated():
            yield self._require()

    @contextmanager
    def _writing(self, *, power_safe: bool = True) -> Iterator[Any]:
        """One transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error.

        Every commit survives a crash of the application. With `power_safe` (the default) it is also synced to
        disk before COMMIT returns (`synchronous=FULL`), so it survives a power loss; without it
        (`synchronous=NORMAL` for this one transaction) a power loss may roll it back, never corrupt it. Only
        writes that can be recovered elsewhere may skip the sync.
        """
        with self._lock, translated():
            conn = self._require()
            if not power_safe:
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        with suppress(Exception):
                            conn.execute("ROLLBACK")
                    raise
            finally:
                if not power_safe:
                    conn.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """The raw connection under the store's lock, for this package's own modules (backup) and tests."""
        with self._reading() as conn:
            yield conn

    # --- requests ------------------------------------------------------------------------------------------------

    def save(self, doc: RequestDoc, *, error_count: int, warning_count: int = 0) -> int:
        """Store `doc` as a new revision in one transaction; returns the revision number.

        The state becomes Ready when `error_count` is 0, else Draft; a queued request leaves the outbox in the same
        transaction. A sent (or decided) request cannot be saved. A stale copy cannot either: `doc.revision` is the
        revision it was read at (`get` sets it; None for a new request), and a request stored at another revision
        raises `RevisionConflict` with nothing written. `doc.state`, `doc.updated` and `doc.revision` are set to
        what was stored.
        """
        now = self._now()
        with self._writing() as conn:
            revision, state = drafts.save(
                conn, doc, error_count, warning_count, now, base_revision=doc.revision
            )
        doc.state, doc.updated, doc.revision = state, now, revision
        return revision

    def save_many(self, items: Iterable[tuple[RequestDoc, int, int]]) -> builtins.list[int]:
        """Save many `(doc, error_count, warning_count)` in ONE transaction (a roster import, `coc drafts add`):
        all or none. `items` may be a generator: each document is saved as it comes and not kept (a stream of
        100,000 never sits in memory at once); those the caller still holds get their state after the commit."""
        now = self._now()
        saved: builtins.list[tuple[weakref.ref[RequestDoc], State, int]] = []
        revisions: builtins.list[int] = []
        with self._writing() as conn:
            for doc, errors, warnings in items:
                revision, state = drafts.save(conn, doc, errors, warnings, now, base_revision=doc.revision)
                saved.append((weakref.ref(doc), state, revision))
                revisions.append(revision)
        for ref, state, revision in saved:
            kept = ref()
            if kept is not None:
                kept.state, kept.updated, kept.revision = state, now, revision
        return revisions

    # --- batches (roster imports) ---------------------------------------------------------------------------------

    def find_external_refs(self, refs: Iterable[str]) -> dict[str, batches.RefMatch]:
        """The request holding each `request.external_ref` answer (those that exist)."""
        from app.store import batches  # roster imports only: not loaded to open a store

        with self._reading() as conn:
            return batches.find_refs(conn, refs)

    def save_batch(self, items: Sequence[batches.BatchItem]) -> tuple[str, builtins.list[int]]:
        """Save many requests in ONE transaction, each against the revision it was read at (`BatchConflict`
        rolls all back); recorded as a batch that `undo_batch` undoes. Returns (batch id, revisions)."""
        from app.store import batches  # roster imports only: not loaded to open a store

        now = self._now()
        with self._writing() as conn:
            batch_id, revisions = batches.apply(conn, items, now)
        for item, revision in zip(items, revisions, strict=True):
            item.doc.updated, item.doc.revision = now, revision
            item.doc.state = State.READY if item.error_count == 0 else State.DRAFT
        return batch_id, revisions

    def last_batch(self) -> batches.BatchInfo | None:
        from app.store import batches  # roster imports only: not loaded to open a store

        with self._reading() as conn:
            return batches.last(conn)

    def undo_batch(self, batch_id: str) -> batches.UndoResult:
        """Undo a batch in one transaction (what changed since is kept, and counted)."""
        from app.store import batches  # roster imports only: not loaded to open a store

        now = self._now()
        with self._writing() as conn:
            return batches.undo(conn, batch_id, now)

    def carry_over(
        self,
        request_ids: Iterable[str],
        convert: Callable[[RequestDoc], tuple[RequestDoc, int, int, str] | None],
    ) -> builtins.list[str]:
        """Carry requests over to a new edition of their form in ONE transaction: all or none.

        Each request is read inside the transaction (so no copy can be stale); one that is no longer editable
        (sent, decided) is left alone. `convert(doc)` returns the carried-over document with its error and warning
        counts and its report (JSON), or None to leave it. It is saved as a new revision, a queued one leaves the
        outbox (`dequeued`, reason `new_edition`), and the report is kept unseen. Returns the ids carried over."""
        now = self._now()
        done: builtins.list[str] = []
        with self._writing() as conn:
            for request_id in request_ids:
                doc = drafts.get(conn, request_id)
                if doc.state not in drafts.EDITABLE:
                    continue
                converted = convert(doc)
                if converted is None:
                    continue
                new, errors, warnings, report = converted
                revision, _state = drafts.save(
                    conn, new, errors, warnings, now, base_revision=doc.revision, dequeue_reason="new_edition"
                )
                reports.add(conn, request_id, report, now)
                audit.log(conn, request_id, AuditEvent.CARRIED_OVER, {"revision": revision}, now)
                done.append(request_id)
        return done

    def edition_reports(self, request_id: str, *, unseen_only: bool = False) -> builtins.list[EditionReport]:
        """The reports of a request's carry-overs to new editions, oldest first."""
        with self._reading() as conn:
            return reports.of(conn, request_id, unseen_only)

    def mark_reports_seen(self, request_id: str) -> int:
        """The coordinator has seen the request's reports (the wizard showed them)."""
        with self._writing() as conn:
            return reports.mark_seen(conn, request_id)

    def revision_of(self, request_id: str) -> int | None:
        """The revision a request is stored at now, or None when there is no such request."""
        with self._reading() as conn:
            return drafts.revision_of(conn, request_id)

    def get(self, request_id: str) -> RequestDoc:
        with self._reading() as conn:
            return drafts.get(conn, request_id)

    def resolve_id(self, id_or_prefix: str) -> str:
        """The full id of the one request whose id starts with `id_or_prefix` (4 characters or more)."""
        with self._reading() as conn:
            return drafts.resolve(conn, id_or_prefix)

    def summary(self, request_id: str) -> RequestSummary:
        with self._reading() as conn:
            return drafts.summary(conn, request_id)

    def list(
        self,
        state: State | str | Iterable[State | str] | None = None,
        agreement: str | None = None,
        text: str | None = None,
        ending_within_days: int | None = None,
        order_by: ListOrder | str = ListOrder.RECENT,
        limit: int | None = None,
        offset: int = 0,
        *,
        reverse: bool = False,
        today: dt.date | None = None,
    ) -> builtins.list[RequestSummary]:
        """The request list: filter by state(s), agreement, words in the worker's names, confirmation numbers and
        ids (see `app.store.search`), assignments ending within N days of `today`; sorted (`reverse`: the exact
        opposite order, as fast); paged with `limit` and `offset`."""
        filters = drafts.make_filters(state, agreement, text, ending_within_days, today)
        with self._reading() as conn:
            return drafts.list_requests(conn, filters, order_by, limit, offset, reverse)

    def count(
        self,
        state: State | str | Iterable[State | str] | None = None,
        agreement: str | None = None,
        text: str | None = None,
        ending_within_days: int | None = None,
        *,
        today: dt.date | None = None,
    ) -> int:
        filters = drafts.make_filters(state, agreement, text, ending_within_days, today)
        with self._reading() as conn:
            return drafts.count(conn, filters)

    def new_request(self, form: str, edition: str) -> RequestDoc:
        """A new, unsaved request pre-filled with the employer profile."""
        return RequestDoc(form=form, edition=edition, answers=dict(self.employer_profile()))

    def duplicate(
        self, request_id: str, mode: DuplicateMode | str = DuplicateMode.NEW_ASSIGNMENT
    ) -> RequestDoc:
        """A new, unsaved draft from a request's answers: for a new assignment (dates cleared) or an extension
        (`assignment.is_extension` true, the original start date kept, `assignment.previous_certificate_end` = the
        end of the certificate the agency approved, else the end asked for; the new end left empty).
        Save it like any request; `app.store.service.duplicate` validates, saves and logs it in one go."""
        source = self.get(request_id)
        receipt = self.receipt(request_id) if source.state is State.APPROVED else None
        decision = (receipt or {}).get("decision")
        certificate = decision.get("certificate") if isinstance(decision, dict) else None
        end = certificate.get("end") if isinstance(certificate, dict) else None
        return drafts.duplicate(source, mode, end if isinstance(end, str) else None)

    def delete(self, request_id: str) -> None:
        """Delete a request with all its revisions, outbox item and receipt (the audit keeps a 'deleted' entry)."""
        now = self._now()
        with self._writing() as conn:
            drafts.delete(conn, request_id, now)

    def history(self, request_id: str) -> builtins.list[Revision]:
        with self._reading() as conn:
            return drafts.history(conn, request_id)

    def revision(self, request_id: str, rev: int) -> RequestDoc:
        with self._reading() as conn:
            return drafts.revision(conn, request_id, rev)

    def overlaps(self, doc: RequestDoc) -> builtins.list[RequestSummary]:
        """Other requests of the same worker under the same agreement whose assignment dates overlap `doc`'s."""
        with self._reading() as conn:
            return drafts.overlaps(conn, doc)

    def worker_requests(self, doc: RequestDoc, limit: int = 200) -> builtins.list[RequestDoc]:
        """The other requests of the same worker (same SSN; or name and birth date where one has no SSN), under
        any agreement, not rejected, latest first: what the verdict compares `doc` with across requests."""
        with self._reading() as conn:
            return drafts.worker_requests(conn, doc, limit)

    def sharing_a_worker(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` whose worker has another request that is not rejected (see `worker_requests`)."""
        with self._reading() as conn:
            return drafts.sharing_a_worker(conn, ids)

    # --- outbox and receipts -------------------------------------------------------------------------------------

    def enqueue(self, request_id: str, payload_json: str, idempotency_key: str) -> OutboxItem:
        """Freeze the payload and its idempotency key and mark the (Ready) request Queued, in one transaction."""
        now = self._now()
        with self._writing() as conn:
            return outbox.enqueue(conn, request_id, payload_json, idempotency_key, now)

    def outbox(self, due_at: str | None = None) -> builtins.list[OutboxItem]:
        """Queued items, the next to try first (only those due at `due_at`, an ISO time, when given)."""
        with self._reading() as conn:
            return outbox.items(conn, due_at)

    def outbox_item(self, request_id: str) -> OutboxItem | None:
        with self._reading() as conn:
            return outbox.item(conn, request_id)

    def record_attempt(self, request_id: str, error: str, next_try: str) -> int:
        """A failed send: count it, keep the error text and the next try's time; returns the attempts so far."""
        now = self._now()
        with self._writing() as conn:
            return outbox.record_attempt(conn, request_id, error, next_try, now)

    def mark_sent(self, request_id: str, receipt: dict[str, Any]) -> None:
        """Store the receiver's receipt, drop the outbox item and mark the request Sent, in one transaction.

        The receipt is the one write that may skip the sync to disk: if a power loss rolled it back, the request
        would simply be queued again, and the resend (same Idempotency-Key) returns the same receipt from the
        receiver. A crash of the application never loses it.
        """
        now = self._now()
        with self._writing(power_safe=False) as conn:
            outbox.mark_sent(conn, request_id, receipt, now)

    def mark_sent_many(
        self, receipts: Sequence[tuple[str, dict[str, Any]]]
    ) -> builtins.list[StoreError | None]:
        """`mark_sent` for several requests in one transaction (a group commit: the pages they share, the list's
        indexes and the name index, are written once); one outcome per receipt, in order: None when stored, else
        the `RequestNotFound`, `InvalidTransition` or `InvalidValue` that `mark_sent` would have raised for it (that
        one alone is left out, the others are stored). Any other error stores none of them and is raised."""
        now = self._now()
        with self._writing(power_safe=False) as conn:
            return outbox.mark_sent_many(conn, receipts, now)

    def dequeue(self, request_id: str, errors: builtins.list[dict[str, Any]] | None = None) -> None:
        """Take a queued request back to Draft, keeping the receiver's errors (`receiver_errors`)."""
        now = self._now()
        with self._writing() as conn:
            outbox.dequeue(conn, request_id, errors, now)

    def receipt(self, request_id: str) -> dict[str, Any] | None:
        with self._reading() as conn:
            return outbox.receipt(conn, request_id)

    def receiver_errors(self, request_id: str) -> builtins.list[dict[str, Any]]:
        with self._reading() as conn:
            return outbox.receiver_errors(conn, request_id)

    def set_outcome(self, request_id: str, outcome: State, decision: dict[str, Any] | None = None) -> None:
        """The agency's decision on a sent request (approved or rejected), with the certificate's period or the
        reason kept beside the receipt (`receipt(id)["decision"]`)."""
        now = self._now()
        with self._writing() as conn:
            outbox.set_outcome(conn, request_id, outcome, now, decision)

    # --- employer profile, settings, audit -----------------------------------------------------------------------

    def employer_profile(self) -> dict[str, str]:
        with self._reading() as conn:
            return settings.employer_profile(conn)

    def set_employer_profile(self, profile: Mapping[str, Any]) -> None:
        now = self._now()
        with self._writing() as conn:
            settings.set_employer_profile(conn, profile, now)

    def get_setting(self, name: str, default: str | None = None) -> str | None:
        with self._reading() as conn:
            value = settings.get(conn, name)
        return default if value is None else value

    def set_setting(self, name: str, value: str, *, secret: bool = False) -> None:
        """Keep a setting; `secret=True` for credentials (never listed, only inside the encrypted file)."""
        with self._writing() as conn:
            settings.set_(conn, name, value, secret)

    def delete_setting(self, name: str) -> bool:
        with self._writing() as conn:
            return settings.delete(conn, name)

    def settings(self) -> dict[str, str | None]:
        """Every setting; secret ones with the value None."""
        with self._reading() as conn:
            return settings.listing(conn)

    def idle_lock_seconds(self) -> float:
        with self._reading() as conn:
            return settings.idle_lock_seconds(conn)

    def log_event(
        self, request_id: str | None, event: AuditEvent | str, detail: str | Mapping[str, Any] = ""
    ) -> None:
        """Add an audit entry. Only known events, and a detail of allowed `key=value` pairs (no personal data)."""
        now = self._now()
        with self._writing() as conn:
            if request_id is not None:
                drafts.state_of(conn, request_id)
            audit.log(conn, request_id, event, detail, now)

    def audit(self, request_id: str | None = None) -> builtins.list[AuditEntry]:
        """The audit entries of a request (also after it was deleted), or the store's own when None."""
        with self._reading() as conn:
            return audit.entries(conn, request_id)

    # --- the whole-file check ------------------------------------------------------------------------------------

    def check(self, *, source: str = "cli") -> StoreCheck:
        """Read the whole file: every page's HMAC and the b-trees, then the search index against the requests.

        Raises `DamagedStore` when a page fails (restore a backup); a search index that does not match the
        requests is rebuilt (`StoreCheck.index_rebuilt`). The pages are read on a connection of the check's own,
        without the store's lock, so the store stays usable meanwhile; `close()` interrupts it (`StoreLocked`).
        A check that passes is recorded in the audit log (`source`: cli, gui or idle).
        """
        conn = connect(self._path, self._require_key(), readonly=True)
        with self._lock:
            if self._conn is None:
                conn.close()
                raise StoreLocked()
            self._checks.add(conn)
        try:
            with translated():
                pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            verify(conn)
        except Exception as exc:
            if interrupted(exc) or self.closed:  # close() stopped it
                raise StoreLocked() from exc
            raise
        finally:
            with self._lock:
                self._checks.discard(conn)
            conn.close()
        rebuilt = False
        with self._writing() as conn:
            try:
                with translated():
                    search.check(conn)
            except DamagedStore:  # the pages are sound, so the index is only out of step: rebuild it
                search.rebuild(conn)
                rebuilt = True
                log.warning("the search index did not match the requests; it was rebuilt")
            if not confirmations.in_step(conn):  # the same for the numbers the list shows
                confirmations.rebuild(conn)
                rebuilt = True
                log.warning("the confirmation numbers on the requests did not match the receipts; set again")
            detail = {
                "pages": min(pages, 999_999),
                "index": "rebuilt" if rebuilt else "sound",
                "source": source,
            }
            audit.log(conn, None, AuditEvent.STORE_CHECKED, detail, self._now())
        return StoreCheck(pages, pages * PAGE_SIZE, rebuilt)

    def _require_key(self) -> RawKey:
        self._require()
        return self._key

    # --- passphrase and backup -----------------------------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-encrypt every page under a key from `new_passphrase` (SQLCipher `PRAGMA rekey`).

        SQLCipher rewrites the pages in one transaction, so a crash leaves a file that opens with the old or the
        new passphrase (proved by `tests/store/test_crash.py`). Other programs holding the store open must reopen.
        """
        key = derive(require_strong(new_passphrase), self._key.salt)
        now = self._now()
        with self._lock, self._alone("its passphrase cannot change under it") as conn, translated():
            conn.execute(f'PRAGMA rekey = "{key.sql_literal()}"')
            self._key = key
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with self._writing() as conn:
            audit.log(conn, None, AuditEvent.PASSPHRASE_CHANGED, "", now)
        log.info("store passphrase changed")

    def backup(
        self, destination: str | os.PathLike[str], passphrase: str, *, overwrite: bool = False
    ) -> Path:
        """Write an encrypted copy to `destination`, under its own `passphrase` (see `app.store.backup`)."""
        from app.store.backup import make_backup

        return make_backup(self, Path(destination), passphrase, overwrite=overwrite)

    @classmethod
    def restore(
        cls,
        backup_file: str | os.PathLike[str],
        backup_passphrase: str,
        location: str | os.PathLike[str] | None,
        new_passphrase: str,
        *,
        replace: bool = False,
    ) -> tuple[Store, Path | None]:
        """Restore a backup as the store at `location`, keyed with `new_passphrase`.

        Returns the open store and where an existing store was kept aside (with `replace`), or None.
        """
        from app.store.backup import restore_backup

        path, key, kept = restore_backup(
            Path(backup_file), backup_passphrase, locate(location), new_passphrase, replace=replace
        )
        store = cls.open(path, key=key, verify_pages=False)
        store.log_store_event(AuditEvent.RESTORED, {"schema": schema.LATEST})
        return store, kept

    def log_store_event(self, event: AuditEvent, detail: str | Mapping[str, Any] = "") -> None:
        now = self._now()
        with self._writing() as conn:
            audit.log(conn, None, event, detail, now)

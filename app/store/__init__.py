"""The encrypted local store (SQLCipher 4): requests with their revisions, the outbox and receipts, the employer
profile, settings and an audit log. No Qt here. Start with `Store` or `unlock`; see `docs/store.md`."""

from app.store.audit import AuditEvent
from app.store.errors import (
    AmbiguousId,
    BackupError,
    CipherUnavailable,
    DamagedStore,
    DiskFull,
    EmptyStoreFile,
    InvalidTransition,
    InvalidValue,
    KeychainUnavailable,
    NewerSchema,
    NoPassphrase,
    NotAStoreFile,
    PassphraseMismatch,
    PlainDatabaseFile,
    ReadOnlyStore,
    RequestNotFound,
    StoreBusy,
    StoreError,
    StoreExists,
    StoreLocked,
    StoreNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from app.store.idle import IdleLock
from app.store.keys import STRENGTH_RULE, strength_problems
from app.store.models import AuditEntry, DuplicateMode, ListOrder, OutboxItem, RequestSummary, Revision
from app.store.store import FILE_NAME, Store, locate
from app.store.unlock import unlock

__all__ = [
    "FILE_NAME",
    "STRENGTH_RULE",
    "AmbiguousId",
    "AuditEntry",
    "AuditEvent",
    "BackupError",
    "CipherUnavailable",
    "DamagedStore",
    "DiskFull",
    "DuplicateMode",
    "EmptyStoreFile",
    "IdleLock",
    "InvalidTransition",
    "InvalidValue",
    "KeychainUnavailable",
    "ListOrder",
    "NewerSchema",
    "NoPassphrase",
    "NotAStoreFile",
    "OutboxItem",
    "PassphraseMismatch",
    "PlainDatabaseFile",
    "ReadOnlyStore",
    "RequestNotFound",
    "RequestSummary",
    "Revision",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreExists",
    "StoreLocked",
    "StoreNotFound",
    "WeakPassphrase",
    "WrongPassphrase",
    "locate",
    "strength_problems",
    "unlock",
]

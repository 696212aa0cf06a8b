"""The encrypted local store (SQLCipher 4): requests with their revisions, the outbox and receipts, the employer
profile, settings and an audit log. No Qt here. Start with `Store` or `unlock`; see `docs/store.md`.

The errors, the records and the audit events import nothing heavy; `Store`, `locate`, `FILE_NAME` and `IdleLock`
load the database library (sqlcipher3) on first use, so that `from app.store import StoreError` stays cheap for
the command line (`coc --help` imports no database library).
"""

from typing import TYPE_CHECKING, Any

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
    ReadOnlyFolder,
    ReadOnlyStore,
    RequestNotFound,
    RevisionConflict,
    StoreBusy,
    StoreError,
    StoreExists,
    StoreLocked,
    StoreNotFound,
    StoreUnreadable,
    UnexpectedSchema,
    UnsafeCompanionFile,
    WeakPassphrase,
    WrongPassphrase,
)
from app.store.keys import STRENGTH_RULE, strength_problems
from app.store.models import (
    AuditEntry,
    DuplicateMode,
    ListOrder,
    OutboxItem,
    RequestSummary,
    Revision,
    StoreCheck,
)

if TYPE_CHECKING:
    from app.store.idle import IdleLock
    from app.store.store import FILE_NAME, Store, locate

_LAZY = {
    "FILE_NAME": "app.store.store",
    "Store": "app.store.store",
    "locate": "app.store.store",
    "IdleLock": "app.store.idle",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'app.store' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
    "ReadOnlyFolder",
    "ReadOnlyStore",
    "RequestNotFound",
    "RequestSummary",
    "Revision",
    "RevisionConflict",
    "Store",
    "StoreBusy",
    "StoreCheck",
    "StoreError",
    "StoreExists",
    "StoreLocked",
    "StoreNotFound",
    "StoreUnreadable",
    "UnexpectedSchema",
    "UnsafeCompanionFile",
    "WeakPassphrase",
    "WrongPassphrase",
    "locate",
    "strength_problems",
]

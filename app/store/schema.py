"""The store's schema: a version (`PRAGMA user_version`), an application id, and ordered migrations.

A migration is a function run inside one transaction together with the version bump, so a crash leaves either the
old schema or the new one. A file whose version is newer than the newest migration is refused before anything is
written to it.

A file is not trusted for its version alone: `check` also compares every object of its schema (tables, indexes,
triggers, views, with their SQL) with what the migrations up to that version create, and refuses anything else (a
trigger planted in a backup would otherwise run inside the application). The comparison reads `sqlite_master` only
(a few dozen rows), so it stays on the unlock path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlcipher3

from app.store import confirmations, search
from app.store.connection import translated
from app.store.drafts import ORDER_INDEXES_SQL
from app.store.errors import NewerSchema, NotAStoreFile, UnexpectedSchema
from app.store.reports import MIGRATION_SQL as REPORTS_SQL

APPLICATION_ID = 0x436F4352  # "CoCR": marks a file as this application's store

STATES_SQL = "'draft','ready','queued','sent','approved','rejected'"

V1 = f"""
CREATE TABLE requests (
    id            TEXT PRIMARY KEY,
    form          TEXT NOT NULL,
    edition       TEXT NOT NULL,
    agreement     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ({STATES_SQL})),
    worker_name   TEXT NOT NULL,
    name_search   TEXT NOT NULL,
    ssn_key       TEXT,
    namebirth_key TEXT,
    start_date    TEXT,
    end_date      TEXT,
    error_count   INTEGER NOT NULL CHECK (error_count >= 0),
    warning_count INTEGER NOT NULL CHECK (warning_count >= 0),
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL,
    seq           INTEGER NOT NULL UNIQUE
);
CREATE INDEX requests_by_seq ON requests (seq);
CREATE INDEX requests_by_state ON requests (state, seq);
CREATE INDEX requests_by_agreement ON requests (agreement, seq);
CREATE INDEX requests_by_end ON requests (end_date);
CREATE INDEX requests_by_name ON requests (name_search, seq);
CREATE INDEX requests_by_ssn ON requests (ssn_key, agreement);
CREATE INDEX requests_by_namebirth ON requests (namebirth_key, agreement);

CREATE TABLE revisions (
    seq           INTEGER PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    rev           INTEGER NOT NULL,
    saved         TEXT NOT NULL,
    state         TEXT NOT NULL,
    error_count   INTEGER NOT NULL,
    warning_count INTEGER NOT NULL,
    doc           TEXT NOT NULL,
    UNIQUE (request_id, rev)
);

CREATE TABLE outbox (
    request_id      TEXT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    payload         TEXT NOT NULL,
    payload_sha256  TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    queued          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try        TEXT NOT NULL,
    last_attempt    TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_by_next_try ON outbox (next_try);

CREATE TABLE receipts (
    request_id      TEXT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    received        TEXT NOT NULL,
    receipt         TEXT NOT NULL
);

CREATE TABLE receiver_errors (
    request_id TEXT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    recorded   TEXT NOT NULL,
    errors     TEXT NOT NULL
);

CREATE TABLE employer_profile (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    data    TEXT NOT NULL,
    updated TEXT NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL,
    secret INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1))
);

CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_request ON audit (request_id, seq);
"""


# The roster imports' tables and the index that finds a request by its external reference (`app.store.batches`),
# here rather than there: opening a store then loads no module of the imports.
REF_PATH = '$.answers."request.external_ref"'
REF_SQL = f"json_extract(doc, '{REF_PATH}')"

BATCHES_SQL = f"""
CREATE INDEX revisions_by_external_ref ON revisions ({REF_SQL});
CREATE TABLE batches (
    id     TEXT PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('import')),
    at     TEXT NOT NULL,
    undone TEXT
);
CREATE TABLE batch_items (
    batch_id   TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    request_id TEXT NOT NULL,
    before_rev INTEGER,
    after_rev  INTEGER NOT NULL,
    PRIMARY KEY (batch_id, request_id)
);
"""


@dataclass(frozen=True)
class Migration:
    version: int  # the schema version after this migration
    description: str
    apply: Callable[[Any], None]


def _script(sql: str) -> Callable[[Any], None]:
    def run(conn: Any) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return run


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "requests, revisions, outbox, receipts, settings, audit", _script(V1)),
    Migration(2, "external references and batches (roster imports)", _script(BATCHES_SQL)),
    Migration(3, "reports of requests carried over to a new edition of their form", _script(REPORTS_SQL)),
    Migration(4, "the search index (FTS5) over names, confirmation numbers and request ids", search.create),
    Migration(5, "an index for each sort order of the request list", _script(ORDER_INDEXES_SQL)),
    Migration(
        6, "names in the search index, confirmation numbers in a table of their own", search.separate_numbers
    ),
    Migration(7, "the confirmation number on the request's row, kept from its receipt", confirmations.create),
    # The UNIQUE constraint on seq has its own index, which every lookup by seq uses: this one was only written, a
    # page of the file more at every save (a save moves its request's seq), every sent group and every import.
    Migration(8, "without the second index on seq", _script("DROP INDEX requests_by_seq")),
)
LATEST = MIGRATIONS[-1].version


def read_version(conn: Any) -> tuple[int, int]:
    """(application id, schema version) of an open connection."""
    with translated():
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return app_id, version


def check(conn: Any, migrations: Sequence[Migration] | None = None) -> int:
    """The file's schema version, after checking it is ours, not newer than this program, and made of exactly the
    objects our migrations create (`check_objects`); read only."""
    app_id, version = read_version(conn)
    latest = (migrations or MIGRATIONS)[-1].version
    if app_id == 0 and version == 0:
        with translated():
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise NotAStoreFile()
        return 0  # a keyed, empty database: a store whose creation had not committed yet
    if app_id != APPLICATION_ID:
        raise NotAStoreFile()
    if version > latest:
        raise NewerSchema(
            f"This store has schema version {version}, written by a newer version of the application (this one "
            f"knows up to version {latest}); it was left unchanged."
        )
    check_objects(conn, version, migrations)
    return version


# --- the schema's objects ------------------------------------------------------------------------------------------

SCHEMA_SQL = "SELECT type, name, tbl_name, sql FROM main.sqlite_master"


def objects(conn: Any) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Every object of the main database's schema: (type, name) -> (table, SQL)."""
    with translated():
        rows = conn.execute(SCHEMA_SQL).fetchall()
    return {(str(t), str(n)): (str(tb), None if sql is None else str(sql)) for t, n, tb, sql in rows}


@functools.lru_cache(maxsize=16)
def expected_objects(
    migrations: tuple[Migration, ...], version: int
) -> dict[tuple[str, str], tuple[str, str | None]]:
    """The objects the migrations up to `version` create, read back from an in-memory database built by them (the
    same SQLite library, so the SQL is stored exactly as in a real store)."""
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    try:
        for migration in migrations:
            if migration.version <= version:
                migration.apply(conn)
        return objects(conn)
    finally:
        conn.close()


def _shown(kind: str, name: str) -> str:
    """An object for a message: its name cut short and stripped of anything but printable characters (the name
    comes from the file, which may be hostile)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name[:40])
    ellipsis = "..." if len(name) > 40 else ""
    return f'{kind} "{clean}{ellipsis}"'


def unexpected_objects(conn: Any, version: int, migrations: Sequence[Migration] | None = None) -> list[str]:
    """What differs between the file's schema and the one the application makes at `version`, in words: objects it
    did not create (triggers, views, tables, indexes), objects whose definition was changed, objects missing."""
    expected = expected_objects(tuple(migrations or MIGRATIONS), version)
    found = objects(conn)
    foreign = [_shown(kind, name) for (kind, name) in sorted(found.keys() - expected.keys())]
    altered = [
        _shown(k, n) + " (altered)"
        for (k, n) in sorted(found.keys() & expected.keys())
        if found[k, n] != expected[k, n]
    ]
    missing = [_shown(kind, name) + " (missing)" for (kind, name) in sorted(expected.keys() - found.keys())]
    return foreign + altered + missing


def check_objects(conn: Any, version: int, migrations: Sequence[Migration] | None = None) -> None:
    """Refuse a file whose schema is not exactly what the application's migrations make at its version (see the
    module's docstring); read only. The perf-sensitive part of opening: a read of `sqlite_master`."""
    differences = unexpected_objects(conn, version, migrations)
    if differences:
        raise UnexpectedSchema.listing(differences)


def migrate(conn: Any, migrations: Sequence[Migration] | None = None) -> int:
    """Apply, in order, every migration the file lacks; each in its own transaction. Returns the new version."""
    migrations = migrations or MIGRATIONS
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)) or versions[0] < 1:
        raise ValueError("migrations must have increasing versions from 1")
    current = check(conn, migrations)
    for migration in migrations:
        if migration.version <= current:
            continue
        with translated():
            conn.execute("BEGIN IMMEDIATE")
            try:
                if read_version(conn)[1] >= migration.version:  # another process got there first
                    conn.execute("ROLLBACK")
                    current = migration.version
                    continue
                migration.apply(conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
                conn.execute(f"PRAGMA user_version = {migration.version:d}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        current = migration.version
    return current

"""Schema version and ordered migrations; a newer store is refused untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.store import NewerSchema, NotAStoreFile, Store
from app.store import schema as schema_module
from app.store.connection import configure, connect
from app.store.keys import RawKey
from app.store.schema import APPLICATION_ID, LATEST, MIGRATIONS, Migration, migrate
from tests.store.helpers import make_doc, snapshot


def _raw(path: Path, key: RawKey, *statements: str) -> None:
    conn = connect(path, key)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def test_a_new_store_is_at_the_latest_version(store: Store) -> None:
    with store.connection() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_store_from_a_newer_version_is_refused_unchanged(store_dir: Path, key: RawKey) -> None:
    Store.create(store_dir, key=key).close()
    _raw(store_dir / "store.db", key, f"PRAGMA user_version = {LATEST + 1}")
    before = snapshot(store_dir)
    with pytest.raises(NewerSchema) as info:
        Store.open(store_dir, key=key)
    assert f"schema version {LATEST + 1}" in info.value.user_text
    assert "newer version of the application" in info.value.user_text
    assert snapshot(store_dir) == before


def test_a_foreign_encrypted_database_is_refused(store_dir: Path, key: RawKey) -> None:
    Store.create(store_dir, key=key).close()
    _raw(store_dir / "store.db", key, "PRAGMA application_id = 42")
    before = snapshot(store_dir)
    with pytest.raises(NotAStoreFile):
        Store.open(store_dir, key=key)
    assert snapshot(store_dir) == before


def test_a_keyed_database_with_other_tables_is_not_a_store(tmp_path: Path, key: RawKey) -> None:
    path = tmp_path / "other.db"
    conn = connect(path, key, create=True)
    try:
        conn.execute("CREATE TABLE other (x)")
    finally:
        conn.close()
    with pytest.raises(NotAStoreFile):
        Store.open(path, key=key)


def test_migrations_run_in_order_each_in_one_transaction(tmp_path: Path, key: RawKey) -> None:
    ran: list[int] = []

    def step(version: int, sql: str) -> Migration:
        def apply(target: Any) -> None:
            if target is conn:  # not the in-memory build of the expected schema (schema.expected_objects)
                ran.append(version)
            target.execute(sql)

        return Migration(version, f"step {version}", apply)

    v2 = step(LATEST + 1, "ALTER TABLE requests ADD COLUMN note TEXT")
    v3 = step(LATEST + 2, "CREATE TABLE extra (x)")
    path = tmp_path / "m.db"
    conn = connect(path, key, create=True)
    try:
        configure(conn)
        assert migrate(conn, MIGRATIONS) == LATEST
        assert migrate(conn, (*MIGRATIONS, v2, v3)) == LATEST + 2
        assert ran == [LATEST + 1, LATEST + 2]
        assert migrate(conn, (*MIGRATIONS, v2, v3)) == LATEST + 2  # nothing left to do
        assert ran == [LATEST + 1, LATEST + 2]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 2
        conn.execute("SELECT note FROM requests")
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path, key: RawKey) -> None:
    def broken(conn: Any) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    path = tmp_path / "m.db"
    conn = connect(path, key, create=True)
    try:
        configure(conn)
        migrate(conn)
        with pytest.raises(RuntimeError):
            migrate(conn, (*MIGRATIONS, Migration(LATEST + 1, "broken", broken)))
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    finally:
        conn.close()


def test_migrations_must_be_ordered(tmp_path: Path, key: RawKey) -> None:
    def noop(conn: Any) -> None:
        return None

    conn = connect(tmp_path / "m.db", key, create=True)
    try:
        with pytest.raises(ValueError):
            migrate(conn, (Migration(2, "a", noop), Migration(1, "b", noop)))
        with pytest.raises(ValueError):
            migrate(conn, (Migration(1, "a", noop), Migration(1, "b", noop)))
    finally:
        conn.close()


def test_opening_an_older_store_migrates_it(
    store_dir: Path, key: RawKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.create(store_dir, key=key) as store:
        doc = make_doc()
        store.save(doc, error_count=0)

    def add_column(conn: Any) -> None:
        conn.execute("ALTER TABLE requests ADD COLUMN note TEXT")

    monkeypatch.setattr(schema_module, "MIGRATIONS", (*MIGRATIONS, Migration(LATEST + 1, "note", add_column)))
    with Store.open(store_dir, key=key) as store:
        assert store.get(doc.id).answers == doc.answers
        with store.connection() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1


def test_opening_a_store_loads_no_module_of_the_roster_imports(tmp_path: Path) -> None:
    """The batches' tables are made by the schema's own SQL: a launch that opens the store does not load
    `app.store.batches` (4 ms of imports at every start)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.store import Store\n"
        "from app.store.keys import random_key\n"
        "key = random_key()\n"
        f"Store.create(Path({str(tmp_path / 'data')!r}), key=key).close()\n"
        f"Store.open(Path({str(tmp_path / 'data')!r}), key=key).close()\n"
        "assert not [m for m in sys.modules if m in ('app.store.batches', 'app.roster')], sorted(sys.modules)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120, cwd=Path(__file__).resolve().parents[2]
    )

"""Startup assertions on the connection factory (reliability.md §6 test #8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.store import CipherUnavailable, Store
from app.store.keys import RawKey
from tests.store.helpers import snapshot


def _pragma(store: Store, name: str) -> object:
    with store.connection() as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_sqlcipher_4_with_v4_settings(store: Store) -> None:
    assert str(_pragma(store, "cipher_version")).startswith("4.")
    assert _pragma(store, "cipher_page_size") == "4096"
    assert _pragma(store, "cipher_hmac_algorithm") == "HMAC_SHA512"
    assert _pragma(store, "cipher_kdf_algorithm") == "PBKDF2_HMAC_SHA512"
    assert _pragma(store, "kdf_iter") == "256000"
    assert _pragma(store, "cipher_use_hmac") == "1"


def test_log_silenced_wal_full_sync_memory_temp(store: Store) -> None:
    assert _pragma(store, "cipher_log_level") == "NONE"
    assert _pragma(store, "journal_mode") == "wal"
    assert _pragma(store, "synchronous") == 2  # FULL
    assert _pragma(store, "temp_store") == 2  # MEMORY
    assert _pragma(store, "foreign_keys") == 1
    assert _pragma(store, "secure_delete") == 1
    with store.connection() as conn:
        options = {row[0] for row in conn.execute("PRAGMA compile_options")}
    assert "TEMP_STORE=2" in options or "TEMP_STORE=3" in options


def test_plain_sqlite_library_fails_closed_on_create(tmp_path: Path, key: RawKey) -> None:
    with pytest.raises(CipherUnavailable):
        Store.create(tmp_path / "data", key=key, driver=sqlite3)
    assert list((tmp_path / "data").iterdir()) == []  # the temporary file is gone, nothing in place


def test_plain_sqlite_library_fails_closed_on_open(store_dir: Path, key: RawKey) -> None:
    Store.create(store_dir, key=key).close()
    before = snapshot(store_dir)
    with pytest.raises(CipherUnavailable):
        Store.open(store_dir, key=key, driver=sqlite3)
    assert snapshot(store_dir) == before


def test_files_are_private(store: Store) -> None:
    import os
    import stat

    if os.name != "posix":
        pytest.skip("POSIX permissions")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

"""Fixtures of the store tests. Most stores are keyed with a random raw key (no 0.1 s KDF per test); the tests of
passphrases and unlocking use real passphrases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import Store
from app.store.keys import RawKey, random_key


@pytest.fixture
def key() -> RawKey:
    return random_key()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(store_dir: Path, key: RawKey) -> Iterator[Store]:
    s = Store.create(store_dir, key=key)
    try:
        yield s
    finally:
        s.close()

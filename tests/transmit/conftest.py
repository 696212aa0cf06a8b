"""Fixtures of the transmission tests: certificates made here, the reference intake service on loopback, and an
encrypted store keyed with a raw key (no KDF per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import Store
from app.store.keys import RawKey, random_key
from intake import RunningIntake, serve_in_thread
from tests.transmit.helpers import TOKEN, Pki, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def intake_dir(tmp_path: Path) -> Path:
    return tmp_path / "intake"


@pytest.fixture
def server(intake_dir: Path) -> Iterator[RunningIntake]:
    """The intake service with its own CA (made on first start), accepting TOKEN."""
    with serve_in_thread(intake_dir, [TOKEN]) as running:
        yield running


@pytest.fixture
def store_key() -> RawKey:
    return random_key()


@pytest.fixture
def store(tmp_path: Path, store_key: RawKey) -> Iterator[Store]:
    s = Store.create(tmp_path / "store", key=store_key)
    try:
        yield s
    finally:
        s.close()

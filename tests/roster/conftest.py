"""Fixtures of the roster tests: the shipped definitions, a store with an employer profile, the CLI's store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.forms import Catalog, default_catalog
from app.store import Store
from app.store.keys import random_key
from tests.roster.helpers import EMPLOYER

PASSPHRASE = "harbor lamp 7 violet"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.create(tmp_path / "data", key=random_key())
    s.set_employer_profile(EMPLOYER)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def cli_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store for the `coc` commands (COC_DATA_DIR, COC_PASSPHRASE), with the employer profile."""
    folder = tmp_path / "cli-data"
    monkeypatch.setenv("COC_DATA_DIR", str(folder))
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    with Store.create(folder, PASSPHRASE) as s:
        s.set_employer_profile(EMPLOYER)
    return folder

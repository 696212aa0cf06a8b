"""Fixtures of the update tests: the real intake service over HTTPS with a published repository of form updates,
and an encrypted store that trusts its root."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.forms import default_catalog
from app.store import Store
from app.store.keys import random_key
from app.transmit import TransmitSettings
from app.updates.catalog import updates_dir
from app.updates.installed import Editions
from app.updates.trust import set_forms_root
from app.updates.update import UpdateResult, update_forms
from intake import RunningIntake, serve_in_thread
from intake.publish import publish
from intake.tuf_repo import ROOT_FILE, UpdateFiles

TOKEN = "update-token-0123456789"


@dataclass
class Receiver:
    folder: Path
    running: RunningIntake

    @property
    def settings(self) -> TransmitSettings:
        return TransmitSettings(self.running.url, TOKEN, str(self.running.ca_path))

    @property
    def files(self) -> UpdateFiles:
        return self.running.service.updates

    @property
    def root_file(self) -> Path:
        return self.folder / ROOT_FILE

    def publish(self, forms: Path | None = None) -> None:
        publish(self.folder, forms)


@pytest.fixture(scope="session")
def published_shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A receiver's folder that published the shipped definitions (made once: each test gets a copy)."""
    folder = tmp_path_factory.mktemp("published") / "intake"
    publish(folder)
    return folder


@pytest.fixture
def receiver(tmp_path: Path, published_shipped: Path) -> Iterator[Receiver]:
    """The intake service, having published the shipped definitions."""
    folder = tmp_path / "intake"
    shutil.copytree(published_shipped, folder)
    with serve_in_thread(folder, [TOKEN]) as running:
        yield Receiver(folder, running)


@pytest.fixture
def store(tmp_path: Path, receiver: Receiver) -> Iterator[Store]:
    s = Store.create(tmp_path / "store", key=random_key())
    set_forms_root(s, receiver.root_file)
    try:
        yield s
    finally:
        s.close()


def run_update(store: Store, receiver: Receiver, **kwargs: object) -> UpdateResult:
    return update_forms(store, receiver.settings, **kwargs)  # type: ignore[arg-type]


def in_use() -> tuple[list[object], str]:
    """What a failed update must leave as it was: the installed list and the edition of Germany's form."""
    return Editions(updates_dir()).entries(), default_catalog().forms["de-employee"].edition

"""GUI tests: pytest-qt on the offscreen platform, background work run inline, every folder temporary.

Every test here is marked `gui` (so `pytest -m "not gui"` runs the core alone) and fails on any Qt warning, the
way qutebrowser's suite does (`qt_log_level_fail`), but for the offscreen platform's own limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import ui  # noqa: F401 - applies ui.qtcompat before any widget exists
from app.forms import Catalog, default_catalog
from app.forms.example import example_answers
from app.request import RequestDoc
from app.store import Store
from app.store.keychain import KeychainStatus
from app.store.keys import random_key
from app.store.service import save_validated

NO_KEYCHAIN = KeychainStatus(False, "none", "no system keychain in the tests")
PASSPHRASE = "harbor lamp 7 violet"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform cannot raise windows, grab the keyboard (completion popups ask it to) or pass
            # size hints on to a window manager (message boxes do).
            item.add_marker(
                pytest.mark.qt_log_ignore(r"This plugin does not support (raise|grabbing|propagateSizeHints)")
            )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = Store.create(data_dir, key=random_key())
    yield opened
    opened.close()


@pytest.fixture
def ctx(data_dir: Path, catalog: Catalog, store: Store) -> Iterator[object]:
    from ui.context import AppContext
    from ui.gui_settings import open_settings
    from ui.tasks import TaskManager

    context = AppContext(data_dir, catalog, TaskManager(inline=True), open_settings(data_dir), store)
    yield context


def add_example(store: Store, catalog: Catalog, form_id: str, **changes: object) -> RequestDoc:
    """A saved example request of `form_id`, with some answers changed (None removes one)."""
    spec = catalog.form(form_id)
    answers = example_answers(spec)
    for key, value in changes.items():
        field_id = key.replace("__", ".")
        if value is None:
            answers.pop(field_id, None)
        else:
            answers[field_id] = value
    doc = RequestDoc(spec.id, spec.edition, answers)
    save_validated(store, doc, catalog)
    return doc

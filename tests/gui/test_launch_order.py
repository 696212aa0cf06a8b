"""What a launch does first, and what it leaves for after the list shows (issue 18's launch goal).

With a remembered key the window names its list from the index of the definitions kept at the last launch
(`app.catalog_index`) and loads the form engine after the list's first paint; names that changed since are taken
when the definitions arrive. The store opens with the list's first page read at once, which the window uses rather
than reading it again; the window shows when its rows are in (or after a short wait, whatever happens); a warning
logged before the log file opens reaches it, scrubbed. Behaviour only: nothing here measures time."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import catalog_index
from app.catalog_index import CatalogIndex
from app.forms import Catalog
from app.store import Store, keychain
from app.store.keychain import KeychainStatus
from tests.conftest import REPO
from tests.gui.conftest import PASSPHRASE, add_example
from tests.gui.helpers import stop_app

LAUNCH = """
import json, os, sys
sys.path.insert(0, {repo!r})
from app.store import keychain
from app.store.keychain import KeychainStatus
from app.store.keys import RawKey

key = RawKey.from_hex({key!r})
keychain.recall = lambda path, backend=None: key
keychain.status = lambda backend=None: KeychainStatus(True, "stand-in", "")
import ui.controller as uc
from PySide6.QtCore import QEvent, QObject, QTimer

opened = uc.AppController._opened
seen = {{}}


def patched(self, *args, **kwargs):
    opened(self, *args, **kwargs)
    window, ctx = self.window, self.ctx

    class Painted(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and window.model.rowCount() and not seen:
                seen["engine_at_paint"] = sorted(m for m in sys.modules if m.startswith("app.forms"))
                seen["names_at_paint"] = [window.model.data(window.model.index(r, 1)) for r in range(window.model.rowCount())]
                QTimer.singleShot(0, wait)
            return False

    def wait():
        if not ctx.catalog_loaded:
            QTimer.singleShot(20, wait)
            return
        seen["engine_after"] = "app.forms.loader" in sys.modules
        print(json.dumps(seen), flush=True)
        os._exit(0)

    self._painted = Painted()
    window.table.viewport().installEventFilter(self._painted)


uc.AppController._opened = patched
from app.cli import main
sys.exit(main(["--data-dir", {data!r}, "gui"]))
"""


@pytest.fixture
def filled(data_dir: Path, catalog: Catalog) -> Path:
    with Store.create(data_dir, PASSPHRASE) as store:
        add_example(store, catalog, "de-employee")
        add_example(store, catalog, "fr-employee")
    return data_dir


def remembered(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    from app.store.keys import derive, read_salt

    key = derive(PASSPHRASE, read_salt(data_dir / "store.db"))
    monkeypatch.setattr(keychain, "recall", lambda path, backend=None: key)


def test_a_remembered_key_shows_the_list_before_the_form_engine_loads(filled: Path) -> None:
    from app.store.keys import derive, read_salt
    from ui.controller import load_catalog

    load_catalog(filled)  # what the last session kept
    key = derive(PASSPHRASE, read_salt(filled / "store.db")).to_hex()
    code = LAUNCH.format(repo=str(REPO), key=key, data=str(filled))
    env = {k: v for k, v in __import__("os").environ.items() if k != "COC_PASSPHRASE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["engine_at_paint"] == []  # no module of the form engine before the list's first paint
    assert sorted(seen["names_at_paint"]) == ["France", "Germany"]  # named from the index
    assert seen["engine_after"]  # and the definitions came after


def test_names_that_changed_since_the_index_are_taken_when_the_definitions_arrive(
    qtbot: Any, filled: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import controller as controller_module
    from ui.controller import AppController
    from ui.tasks import TaskManager

    stamp = catalog_index.stamp(filled)
    stale = CatalogIndex.of(catalog)
    stale = CatalogIndex(
        tuple((i, "Old name of Germany" if i == "de" else n, on) for i, n, on in stale.agreements),
        stale.kinds,
    )
    catalog_index.write(filled, stamp, stale)
    remembered(monkeypatch, filled)
    monkeypatch.setattr(controller_module, "DEFINITIONS_DELAY_MS", 50)
    controller = AppController(
        filled, tasks=TaskManager(inline=True), keychain_status=KeychainStatus(True, "stand-in", "")
    )
    controller.start()
    window = controller.window
    assert window is not None and window.isVisible() and not controller.ctx.catalog_loaded
    qtbot.addWidget(window)
    model = window.model

    def names() -> list[str]:
        return sorted(model.data(model.index(r, 1)) for r in range(model.rowCount()))

    combo = window.agreement_filter
    assert names() == ["France", "Old name of Germany"]
    assert "Old name of Germany" in [combo.itemText(i) for i in range(combo.count())]
    qtbot.waitUntil(lambda: controller.ctx.catalog_loaded)
    assert names() == ["France", "Germany"]
    assert "Germany" in [combo.itemText(i) for i in range(combo.count())]
    assert catalog_index.read(filled, stamp) == CatalogIndex.of(catalog)  # kept right for the next launch
    stop_app(controller)


def test_the_first_page_read_with_the_store_is_not_read_again(
    qtbot: Any, filled: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import ops
    from ui.controller import AppController
    from ui.tasks import TaskManager

    pages: list[tuple[ops.Query, int]] = []
    real = ops.list_page

    def counted(store: Store, query: ops.Query, offset: int, limit: int) -> ops.Page:
        pages.append((query, offset))
        return real(store, query, offset, limit)

    monkeypatch.setattr(ops, "list_page", counted)
    remembered(monkeypatch, filled)
    controller = AppController(
        filled, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=KeychainStatus(True, "s", "")
    )
    controller.start()
    assert controller.window is not None and controller.window.model.rowCount() == 2
    qtbot.addWidget(controller.window)
    assert pages == [(ops.Query(), 0)]
    stop_app(controller)


def test_the_window_shows_even_when_its_rows_do_not_come(
    qtbot: Any, filled: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import controller as controller_module
    from ui.controller import AppController
    from ui.tasks import TaskManager

    monkeypatch.setattr(controller_module, "FIRST_ROWS_WAIT_MS", 10)
    controller = AppController(filled, catalog=catalog, tasks=TaskManager(inline=True))
    window = controller.window = controller._make_window()
    qtbot.addWidget(window)
    controller._present_with_rows(window)  # no page is ever asked for
    assert not window.isVisible()
    qtbot.waitUntil(window.isVisible)
    stop_app(controller)


def test_what_is_logged_before_the_log_file_opens_reaches_it_scrubbed(data_dir: Path) -> None:
    from ui.app import EarlyRecords, setup_logging

    root = logging.getLogger()
    early = EarlyRecords()
    root.addHandler(early)
    try:
        logging.getLogger("coc.test").warning("early problem with 123-45-6789")
    finally:
        root.removeHandler(early)
    handler = setup_logging(data_dir)
    try:
        early.hand_to(handler)
    finally:
        root.removeHandler(handler)
        handler.close()
    text = (data_dir / "logs" / "coc.log").read_text(encoding="utf-8")
    assert "early problem" in text and "123-45-6789" not in text

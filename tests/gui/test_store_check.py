"""Check the store in the GUI: on demand (Tools, Check the store) with the result shown, and in the background
after a quiet minute, once a week, saying nothing unless it finds damage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.forms import Catalog
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app

pytestmark = pytest.mark.gui


def _boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def _close_boxes() -> None:
    for box in _boxes():
        box.close()


def _checks(controller: Any) -> list[str]:
    return [e.detail for e in controller.ctx.require_store().audit() if e.event == "store_checked"]


def test_check_the_store_from_the_tools_menu(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    try:
        window = controller.window
        tools = next(a for a in window.menuBar().actions() if a.text() == "&Tools").menu()
        assert window.check_store_action in tools.actions()
        window.check_store_action.trigger()
        boxes = _boxes()
        assert len(boxes) == 1 and boxes[0].text().startswith("The store is sound: all ")
        assert window.check_store_action.isEnabled()
        assert [d.split()[-1] for d in _checks(controller)] == ["source=gui"]
        _close_boxes()
    finally:
        stop_app(controller)


def test_damage_found_by_the_check_is_shown_with_the_way_forward(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    try:
        store = controller.ctx.require_store()
        for _ in range(15):
            add_example(store, catalog, "de-employee", assignment__work_city="Köln " * 50)
        with store.connection() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = data_dir / "store.db"
        data = bytearray(path.read_bytes())
        data[len(data) - 4096 + 1000] ^= 0x10  # the last page, which nothing on screen has read
        path.write_bytes(bytes(data))
        controller.window.check_store_action.trigger()
        boxes = _boxes()
        assert len(boxes) == 1
        assert boxes[0].windowTitle() == "Damaged store" or "damaged" in boxes[0].text()
        assert "Restore a backup" in boxes[0].informativeText()
        assert _checks(controller) == []  # only a check that passes is recorded
        _close_boxes()
    finally:
        stop_app(controller)


def test_the_background_check_runs_after_a_quiet_minute_once_a_week(
    qtbot: Any, data_dir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    try:
        checker = controller.store_check
        quiet = [5.0]
        monkeypatch.setattr(controller.watcher.countdown, "idle_seconds", lambda: quiet[0])
        checker.poll()  # someone is working: nothing
        assert _checks(controller) == []
        quiet[0] = 90.0
        checker.poll()  # a quiet minute, and never checked: the check runs, silently when sound
        assert [d.split()[-1] for d in _checks(controller)] == ["source=idle"]
        assert _boxes() == []
        checker.poll()  # checked less than a week ago: not again
        assert len(_checks(controller)) == 1
    finally:
        stop_app(controller)

"""Known failures show what happened and the way forward, and nothing is lost: a full disk while saving (the change
stays in the wizard and is saved once there is room), and a store file that cannot be a store at unlock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.forms import Catalog
from app.store import DiskFull, Store
from tests.gui.conftest import NO_KEYCHAIN, PASSPHRASE, add_example
from tests.gui.helpers import start_app, stop_app
from tests.gui.keyboard import enter

pytestmark = pytest.mark.gui


def boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_full_disk_while_saving_says_so_and_keeps_the_change(
    qtbot: Any, data_dir: Path, catalog: Catalog, monkeypatch: Any
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    doc = add_example(store, catalog, "de-employee")
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.go_to_section("assignment")

    def full(*_args: Any, **_kwargs: Any) -> int:
        raise DiskFull()

    monkeypatch.setattr(Store, "save", full)
    enter(qtbot, wizard.rows["assignment.work_city"][1].editor, "Neustadt")
    wizard.save_now()
    assert wizard.steps.status.text().startswith("Not saved: The disk is full")
    shown = boxes()
    assert len(shown) == 1 and "Free some disk space" in shown[0].informativeText()
    shown[0].close()
    assert wizard.dirty  # kept, to be saved again
    monkeypatch.undo()
    wizard.save_now()
    assert wizard.steps.status.text().startswith("Saved")
    assert store.get(doc.id).answers["assignment.work_city"] == "Neustadt"
    stop_app(controller)


def test_a_file_that_cannot_be_a_store_is_named_at_unlock(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    from ui.controller import AppController
    from ui.tasks import TaskManager

    (data_dir / "store.db").write_bytes(b"")
    controller = AppController(
        data_dir, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=NO_KEYCHAIN
    )
    controller.start()
    dialog = controller.dialog
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    dialog.unlock_button.click()
    assert controller.ctx.store is None
    assert "empty" in dialog.error.text() and "restore a backup" in dialog.error.text()
    assert (data_dir / "store.db").read_bytes() == b""  # left as it was
    dialog.reject()
    stop_app(controller)

"""First run, unlock (a wrong passphrase, then the right one), and the idle lock clearing every widget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.forms import Catalog
from app.store import Store
from tests.gui.conftest import PASSPHRASE, add_example
from tests.gui.helpers import all_texts, flush_deletes, start_app, stop_app

pytestmark = pytest.mark.gui

CANARY = "Qxcanaryzz"
CANARY_SSN = "219-09-9999"


def test_the_first_run_explains_the_rule_and_creates_the_store(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    from tests.gui.conftest import NO_KEYCHAIN
    from ui.controller import AppController
    from ui.tasks import TaskManager
    from ui.unlock import CreatePassphraseDialog

    controller = AppController(
        data_dir, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=NO_KEYCHAIN
    )
    controller.start()
    dialog = controller.dialog
    assert isinstance(dialog, CreatePassphraseDialog)
    assert not dialog.remember.isEnabled()  # no keychain here: shown, disabled, with the reason
    reasons = [
        label.text() for label in dialog.findChildren(QLabel) if label.text().startswith("Not available")
    ]
    assert reasons == ["Not available: no system keychain in the tests."]
    qtbot.keyClicks(dialog.first, "short")
    assert not dialog.create_button.isEnabled()
    assert "fewer than 12" in dialog.verdict.text()
    dialog.first.setText("")
    qtbot.keyClicks(dialog.first, PASSPHRASE)
    qtbot.keyClicks(dialog.second, PASSPHRASE + "x")
    assert "differ" in dialog.verdict.text() and not dialog.create_button.isEnabled()
    qtbot.keyClick(dialog.second, Qt.Key.Key_Backspace)
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert controller.ctx.store is not None and (data_dir / "store.db").exists()
    assert controller.window is not None and controller.window.isVisible()
    stop_app(controller)


def test_a_wrong_passphrase_says_so_and_the_right_one_opens(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    from tests.gui.conftest import NO_KEYCHAIN
    from ui.controller import AppController
    from ui.tasks import TaskManager
    from ui.unlock import UnlockDialog

    Store.create(data_dir, PASSPHRASE).close()
    controller = AppController(
        data_dir, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=NO_KEYCHAIN
    )
    controller.start()
    dialog = controller.dialog
    assert isinstance(dialog, UnlockDialog)
    assert not dialog.unlock_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase, "harbor lamp 8 violet")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert controller.ctx.store is None
    assert dialog.error.isVisible() and "does not unlock" in dialog.error.text()
    assert dialog.passphrase.text() == "" and dialog.isVisible()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert controller.ctx.store is not None
    assert controller.window is not None and controller.window.stack.currentIndex() == 0
    stop_app(controller)


def test_a_passphrase_typed_before_the_warm_up_puts_it_after_the_list(
    qtbot: Any, data_dir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The windows' code is imported while the passphrase is typed; a passphrase that comes first (pasted, or
    filled in by a password manager) opens the store without that import competing with it: it runs once, after
    the list shows."""
    from tests.gui.conftest import NO_KEYCHAIN
    from ui import controller as controller_module
    from ui.controller import AppController
    from ui.tasks import TaskManager

    events: list[str] = []
    monkeypatch.setattr(AppController, "_warm_up", staticmethod(lambda: events.append("warm-up")))
    monkeypatch.setattr(controller_module, "WARM_UP_DELAY_MS", 0)
    Store.create(data_dir, PASSPHRASE).close()
    controller = AppController(
        data_dir, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=NO_KEYCHAIN
    )
    controller.unlocked.connect(lambda: events.append("unlocked"))
    controller.start()
    dialog = controller.dialog
    dialog.passphrase.setText("harbor lamp 8 violet")
    dialog.unlock_button.click()  # before the event loop ran the warm-up's timer; a wrong one
    for _ in range(3):
        QApplication.processEvents()  # the timer was due: it no longer runs
    assert controller.ctx.store is None and events == []
    dialog.passphrase.setText(PASSPHRASE)
    dialog.unlock_button.click()
    assert controller.window is not None and events == ["unlocked"]
    qtbot.waitUntil(lambda: events == ["unlocked", "warm-up"])
    QApplication.processEvents()
    assert events == ["unlocked", "warm-up"]
    stop_app(controller)


def test_the_lock_clears_personal_data_from_every_widget(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    ctx, window = controller.ctx, controller.window
    assert ctx.store is not None
    doc = add_example(ctx.store, catalog, "dk-employee", worker__last_name=CANARY, worker__ssn=CANARY_SSN)
    add_example(ctx.store, catalog, "de-employee", worker__first_name=CANARY)
    window.refresh()
    assert CANARY in all_texts()
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.build_all()
    wizard.go_to_field("family[0].name")
    qtbot.keyClicks(wizard.rows["request.remarks"][1].editor.focus_widget, f"{CANARY} remark")
    wizard.go_to(1000)
    qtbot.keyClicks(window.search, CANARY[:6])
    QApplication.clipboard().setText(f"{CANARY} copied")
    texts = all_texts()
    assert CANARY in texts and CANARY_SSN in texts

    controller.watcher.lock_now()  # what the idle timer does when the time is up

    assert controller.is_locked and ctx.store is None
    texts = all_texts()
    assert CANARY not in texts
    assert CANARY[:6] not in texts
    assert CANARY_SSN not in texts
    assert QApplication.clipboard().text() == ""
    assert window.stack.currentIndex() == 1
    flush_deletes()
    assert CANARY not in all_texts()

    # Unlocking brings the work back: the list, and the request where it was left (its remark was saved).
    dialog = controller.dialog
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert ctx.store is not None and not controller.is_locked
    reopened = controller.wizards[doc.id]
    assert reopened.currentId() == 1000
    assert reopened.session.answers["request.remarks"] == f"{CANARY} remark"
    stop_app(controller)


def test_the_idle_watcher_fires_once_after_the_quiet_spell(qtbot: Any) -> None:
    from ui.lock import IdleWatcher

    now = [0.0]
    watcher = IdleWatcher(1, clock=lambda: now[0])
    fired: list[bool] = []
    watcher.idle.connect(lambda: fired.append(True))
    watcher.start()
    now[0] = 30
    watcher.countdown.poll()
    watcher.countdown.touch()
    now[0] = 80
    watcher.countdown.poll()
    assert fired == []
    now[0] = 200
    watcher.countdown.poll()
    watcher.countdown.poll()
    assert fired == [True]
    watcher.stop()


def test_locking_by_hand_does_not_claim_a_quiet_spell(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    """Seen on xcb: Lock pressed a second after typing, and both the window and the dialog said the requests were
    locked "after a quiet spell"."""
    from tests.gui.test_wizard_flow import toolbar_button

    controller = start_app(qtbot, data_dir, catalog)
    window = controller.window
    lock = toolbar_button(window, window.lock_action)
    qtbot.mouseClick(lock, Qt.MouseButton.LeftButton)
    assert controller.is_locked and controller.dialog is not None and controller.dialog.isVisible()
    shown = [
        label.text()
        for top in (window, controller.dialog)
        for label in top.findChildren(QLabel)
        if label.isVisibleTo(top) and label.text()
    ]
    assert any("locked" in t.lower() for t in shown)
    assert not any(
        "was closed after a quiet spell" in t or "locked after a quiet spell" in t for t in shown
    ), shown
    stop_app(controller)

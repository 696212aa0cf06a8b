"""The background helper: results come back on the GUI thread, database work keeps its order on one thread, and
errors go where they belong (a callback, a known-error message, or the crash handler)."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from app.store import DiskFull, StoreLocked
from ui.tasks import TaskManager

pytestmark = pytest.mark.gui


def test_results_come_back_on_the_gui_thread_in_order(qtbot: Any) -> None:
    tasks = TaskManager()
    seen: list[tuple[int, str, bool]] = []
    for i in range(20):
        tasks.run_db(
            lambda i=i: (i, threading.current_thread().name),
            lambda r: seen.append((r[0], r[1], threading.current_thread() is threading.main_thread())),
        )
    assert tasks.wait(10)
    assert [s[0] for s in seen] == list(range(20))
    assert {s[1] for s in seen} == {"coc-db_0"}
    assert all(s[2] for s in seen)
    done: list[str] = []
    tasks.run_io(lambda: threading.current_thread().name, done.append)
    assert tasks.wait(10)
    assert done[0].startswith("coc-io")
    tasks.shutdown()


def test_errors_go_to_the_callback_the_message_or_the_crash_handler(qtbot: Any, monkeypatch: Any) -> None:
    tasks = TaskManager(inline=True)
    handled: list[BaseException] = []
    tasks.run_db(lambda: 1 / 0, None, handled.append)
    assert isinstance(handled[0], ZeroDivisionError)
    with qtbot.waitSignal(tasks.known_error, timeout=1000) as blocker:
        tasks.run_db(lambda: (_ for _ in ()).throw(DiskFull()))
    assert isinstance(blocker.args[0], DiskFull)
    crashes: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, e, tb: crashes.append(t))
    tasks.run_db(lambda: [][1])
    tasks.run_db(lambda: (_ for _ in ()).throw(StoreLocked()))  # after the lock: dropped quietly
    assert crashes == [IndexError]
    assert tasks.pending == 0


def test_a_callback_of_a_deleted_widget_is_skipped(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    tasks = TaskManager()
    label = QLabel()
    gate = threading.Event()
    tasks.run_db(lambda: gate.wait(5) and "late", label.setText)
    label.deleteLater()
    qtbot.wait(10)
    gate.set()
    assert tasks.wait(10)
    tasks.shutdown()

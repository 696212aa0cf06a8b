"""What several GUI tests need: an unlocked application, every text a widget shows, keyboard entry by field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QCoreApplication, QEvent, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.forms import Catalog
from tests.gui.conftest import NO_KEYCHAIN, PASSPHRASE


def start_app(qtbot: Any, data_dir: Path, catalog: Catalog) -> Any:
    """An AppController on a new store (created through the first-run dialog), background work inline."""
    from ui.controller import AppController
    from ui.tasks import TaskManager
    from ui.unlock import CreatePassphraseDialog

    controller = AppController(
        data_dir, catalog=catalog, tasks=TaskManager(inline=True), keychain_status=NO_KEYCHAIN
    )
    controller.start()
    dialog = controller.dialog
    assert isinstance(dialog, CreatePassphraseDialog)
    qtbot.keyClicks(dialog.first, PASSPHRASE)
    qtbot.keyClicks(dialog.second, PASSPHRASE)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert controller.ctx.store is not None
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    return controller


def stop_app(controller: Any) -> None:
    controller.shutdown()
    for wizard in list(controller.wizards.values()):
        wizard.close()
    if controller.window is not None:
        controller.window.closing.disconnect()
        controller.window.close()
    flush_deletes()


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


def widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.windowTitle()
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    if isinstance(widget, QLineEdit | QLabel | QAbstractButton):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.displayText()
        yield widget.placeholderText()
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        yield widget.toPlainText()
    if isinstance(widget, QComboBox):
        yield widget.currentText()
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        model = widget.model()
        root = QModelIndex()
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
        for row in range(min(model.rowCount(root), 500)):
            for column in range(columns):
                for role in (
                    Qt.ItemDataRole.DisplayRole,
                    Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.EditRole,
                ):
                    value = model.index(row, column).data(role)
                    if value is not None:
                        yield str(value)


def all_texts() -> str:
    """Every text of every widget that exists (shown or not), and the clipboard's."""
    parts = [text for widget in QApplication.allWidgets() for text in widget_texts(widget) if text]
    parts.append(QApplication.clipboard().text())
    return "\n".join(parts)

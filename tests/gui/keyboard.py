"""Typing answers into the wizard the way a person does: focus, keys, Tab; lists by arrow keys; family rows with
Add, F2, typing and Enter. No value is set behind the widgets' backs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from ui.wizard.editors import Editor, LineEditor, ListEditor, TextAreaEditor
from ui.wizard.group import GroupEditor
from ui.wizard.picker import CodeEditor
from ui.wizard.wizard import RequestWizard

CTRL = Qt.KeyboardModifier.ControlModifier


def focus(qtbot: Any, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()


def replace_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Select everything, then type (or delete, for an empty text)."""
    focus(qtbot, widget)
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    if text:
        qtbot.keyClicks(widget, text)
    else:
        qtbot.keyClick(widget, Qt.Key.Key_Delete)


def pick(qtbot: Any, combo: QComboBox, data: Any) -> None:
    """Choose the entry holding `data` with Home and Down, as on a keyboard."""
    target = next(i for i in range(combo.count()) if combo.itemData(i) == data)
    focus(qtbot, combo)
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(target):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentIndex() == target


def enter(qtbot: Any, editor: Editor, value: Any) -> None:
    """Type one answer into one editor, then leave it with Tab."""
    if isinstance(editor, GroupEditor):
        fill_rows(qtbot, editor, value or [])
        return
    if isinstance(editor, LineEditor):
        replace_text(qtbot, editor.line, value or "")
        qtbot.keyClick(editor.line, Qt.Key.Key_Tab)
    elif isinstance(editor, TextAreaEditor):
        replace_text(qtbot, editor.text, value or "")
    elif isinstance(editor, CodeEditor):
        line = editor.combo.lineEdit()
        replace_text(qtbot, line, value or "")
        qtbot.keyClick(line, Qt.Key.Key_Tab)
    elif isinstance(editor, ListEditor):
        pick(qtbot, editor.combo, value)
    else:  # pragma: no cover - every editor type is above
        raise AssertionError(type(editor))


def fill_rows(qtbot: Any, editor: GroupEditor, rows: list[dict[str, Any]]) -> None:
    """Add each row with the Add button and type its cells (F2 opens a cell, Enter closes it)."""
    while editor.model.rows:
        editor.focus_cell(0, editor.model.columns[0].id)
        qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    for n, row in enumerate(rows):
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
        QApplication.processEvents()
        open_editor = QApplication.focusWidget()
        if open_editor is not editor.table:  # Add opened the first cell already: close it unchanged
            qtbot.keyClick(open_editor, Qt.Key.Key_Escape)
        for column in editor.model.columns:
            if column.id not in row:
                continue
            type_cell(qtbot, editor, n, column.id, row[column.id])


def type_cell(qtbot: Any, editor: GroupEditor, row: int, column_id: str, value: Any) -> None:
    editor.focus_cell(row, column_id)
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    cell = QApplication.focusWidget()
    if isinstance(cell, QComboBox):
        pick(qtbot, cell, value)
        qtbot.keyClick(cell, Qt.Key.Key_Return)
    else:
        assert isinstance(cell, QLineEdit), cell
        qtbot.keyClick(cell, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(cell, str(value))
        qtbot.keyClick(cell, Qt.Key.Key_Return)
    QApplication.processEvents()


def fill_page(qtbot: Any, wizard: RequestWizard, answers: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    """Answer every visible field of the current page whose answer differs from `answers` (in page order, so a
    field that appears after an earlier answer is filled too)."""
    page = wizard.currentPage()
    for row in getattr(page, "rows", []):
        field_id = row.spec.id
        if field_id in skip or not wizard.session.visible(field_id):
            continue
        wanted = answers.get(field_id)
        if wizard.session.answers.get(field_id) == wanted:
            continue
        enter(qtbot, row.editor, wanted)

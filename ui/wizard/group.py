"""The editor of a repeat group (accompanying family): a table of rows with Add and Remove.

Each column is a field of the group (`FieldSpec.columns`) edited in place by the editor its type calls for. A cell
that does not apply to its row (`column_visible`) is greyed out and cannot be edited; a cell with a problem is
tinted red or amber and names the problem in its tooltip, and every problem of the group is also listed under the
table. The answer is the list of rows, each a mapping of column id to value, as the request format stores it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeAlias

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.forms.model import FieldSpec, FieldType
from app.forms.session import Issue
from app.forms.validate import normalise
from ui.wizard.editors import FIELD_PROPERTY, NOT_ANSWERED, PLACEHOLDERS, Editor

Index: TypeAlias = QModelIndex | QPersistentModelIndex
Row = dict[str, Any]
ColumnRule = Callable[[Row, str], bool]
ERROR_TINT = QColor("#fde0e0")
WARNING_TINT = QColor("#fff1cc")
OFF_TINT = QColor("#eeeeee")
_WHERE = re.compile(r"\[(\d+)\]\.(.+)$")


def cell_of(issue_field: str) -> tuple[int, str] | None:
    """`family[1].birth_date` -> (1, 'birth_date')."""
    match = _WHERE.search(issue_field)
    return (int(match.group(1)), match.group(2)) if match else None


def cell_text(column: FieldSpec, value: Any) -> str:
    if value is None or value == "":
        return ""
    if column.type is FieldType.YESNO:
        return "Yes" if value is True else "No" if value is False else str(value)
    if column.type is FieldType.CHOICE:
        return next((c.label for c in column.choices if c.value == value), str(value))
    return str(value)


class GroupModel(QAbstractTableModel):
    """The rows of one group. Signals: edited(): a cell changed (the rows are in `rows`)."""

    edited = Signal()

    def __init__(self, group: FieldSpec, applies: ColumnRule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.columns = group.columns
        self.rows: list[Row] = []
        self.applies = applies
        self.issues: dict[tuple[int, str], Issue] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].label if 0 <= section < len(self.columns) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if self.applies(self.rows[index.row()], self.columns[index.column()].id):
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        column = self.columns[index.column()]
        row = self.rows[index.row()]
        value = row.get(column.id)
        applies = self.applies(row, column.id)
        issue = self.issues.get((index.row(), column.id))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(column, value) if applies else "—"
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            if issue is not None:
                return issue.message
            return column.help if applies else f"{column.label} does not apply to this row."
        if role == Qt.ItemDataRole.BackgroundRole:
            if not applies:
                return QBrush(OFF_TINT)
            if issue is not None:
                return QBrush(ERROR_TINT if issue.is_error else WARNING_TINT)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = self.columns[index.column()]
        row = self.rows[index.row()]
        if isinstance(value, str):
            value = normalise(column, value) or None
        if row.get(column.id) == value:
            return False
        if value is None:
            row.pop(column.id, None)
        else:
            row[column.id] = value
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.columns) - 1))
        self.edited.emit()
        return True

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = [dict(r) for r in rows if isinstance(r, dict)]
        self.endResetModel()

    def add_row(self) -> int:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append({})
        self.endInsertRows()
        self.edited.emit()
        return len(self.rows) - 1

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()
            self.edited.emit()

    def set_issues(self, issues: list[Issue]) -> None:
        self.issues = {}
        for issue in issues:
            where = cell_of(issue.field)
            if where is not None and where not in self.issues:
                self.issues[where] = issue
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))


class CellDelegate(QStyledItemDelegate):
    """The in-place editor of a cell: a list for yes/no and choices, a line (checked as typed) otherwise."""

    def __init__(self, columns: tuple[FieldSpec, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        column = self.columns[index.column()]
        editor: QWidget
        if column.type in (FieldType.YESNO, FieldType.CHOICE):
            combo = QComboBox(parent)
            combo.addItem(NOT_ANSWERED, None)
            if column.type is FieldType.YESNO:
                combo.addItem("Yes", True)
                combo.addItem("No", False)
            else:
                for choice in column.choices:
                    combo.addItem(choice.label, choice.value)
            editor = combo
        else:
            line = QLineEdit(parent)
            line.setPlaceholderText(column.placeholder or PLACEHOLDERS.get(column.type, ""))
            if column.type is FieldType.DATE:
                line.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9-]{0,10}"), line))
            editor = line
        editor.setAccessibleName(column.label)
        editor.setAccessibleDescription(column.help)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            found = next((i for i in range(editor.count()) if editor.itemData(i) == value), 0)
            editor.setCurrentIndex(found)
        elif isinstance(editor, QLineEdit):
            editor.setText(value if isinstance(value, str) else "")

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class GroupEditor(Editor):
    """The table, its Add and Remove buttons. Signals (besides `changed`): column_focused(object): the column
    (a FieldSpec) of the current cell, for the help panel."""

    column_focused = Signal(object)
    whole_answers = True

    def __init__(self, spec: FieldSpec, applies: ColumnRule, add_text: str, remove_text: str) -> None:
        self.box = QWidget()
        super().__init__(spec, self.box)
        self.model = GroupModel(spec, applies, self.box)
        self.table = QTableView()
        self.table.setProperty(FIELD_PROPERTY, spec.id)
        self.table.setAccessibleName(spec.label)
        self.table.setAccessibleDescription(spec.help)
        self.table.setModel(self.model)
        self.table.setItemDelegate(CellDelegate(spec.columns, self.table))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(90)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # every title readable
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name takes the rest
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 7)
        self.table.setMaximumHeight(self.table.fontMetrics().height() * 16)
        self.add_button = QPushButton(add_text)
        self.add_button.setAccessibleName(f"Add a row to {spec.label}")
        self.remove_button = QPushButton(remove_text)
        self.remove_button.setAccessibleName(f"Remove the selected row of {spec.label}")
        self.remove_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_current)
        self.model.edited.connect(lambda: self.changed.emit(self.value()))
        self.table.selectionModel().currentChanged.connect(self._current_changed)

    @property
    def focus_widget(self) -> QWidget:
        return self.table

    def value(self) -> Any:
        rows = copy.deepcopy(self.model.rows)
        return rows or None

    def set_value(self, value: Any) -> None:
        rows = value if isinstance(value, list) else []
        if rows != self.model.rows:
            self.model.set_rows(rows)
        self.remove_button.setEnabled(self.table.currentIndex().isValid())

    def set_issues(self, issues: list[Issue]) -> None:
        self.model.set_issues(issues)

    def refresh(self) -> None:
        """Cells that apply (or not) may have changed with another answer."""
        if self.model.rows:
            self.model.dataChanged.emit(
                self.model.index(0, 0),
                self.model.index(len(self.model.rows) - 1, len(self.model.columns) - 1),
            )

    def add_row(self) -> None:
        row = self.model.add_row()
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.table.edit(index)

    def remove_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.model.remove_row(index.row())
            self.remove_button.setEnabled(self.table.currentIndex().isValid())

    def focus_cell(self, row: int, column_id: str) -> None:
        column = next((i for i, c in enumerate(self.model.columns) if c.id == column_id), 0)
        index = self.model.index(row, column)
        if index.isValid():
            self.table.setCurrentIndex(index)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if index.isValid():
            self.column_focused.emit(self.model.columns[column])

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.remove_button.setEnabled(current.isValid())
        if current.isValid():
            self.column_focused.emit(self.model.columns[current.column()])

    def set_issue(self, severity: str, message: str = "") -> None:
        self.table.setAccessibleDescription(message or self.spec.help)

    def set_read_only(self, read_only: bool) -> None:
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if read_only
            else QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.add_button.setEnabled(not read_only)
        self.remove_button.setEnabled(False if read_only else self.table.currentIndex().isValid())

"""The lists behind the country and U.S. state pickers: built once per application and shared by every combo box
(a wizard has a dozen such fields; sharing the model keeps building a wizard fast)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from app.forms.validate import country_codes, us_state_codes

CODE_ROLE = Qt.ItemDataRole.UserRole


def _model(codes: dict[str, str]) -> QStandardItemModel:
    model = QStandardItemModel()
    blank = QStandardItem("")
    blank.setData(None, CODE_ROLE)
    model.appendRow(blank)
    for code, name in sorted(codes.items(), key=lambda item: item[1].casefold()):
        item = QStandardItem(f"{name} ({code})")
        item.setData(code, CODE_ROLE)
        model.appendRow(item)
    return model


@cache
def countries() -> QStandardItemModel:
    return _model(country_codes())


@cache
def us_states() -> QStandardItemModel:
    return _model(us_state_codes())


def display(model: QStandardItemModel, code: str) -> str | None:
    """The display text of `code` ('Germany (DE)'), or None when the list does not hold it."""
    for row in range(model.rowCount()):
        item = model.item(row)
        if item is not None and item.data(CODE_ROLE) == code:
            return item.text()
    return None

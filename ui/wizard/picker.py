"""The country and U.S. state pickers: type part of a name (or the code) and choose from the suggestions, or just
type the whole name and leave the field.

Suggestions whose name starts with the typed text come first ("Unit" offers United States before "Tanzania, United
Republic of"), then those with a word starting with it, then the rest that contain it; accents and case do not
matter. Leaving the field picks the entry whose name or code was typed, or the only entry that matches; otherwise
the text stays as typed and the core says what is wrong ("choose a country from the list").
"""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QWidget

from app.forms.model import FieldSpec
from ui.wizard import codes
from ui.wizard.editors import FIELD_PROPERTY, Editor

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # the folded name, for matching
PREFERRED = ("US",)  # among equally good matches, first (most workers are U.S. citizens and residents)


def fold(text: str) -> str:
    """Lower case without accents: 'Côte d'Ivoire' and 'cote d'ivoire' match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def rank(name: str, code: str, typed: str) -> int | None:
    """How well an entry matches what was typed (lower is better), or None when it does not match."""
    if not typed:
        return 3
    if code.casefold() == typed:
        return 0
    if name.startswith(typed):
        return 1
    if any(word.startswith(typed) for word in name.replace(",", " ").replace("(", " ").split()):
        return 2
    if typed in name:
        return 3
    return None


class Matches(QSortFilterProxyModel):
    """The entries of a code list that match the typed text, best first."""

    def __init__(self, source: QStandardItemModel) -> None:
        super().__init__()
        self.setSourceModel(source)
        self.typed = ""
        self._names, self._codes = _entries(source)
        self.sort(0)

    def set_typed(self, text: str) -> None:
        folded = fold(text)
        if folded != self.typed:
            self.typed = folded
            self.invalidate()

    def _rank(self, row: int) -> int | None:
        if not self._codes[row]:
            return None  # the blank entry is never a suggestion
        return rank(self._names[row], self._codes[row], self.typed)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self._rank(source_row) is not None

    def lessThan(
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:
        a, b = left.row(), right.row()
        key_a = (self._rank(a), self._codes[a] not in PREFERRED, self._names[a])
        key_b = (self._rank(b), self._codes[b] not in PREFERRED, self._names[b])
        return key_a < key_b

    def suggestions(self) -> list[str]:
        return [str(self.index(row, 0).data()) for row in range(self.rowCount())]


def _name(model: QStandardItemModel, row: int) -> str:
    """'Germany (DE)' -> 'Germany'."""
    text = str(model.index(row, 0).data() or "")
    return text.rsplit(" (", 1)[0] if text.endswith(")") else text


_ENTRIES: dict[int, tuple[list[str], list[str]]] = {}  # id of a shared list -> its folded names and its codes


def _entries(model: QStandardItemModel) -> tuple[list[str], list[str]]:
    """The folded names and the codes of a list (the lists are built once per application: so are these)."""
    found = _ENTRIES.get(id(model))
    if found is None:
        rows = range(model.rowCount())
        names = [fold(_name(model, row)) for row in rows]
        codes_ = [str(model.index(row, 0).data(codes.CODE_ROLE) or "") for row in rows]
        found = _ENTRIES[id(model)] = (names, codes_)
    return found


class CodeEditor(Editor):
    """A searchable list of countries or U.S. states; the answer is the code."""

    def __init__(self, spec: FieldSpec, model: QStandardItemModel, noun: str) -> None:
        self.combo = QComboBox()
        super().__init__(spec, self.combo)
        self.model = model
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setModel(model)
        self.combo.setMaxVisibleItems(15)
        self.combo.setMinimumContentsLength(22)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.matches = Matches(model)
        self.completer = QCompleter(self.matches, self.combo)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(10)
        line = self.combo.lineEdit()
        assert line is not None  # an editable combo box has its line
        self.line = line
        line.setCompleter(self.completer)  # ours, not the combo's: its rows are ranked, not the list's
        line.setPlaceholderText(f"Type the {noun}'s name")
        line.setProperty(FIELD_PROPERTY, spec.id)
        line.setAccessibleName(spec.label)
        self._names = {name: row for row, name in enumerate(_entries(model)[0]) if row}
        line.textEdited.connect(self._typed)
        self.completer.activated[str].connect(self._picked)  # type: ignore[index]
        self.combo.activated.connect(lambda _index: self._finished())
        line.editingFinished.connect(self._finished)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # leaving while the suggestions are open sends no focus-out event
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if old in (self.combo, self.line) and new not in (self.combo, self.line, self.completer.popup()):
            self._finished()

    @property
    def focus_widget(self) -> QWidget:
        return self.line

    def owns_focus(self, widget: QWidget) -> bool:
        return widget in (self.combo, self.line)  # the line passes the keyboard to its combo box

    def _typed(self, text: str) -> None:
        self.matches.set_typed(text)
        if text.strip() and self.matches.rowCount():
            self.completer.setCompletionPrefix("")
            self.completer.complete()
        else:
            popup = self.completer.popup()
            if popup is not None:
                popup.hide()
        self.changed.emit(self.value())

    def _picked(self, text: str) -> None:
        row = self.combo.findText(text, Qt.MatchFlag.MatchFixedString)
        if row >= 0:
            self._show(row)
            self.changed.emit(self.value())

    def row_for(self, text: str) -> int:
        """The list row the text names: its code, its name, its entry as shown, or the only match; -1 if none."""
        typed = fold(text)
        if not typed:
            return 0
        if len(typed) == 2:
            found = self.combo.findData(typed.upper(), codes.CODE_ROLE)
            if found >= 0:
                return found
        if typed in self._names:
            return self._names[typed]
        shown = self.combo.findText(text.strip(), Qt.MatchFlag.MatchFixedString)
        if shown >= 0:
            return shown
        self.matches.set_typed(text)
        if self.matches.rowCount() == 1:
            return self.matches.mapToSource(self.matches.index(0, 0)).row()
        return -1

    def value(self) -> Any:
        text = self.combo.currentText().strip()
        if not text:
            return None
        row = self.row_for(text)
        if row > 0:
            return self.combo.itemData(row, codes.CODE_ROLE)
        return text  # the core explains what is wrong with it

    def _finished(self) -> None:
        """Leaving the field: what was typed becomes the entry it names (shown as 'Germany (DE)')."""
        text = self.combo.currentText().strip()
        row = self.row_for(text) if text else 0
        if row >= 0 and self.combo.currentText() != self.combo.itemText(row):
            self._show(row)
            self.changed.emit(self.value())

    def _show(self, row: int) -> None:
        self.combo.setCurrentIndex(row)
        self.combo.setEditText(self.combo.itemText(row))

    def set_value(self, value: Any) -> None:
        if not isinstance(value, str) or not value:
            self._show(0)
            return
        row = self.combo.findData(value, codes.CODE_ROLE)
        if row >= 0:
            self._show(row)
        else:
            self.combo.setEditText(value)

    def set_read_only(self, read_only: bool) -> None:
        self.combo.setEnabled(not read_only)


def country_picker(spec: FieldSpec) -> CodeEditor:
    return CodeEditor(spec, codes.countries(), "country")


def state_picker(spec: FieldSpec) -> CodeEditor:
    return CodeEditor(spec, codes.us_states(), "state")

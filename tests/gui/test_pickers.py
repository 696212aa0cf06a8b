"""The country and state pickers, by keys: typing a name and leaving the field picks it, suggestions that start with
the typed text come first, and a name that is not in the list gets "choose a country from the list"."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from app.forms import Catalog
from app.forms.model import FieldType
from tests.gui.keyboard import focus
from ui.wizard.picker import CodeEditor, country_picker, state_picker

pytestmark = pytest.mark.gui


def field(catalog: Catalog, kind: FieldType) -> Any:
    spec = catalog.form("de-employee")
    return next(f for s in spec.sections for f in s.fields if f.type is kind)


def picker(qtbot: Any, catalog: Catalog, kind: FieldType) -> tuple[CodeEditor, QLineEdit]:
    """The picker on a page with a field after it (where Tab goes)."""
    spec = field(catalog, kind)
    editor = country_picker(spec) if kind is FieldType.COUNTRY else state_picker(spec)
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addWidget(editor.widget)
    layout.addWidget(QLineEdit())
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    answers: list[Any] = []
    editor.changed.connect(answers.append)
    editor.answers = answers  # type: ignore[attr-defined]
    editor.page = page  # type: ignore[attr-defined]  # kept alive with the editor
    return editor, editor.line


def type_and_leave(qtbot: Any, line: QLineEdit, text: str) -> None:
    """Keys go where a keyboard sends them: to the widget with the focus."""
    focus(qtbot, line)
    qtbot.keyClicks(QApplication.focusWidget(), text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert QApplication.focusWidget() is not line.parentWidget()


@pytest.mark.parametrize(
    ("kind", "typed", "code", "shown"),
    [
        (FieldType.COUNTRY, "United States", "US", "United States (US)"),
        (FieldType.COUNTRY, "germany", "DE", "Germany (DE)"),
        (FieldType.COUNTRY, "Cote d'Ivoire", "CI", "Côte d'Ivoire (CI)"),
        (FieldType.COUNTRY, "fr", "FR", "France (FR)"),
        (FieldType.COUNTRY, "Luxemb", "LU", "Luxembourg (LU)"),  # the only match
        (FieldType.US_STATE, "Illinois", "IL", "Illinois (IL)"),
        (FieldType.US_STATE, "new york", "NY", "New York (NY)"),
    ],
)
def test_typing_a_name_and_leaving_picks_it(
    qtbot: Any, catalog: Catalog, kind: FieldType, typed: str, code: str, shown: str
) -> None:
    editor, line = picker(qtbot, catalog, kind)
    type_and_leave(qtbot, line, typed)
    assert editor.value() == code
    assert editor.answers[-1] == code  # type: ignore[attr-defined]
    assert line.text() == shown


def test_suggestions_that_start_with_the_text_come_first(qtbot: Any, catalog: Catalog) -> None:
    editor, line = picker(qtbot, catalog, FieldType.COUNTRY)
    focus(qtbot, line)
    qtbot.keyClicks(QApplication.focusWidget(), "Unit")
    offered = editor.matches.suggestions()
    assert offered[0] == "United States (US)"
    assert all(name.startswith("United") for name in offered[:4])
    tanzania = next(i for i, name in enumerate(offered) if name.startswith("Tanzania"))
    assert tanzania > offered.index("United Kingdom (GB)")
    popup = editor.completer.popup()
    assert popup is not None and popup.isVisible()
    assert popup.model().index(0, 0).data() == "United States (US)"


def test_a_suggestion_chosen_with_the_arrow_keys_and_enter(qtbot: Any, catalog: Catalog) -> None:
    editor, line = picker(qtbot, catalog, FieldType.COUNTRY)
    focus(qtbot, line)
    qtbot.keyClicks(QApplication.focusWidget(), "Unit")
    popup = editor.completer.popup()
    assert popup is not None
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert editor.value() == "US" and line.text() == "United States (US)"


def test_an_ambiguous_or_unknown_name_stays_and_is_explained(qtbot: Any, catalog: Catalog) -> None:
    from app.forms.validate import check_value

    editor, line = picker(qtbot, catalog, FieldType.COUNTRY)
    type_and_leave(qtbot, line, "Unit")
    assert editor.value() == "Unit"
    problem = check_value(field(catalog, FieldType.COUNTRY), "Unit")
    assert problem is not None
    assert "choose a country from the list" in problem.message and "ISO" not in problem.message

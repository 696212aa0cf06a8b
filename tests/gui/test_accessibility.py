"""Keyboard and assistive technology: every control has an accessible name, Tab follows the layout of each page,
and window geometry and splitter positions are remembered (outside the encrypted store, with nothing personal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from app.forms import Catalog
from tests.gui.conftest import add_example
from tests.gui.helpers import start_app, stop_app
from ui.wizard.editors import FIELD_PROPERTY
from ui.wizard.pages import SectionPage

pytestmark = pytest.mark.gui
CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QTabBar,
)


def inside_owner(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def unnamed_controls(root: QWidget) -> list[str]:
    out = []
    for widget in [root, *root.findChildren(QWidget)]:
        if (
            not isinstance(widget, CONTROLS)
            or widget.focusPolicy() == Qt.FocusPolicy.NoFocus
            or widget.isHidden()
        ):
            continue  # not a control, or one that is never shown (the wizard's unused buttons)
        if inside_owner(widget):
            continue  # the line edit or popup list of a combo box or spin box: named through its owner
        if not widget.accessibleName():
            out.append(
                f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', lambda: '')()!r}"
            )
    return out


def test_every_control_has_an_accessible_name(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "fr-employee")
    window = controller.window
    window.refresh()
    assert unnamed_controls(window) == []
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.build_all()
    assert unnamed_controls(wizard) == []
    controller.show_settings()
    assert unnamed_controls(controller.settings_dialog) == []
    controller.settings_dialog.reject()
    controller.lock()
    assert unnamed_controls(controller.dialog) == []
    stop_app(controller)


def test_tab_follows_the_fields_of_each_page(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "dk-employee")
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=2000)
    for section in wizard.spec.sections:
        wizard.go_to_section(section.id)
        page = wizard.currentPage()
        assert isinstance(page, SectionPage)
        visible = [r.spec.id for r in page.rows if wizard.session.visible(r.spec.id)]
        page.rows[0].editor.focus_widget.setFocus()
        seen: list[str] = []
        for _ in range(len(visible) * 4):
            widget: QWidget | None = QApplication.focusWidget()
            while widget is not None and not isinstance(widget.property(FIELD_PROPERTY), str):
                widget = widget.parentWidget()
            if widget is None:
                break  # left the fields (the wizard's buttons)
            field = widget.property(FIELD_PROPERTY)
            if not seen or seen[-1] != field:
                seen.append(field)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert seen == visible, section.id
    stop_app(controller)


def test_window_geometry_and_splitters_are_remembered(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    doc = add_example(controller.ctx.store, catalog, "de-employee")
    controller.window.resize(1000, 640)
    controller.open_request(doc.id)
    wizard = controller.wizards[doc.id]
    wizard.go_to_section("worker")
    wizard.resize(960, 560)  # the offscreen screen is 1024x640: a larger window would be made smaller
    page = wizard.currentPage()
    page.splitter.setSizes([700, 250])
    sizes = page.splitter.sizes()
    size = wizard.size()
    wizard.close()
    controller.open_request(doc.id)
    again = controller.wizards[doc.id]
    assert again.size() == size
    assert again.currentPage().splitter.sizes() == sizes
    stop_app(controller)  # saves the main window's geometry too
    text = (data_dir / "ui" / "window.ini").read_text(encoding="latin-1")
    assert "geometry" in text and "Example" not in text and "Jane" not in text

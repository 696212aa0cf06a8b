"""The small things users notice: Settings by its shortcut (Ctrl+, where the platform has none), in plain words, and a
question before saving an employer profile with errors; the first-run dialog refuses a well-known password with the
strength estimator's reason; muted text and placeholders read at 4.5:1 or more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QWidget

from app.forms import Catalog
from tests.gui.conftest import NO_KEYCHAIN
from tests.gui.helpers import start_app, stop_app, widget_texts
from tests.gui.keyboard import enter
from ui import style

pytestmark = pytest.mark.gui


def boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_settings_open_with_their_shortcut_and_speak_plainly(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    window = controller.window
    shortcut = window.settings_action.shortcut()
    platform = QKeySequence(QKeySequence.StandardKey.Preferences)
    assert shortcut == (platform if not platform.isEmpty() else QKeySequence("Ctrl+,"))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = controller.settings_dialog
    assert dialog is not None and dialog.isVisible()
    texts = " ".join(t for w in dialog.findChildren(QWidget) for t in widget_texts(w))
    for jargon in ("Endpoint", "CA bundle", "Token:", "NIST", "SP 800-63B"):
        assert jargon not in texts, jargon
    assert "Service address" in texts.replace("&", "") and "Access key" in texts
    dialog.reject()
    stop_app(controller)


def test_settings_say_when_the_local_test_service_is_in_use(
    qtbot: Any, data_dir: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen under make run: requests went to the local service, and Settings said only 'Access key: not set'."""
    from app.transmit.settings import ENV_SESSION_ENDPOINT, ENV_SESSION_TOKEN

    monkeypatch.setenv(ENV_SESSION_ENDPOINT, "https://127.0.0.1:44683")
    monkeypatch.setenv(ENV_SESSION_TOKEN, "session-token-0123456789")
    controller = start_app(qtbot, data_dir, catalog)
    window = controller.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = controller.settings_dialog
    dialog.tabs.setCurrentIndex(dialog.tab_names.index("transmission"))
    note = dialog.token_place.text()
    assert "local test service" in note and "https://127.0.0.1:44683" in note and "not set" not in note
    assert "session-token" not in note
    dialog.reject()
    stop_app(controller)


def test_an_employer_profile_with_errors_is_saved_only_when_the_user_says_so(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    controller.show_settings()
    dialog = controller.settings_dialog
    assert dialog is not None
    enter(qtbot, dialog.rows["employer.ein"].editor, "12-345")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    (question,) = boxes()
    assert "The employer profile has 1 error" in question.text()
    assert "Employer Identification Number" in question.informativeText()
    correct = next(b for b in question.buttons() if b.text() == "&Correct them")
    assert question.defaultButton() is correct
    qtbot.mouseClick(correct, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and controller.ctx.store.employer_profile() == {}
    assert QApplication.focusWidget() is dialog.rows["employer.ein"].editor.focus_widget
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    (question,) = boxes()
    anyway = next(b for b in question.buttons() if b.text() == "&Save anyway")
    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert controller.ctx.store.employer_profile() == {"employer.ein": "12-345"}
    stop_app(controller)


def test_a_well_known_password_is_refused_at_the_first_run(qtbot: Any, data_dir: Path) -> None:
    from ui.unlock import CreatePassphraseDialog

    dialog = CreatePassphraseDialog(data_dir / "store.db", NO_KEYCHAIN)
    qtbot.addWidget(dialog)
    dialog.show()
    for typed in ("password1234", "qwertyuiop123"):
        dialog.first.setText("")
        dialog.second.setText("")
        qtbot.keyClicks(dialog.first, typed)
        qtbot.keyClicks(dialog.second, typed)
        assert not dialog.create_button.isEnabled()
        assert "easy to guess (this is a very common password)" in dialog.verdict.text(), (
            dialog.verdict.text()
        )
    dialog.first.setText("harbor lamp 7 violet")
    dialog.second.setText("harbor lamp 7 violet")
    assert dialog.create_button.isEnabled()


@pytest.mark.parametrize("dark", [False, True])
def test_muted_text_and_placeholders_read_at_4_5_to_1(qtbot: Any, dark: bool) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    if dark:
        palette = QPalette(window.palette())
        palette.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
        window.setPalette(palette)
    label = QLabel("Saved at 10:42", window)
    style.text_color(label, "muted")
    shown = label.palette().color(QPalette.ColorRole.WindowText)
    assert style.contrast(shown, label.palette().color(QPalette.ColorRole.Window)) >= 4.5
    style.readable_palette()
    line = QLineEdit()
    qtbot.addWidget(line)
    palette = line.palette()
    base = palette.color(QPalette.ColorRole.Base)
    placeholder = style.seen_on(palette.color(QPalette.ColorRole.PlaceholderText), base)
    assert style.contrast(placeholder, base) >= 4.5
    from ui.request_model import ERROR_COLOR, MUTED_COLOR

    for color in (MUTED_COLOR, ERROR_COLOR, style.WARNING_TEXT, style.ERROR_TEXT, style.OK_TEXT):
        for background in ("#ffffff", "#f7f7f7", "#efefef", "#fff1cc", "#fdecec"):
            assert style.contrast(color, QColor(background)) >= 4.5, (color.name(), background)

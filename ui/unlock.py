"""The two doors into the store: creating the passphrase on first run, and unlocking on every later start.

Both dialogs only collect what the user typed and emit `submitted(passphrase, remember)`; the controller opens the
store off the GUI thread (the key derivation takes a noticeable moment by design) and answers with `accept()` or
`fail(message)`. A wrong passphrase leaves the dialog open, says so, and lets the user try again. The keychain
option ("remember on this workstation") is shown everywhere, disabled with its reason where no keychain exists.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store import STRENGTH_RULE, strength_problems
from app.store.keychain import KeychainStatus
from ui import style, windows

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setMinimumWidth(320)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    return field


def _remember_box(status: KeychainStatus) -> tuple[QCheckBox, QLabel]:
    box = QCheckBox("&Remember the passphrase on this workstation")
    box.setAccessibleName("Remember the passphrase on this workstation")
    reason = QLabel()
    reason.setWordWrap(True)
    if status.available:
        reason.setText(
            "The key goes into the system keychain; anyone who can log in to this account can then open the "
            "requests without the passphrase."
        )
    else:
        box.setEnabled(False)
        reason.setText(f"Not available: {status.reason}.")
        box.setToolTip(reason.text())
    style.text_color(reason, "muted")
    return box, reason


class _PassphraseDialog(QDialog):
    """What both dialogs share: the busy state, the error line, the submit signal.

    Signals:
        submitted(str, bool): the passphrase and whether to remember it.
        quit_requested(): the Quit button (Esc or closing the dialog only closes it: `rejected`).
    """

    submitted = Signal(str, bool)
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setAccessibleName("Problem")
        self.error.hide()
        self.buttons = QDialogButtonBox()
        self.quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAccessibleName("Quit")
        self.quit_button.setAutoDefault(False)  # Enter means the main button, never Quit
        self.quit_button.clicked.connect(self.quit_requested.emit)
        self.ok_button: QPushButton | None = None
        self.buttons.rejected.connect(self.reject)

    def _add_ok(self, text: str, name: str) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
        button.setAccessibleName(name)
        button.setDefault(True)
        self.ok_button = button
        self.buttons.accepted.connect(self._submit)
        return button

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.ok_button is not None:
            self.ok_button.setDefault(True)

    def _submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_busy(self, busy: bool) -> None:
        for widget in self.findChildren(QWidget):
            if widget is not self.error:
                widget.setEnabled(not busy and widget.property("keep_disabled") is not True)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def fail(self, message: str) -> None:
        """The store refused: say why, clear the field, and let the user try again. The dialog grows to show the
        whole message (within the screen), never over the field."""
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()
        self.grow_to_fit()

    def grow_to_fit(self) -> None:
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, self.sizeHint().height())
        if needed > self.height():
            windows.fit(self, self.width(), needed)
            if self.isVisible():
                windows.keep_inside(self)


class CreatePassphraseDialog(_PassphraseDialog):
    """First run: choose the passphrase (typed twice), with the strength rule explained as it is typed."""

    def __init__(self, store_path: Path, keychain: KeychainStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Create your passphrase")
        self.setMinimumWidth(520)
        intro = QLabel(
            "Requests are kept in an encrypted file on this computer. Choose the passphrase that opens it. "
            "It is never written anywhere in clear, and it cannot be recovered if it is forgotten: keep it "
            "somewhere safe, or make backups."
        )
        intro.setWordWrap(True)
        rule = QLabel(STRENGTH_RULE)
        rule.setWordWrap(True)
        rule.setAccessibleName("Passphrase rule")
        self.first = _password_field("Passphrase")
        self.second = _password_field("Passphrase again")
        first_label = QLabel("&Passphrase:")
        first_label.setBuddy(self.first)
        second_label = QLabel("Type it &again:")
        second_label.setBuddy(self.second)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName("Passphrase check")
        self.remember, reason = _remember_box(keychain)
        self.remember.setProperty("keep_disabled", not keychain.available)
        form = QFormLayout()
        form.addRow(first_label, self.first)
        form.addRow(second_label, self.second)
        form.addRow("", self.verdict)
        self.create_button = self._add_ok("&Create", "Create the encrypted store")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(rule)
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(reason)
        layout.addWidget(self.error)
        layout.addStretch(1)
        where = QLabel(f"Store file: {store_path}")
        style.text_color(where, "muted")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        layout.addWidget(self.buttons)
        self.first.textChanged.connect(self._check)
        self.second.textChanged.connect(self._check)
        self._check()

    def problems(self) -> list[str]:
        first, second = self.first.text(), self.second.text()
        if not first:
            return ["type a passphrase"]
        found = strength_problems(first)
        if not found and first != second:
            found.append("the two passphrases differ" if second else "type it a second time")
        return found

    def _check(self) -> None:
        found = self.problems()
        if found:
            self.verdict.setText("Not yet: " + "; ".join(found) + ".")
            self.verdict.setStyleSheet(ERROR_STYLE if self.first.text() else "")
        else:
            self.verdict.setText("✓ The passphrase meets the rule.")
            self.verdict.setStyleSheet(OK_STYLE)
        self.create_button.setEnabled(not found)
        self.grow_to_fit()

    def _submit(self) -> None:
        if self.problems():
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(self.first.text(), self.remember.isChecked())

    def clear(self) -> None:
        self.first.setText("")
        self.second.setText("")


class UnlockDialog(_PassphraseDialog):
    """Every later start, and after the idle lock: the passphrase, and a clear answer when it is wrong."""

    def __init__(
        self,
        store_path: Path,
        keychain: KeychainStatus,
        *,
        locked: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock")
        self.setMinimumWidth(460)
        if locked:
            text = (
                "The requests are locked and the encrypted file is closed. "
                "Type the passphrase to go on where you were."
            )
        else:
            text = "Type the passphrase to open your requests."
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.passphrase = _password_field("Passphrase")
        label = QLabel("&Passphrase:")
        label.setBuddy(self.passphrase)
        self.remember, reason = _remember_box(keychain)
        self.remember.setProperty("keep_disabled", not keychain.available)
        form = QFormLayout()
        form.addRow(label, self.passphrase)
        self.unlock_button = self._add_ok("&Unlock", "Unlock")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.remember)
        layout.addWidget(reason)
        layout.addStretch(1)
        where = QLabel(f"Store file: {store_path}")
        style.text_color(where, "muted")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        layout.addWidget(self.buttons)
        self.passphrase.textChanged.connect(lambda text: self.unlock_button.setEnabled(bool(text)))
        self.unlock_button.setEnabled(False)

    def _submit(self) -> None:
        if not self.passphrase.text():
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(self.passphrase.text(), self.remember.isChecked())

    def fail(self, message: str) -> None:
        super().fail(message)
        self.passphrase.setText("")
        self.unlock_button.setEnabled(False)
        self.passphrase.setFocus()

    def clear(self) -> None:
        self.passphrase.setText("")

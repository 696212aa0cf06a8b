"""Help > About: the application's name, version and licence, and the third-party notices (`app.notices`: every
component the program carries, with its licence text)."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app import __version__
from app.notices import notices_text


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Certificates of Coverage")
        self.resize(720, 520)
        self.intro = intro = QLabel(
            f"<b>Certificates of Coverage {__version__}</b><br>"
            "Prepares, checks, transmits and prints requests for Certificates of U.S. Coverage. "
            "MIT licence.<br><br>"
            "It includes the third-party software below, each under its own licence:"
        )
        intro.setWordWrap(True)
        self.notices = QPlainTextEdit(notices_text())
        self.notices.setReadOnly(True)
        self.notices.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.notices.setAccessibleName("Third-party notices")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.notices, 1)
        layout.addWidget(buttons)

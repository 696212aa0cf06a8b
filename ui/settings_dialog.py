"""Settings: the employer profile that pre-fills every new request, the idle-lock time, and transmission (the
receiving service's address, its certificate authorities, the access token, kept through `app.transmit`).

Loading and saving run on the database thread; the checks are the core's (the employer fields are checked by a
form session over the shared employer section, the transmission settings by `app.transmit`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.forms.model import FormSpec, Section
from app.forms.session import FormSession
from app.store import StoreError
from app.store.keychain import KeychainStatus
from app.store.settings import IDLE_LOCK_MINUTES
from ui import actions, messages, style, windows
from ui.context import AppContext
from ui.wizard import mnemonics
from ui.wizard.pages import FieldRow, make_row

EMPLOYER_SECTION = "employer"


def employer_section(spec: FormSpec) -> Section | None:
    return next((s for s in spec.sections if s.id == EMPLOYER_SECTION), None)


def load_settings(ctx: AppContext) -> dict[str, Any]:
    """Runs on the database thread."""
    store = ctx.require_store()
    return {
        "profile": store.employer_profile(),
        "idle_minutes": store.idle_lock_seconds() / 60.0,
        "transmission": actions.transmission_settings(store),
    }


def save_settings(ctx: AppContext, values: dict[str, Any]) -> None:
    """Runs on the database thread: the profile, the lock time, then transmission (which checks its values)."""
    store = ctx.require_store()
    store.set_employer_profile(values["profile"])
    store.set_setting(IDLE_LOCK_MINUTES, str(int(values["idle_minutes"])))
    t = values["transmission"]
    actions.save_transmission_settings(
        store, t["endpoint"], t["ca_bundle"], t["token"] or None, forget_token=t["forget_token"]
    )


class SettingsDialog(QDialog):
    """Signals:
    saved(float): the settings were stored; the argument is the idle-lock time in minutes.
    """

    saved = Signal(float)

    def __init__(self, ctx: AppContext, keychain: KeychainStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings")
        self.setMinimumSize(600, 420)
        windows.fit(self, 720, 600)
        spec = next(iter(ctx.catalog.forms.values()))
        section = employer_section(spec)
        self.session = FormSession(spec, {})
        self.rows: dict[str, FieldRow] = {}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings pages")
        self.tabs.tabBar().setAccessibleName("Settings pages")
        self.tabs.addTab(self._profile_tab(section), "&Employer profile")
        self.tabs.addTab(self._security_tab(keychain), "Lock and &keychain")
        self.tabs.addTab(self._transmission_tab(), "T&ransmission")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        style.text_color(self.problem, "error")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setAccessibleName("Save the settings")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setEnabled(False)
        ctx.tasks.run_db(lambda: load_settings(ctx), self._loaded, self._failed)

    # --- tabs ----------------------------------------------------------------------------------------------------

    def _profile_tab(self, section: Section | None) -> QWidget:
        body = QWidget()
        form = QFormLayout(body)
        intro = QLabel("Every new request starts with these answers about the U.S. employer.")
        intro.setWordWrap(True)
        form.addRow(intro)
        fields = section.fields if section is not None else ()
        labels = mnemonics.assign([f.label for f in fields], reserved="ekrsc")
        for spec, label in zip(fields, labels, strict=True):
            row = make_row(spec, label, lambda _g, _r, _c: True, ("", ""))
            row.editor.changed.connect(lambda value, fid=spec.id: self._answer(fid, value))
            self.rows[spec.id] = row
            form.addRow(row.label, row.container)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        return scroll

    def _security_tab(self, keychain: KeychainStatus) -> QWidget:
        body = QWidget()
        form = QFormLayout(body)
        self.idle = QSpinBox()
        self.idle.setRange(1, 24 * 60)
        self.idle.setSuffix(" minutes")
        self.idle.setAccessibleName("Lock after this many minutes without activity")
        label = QLabel("&Lock after:")
        label.setBuddy(self.idle)
        form.addRow(label, self.idle)
        note = QLabel(
            "After this quiet spell the encrypted store closes, every window is emptied, and the passphrase is "
            "asked again. NIST SP 800-63B asks for 15 minutes at its higher assurance level."
        )
        note.setWordWrap(True)
        form.addRow("", note)
        chain = QLabel(
            f"System keychain: {'available' if keychain.available else 'not available'}"
            + (f" ({keychain.reason})." if keychain.reason else ".")
        )
        chain.setWordWrap(True)
        form.addRow("", chain)
        return body

    def _transmission_tab(self) -> QWidget:
        body = QWidget()
        form = QFormLayout(body)
        intro = QLabel(
            "Where requests are transmitted. Certificate verification is always on; give a CA bundle only when "
            "the receiving service uses a private certificate authority."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("https://receiver.example/")
        self.endpoint.setAccessibleName("Endpoint address")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("the system's certificate authorities")
        self.ca_bundle.setAccessibleName("CA bundle file")
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Choose the CA bundle file")
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("leave empty to keep the current token")
        self.token.setAccessibleName("Access token")
        self.token_place = QLabel()
        self.forget_token = QCheckBox("&Forget the stored token")
        self.forget_token.setAccessibleName("Forget the stored token")
        for text, widget in (
            ("E&ndpoint:", self.endpoint),
            ("&CA bundle:", self.ca_bundle),
            ("&Token:", self.token),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, ca_row if widget is self.ca_bundle else widget)
        form.addRow("", self.token_place)
        form.addRow("", self.forget_token)
        return body

    def _browse(self) -> None:
        dialog = QFileDialog(self, "CA bundle", "", "PEM files (*.pem *.crt);;All files (*)")
        dialog.fileSelected.connect(self.ca_bundle.setText)
        dialog.open()

    # --- values --------------------------------------------------------------------------------------------------

    def _answer(self, field_id: str, value: Any) -> None:
        affected = self.session.answer(field_id, value)
        for fid in affected:
            row = self.rows.get(fid)
            if row is not None:
                row.show_issues([i for i in self.session.issues_for(fid) if i.code != "required"])

    def _loaded(self, values: dict[str, Any]) -> None:
        self.setEnabled(True)
        for field_id, value in values["profile"].items():
            if field_id in self.rows:
                self.rows[field_id].editor.set_value(value)
                self._answer(field_id, value)
        self.idle.setValue(round(values["idle_minutes"]))
        t = values["transmission"]
        self.endpoint.setText(t.get("endpoint") or "")
        self.ca_bundle.setText(t.get("ca_bundle") or "")
        self.token_place.setText(f"Token: {t.get('token') or 'not set'}")
        self.forget_token.setEnabled(bool(t.get("token")))

    def values(self) -> dict[str, Any]:
        profile = {fid: row.editor.value() for fid, row in self.rows.items()}
        return {
            "profile": {k: v for k, v in profile.items() if isinstance(v, str) and v},
            "idle_minutes": self.idle.value(),
            "transmission": {
                "endpoint": self.endpoint.text(),
                "ca_bundle": self.ca_bundle.text(),
                "token": self.token.text(),
                "forget_token": self.forget_token.isChecked(),
            },
        }

    def save(self) -> None:
        values = self.values()
        self.problem.hide()
        self.buttons.setEnabled(False)
        ctx = self.ctx
        ctx.tasks.run_db(lambda: save_settings(ctx, values), lambda _r: self._saved(values), self._failed)

    def _saved(self, values: dict[str, Any]) -> None:
        self.token.setText("")
        self.saved.emit(float(values["idle_minutes"]))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.buttons.setEnabled(True)
        if isinstance(exc, StoreError) or actions.is_transmit_error(exc):
            self.problem.setText(messages.screen_text(exc) if isinstance(exc, UserError) else str(exc))
            self.problem.show()
            if isinstance(exc, StoreError):
                messages.store_problem(self, exc)
            return
        self.ctx.tasks.report(exc)

    def clear(self) -> None:
        for row in self.rows.values():
            row.clear()
        for line in (self.token, self.endpoint, self.ca_bundle):
            line.setText("")

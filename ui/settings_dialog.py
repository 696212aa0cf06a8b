"""Settings: the employer profile that pre-fills every new request, the idle-lock time, and transmission (the
receiving service's address, its certificate authorities, the access token, kept through `app.transmit`).

Loading and saving run on the database thread; the checks are the core's (the employer fields are checked by a
form session over the shared employer section, the transmission settings by `app.transmit`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
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
        self.tab_names = ("employer", "lock", "transmission")
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
            "asked again. 15 minutes is the usual choice for a computer that holds personal data."
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
            "Where requests are sent, and the key that lets this workstation send them. The connection is always "
            "encrypted and the service's identity always checked; a certificate file is needed only when the "
            "service's identity is vouched for by your organisation rather than by a public authority."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("https://receiver.example/")
        self.endpoint.setAccessibleName("Address of the receiving service")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("not needed for a public service")
        self.ca_bundle.setAccessibleName("Certificate file of your organisation")
        browse = QPushButton("&Browse…")
        browse.setAccessibleName("Choose the certificate file")
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("leave empty to keep the current key")
        self.token.setAccessibleName("Access key")
        self.token_place = QLabel()
        self.token_place.setWordWrap(True)
        self.forget_token = QCheckBox("&Forget the stored access key")
        self.forget_token.setAccessibleName("Forget the stored access key")
        for text, widget in (
            ("Service &address:", self.endpoint),
            ("&Certificate file:", self.ca_bundle),
            ("Access ke&y:", self.token),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, ca_row if widget is self.ca_bundle else widget)
        form.addRow("", self.token_place)
        form.addRow("", self.forget_token)
        return body

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Certificate file", "", "Certificate files (*.pem *.crt);;All files (*)")
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
        session = t.get("session_endpoint")
        if session and not t.get("token"):  # make run's local service: sending works with nothing set here
            self.token_place.setText(
                f"Until a service is set here, requests go to the local test service started with the application "
                f"({session}), with its own access key."
            )
        else:
            self.token_place.setText(f"Access key: {t.get('token') or 'not set'}")
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

    def show_tab(self, name: str) -> None:
        """Go to the page named `name` ("employer", "lock", "transmission"; anything else: stay)."""
        if name in self.tab_names:
            self.tabs.setCurrentIndex(self.tab_names.index(name))

    def profile_problems(self) -> list[str]:
        """The errors of the employer profile as typed (each field's label and problem)."""
        found = []
        for field_id in self.rows:
            for issue in self.session.issues_for(field_id):
                if issue.is_error and issue.code != "required":
                    found.append(issue.message)
        return found

    def save(self) -> None:
        """Save; an employer profile with errors is saved only after the user says so (every new request would
        start with those errors)."""
        problems = self.profile_problems()
        if problems:
            self._ask_before_saving(problems)
            return
        self._save()

    def _ask_before_saving(self, problems: list[str]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "The employer profile has errors",
            f"The employer profile has {len(problems)} error{'s' if len(problems) > 1 else ''}: every new "
            "request would start with them.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setInformativeText("\n".join(f"✖ {p}" for p in problems))
        fix = box.addButton("&Correct them", QMessageBox.ButtonRole.RejectRole)
        box.addButton("&Save anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(fix)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._save() if button is not fix else self._show_profile())
        self.question = box
        box.open()

    def _show_profile(self) -> None:
        self.show_tab("employer")
        for field_id, row in self.rows.items():
            if any(i.is_error and i.code != "required" for i in self.session.issues_for(field_id)):
                row.editor.focus()
                return

    def _save(self) -> None:
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

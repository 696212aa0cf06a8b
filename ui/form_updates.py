"""Update forms in the GUI, and what a request shows after its form changed.

- `FormUpdates.run` (Tools, Update forms; also on the toolbar once the receiver has newer editions) runs
  `app.updates.update.update_forms` off the GUI thread, then switches the windows to the definitions now in use.
- `ChangesDialog`: the report of a request carried over to a new edition, shown the first time it is opened.
- `ReadOnlyRequest`: a request no installed edition can show, opened read-only with the reason.

Only forwarding: every decision is in `app.updates`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.request import RequestDoc
from ui import messages
from ui.windows import fit, present

if TYPE_CHECKING:  # the form engine loads in the background: not imported before it is needed
    from app.forms.migration import MigrationReport
    from ui.controller import AppController


def kept_note(kept: Sequence[tuple[str, Any]]) -> str:
    """The side note of a request whose earlier answers are kept (fields no longer on the form)."""
    if not kept:
        return ""
    lines = [f"{label}: {_text(value)}" for label, value in kept]
    return "Kept from an earlier edition (no longer on the form, read-only):\n" + "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class ChangesDialog(QDialog):
    """What carrying the request over to a new edition did: renamed, mapped, kept, new, missing."""

    def __init__(self, reports: Sequence[MigrationReport], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("editionChanges")
        self.setWindowTitle("This request follows a new edition of its form")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The form of this request has a new edition. The request was carried over to it; here is what changed. "
            "Fill in what is now missing before you transmit it."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("What changed in this request")
        self.text.setPlainText("\n\n".join("\n".join(r.lines()) for r in reports))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        fit(self, 640, 420)


class ReadOnlyRequest(QDialog):
    """A request that no installed edition of its form can show: the reason, and its answers as they are."""

    def __init__(self, doc: RequestDoc, reason: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("readOnlyRequest")
        self.setWindowTitle(f"Request {doc.id[:8]} (read-only)")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why this request opens read-only")
        layout.addWidget(self.reason)
        self.table = QTableWidget(len(doc.answers), 2)
        self.table.setAccessibleName("The request's answers")
        self.table.setHorizontalHeaderLabels(["Field", "Answer"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (field, value) in enumerate(doc.answers.items()):
            self.table.setItem(row, 0, QTableWidgetItem(field))
            self.table.setItem(row, 1, QTableWidgetItem(_text(value)))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnToContents(0)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit(self, 720, 480)


class FormUpdates(QObject):
    """The Update forms action: run the update in the background, then use the new definitions everywhere."""

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.running = False

    def run(self) -> None:
        controller = self.controller
        window = controller.window
        if self.running or window is None:
            return
        if controller.wizards:
            messages.notice(
                window,
                "Update forms",
                "Close the open requests first.",
                "Updating the forms carries open requests over to the new editions.",
            )
            return
        from app.updates.update import update_forms

        self.running = True
        window.statusBar().showMessage("Updating the forms…")
        ctx = controller.ctx
        ctx.tasks.run_io(
            lambda: update_forms(ctx.require_store(), data=ctx.data_dir), self._updated, self._failed
        )

    def _updated(self, result: Any) -> None:
        self.running = False
        controller = self.controller
        controller.outbox.settings_changed()  # its next run checks against the new definitions
        controller._refresh_list()
        installed = result.download.installed
        names = [
            result.catalog.agreements[e.agreement].name
            if e.agreement in result.catalog.agreements
            else e.agreement
            for e in installed
        ]
        text = (
            f"New editions installed: {', '.join(names)}."
            if installed
            else "Every form is already in its newest edition."
        )
        hint = (
            f"{messages.counted(len(result.reports), 'request')} "
            f"{'was' if len(result.reports) == 1 else 'were'} carried over to the new editions; each shows what "
            "changed the first time you open it."
            if result.reports
            else ""
        )
        if controller.window is not None:
            controller.window.statusBar().showMessage(text, 15000)
        messages.notice(controller.window, "Update forms", text, hint)

    def _failed(self, exc: BaseException) -> None:
        from app.errors import UserError

        self.running = False
        if isinstance(exc, UserError):
            messages.box(
                self.controller.window,
                "Forms not updated",
                messages.screen_message(exc),
                messages.screen_hint(exc),
                QMessageBox.Icon.Warning,
            )
        else:
            self.controller.ctx.tasks.report(exc)

    def offer(self) -> None:
        """The receiver has newer editions: Update forms shows on the toolbar too."""
        window = self.controller.window
        if window is not None:
            window.offer_form_update(True)

    # --- opening a request ---------------------------------------------------------------------------------------

    def open(self, request_id: str) -> None:
        """Open a stored request: carried over first when its form has a newer edition here (with the report
        shown), or read-only with the reason when no installed edition can show it."""
        from app.updates.opening import prepare
        from ui.ops import page_setting

        ctx = self.controller.ctx

        def load() -> tuple[Any, str | None]:
            store = ctx.require_store()
            return prepare(store, ctx.catalog, request_id), store.get_setting(page_setting(request_id))

        ctx.tasks.run_db(load, lambda loaded: self._opened(*loaded))

    def _opened(self, opening: Any, page: str | None) -> None:
        controller = self.controller
        if opening.reports:
            controller._refresh_list()  # carried over just now (or by an update): the list shows its new state
        if opening.read_only:
            present(ReadOnlyRequest(opening.doc, opening.read_only, controller.window))
            return
        wizard = controller._show_wizard(opening.doc, stored=True, page=page)
        if wizard is None:
            return
        if opening.kept:
            wizard.steps.set_note(kept_note(opening.kept))
        if opening.reports:
            present(ChangesDialog(opening.reports, wizard), modal=True)

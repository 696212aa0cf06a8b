"""Many requests at once, from the request list: Import roster, Transmit all ready (one confirmation, a progress
bar, a summary of what was sent and what was not and why), Print fax copies (one PDF each into a folder, with
progress and Cancel), Export register, and Undo import.

The main window owns the actions and the selection; this module does the work through the core (`app.roster`,
`app.printing`, and the controller's outbox runner for transmission) on the background threads.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from app.request import State
from ui import messages
from ui.context import AppContext

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from app.store import RequestSummary
    from ui.main_window import MainWindow
    from ui.outbox_runner import OutboxRunner
    from ui.roster_dialog import RosterDialog


class BulkActions(QObject):
    """Signals:
    progressed(int, int): a step of the running bulk action (emitted from a background thread).
    """

    progressed = Signal(int, int)

    def __init__(self, ctx: AppContext, window: MainWindow, outbox: OutboxRunner) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.outbox = outbox
        self.dialog: RosterDialog | None = None
        self.progress: QProgressDialog | None = None
        self.confirm: QMessageBox | None = None
        self.summary: QMessageBox | None = None
        self.cancel_event: threading.Event | None = None
        self.progressed.connect(self._progress)
        window.import_action.triggered.connect(self.import_roster)
        window.export_action.triggered.connect(self.export_register)
        window.transmit_all_action.triggered.connect(self.transmit_ready)
        window.print_all_action.triggered.connect(self.print_copies)
        window.imported_bar.undo_requested.connect(self.undo_import)

    # --- import --------------------------------------------------------------------------------------------------

    def import_roster(self) -> RosterDialog:
        from ui.roster_dialog import open_roster_dialog

        dialog = open_roster_dialog(self.ctx, self.window)
        dialog.imported.connect(self._imported)
        self.dialog = dialog
        return dialog

    def _imported(self, ids: list[str], batch_id: str, text: str) -> None:
        self.window.show_ids(ids, text, batch_id)
        self.window.statusBar().showMessage(text, 15000)

    def undo_import(self, batch_id: str) -> None:
        ctx = self.ctx

        def done(result: Any) -> None:
            text = (
                f"Import undone: {messages.counted(result.deleted, 'new request')} deleted, "
                f"{result.restored} put back as they were."
            )
            if result.kept:
                text += f" {result.kept} changed or sent since were kept."
            self.window.show_all()
            self.window.statusBar().showMessage(text, 15000)

        ctx.tasks.run_db(lambda: ctx.require_store().undo_batch(batch_id), done)

    # --- transmit all ready --------------------------------------------------------------------------------------

    def transmit_ready(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        selected = self.window.selected_summaries()
        ready = [s for s in selected if s.state is State.READY]
        if not ready:
            messages.notice(
                self.window,
                "Transmit all ready",
                "None of the selected requests is ready to send.",
                "A request is ready when it has no error left; open one to see what it lacks.",
            )
            return
        others = len(selected) - len(ready)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Transmit all ready",
            f"Transmit {messages.counted(len(ready), 'ready request')} to the receiving service?",
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        if others:
            box.setInformativeText(f"{others} of the selected are not ready and stay as they are.")
        send = box.addButton("&Transmit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(send)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button: object) -> None:
            if button is send:
                self._transmit(ready)

        box.buttonClicked.connect(clicked)
        self.confirm = box
        box.open()

    def _transmit(self, ready: list[RequestSummary]) -> None:
        from PySide6.QtWidgets import QMessageBox

        ids = [s.id for s in ready]
        names = {s.id: self._who(s) for s in ready}
        cancel = self._start_progress("Transmitting…", len(ids))
        runner = self.outbox

        def done(results: list[tuple[str, str, str]]) -> None:
            self._end_progress()
            self.window.refresh()
            sent = sum(1 for _i, outcome, _t in results if outcome == "sent")
            text = f"{sent} of {messages.counted(len(results), 'request')} sent."
            lines = [f"{names[i]}: {what}" for i, _outcome, what in results]
            self.summary = self._summary("Transmit all ready", text, lines)

        def failed(exc: BaseException) -> None:

            self._end_progress()
            self.window.refresh()
            from app.errors import UserError

            if isinstance(exc, UserError):
                messages.box(
                    self.window,
                    "Not transmitted",
                    messages.screen_message(exc),
                    messages.screen_hint(exc),
                    QMessageBox.Icon.Warning,
                )
            else:
                self.ctx.tasks.report(exc)

        self.ctx.tasks.run_io(lambda: runner.transmit_many(ids, self.progressed.emit, cancel), done, failed)

    # --- print fax copies ----------------------------------------------------------------------------------------

    def print_copies(self, folder: str | None = None) -> None:
        selected = self.window.selected_summaries()
        if not selected:
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(
                self.window, "Print fax copies into a folder", str(Path.home())
            )
        if not folder:
            return
        target = Path(folder)
        ctx = self.ctx
        ids = [s.id for s in selected]
        names = {s.id: self._who(s) for s in selected}
        cancel = self._start_progress("Printing fax copies…", len(ids))

        def work() -> list[tuple[str, str]]:
            return write_fax_copies(ctx, ids, target, self.progressed.emit, cancel)

        def done(results: list[tuple[str, str]]) -> None:
            self._end_progress()
            written = sum(1 for _i, what in results if what.startswith("wrote"))
            text = f"{written} of {len(ids)} fax copies written to {target}."
            self.summary = self._summary(
                "Print fax copies", text, [f"{names[i]}: {what}" for i, what in results]
            )

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.ctx.tasks.report(exc)

        ctx.tasks.run_io(work, done, failed)

    # --- export --------------------------------------------------------------------------------------------------

    def export_register(self, path: str | None = None, *, with_ssn: bool | None = None) -> None:
        from PySide6.QtWidgets import QMessageBox

        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self.window,
                "Export register",
                str(Path.home() / "register.xlsx"),
                "Excel workbook (*.xlsx);;CSV (*.csv)",
            )
        if not path:
            return
        if with_ssn is None:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Export register",
                "Include the workers' Social Security numbers?",
                QMessageBox.StandardButton.Cancel,
                self.window,
            )
            box.setInformativeText(
                "Only when HR needs them: the export is recorded in the audit log either way."
            )
            without = box.addButton("&Without SSNs", QMessageBox.ButtonRole.AcceptRole)
            including = box.addButton("&Include SSNs", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(without)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            chosen = path

            def clicked(button: object) -> None:
                if button in (without, including):
                    self.export_register(chosen, with_ssn=button is including)

            box.buttonClicked.connect(clicked)
            self.confirm = box
            box.open()
            return
        self._export(Path(path), with_ssn)

    def _export(self, path: Path, with_ssn: bool) -> None:
        from PySide6.QtWidgets import QMessageBox

        from app.roster import register

        ctx, window = self.ctx, self.window
        selected = window.selected_summaries()
        query = window.model.query
        # the selected requests; else those the list shows after an import; else the list's filters
        ids = [s.id for s in selected] if len(selected) > 1 else (list(query.ids) if query.ids else None)
        names = dict(ctx.agreement_names)
        kinds = {f.kind: f.kind_label for f in ctx.catalog.forms.values()}

        def work() -> int:
            return register.export(
                ctx.require_store(),
                path,
                state=None if ids else query.state,
                agreement=None if ids else query.agreement,
                with_ssn=with_ssn,
                source="gui",
                ids=ids,
                names=names,
                kinds=kinds,
            )

        def done(count: int) -> None:
            window.statusBar().showMessage(
                f"Register of {messages.counted(count, 'request')} written to {path}.", 15000
            )

        def failed(exc: BaseException) -> None:

            from app.errors import UserError

            if isinstance(exc, UserError):
                messages.box(
                    window,
                    "Export register",
                    messages.screen_message(exc),
                    messages.screen_hint(exc),
                    QMessageBox.Icon.Warning,
                )
            elif isinstance(exc, OSError):
                messages.box(
                    window,
                    "Export register",
                    f"{path} cannot be written ({exc.strerror or exc}).",
                    "Choose another folder.",
                    QMessageBox.Icon.Warning,
                )
            else:
                ctx.tasks.report(exc)

        ctx.tasks.run_db(work, done, failed)

    # --- shared --------------------------------------------------------------------------------------------------

    def _who(self, s: RequestSummary) -> str:
        where = self.ctx.agreement_names.get(s.agreement, s.agreement)
        return f"{s.worker_name or 'no name yet'} ({where})"

    def _start_progress(self, label: str, total: int) -> threading.Event:
        cancel = self.cancel_event = threading.Event()
        progress = QProgressDialog(label, "Cancel", 0, total, self.window)
        progress.setWindowTitle(label.rstrip("…"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(cancel.set)
        progress.setValue(0)
        self.progress = progress
        progress.show()
        return cancel

    def _progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)

    def _end_progress(self) -> None:
        progress, self.progress = self.progress, None
        self.cancel_event = None
        if progress is not None:
            progress.canceled.disconnect()
            progress.close()
            progress.deleteLater()

    def _summary(self, title: str, text: str, lines: list[str]) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self.window
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        shown = lines[:12]
        more = len(lines) - len(shown)
        box.setInformativeText("\n".join(shown) + (f"\n…and {more} more (see Details)." if more > 0 else ""))
        if more > 0:
            box.setDetailedText("\n".join(lines))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box


def fax_file_name(s: RequestSummary) -> str:
    """A file name without personal data: the form and the request id's first characters."""
    return f"{s.form}-{s.id[:8]}.pdf"


def write_fax_copies(
    ctx: AppContext, ids: list[str], folder: Path, progress: Any, cancel: threading.Event
) -> list[tuple[str, str]]:
    """Runs on a background thread: one fax PDF per request into `folder` (never over an existing file), each
    recorded in the audit log; (id, what happened) per request. Cancel stops before the next copy."""
    from app.printing import PrintError, render, write_pdf
    from app.store import AuditEvent

    results: list[tuple[str, str]] = []
    for n, request_id in enumerate(ids, 1):
        if cancel.is_set():
            results.append((request_id, "cancelled"))
            continue
        store = ctx.require_store()
        summary = store.summary(request_id)
        doc = store.get(request_id)
        out = folder / fax_file_name(summary)
        spec = ctx.catalog.forms.get(doc.form)
        if spec is None:
            results.append((request_id, "not printed: its form is no longer offered"))
        elif out.exists():
            results.append((request_id, f"not printed: {out.name} already exists"))
        else:
            try:
                rendered = render(doc, spec)
                write_pdf(out, rendered.pdf)
            except PrintError as exc:
                results.append((request_id, f"not printed: {exc.user_text}"))
            except OSError as exc:
                results.append(
                    (request_id, f"not printed: {out.name} cannot be written ({exc.strerror or exc})")
                )
            else:
                store.log_event(
                    request_id,
                    AuditEvent.PRINTED,
                    {"masked": False, "pages": rendered.pages, "to": "file", "source": "gui"},
                )
                mark = "" if rendered.ready else " (NOT READY TO SEND)"
                results.append((request_id, f"wrote {out.name}{mark}"))
        progress(n, len(ids))
    return results

"""Print fax copy: a preview of the fax PDF, printing through the system dialog, and saving the PDF.

The PDF never touches the disk unless the user saves it: it is rendered in memory (`app.printing.render`, on the
background pool), previewed from a `QBuffer` with QtPdf, and printed by painting each page onto the `QPrinter`. A
saved copy is written atomically where the user chose (`app.printing.write_pdf`). Printing and saving are recorded
in the store's audit log (masked or not, pages, printer or file), never with any personal data.

Nothing here blocks: the system dialogs are opened with `open()`, and tests drive `print_to(printer)` and
`save_to(path)` directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QStandardPaths, Qt
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.forms import FormSpec
from app.printing import PrintError, Rendered, render, write_pdf
from app.request import RequestDoc, State
from ui import style, windows
from ui.messages import counted

log = logging.getLogger(__name__)

TRANSMITTED = frozenset({State.SENT, State.APPROVED, State.REJECTED})
PRINT_DPI = 300  # pages are painted onto the printer as images of this resolution at most
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]
Audit = Callable[[str, dict[str, Any]], None]


def _inline(
    fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
) -> None:
    try:
        result = fn()
    except Exception as exc:
        on_error(exc)
    else:
        on_done(result)


class PrintDialog(QDialog):
    """Preview, print and save the fax copy of one request.

    `run` runs the rendering in the background (`TaskManager.run_io`; inline when None); `audit(event, detail)`
    records a print or a save (`Store.log_event` for the request, on the database thread).
    """

    def __init__(
        self,
        doc: RequestDoc,
        spec: FormSpec,
        parent: QWidget | None = None,
        *,
        run: Runner | None = None,
        audit: Audit | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.spec = spec
        self._run = run or _inline
        self._audit = audit
        self.rendered: Rendered | None = None
        self.error: str = ""
        self._generation = 0
        self._buffer: QBuffer | None = None
        self._bytes: QByteArray | None = None
        self._printer: QPrinter | None = None
        self._print_dialog: QPrintDialog | None = None

        self.setWindowTitle("Print fax copy")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumSize(560, 420)
        windows.fit(
            self, 760, 900
        )  # a letter page's shape where the screen allows; the buttons stay on screen

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.mask_ssn_box = QCheckBox("&Mask the Social Security number (internal copy: not for SSA)")
        self.mask_ssn_box.toggled.connect(self.refresh)
        # The view draws pages on a thread of its own (QPdfPageRenderer) that reads the document through a pointer
        # cleared only once the document is gone. The view is made first so that it is destroyed first (children
        # go in the order they were made): its thread has stopped before the document is freed. (The document is
        # closed and loaded again under it when the mask is toggled: QtPdf does that, and draws a page, under one
        # lock, and a page asked of a closed document comes back empty.)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pdf = QPdfDocument(self)
        self.view.setDocument(self.pdf)

        self.print_button = QPushButton("&Print…")
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton("&Save PDF…")
        self.save_button.clicked.connect(self.save_pdf)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.mask_ssn_box)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # a fixed minimum instead (below)
        layout.addWidget(self.status)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.refresh()

    # --- rendering -------------------------------------------------------------------------------------------------

    @property
    def masked(self) -> bool:
        return self.mask_ssn_box.isChecked()

    def refresh(self) -> None:
        """Render the fax copy again (in the background) and show it."""
        self._generation += 1
        generation = self._generation
        masked = self.masked
        self._set_busy("Preparing the fax copy…")
        self._run(
            lambda: render(self.doc, self.spec, mask_ssn=masked),
            lambda rendered: self._show(generation, rendered),
            lambda exc: self._failed(generation, exc),
        )

    def _show(self, generation: int, rendered: Rendered) -> None:
        if generation != self._generation:
            return  # a newer render (the mask was toggled meanwhile) is on its way
        self.rendered = rendered
        self.error = ""
        self._load(rendered.pdf)
        pages, errors = counted(rendered.pages, "page"), counted(rendered.errors, "error")
        if rendered.masked:  # not addressed to SSA: never "ready to send"
            text = (
                f"Internal copy: do not fax. {pages} for the employer's files, with the Social "
                "Security number masked and no cover sheet to SSA."
            )
            if not rendered.ready:
                text += f" The request still has {errors}."
            state = "ok" if rendered.ready else "error"
        elif self.doc.state is State.QUEUED:  # it goes by itself: a fax would be a second copy
            text = (
                f"Queued for transmission: it goes to the receiving service by itself, so a fax sends it a second "
                f"time. {pages}, cover sheet first."
            )
            state = "warning"
        elif self.doc.state in TRANSMITTED:  # a fax would be a second copy of what the receiver has
            text = (
                f"Transmitted already: the receiving service has this request, so a fax sends it a second time. "
                f"{pages}, cover sheet first."
            )
            state = "warning"
        elif rendered.ready:
            text = f"Ready to send: {pages}, cover sheet first."
            state = "ok"
        else:
            text = (
                f"✖ NOT READY TO SEND: this request has {errors}. Every page is marked, and the "
                "first page lists the errors; correct the request before faxing it."
            )
            state = "error"
        self.status.setText(text)
        style.text_color(self.status, state)
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if not isinstance(exc, PrintError):
            raise exc
        self.rendered = None
        self.error = exc.user_text
        self._unload()
        self.status.setText(f"✖ The fax copy cannot be printed. {self.error}")
        style.text_color(self.status, "error")

    def _set_busy(self, text: str) -> None:
        self.status.setText(text)
        style.text_color(self.status, "muted")
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)

    def _load(self, data: bytes) -> None:
        """Show `data` from memory: the PDF is never written to a file for the preview."""
        self._unload()
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf.load(self._buffer)

    def _unload(self) -> None:
        self.pdf.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = None
        self._bytes = None

    # --- printing --------------------------------------------------------------------------------------------------

    def print_document(self) -> None:
        """Ask for a printer with the system dialog (not blocking), then print. The dialog and the printer are
        kept for the life of this dialog, so a second print starts from the first one's choices."""
        if self._print_dialog is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(f"Certificate of Coverage request {self.doc.id[:8]}")
            printer.setPageLayout(
                QPageLayout(
                    QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Portrait, QMarginsF()
                )
            )
            self._printer = printer
            # not WA_DeleteOnClose: deleting a QPrintDialog right after it closed crashed the offscreen tests
            self._print_dialog = QPrintDialog(printer, self)
            self._print_dialog.accepted.connect(lambda: self.print_to(printer))
        QDialog.open(
            self._print_dialog
        )  # QPrintDialog.open() is bound to its (receiver, member) overload only

    def print_to(self, printer: QPrinter) -> int:
        """Paint every page onto `printer` (from memory; no file of ours); returns the number of pages printed."""
        if self.rendered is None or self.pdf.status() != QPdfDocument.Status.Ready:
            return 0
        count = self.pdf.pageCount()
        painter = QPainter()
        if not painter.begin(printer):
            self.status.setText("✖ The printer could not be started. Check it and try again.")
            style.text_color(self.status, "error")
            return 0
        try:
            dpi = min(printer.resolution(), PRINT_DPI)
            for index in range(count):
                if index:
                    printer.newPage()
                target = QRectF(painter.viewport())
                points = self.pdf.pagePointSize(index)
                scale = min(target.width() / points.width(), target.height() / points.height())
                box = QRectF(0, 0, points.width() * scale, points.height() * scale)
                box.moveCenter(target.center())
                image = self.pdf.render(
                    index, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                )
                painter.drawImage(box, image)
        finally:
            painter.end()
        self._record("printer", count)
        return count

    # --- saving ----------------------------------------------------------------------------------------------------

    def save_pdf(self) -> None:
        """Ask where to save with the system dialog (not blocking), then save."""
        name = f"request-{self.doc.id[:8]}.pdf"
        where = QStandardPaths.StandardLocation
        folders = [QStandardPaths.writableLocation(w) for w in (where.DocumentsLocation, where.HomeLocation)]
        folder = next(
            (f for f in folders if f and Path(f).is_dir()), ""
        )  # never the folder it was started in
        start = str(Path(folder) / name) if folder else name
        dialog = QFileDialog(self, "Save the fax copy", start, "PDF files (*.pdf)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.save_to)
        dialog.open()

    def save_to(self, path: str) -> bool:
        """Write the PDF shown to `path` atomically (owner-only); False, with the reason shown, when it fails."""
        if self.rendered is None:
            return False
        try:
            write_pdf(path, self.rendered.pdf)
        except OSError as exc:
            self.status.setText(f"✖ The PDF could not be saved: {exc.strerror or exc}.")
            style.text_color(self.status, "error")
            return False
        self._record("file", self.rendered.pages)
        self.status.setText(f"Saved: {path} ({counted(self.rendered.pages, 'page')}).")
        style.text_color(self.status, "ok")
        return True

    def _record(self, to: str, pages: int) -> None:
        if self._audit is not None:
            self._audit("printed", {"masked": self.masked, "pages": pages, "to": to, "source": "gui"})

    # --- closing ---------------------------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Drop the PDF from memory as the dialog closes."""
        self._generation += 1
        self._unload()
        self.rendered = None
        super().done(result)


def open_print_dialog(parent: QWidget | None, context: Any, doc: RequestDoc) -> PrintDialog:
    """The main window's entry (`ui.actions.open_print_dialog`): render in the background, audit in the store."""
    spec = context.catalog.form(doc.form)
    tasks = context.tasks

    def audit(event: str, detail: dict[str, Any]) -> None:
        tasks.run_db(
            lambda: context.require_store().log_event(doc.id, event, detail),
            None,
            lambda exc: log.info("the print was not recorded in the audit log: %s", type(exc).__name__),
        )

    dialog = PrintDialog(doc, spec, parent, run=tasks.run_io, audit=audit)
    windows.present(dialog, modal=True)
    return dialog

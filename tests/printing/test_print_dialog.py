"""The Print fax copy dialog: preview from memory, print by painting pages, save atomically, audit, no stray file."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.printing.helpers import all_text, example

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING")]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process's temporary folder, empty at the start: a test asserts it is empty again at the end."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def dialog_for(qtbot: Any, audit: list[tuple[str, dict[str, Any]]] | None = None, **answers: Any) -> Any:
    import ui  # noqa: F401 - applies ui.qtcompat before any widget exists
    from ui.print_dialog import PrintDialog

    doc, spec = example("de-employee", **answers)
    events = audit if audit is not None else []
    dialog = PrintDialog(doc, spec, audit=lambda event, detail: events.append((event, detail)))
    qtbot.addWidget(dialog)
    return dialog


def test_preview_of_a_valid_request(qtbot: Any) -> None:
    from PySide6.QtPdf import QPdfDocument

    dialog = dialog_for(qtbot)
    assert dialog.rendered is not None and dialog.rendered.ready
    assert dialog.pdf.status() == QPdfDocument.Status.Ready
    assert dialog.pdf.pageCount() == dialog.rendered.pages == 3
    assert dialog.status.text().startswith("Ready to send: 3 pages")
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()
    assert dialog.view.document() is dialog.pdf


def test_preview_of_an_invalid_request_says_not_ready(qtbot: Any) -> None:
    dialog = dialog_for(qtbot, employer__email="nope")
    assert dialog.rendered is not None and not dialog.rendered.ready
    assert "NOT READY TO SEND: this request has 1 error." in dialog.status.text()  # never "error(s)"
    assert dialog.print_button.isEnabled()  # printing an internal, marked copy is allowed


def test_a_transmitted_request_is_not_ready_to_send_again(qtbot: Any) -> None:
    """Seen on xcb: the fax copy of a request just transmitted said "Ready to send", inviting a second copy."""
    import ui  # noqa: F401 - applies ui.qtcompat before any widget exists
    from app.request import State
    from ui.print_dialog import PrintDialog

    doc, spec = example("de-employee")
    doc.state = State.SENT
    dialog = PrintDialog(doc, spec)
    qtbot.addWidget(dialog)
    text = dialog.status.text()
    assert text.startswith("Transmitted already: the receiving service has this request")
    assert "Ready to send" not in text and "3 pages, cover sheet first" in text
    assert dialog.print_button.isEnabled()  # a paper copy may still be wanted
    doc.state = State.QUEUED
    queued = PrintDialog(doc, spec)
    qtbot.addWidget(queued)
    assert queued.status.text().startswith(
        "Queued for transmission: it goes to the receiving service by itself"
    )


def test_masking_renders_again(qtbot: Any) -> None:
    dialog = dialog_for(qtbot)
    dialog.mask_ssn_box.setChecked(True)
    assert dialog.rendered is not None and dialog.rendered.masked
    assert "XXX-XX-6789" in all_text(dialog.rendered.pdf) and "masked" in dialog.status.text()
    assert dialog.status.text().startswith("Internal copy: do not fax.")  # issue 11: never "Ready to send"
    assert "Ready to send" not in dialog.status.text()
    dialog.mask_ssn_box.setChecked(False)
    assert "123-45-6789" in all_text(dialog.rendered.pdf)


def test_an_unprintable_character_is_shown_and_blocks_printing(qtbot: Any) -> None:
    dialog = dialog_for(qtbot, worker__first_name="Ann🦄")
    assert dialog.rendered is None
    assert dialog.status.text().startswith("✖ The fax copy cannot be printed. First name: the character")
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.print_to(object()) == 0 and dialog.save_to("/nonexistent/x.pdf") is False


def test_print_paints_every_page_and_leaves_no_file_of_ours(
    qtbot: Any, tmp_path: Path, private_tmp: Path
) -> None:
    from PySide6.QtPrintSupport import QPrinter

    events: list[tuple[str, dict[str, Any]]] = []
    dialog = dialog_for(qtbot, events)
    out = tmp_path / "printer-output.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # stands in for the spooler
    printer.setOutputFileName(str(out))
    assert dialog.print_to(printer) == 3
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == 3
    assert events == [("printed", {"masked": False, "pages": 3, "to": "printer", "source": "gui"})]
    assert list(private_tmp.iterdir()) == []


def test_save_writes_the_pdf_atomically_and_privately(qtbot: Any, tmp_path: Path, private_tmp: Path) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    dialog = dialog_for(qtbot, events)
    dialog.mask_ssn_box.setChecked(True)
    folder = tmp_path / "chosen"
    folder.mkdir()
    path = folder / "fax.pdf"
    assert dialog.save_to(str(path))
    assert dialog.rendered is not None and path.read_bytes() == dialog.rendered.pdf
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["fax.pdf"]
    assert events == [("printed", {"masked": True, "pages": 4, "to": "file", "source": "gui"})]
    assert list(private_tmp.iterdir()) == []
    assert dialog.status.text() == f"Saved: {path} (4 pages)."  # what was written, and where


def test_a_failed_save_says_why(qtbot: Any, tmp_path: Path) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    dialog = dialog_for(qtbot, events)
    assert not dialog.save_to(str(tmp_path / "missing" / "fax.pdf"))
    assert dialog.status.text().startswith("✖ The PDF could not be saved")
    assert events == []


def test_closing_drops_the_pdf(qtbot: Any) -> None:
    dialog = dialog_for(qtbot)
    dialog.reject()
    assert dialog.rendered is None and dialog.pdf.pageCount() == 0


def test_the_view_is_destroyed_before_its_document(qtbot: Any) -> None:
    """QPdfView draws pages on a thread of its own, which reads the document through a pointer that is cleared only
    once the document is gone: a document freed while that thread still runs is read after it was freed. A smoke
    run on CI died with SIGSEGV around the print preview's closing. The view (and its thread) goes first."""
    import shiboken6
    from PySide6.QtCore import QObject

    dialog = dialog_for(qtbot)
    dialog.mask_ssn_box.setChecked(True)
    assert dialog.view.document() is dialog.pdf and dialog.rendered is not None and dialog.rendered.masked
    order: list[str] = []
    dialog.view.destroyed.connect(lambda: order.append("view"))
    pdf: QObject = dialog.pdf
    pdf.destroyed.connect(lambda: order.append("document"))
    shiboken6.delete(dialog)
    assert order == ["view", "document"]


@pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints"
)  # Qt's own file dialog, offscreen
def test_save_pdf_opens_a_file_dialog_without_blocking(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(documents))

    dialog = dialog_for(qtbot)
    dialog.show()
    dialog.save_pdf()
    chooser = dialog.findChild(QFileDialog)
    assert chooser is not None and chooser.isVisible()
    assert chooser.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert chooser.directory().absolutePath() == str(documents)  # not the folder the program was started in
    assert chooser.selectedFiles()[0].endswith(".pdf")
    chooser.reject()
    documents.rmdir()  # no Documents folder: the home folder
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(
        QStandardPaths,
        "writableLocation",
        lambda where: str(home if where == QStandardPaths.StandardLocation.HomeLocation else documents),
    )
    dialog.save_pdf()
    chooser = next(c for c in dialog.findChildren(QFileDialog) if c.isVisible())
    assert chooser.directory().absolutePath() == str(home)
    chooser.reject()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # brought to the front, offscreen
def test_open_print_dialog_renders_in_the_background_and_audits_in_the_store(
    qtbot: Any, tmp_path: Path, private_tmp: Path
) -> None:
    from PySide6.QtPrintSupport import QPrinter

    import ui  # noqa: F401
    from app.forms import default_catalog
    from app.store import Store
    from app.store.keys import random_key
    from app.store.service import save_validated
    from ui.context import AppContext
    from ui.gui_settings import open_settings
    from ui.print_dialog import open_print_dialog
    from ui.tasks import TaskManager

    data = tmp_path / "data"
    data.mkdir()
    store = Store.create(data, key=random_key())
    try:
        doc, _ = example("dk-employee")
        save_validated(store, doc, default_catalog())
        ctx = AppContext(data, default_catalog(), TaskManager(inline=True), open_settings(data), store)
        dialog = open_print_dialog(None, ctx, doc)
        qtbot.addWidget(dialog)
        assert dialog.isVisible() and dialog.rendered is not None
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "out.pdf"))
        dialog.print_to(printer)
        assert dialog.save_to(str(tmp_path / "saved.pdf"))
        printed = [e.detail for e in store.audit(doc.id) if e.event == "printed"]
        assert printed == ["masked=no pages=3 to=printer source=gui", "masked=no pages=3 to=file source=gui"]
        dialog.reject()
    finally:
        store.close()
    assert list(private_tmp.iterdir()) == []
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]


@pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints"
)  # Qt's own print dialog, offscreen
def test_print_document_opens_the_system_print_dialog_without_blocking(qtbot: Any) -> None:
    from PySide6.QtPrintSupport import QPrintDialog

    events: list[tuple[str, dict[str, Any]]] = []
    dialog = dialog_for(qtbot, events)
    dialog.show()
    dialog.print_document()
    chooser = dialog.findChild(QPrintDialog)
    assert chooser is not None and chooser.isVisible()
    chooser.reject()
    dialog.print_document()
    assert dialog.findChild(QPrintDialog) is chooser and chooser.isVisible()  # the same dialog, same printer
    chooser.reject()
    assert events == []  # nothing printed, nothing recorded

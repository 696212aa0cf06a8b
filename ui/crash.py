"""The global handler for anything unexpected: a crash dialog, and a log under the data folder free of personal data.

Installed on `sys.excepthook` and `threading.excepthook` (after qutebrowser's `misc/crashsignal.py` and Anki's
`aqt/errors.py`). The report is the core's (`app.crashlog`: code locations, never local variables) with the
exception messages added once scrubbed by `ui.scrub`; it goes to the core's crash folder. No locals ever (crash reporters that capture locals ship the SSN of a `save(ssn=...)` frame). `faulthandler`
writes hard crashes (code locations only) to the same folder, and core dumps are switched off (they would hold the
decrypted pages).
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import logging
import os
import sys
import threading
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import crashlog
from app.process import no_core_dumps
from ui.scrub import scrub, without_home

log = logging.getLogger(__name__)
KEEP_REPORTS = 20


def format_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """The core's crash report (`app.crashlog`: exception type and code locations, no locals, no message), plus
    each message of the exception chain scrubbed of anything that could be personal (`ui.scrub`)."""
    lines = [crashlog.report_text(exc_type, tb).rstrip("\n")]
    lines.append(f"qt: {qVersion()}, thread: {threading.current_thread().name}")
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        message = scrub(without_home(str(current))).replace("\r", " ").replace("\n", " ")
        lines.append(f"message ({type(current).__name__}, scrubbed): {message[:500]}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines) + "\n"


def crash_dir(data_dir: Path) -> Path:
    """The core's crash folder (`<data dir>/crash`), private to the user (0700, the data folder too)."""
    return crashlog.crash_folder(data_dir)


def write_report(folder: Path, report: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"crash-{stamp}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(report)
    reports = sorted(folder.glob("crash-*.txt"))
    for old in reports[:-KEEP_REPORTS]:
        with suppress(OSError):
            old.unlink()
    return path


class CrashHandler(QObject):
    """Catches unhandled exceptions of every thread, writes the scrubbed report and shows the dialog.

    Signals:
        crashed(str, str): the report and the log file's path (emitted on the GUI thread).
    """

    crashed = Signal(str, str)

    def __init__(self, data_dir: Path, *, show_dialog: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = crash_dir(data_dir)
        self.show_dialog = show_dialog
        self.dialog: CrashDialog | None = None
        self.last_report: Path | None = None
        self._fault_file: IO[str] | None = None
        self._previous: tuple[Any, Any] | None = None
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        with suppress(Exception):
            self._fault_file = open(self.folder / "faults.log", "a", encoding="utf-8")  # noqa: SIM115
            faulthandler.enable(self._fault_file)
        no_core_dumps()

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if self._fault_file is not None:
            with suppress(Exception):
                faulthandler.disable()
                self._fault_file.close()
            self._fault_file = None

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, where: str = ""
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        try:
            report = format_report(exc_type, exc, tb)
            if where:
                report += f"where: {where}\n"
            path = write_report(self.folder, report)
        except Exception:  # the handler itself must not crash: say so on stderr, without the data
            print("coc: an unexpected error happened and its report could not be written", file=sys.stderr)
            return
        self.last_report = path
        log.error("unexpected error: %s (report %s)", exc_type.__name__, path.name)
        self.crashed.emit(report, str(path))

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        where = args.thread.name if args.thread is not None else "thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, where)

    def _show(self, report: str, path: str) -> None:
        if not self.show_dialog or QGuiApplication.instance() is None:
            return
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add(report, path)
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(report, path, parent)
        self.dialog.open()


class CrashDialog(QDialog):
    """'Something went wrong': what it means for the user's work, the report (no personal data) and its file."""

    def __init__(self, report: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unexpected problem")
        self.setMinimumSize(560, 380)
        self.path = path
        intro = QLabel(
            "The application ran into a problem it did not expect. Everything that was shown as Saved is safe "
            "in the encrypted store. You can go on working, or close the application and start it again.\n\n"
            "A report was written for support. It holds where in the program the problem happened, and no "
            "personal data:"
        )
        intro.setWordWrap(True)
        self.file_label = QLabel(path)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Problem report")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folder = QPushButton("Open the report &folder")
        folder.setAccessibleName("Open the report folder")
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        folder.clicked.connect(self._open_folder)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.file_label)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add(self, report: str, path: str) -> None:
        self.details.appendPlainText("\n" + report)
        self.file_label.setText(f"{self.file_label.text()}\n{path}")

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.path).parent)))

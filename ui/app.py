"""Starting the desktop application: the QApplication, the crash handler, a scrubbed log, the controller.

`coc` with no command and `coc gui` come here (through `app.cli.gui_cmd`, which imports this module only when the
window is wanted, so that the core never loads Qt).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import __version__
from app.fileio import private_dir
from ui.crash import CrashHandler
from ui.messages import notice
from ui.scrub import ScrubFilter

APP_NAME = "coc-request"
DISPLAY_NAME = "Certificates of Coverage"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    return app


def setup_logging(data_dir: Path) -> logging.Handler:
    """Warnings and errors to `<data dir>/logs/coc.log` (0600), every line scrubbed of personal data."""
    from app.logfile import log_handler

    handler = log_handler(data_dir)
    handler.setLevel(logging.INFO)
    handler.addFilter(ScrubFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


class EarlyRecords(logging.Handler):
    """What is logged before the log file opens (`LOG_OPEN_DELAY_MS` after the start, so that its code is not on
    the way to the first window): kept in memory, at most `EARLY_RECORDS`, then handed to the file's handler,
    which scrubs them as any other line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < EARLY_RECORDS:
            self.records.append(record)

    def hand_to(self, handler: logging.Handler) -> None:
        records, self.records = self.records, []
        for record in records:
            handler.handle(record)


LOG_OPEN_DELAY_MS = 1000
EARLY_RECORDS = 200


# A stop asked by a signal and not done by then: where each thread is goes to standard error (before the launcher's
# grace period of 30 s ends).
STOP_REPORT_SECONDS = 20


def _stop_asked(_signum: int, _frame: object) -> None:
    """Quit through the event loop, so that a signal that comes before the loop runs is not lost. Should quitting
    hang, the place where each thread waits (code locations only, no data) goes to standard error after 20 s,
    for the report; the launcher stops the application after its grace period."""
    if sys.stderr is not None and hasattr(sys.stderr, "fileno"):
        with contextlib.suppress(OSError, ValueError, RuntimeError):  # no usable standard error
            faulthandler.dump_traceback_later(STOP_REPORT_SECONDS, file=sys.stderr)
    QTimer.singleShot(0, QApplication.quit)


def run(
    data_dir: Path, *, smoke: bool = False, screenshots: Path | None = None, notes: Sequence[str] = ()
) -> int:
    """The event loop of the application (or the smoke run); returns the exit code. `notes` are what `coc` found at
    start and said on standard error (a data folder made private, an interrupted restore tidied): shown here too."""
    if smoke:
        gc.enable()  # a whole session of windows, not a start: collected as usual
        from ui.smoke import run_smoke

        return run_smoke(screenshots)
    from ui.controller import AppController

    private_dir(data_dir)  # `coc` already said so when it had to tighten an existing folder
    app = make_application()
    crash = CrashHandler(data_dir)
    crash.install()
    root = logging.getLogger()
    early = EarlyRecords()
    root.addHandler(early)
    root.setLevel(logging.INFO)
    handlers: list[logging.Handler] = []

    def open_log() -> None:
        if not handlers:
            handlers.append(setup_logging(data_dir))
            root.removeHandler(early)
            early.hand_to(handlers[0])

    QTimer.singleShot(LOG_OPEN_DELAY_MS, open_log)
    QTimer.singleShot(LOG_OPEN_DELAY_MS, gc.enable)  # off since `coc gui` began (app.cli.gui_cmd)
    for sig in STOP_SIGNALS:  # Ctrl+C, `kill`, a closed terminal: save what is pending and quit
        signal.signal(sig, _stop_asked)
    heartbeat = QTimer()  # lets Python see the signals while Qt's event loop runs
    heartbeat.start(500)
    heartbeat.timeout.connect(lambda: None)
    controller = AppController(data_dir)
    app.aboutToQuit.connect(controller.shutdown)
    controller.start()
    for note in notes:
        notice(None, "Found at start", note)
    try:
        return app.exec()
    finally:
        open_log()  # what was logged before a quick quit reaches the file too
        crash.uninstall()
        for handler in handlers:
            root.removeHandler(handler)

"""The application's log file: `<data dir>/logs/coc.log`, rotated, and readable by its owner only (0600, in a
0700 folder), the rotated copies too, whatever the umask. What goes into it is scrubbed by the caller's filter."""

from __future__ import annotations

import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path

from app.fileio import PRIVATE_FILE_MODE, private_dir, tighten_file

LOG_FILE = "coc.log"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A `RotatingFileHandler` whose files are created 0600 (an existing looser one is tightened)."""

    def _open(self) -> TextIOWrapper:
        path = Path(self.baseFilename)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        tighten_file(path)
        stream = open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115 - the handler keeps it
        assert isinstance(stream, TextIOWrapper)
        return stream


def log_handler(data_dir: Path, max_bytes: int = 1_000_000, backups: int = 3) -> logging.Handler:
    folder = data_dir / "logs"
    private_dir(folder)
    return PrivateRotatingFileHandler(
        folder / LOG_FILE, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )

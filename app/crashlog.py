"""Crash reports without personal data: where the error happened, never what the data was.

A report names the exception type and the stack (file, line, function), with no exception message and no local
variables: either could hold a name, an SSN or a birth date. Reports go to `<data dir>/crash/`, each file 0600 in
folders made (or tightened to) 0700, even when the crash happens before anything else made the data folder.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import sys
import traceback
from pathlib import Path
from types import TracebackType

from app import __version__
from app.fileio import create_private, private_dir
from app.paths import data_dir

_PII = re.compile(
    r"\b\d{3}-?\d{2}-?\d{4}\b"  # SSN-like
    r"|\b\d{4}-\d{2}-\d{2}\b"  # ISO dates
    r"|\b\d{2}/\d{2}/\d{4}\b"
)


def scrub(text: str) -> str:
    """Remove SSN- and date-like numbers from a text (a second line of defence; reports hold no messages)."""
    return _PII.sub("[removed]", text)


def report_text(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    frames = traceback.extract_tb(tb)
    lines = [
        f"coc {__version__} crash report",
        f"time: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        f"python: {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"exception: {exc_type.__module__}.{exc_type.__qualname__}",
        "stack (most recent call last):",
    ]
    for frame in frames:
        filename = frame.filename
        for marker in ("/app/", "/ui/", "/intake/", "site-packages/"):
            if marker in filename:
                filename = filename[filename.index(marker) + 1 :]
                break
        else:
            filename = os.path.basename(filename)
        lines.append(f"  {filename}:{frame.lineno} in {frame.name}")
    return scrub("\n".join(lines)) + "\n"


def crash_folder(data: Path | None = None) -> Path:
    """`<data dir>/crash`, made private (0700) together with the data folder."""
    data = data or data_dir()
    private_dir(data)
    folder = data / "crash"
    private_dir(folder)
    return folder


def write_report(
    exc_type: type[BaseException], tb: TracebackType | None, folder: Path | None = None
) -> Path | None:
    """Write a report (0600); returns its path, or None when even that failed (the caller still shows a message)."""
    try:
        folder = crash_folder() if folder is None else folder
        private_dir(folder)  # missing parents (the data folder) are made 0700 too
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        return create_private(folder / f"crash-{stamp}.txt", report_text(exc_type, tb).encode("utf-8"))
    except OSError:
        return None


def report_current(folder: Path | None = None) -> Path | None:
    exc_type, _, tb = sys.exc_info()
    if exc_type is None:
        return None
    return write_report(exc_type, tb, folder)

"""The list of installed editions, as far as a start needs it: where it is and its stamp. With nothing installed,
one `stat` says so, without importing the code that reads, writes and checks editions (`app.updates.installed`)."""

from __future__ import annotations

from pathlib import Path

UPDATES_DIR = "form-updates"
POINTER = "installed.json"


def pointer_stamp(base: Path) -> tuple[int, int, int] | None:
    """What identifies the installed set in `base` without reading it (None when nothing is installed)."""
    try:
        st = (base / POINTER).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)

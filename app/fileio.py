"""Writing files that hold personal data, safely: readable by their owner only, and atomic (a crash leaves the
old file or the new one, never half of one, and no stray temporary file); and folders only their owner can enter.

Every file the application or the local intake service writes is 0600 and every folder 0700 (`docs/store.md`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where directories cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically: a private (0600) temporary file in the same folder, fsync, rename,
    fsync the folder. On failure nothing is left behind and the old file, if any, is untouched."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)
    return target


def tighten_dir(path: Path) -> str | None:
    """Make an existing folder private (0700) when other users may read or enter it. Returns a sentence saying what
    was done (for the caller to show), or None when it was private already, is missing or not a folder, or the
    platform has no such permissions (Windows)."""
    if os.name == "nt":
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    before = stat.S_IMODE(st.st_mode)
    if not stat.S_ISDIR(st.st_mode) or not before & 0o077:
        return None
    try:
        os.chmod(path, PRIVATE_DIR_MODE)
        after = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return (
            f"The folder {path} is open to other users (mode {before:04o}) and could not be made private "
            f"({exc.strerror}); make it private with: chmod 700 {path}"
        )
    if after & 0o077:
        return (
            f"The folder {path} is open to other users (mode {after:04o}) and its file system does not keep "
            "permissions; keep the data folder on a disk that does."
        )
    return f"The folder {path} was open to other users (mode {before:04o}); it is now private (0700)."


def tighten_file(path: Path) -> None:
    """Make an existing file readable by its owner only, when it is not (a file from an older version)."""
    with contextlib.suppress(OSError):
        if os.name != "nt" and path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_FILE_MODE)


def private_dir(path: Path) -> str | None:
    """Make `path` a folder only its owner can enter: created 0700 (missing parents too), an existing one tightened
    to 0700. Returns `tighten_dir`'s sentence when an existing folder had to be tightened, else None."""
    if not path.is_dir():
        for parent in reversed(path.parents):
            if not parent.exists():
                with contextlib.suppress(FileExistsError):
                    parent.mkdir(mode=PRIVATE_DIR_MODE)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=PRIVATE_DIR_MODE)
    return tighten_dir(path)


def create_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write a new file `path` (refusing to replace one: `FileExistsError`) readable by its owner only."""
    target = Path(path)
    fd = os.open(
        target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE_MODE
    )
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return target

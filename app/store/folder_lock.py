"""Who may work on the store of a data folder at the same time: a lock on the folder (`flock`).

Every open `Store` holds a shared lock on its folder until it closes (the idle lock closes it too). What must not
happen under an open store takes the lock exclusively, without waiting, and is refused while anyone holds it:

- a restore (`app.store.backup`): it puts another file in place as `store.db`; a program that had the old one
  open kept writing to it, so a request saved in the window after a restore in a terminal went into the store
  kept aside, and the restored store never had it;
- a passphrase change: it re-encrypts every page; a program that had the store open could no longer read it
  ("the passphrase does not unlock this store... restore a backup").

The lock is advisory and only between copies of this application; where there is no `flock` (Windows) it is
always granted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Shared:
    """A shared lock on a folder, held until `release()`; `try_exclusive()` makes it exclusive for a while."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @classmethod
    def take(cls, folder: Path) -> Shared | None:
        """The shared lock on `folder`; None when a program holds it exclusively (a restore or a passphrase change
        is running)."""
        if fcntl is None:
            return cls(None)
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    @contextmanager
    def exclusive(self) -> Iterator[bool]:
        """Hold the lock alone while the block runs; yields False (and changes nothing) when another program
        holds it too. Shared again afterwards."""
        if self._fd is None or fcntl is None:
            yield True
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self._fd, fcntl.LOCK_SH)  # a failed conversion may have dropped the shared lock
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with suppress(OSError):
                os.close(fd)  # closing releases the lock


@contextmanager
def exclusive(folder: Path, *, wait: bool = False) -> Iterator[bool]:
    """The lock on `folder` alone (a restore, or tidying an interrupted one); yields False when another program
    holds it, shared or exclusive (and `wait` is False)."""
    if fcntl is None:
        yield True
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock

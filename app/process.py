"""What every process of the project does first, before it holds a passphrase, a key, a token or a request: files
it creates are private (umask 077), and it leaves no core file (RLIMIT_CORE 0, and not dumpable where the platform
allows), since a core dump would hold the decrypted pages, the key and the token in clear.

`coc` (every command, the GUI included) and `python -m intake` (the service, the launcher and the admin commands)
call `harden()` at start. Tests: `tests/test_process.py`.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress

PR_SET_DUMPABLE = 4  # <linux/prctl.h>
PR_GET_DUMPABLE = 3
PRIVATE_UMASK = 0o077


def private_umask() -> None:
    """Files created from now on are 0600 and folders 0700, whatever the caller's umask was."""
    if os.name != "nt":
        os.umask(PRIVATE_UMASK)


def no_core_dumps() -> None:
    """No core file, where the system allows: RLIMIT_CORE 0 (the soft limit, which is the one the kernel applies), and on
    Linux not dumpable (`prctl(PR_SET_DUMPABLE, 0)`: no core even when core dumps go to a pipe such as
    systemd-coredump, and other processes of the same user may not attach to or read this one's memory)."""
    try:
        import resource
    except ImportError:  # Windows: no core files; crash dumps are Windows Error Reporting's
        return
    with suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def dumpable() -> bool | None:
    """Whether this process may leave a core file by the prctl flag (Linux), None where unknown."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def harden() -> None:
    private_umask()
    no_core_dumps()

"""A workaround for the installed PySide6 on Python 3.11: every binding call that returns None (`parentWidget()`,
`property()`, `currentData()`, `QModelIndex.data()`...) drops a reference to None that it never took.

On Python 3.12 and later None is immortal (PEP 683) and nothing happens; on 3.11 the count of None falls with each
such call until the interpreter aborts with "none_dealloc: deallocating None" (after a few thousand calls in a
fresh process). None is never freed by design, so the fix gives it the immortality it has on 3.12: a reference
count far beyond what any session can use up. True and False get the same (the same binding drops references to
them while shutting down: "bool_dealloc" at exit). Applied once, and only when the leak is measured.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 48
_applied = False


def leaks_none() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.parent()
    return sys.getrefcount(None) < before


def keep_none_alive() -> bool:
    """Make None (and True, False) as good as immortal when the binding leaks it; True when the fix was applied (now or before)."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or not leaks_none():
        return False
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field of every object
        refcount.value += HEADROOM
    _applied = True
    return True

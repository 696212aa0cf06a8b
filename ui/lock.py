"""The idle lock's Qt side: notice the user's activity, and say when the quiet spell is over.

The countdown itself is the store's Qt-free `IdleLock`; here an application-wide event filter calls `touch()` on
key, mouse and wheel events and a one-second timer calls `poll()` (the usual Qt pattern, there being no idle API).
The watcher does not close the store itself: the controller first flushes the pending saves on the database
thread, then closes it there, clears every widget and the clipboard, and asks for the passphrase again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

from app.store import IdleLock

ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.InputMethod,
    }
)


class IdleWatcher(QObject):
    """Signals:
    idle(): the quiet spell is over (emitted once until `rearm`).
    """

    idle = Signal()

    def __init__(
        self, minutes: float, *, clock: Callable[[], float] | None = None, parent: QObject | None = None
    ):
        super().__init__(parent)
        kwargs = {"clock": clock} if clock is not None else {}
        self.countdown = IdleLock(None, minutes * 60.0, on_lock=self.idle.emit, **kwargs)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.countdown.poll)
        self._installed = False

    def start(self) -> None:
        app = QGuiApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.countdown.rearm(None)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QGuiApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def set_minutes(self, minutes: float) -> None:
        self.countdown.timeout = max(1.0, minutes) * 60.0

    def rearm(self) -> None:
        self.countdown.rearm(None)
        self.timer.start()

    def lock_now(self) -> None:
        self.countdown.lock_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.countdown.touch()
        return False


class ClipboardGuard(QObject):
    """Remembers whether the clipboard holds text copied in this application, and clears it at the lock.

    The platform's own notion (`ownsClipboard`) is not available everywhere, so a change of the clipboard while
    one of our windows is active also counts, and so does text that equals a value on screen.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ours = False
        clipboard = QGuiApplication.clipboard()
        clipboard.dataChanged.connect(self._changed)

    def _changed(self) -> None:
        self.ours = QGuiApplication.focusWindow() is not None

    def clear_if_ours(self, known: Iterable[str] = ()) -> bool:
        clipboard = QGuiApplication.clipboard()
        text = clipboard.text()
        values = {v for v in known if v and len(v) >= 2}
        held = bool(text) and any(v in text for v in values)
        if not (self.ours or clipboard.ownsClipboard() or held):
            return False
        clipboard.clear(QClipboard.Mode.Clipboard)
        if clipboard.supportsSelection():
            clipboard.clear(QClipboard.Mode.Selection)
        self.ours = False
        return True

"""Transmission from the GUI: Transmit (queue, then a first try at once), Send now, the quiet automatic sending of
what is due, and Check status. The work is `app.transmit`'s, reached through `ui.actions`; queueing runs on the
database thread, sending and status checks on the background pool, and results come back as signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ui import actions, messages
from ui.context import AppContext

if TYPE_CHECKING:
    from app.transmit import Outbox, RunReport, SendResult

log = logging.getLogger(__name__)
EDITION_CHECK_DELAY_MS = 5_000  # after unlocking
AUTO_INTERVAL_MS = 60_000


def describe(result: SendResult) -> str:
    from app.transmit import Outcome

    if result.outcome is Outcome.SENT:
        confirmation = (result.receipt or {}).get("confirmation", "")
        return f"Sent. Confirmation number: {confirmation}." if confirmation else "Sent."
    if result.outcome is Outcome.WAITING:
        return f"Not sent yet: {result.message} It stays queued and is tried again by itself."
    return f"Not sent: {result.message} The request is back to Draft with the receiver's messages."


def summarise(report: RunReport) -> str:
    if not report.results and report.stopped:
        return f"Outbox: {report.stopped}"
    parts = [f"{report.sent} sent"]
    if report.waiting:
        parts.append(f"{report.waiting} waiting")
    if report.refused:
        parts.append(f"{report.refused} refused")
    text = "Outbox: " + ", ".join(parts) + "."
    return f"{text} {report.stopped}" if report.stopped else text


class OutboxRunner(QObject):
    """Signals:
    progress(str): a line for the status bar while sending.
    finished(str): what a Transmit / Send now / Check status did (for a message to the user).
    changed(): states changed (the list should refresh).
    problem(object): a known error (`TransmitError`, `StoreError`) of an action the user asked for.
    editions(str): the receiver has newer editions of some forms (a line for the status bar).
    """

    progress = Signal(str)
    editions = Signal(str)
    finished = Signal(str)
    changed = Signal()
    problem = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._box: Outbox | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_INTERVAL_MS)
        self.timer.timeout.connect(self.send_due)

    def start(self) -> None:
        self.timer.start()
        # Not at once: the list comes first (loading the network code competes with it for the interpreter).
        QTimer.singleShot(EDITION_CHECK_DELAY_MS, self.check_editions)

    def check_editions(self) -> None:
        """Ask the receiver for the current form editions; say so when some here are older (quietly otherwise)."""
        if self.ctx.store is None:
            return

        def done(newer: dict[str, str]) -> None:
            if newer:
                names = ", ".join(sorted(newer)[:4]) + (" and more" if len(newer) > 4 else "")
                self.editions.emit(
                    f"The receiving service has a newer edition of {messages.counted(len(newer), 'form')} ({names}): "
                    "update them with Update forms (Tools menu) before sending requests on them."
                )

        self.ctx.tasks.run_io(
            lambda: actions.newer_editions(self._outbox()),
            done,
            lambda exc: log.info("edition check: %s", type(exc).__name__),
        )

    def stop(self) -> None:
        """The lock: stop the timer and end a run after the item being sent."""
        self.timer.stop()
        box, self._box = self._box, None
        if box is not None:
            box.cancel()

    def settings_changed(self) -> None:
        self._box = None

    def _outbox(self) -> Outbox:
        """Runs on a background thread. One outbox per unlocked store, so that a pause is remembered."""
        box = self._box
        if box is None or box.store is not self.ctx.store:
            box = actions.outbox(self.ctx.require_store(), self.ctx.catalog)
            self._box = box
        return box

    # --- what the user asks for ----------------------------------------------------------------------------------

    def transmit(self, request_id: str) -> None:
        ctx = self.ctx

        def queued(_item: object) -> None:
            self.changed.emit()
            self.progress.emit("Queued; sending…")
            ctx.tasks.run_io(lambda: actions.send_one(self._outbox(), request_id), self._sent, self._failed)

        ctx.tasks.run_db(
            lambda: actions.queue(ctx.require_store(), request_id, ctx.catalog), queued, self._failed
        )

    def queue_only(self, request_id: str) -> None:
        """Queue without sending now (the user agreed: transmission is not set up yet); the outbox sends it once it
        is, by itself."""
        ctx = self.ctx

        def queued(_item: object) -> None:
            self.changed.emit()
            self.finished.emit(
                "Queued. It is sent by itself once transmission is set up in Settings, Transmission; until then "
                "the list shows it as waiting."
            )

        ctx.tasks.run_db(
            lambda: actions.queue(ctx.require_store(), request_id, ctx.catalog), queued, self._failed
        )

    def transmit_many(
        self, ids: list[str], progress: Callable[[int, int], object], cancel: threading.Event
    ) -> list[tuple[str, str, str]]:
        """Runs on a background thread: queue each request (the core validates it again) and send it, one after the
        other, through this runner's one outbox; (id, outcome, what happened) per request. Cancel stops before the
        next request; one being sent finishes."""
        from app.errors import UserError

        box = self._outbox()
        results: list[tuple[str, str, str]] = []
        for n, request_id in enumerate(ids, 1):
            if cancel.is_set():
                results.append((request_id, "cancelled", "Not sent: cancelled before its turn."))
                continue
            try:
                actions.queue(self.ctx.require_store(), request_id, self.ctx.catalog)
                result = actions.send_one(box, request_id)
            except UserError as exc:  # not ready, sent meanwhile, store problems: this one, not the rest
                results.append((request_id, "not_sent", f"Not sent: {messages.screen_message(exc)}"))
            else:
                results.append((request_id, result.outcome.value, describe(result)))
            progress(n, len(ids))
        return results

    def _sent(self, result: SendResult) -> None:
        self.changed.emit()
        self.progress.emit("")
        self.finished.emit(describe(result))
        from app.transmit import Outcome

        if result.outcome is Outcome.REFUSED:  # an edition no longer accepted, say: offer Update forms
            self.check_editions()

    def send_now(self) -> None:
        self.progress.emit("Sending the outbox…")
        self.ctx.tasks.run_io(
            lambda: actions.send_due(self._outbox(), self._report_progress, force=True),
            self._ran,
            self._failed,
        )

    def send_due(self) -> None:
        """The timer: send what is due, quietly (nothing is shown when transmission is not set up)."""
        if self.ctx.store is None:
            return

        def quiet(exc: BaseException) -> None:
            from app.transmit import NotConfigured

            if not isinstance(exc, NotConfigured):
                log.info("automatic sending: %s", type(exc).__name__)

        self.ctx.tasks.run_io(
            lambda: actions.send_due(self._outbox(), self._report_progress), self._ran_quietly, quiet
        )

    def _report_progress(self, n: int, m: int, result: SendResult) -> None:  # on the background thread
        self.progress.emit(f"Sending {n} of {m}…")

    def _ran(self, report: RunReport) -> None:
        self.changed.emit()
        self.progress.emit("")
        self.finished.emit(summarise(report))

    def _ran_quietly(self, report: RunReport) -> None:
        if report.results:
            self.changed.emit()
            self.progress.emit(summarise(report))

    def check_status(self, request_id: str) -> None:
        def done(status: object) -> None:
            self.changed.emit()
            state = getattr(status, "state", "unknown")
            start, end = getattr(status, "certificate_start", None), getattr(status, "certificate_end", None)
            reason = getattr(status, "reason", None)
            if state == "approved" and start:
                detail = f" The certificate covers {start} to {end or 'an open end'}."
            elif state == "rejected" and reason:
                detail = f" Reason: {reason}"
            else:
                detail = ""
            self.finished.emit(f"The receiving service says: {state.replace('_', ' ')}.{detail}")

        self.ctx.tasks.run_io(lambda: actions.check_status(self._outbox(), request_id), done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.progress.emit("")
        if actions.is_transmit_error(exc):
            self.problem.emit(exc)
        else:
            self.ctx.tasks.report(exc)

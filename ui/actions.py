"""The one place where the windows reach transmission (`app.transmit`) and printing (`app.printing`, and the print
dialog `ui.print_dialog` where it is installed). Everything else in `ui/` calls these functions, so changing how
an action is carried out is a change here alone.

The functions that touch the network run on the background pool (`TaskManager.run_io`); the store
calls they make are serialised by the store's own lock. Queueing is database work and runs on the database thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.request import RequestDoc
from app.store import OutboxItem, Store

if TYPE_CHECKING:
    from app.forms import Catalog
    from app.transmit import Outbox, ReceiverStatus, RunReport, SendResult

Progress = Callable[[int, int, "SendResult"], Any]

__all__ = [
    "check_status",
    "is_transmit_error",
    "missing_transmission",
    "open_print_dialog",
    "queue",
    "save_transmission_settings",
    "send_due",
    "send_one",
    "transmission_available",
    "transmission_settings",
]


def transmission_available() -> bool:
    return True


def missing_transmission(store: Store) -> list[str]:
    """What transmission still needs, in plain words (empty when it is set up: in Settings, or by the session's
    receiver that `make run` starts)."""
    from app.transmit.settings import ENDPOINT, read_token, session_endpoint

    if store.get_setting(ENDPOINT) is None and session_endpoint() is not None:
        return []
    missing = []
    if not store.get_setting(ENDPOINT):
        missing.append("the receiving service's address")
    if not read_token(store):
        missing.append("the access token")
    return missing


def is_transmit_error(exc: BaseException) -> bool:
    """A known transmission problem (not set up, not ready, receiver unavailable...), with `user_text`."""
    from app.transmit import TransmitError

    return isinstance(exc, TransmitError)


# --- transmission --------------------------------------------------------------------------------------------------


def queue(store: Store, request_id: str, catalog: Catalog) -> OutboxItem:
    """Validate again and freeze the request in the outbox (`NotReady` with every issue when it has errors)."""
    from app.transmit import queue as queue_request

    return queue_request(store, request_id, catalog=catalog)


def outbox(store: Store, catalog: Catalog) -> Outbox:
    """An outbox over the store's transmission settings (`NotConfigured` when they are missing)."""
    from app.transmit import Outbox

    return Outbox.from_store(store, catalog=catalog)


def send_one(box: Outbox, request_id: str) -> SendResult:
    return box.send_one(request_id)


def send_due(box: Outbox, progress: Progress | None = None, *, force: bool = False) -> RunReport:
    return box.send_due(progress=progress, force=force)


def check_status(box: Outbox, request_id: str) -> ReceiverStatus:
    return box.check_status(request_id)


def newer_editions(box: Outbox) -> dict[str, str]:
    """Forms whose edition at the receiver differs from the installed one (form id -> the receiver's)."""
    return box.newer_editions()


def transmission_settings(store: Store) -> dict[str, Any]:
    """Endpoint, CA bundle, and where the token is kept (never the token itself)."""
    from app.transmit import describe

    return describe(store)


def save_transmission_settings(
    store: Store, endpoint: str, ca_bundle: str, token: str | None, *, forget_token: bool = False
) -> None:
    """Keep the endpoint and the CA bundle (checked by the core); a new token when given, or forget it."""
    from app.transmit import clear_token, set_ca_bundle, set_endpoint, set_token

    if endpoint.strip():
        set_endpoint(store, endpoint)
    else:
        store.delete_setting("transmit.endpoint")
    set_ca_bundle(store, ca_bundle.strip() or None)
    if forget_token:
        clear_token(store)
    elif token:
        set_token(store, token)


# --- printing ------------------------------------------------------------------------------------------------------


def open_print_dialog(parent: QWidget | None, context: Any, doc: RequestDoc) -> QWidget:
    """The Print fax copy dialog (`ui.print_dialog`: preview, print, save as PDF), opened without blocking.

    Imported here, on first use, so that the PDF viewer's libraries load only when someone prints.
    """
    from ui.print_dialog import open_print_dialog as open_dialog

    return open_dialog(parent, context, doc)

"""Transmission: the client of the protocol (docs/protocol.yaml), the send gate, the outbox. No Qt here.

    settings = TransmitSettings.load(store)         # or Outbox.from_store(store)
    with Outbox(store, Client(settings)) as outbox:
        outbox.queue(request_id)                    # NotReady (with issues) when it has errors
        report = outbox.send_due(progress=lambda n, m, result: ...)
        status = outbox.check_status(request_id)    # records approved / rejected

See docs/transmission.md.
"""

from app.transmit.client import (
    Answer,
    AnswerKind,
    Client,
    ReceiverStatus,
    describe_tls_error,
    gate,
    payload_json,
)
from app.transmit.errors import (
    AlreadySent,
    InvalidSetting,
    NotAtReceiver,
    NotConfigured,
    NotQueued,
    NotReady,
    ReceiverRefused,
    ReceiverUnavailable,
    TransmitError,
)
from app.transmit.outbox import Outbox, Outcome, RunReport, SendResult, queue, send
from app.transmit.retry import RetryPolicy, parse_retry_after
from app.transmit.settings import (
    TokenPlace,
    TransmitSettings,
    clear_token,
    describe,
    set_ca_bundle,
    set_endpoint,
    set_token,
)

__all__ = [
    "AlreadySent",
    "Answer",
    "AnswerKind",
    "Client",
    "InvalidSetting",
    "NotAtReceiver",
    "NotConfigured",
    "NotQueued",
    "NotReady",
    "Outbox",
    "Outcome",
    "ReceiverRefused",
    "ReceiverStatus",
    "ReceiverUnavailable",
    "RetryPolicy",
    "RunReport",
    "SendResult",
    "TokenPlace",
    "TransmitError",
    "TransmitSettings",
    "clear_token",
    "describe",
    "describe_tls_error",
    "gate",
    "parse_retry_after",
    "payload_json",
    "queue",
    "send",
    "set_ca_bundle",
    "set_endpoint",
    "set_token",
]

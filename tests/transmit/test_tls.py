"""TLS negative tests: expired, wrong-host, self-signed and untrusted-CA certificates are refused before any payload
is sent, with a message that names the certificate problem; the request stays queued. The same CA's valid
certificate (a configured corporate/test CA bundle) is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.request import State
from app.store import Store
from app.transmit import Client, Outbox, Outcome, ReceiverUnavailable, TransmitSettings, queue
from tests.transmit.helpers import FAST, TOKEN, Pair, Pki, ready_request, start

CASES = {
    "expired": "has expired",
    "wrong_host": "different host name",
    "self_signed": "self-signed",
    "untrusted": "unknown certificate authority",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_certificate_is_refused_before_any_payload(
    case: str, pki: Pki, store: Store, intake_dir: Path
) -> None:
    pair: Pair = getattr(pki, case)
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, certificate=(pair.cert, pair.key)) as srv:
        settings = TransmitSettings(
            endpoint=srv.url, token=TOKEN, ca_bundle=str(pki.ca), connect_timeout=2, read_timeout=2
        )
        with Outbox(store, Client(settings), policy=FAST) as outbox:
            report = outbox.send_due(force=True)
            with pytest.raises(ReceiverUnavailable) as status_error:
                outbox.check_status(request_id)
        assert srv.stats.bodies == 0  # no request body ever reached the server
        assert srv.stats.tls_failures >= 1
    result = report.results[0]
    assert result.outcome is Outcome.WAITING and result.endpoint_wide
    assert result.tries == 1  # a certificate problem is not retried at once
    assert CASES[case] in result.message and "Nothing was sent" in result.message
    assert report.stopped == result.message
    item = store.outbox_item(request_id)
    assert item is not None and item.last_error == result.message
    assert store.get(request_id).state is State.QUEUED
    assert CASES[case] in str(status_error.value)


def test_certificate_from_the_configured_ca_is_accepted(pki: Pki, store: Store, intake_dir: Path) -> None:
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, certificate=(pki.good.cert, pki.good.key)) as srv:
        settings = TransmitSettings(endpoint=srv.url, token=TOKEN, ca_bundle=str(pki.ca))
        with Outbox(store, Client(settings), policy=FAST) as outbox:
            assert outbox.send_due().sent == 1
    assert store.get(request_id).state is State.SENT


def test_without_the_ca_bundle_the_local_ca_is_not_trusted(pki: Pki, store: Store, intake_dir: Path) -> None:
    """Verification stays on with the default trust store: a private CA is unknown there."""
    request_id = ready_request(store)
    queue(store, request_id)
    with start(intake_dir, certificate=(pki.good.cert, pki.good.key)) as srv:
        settings = TransmitSettings(endpoint=srv.url, token=TOKEN)
        assert settings.ca_bundle is None
        with Outbox(store, Client(settings), policy=FAST) as outbox:
            result = outbox.send_due().results[0]
        assert srv.stats.bodies == 0
    assert "unknown certificate authority" in result.message

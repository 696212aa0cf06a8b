"""A receiver whose JSON answers escape lone surrogates (`"\\ud800"`: valid JSON, not text). Python reads them
into strings that no UTF-8 encoder accepts, so storing the refusal's messages raised UnicodeEncodeError out of
`send_due`: the run stopped at that request every time (the outbox wedged) and `coc outbox send` exited 70.
What the receiver says is cleaned of them like any control character; the run goes on."""

from __future__ import annotations

import json

from app.request import State
from app.store import Store
from app.transmit import Outbox, Outcome, queue
from tests.transmit.helpers import FAST, Pki, ready_request
from tests.transmit.strict_receiver import RunningReceiver, raw_json
from tests.transmit.test_hostile_answers import strict, strict_client  # noqa: F401 (the fixture)


def test_lone_surrogates_in_answers_are_cleaned_and_the_run_goes_on(
    store: Store,
    strict: RunningReceiver,  # noqa: F811
    pki: Pki,
) -> None:
    refused, receipted, plain = ids = [ready_request(store) for _ in range(3)]
    for request_id in ids:
        queue(store, request_id)
    strict.receiver.always[refused] = raw_json(
        422,
        b'{"code": "invalid", "message": "Bad \\ud800 answer", '
        b'"errors": [{"field": "worker.ssn", "code": "invalid_ssn", "message": "\\udfffNot an SSN"}]}',
    )
    receipt = {"request_id": receipted, "confirmation": "C-7\ud83d", "received_at": "2027-01-04T10:00:00Z"}
    strict.receiver.always[receipted] = raw_json(201, json.dumps(receipt).encode())
    with Outbox(store, strict_client(strict, pki), policy=FAST, concurrency=1) as box:
        report = box.send_due(force=True)
        outcomes = {r.request_id: r.outcome for r in report.results}
        assert outcomes == {refused: Outcome.REFUSED, receipted: Outcome.SENT, plain: Outcome.SENT}
        assert store.get(refused).state is State.DRAFT
        assert store.receiver_errors(refused) == [
            {"field": "worker.ssn", "code": "invalid_ssn", "message": "Not an SSN"}
        ]
        assert (store.receipt(receipted) or {})["confirmation"] == "C-7"
        strict.receiver.decide(plain, "rejected", reason="Missing \udc00 pages", decided_at="2027-02-01")
        status = box.check_status(plain)
    assert status.reason == "Missing pages" and store.get(plain).state is State.REJECTED

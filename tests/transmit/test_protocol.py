"""The protocol as the reference intake service implements it (docs/protocol.yaml), over real HTTPS on loopback,
with a bare `requests` client: idempotency, refusals, status, forms, the agency's decision and its e-mail."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from app.forms import default_catalog
from intake import RunningIntake, serve_in_thread
from intake.service import decide
from tests.conftest import REPO
from tests.transmit.helpers import TOKEN, start, valid_doc


@pytest.fixture
def http(server: RunningIntake) -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def post(
    http: requests.Session,
    server: RunningIntake,
    body: Any,
    key: str | None,
    token: str | None = TOKEN,
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key if key.startswith('"') or " " in key else f'"{key}"'
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(
        f"{server.url}/v1/requests", data=data, headers=headers, timeout=5, verify=str(server.ca_path)
    )


def get(http: requests.Session, server: RunningIntake, path: str, token: str = TOKEN) -> requests.Response:
    return http.get(
        server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5, verify=str(server.ca_path)
    )


def test_first_post_gets_201_and_a_receipt(http: requests.Session, server: RunningIntake) -> None:
    doc = valid_doc()
    r = post(http, server, doc.to_dict(), doc.id)
    assert r.status_code == 201
    receipt = r.json()
    assert set(receipt) == {"confirmation", "received_at", "request_id"}
    assert receipt["request_id"] == doc.id
    assert receipt["confirmation"].startswith("COC-")
    assert r.headers["Location"] == f"/v1/requests/{doc.id}"


def test_same_key_same_payload_gives_the_same_receipt_and_no_second_request(
    http: requests.Session, server: RunningIntake
) -> None:
    doc = valid_doc()
    first = post(http, server, doc.to_dict(), doc.id)
    # the same document with its keys in another order and other spacing is the same payload
    reordered = json.dumps(dict(reversed(list(doc.to_dict().items()))), indent=1).encode()
    again = [post(http, server, doc.to_dict(), doc.id), post(http, server, reordered, f'"{doc.id}"')]
    assert first.status_code == 201
    for r in again:
        assert r.status_code == 200
        assert r.headers["Idempotent-Replayed"] == "true"
        assert r.json() == first.json()
    assert server.service.db.count() == 1
    assert server.stats.created == 1 and server.stats.replayed == 2


def test_same_key_different_payload_is_422(http: requests.Session, server: RunningIntake) -> None:
    doc = valid_doc()
    assert post(http, server, doc.to_dict(), doc.id).status_code == 201
    changed = doc.to_dict()
    changed["answers"]["worker.first_name"] = "Janet"
    r = post(http, server, changed, doc.id)
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert r.json()["errors"][0]["field"] == "request"
    assert server.service.db.count() == 1


def test_no_key_is_400_and_a_malformed_key_too(http: requests.Session, server: RunningIntake) -> None:
    doc = valid_doc()
    r = post(http, server, doc.to_dict(), None)
    assert r.status_code == 400
    assert r.json()["code"] == "missing_idempotency_key"
    assert post(http, server, doc.to_dict(), "has spaces in it").status_code == 400
    assert server.service.db.count() == 0


def test_bad_token_is_401(http: requests.Session, server: RunningIntake) -> None:
    doc = valid_doc()
    for token in ("wrong", None):
        r = post(http, server, doc.to_dict(), doc.id, token=token)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert get(http, server, "/v1/forms", token="wrong").status_code == 401
    assert server.service.db.count() == 0


def test_receiver_validation_failing_is_422_with_field_errors(
    http: requests.Session, server: RunningIntake
) -> None:
    doc = valid_doc()
    del doc.answers["worker.ssn"]
    doc.answers["employer.ein"] = "12-345"
    r = post(http, server, doc.to_dict(), doc.id)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request"
    fields = {e["field"] for e in body["errors"]}
    assert {"worker.ssn", "employer.ein"} <= fields
    assert all(set(e) == {"field", "code", "message"} for e in body["errors"])
    # nothing was stored: the corrected request may be sent again with the same key
    assert server.service.db.count() == 0
    fixed = valid_doc()
    fixed.id = doc.id
    assert post(http, server, fixed.to_dict(), doc.id).status_code == 201


def test_key_must_be_the_request_id_and_body_must_be_a_request(
    http: requests.Session, server: RunningIntake
) -> None:
    doc = valid_doc()
    r = post(http, server, doc.to_dict(), "0f5b8a52-1111-4222-8333-944455556666")
    assert r.status_code == 422 and r.json()["code"] == "key_mismatch"
    assert post(http, server, b"{not json", doc.id).status_code == 400
    assert post(http, server, {"hello": 1}, doc.id).status_code == 400
    assert server.service.db.count() == 0


def test_concurrent_copies_of_one_request_make_one_row(server: RunningIntake) -> None:
    doc = valid_doc()
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        with requests.Session() as s:
            barrier.wait()
            statuses.append(post(s, server, doc.to_dict(), doc.id).status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert server.service.db.count() == 1


def test_get_status_through_the_decisions(
    http: requests.Session, server: RunningIntake, intake_dir: Path
) -> None:
    doc = valid_doc()
    receipt = post(http, server, doc.to_dict(), doc.id).json()
    r = get(http, server, f"/v1/requests/{doc.id}")
    assert r.status_code == 200
    assert r.json() == {**receipt, "state": "received"}
    decide(server.service.db, intake_dir, doc.id, "review")
    assert get(http, server, f"/v1/requests/{doc.id}").json()["state"] == "in_review"
    decide(server.service.db, intake_dir, receipt["confirmation"], "approve")
    status = get(http, server, f"/v1/requests/{doc.id}").json()
    assert status["state"] == "approved"
    assert status["certificate"] == {"start": "2027-01-04", "end": "2029-12-18"}
    assert "decided_at" in status


def test_rejection_carries_its_reason(
    http: requests.Session, server: RunningIntake, intake_dir: Path
) -> None:
    doc = valid_doc()
    post(http, server, doc.to_dict(), doc.id)
    decision = decide(server.service.db, intake_dir, doc.id, "reject", reason="Assignment exceeds the limit.")
    assert decision.mail is None  # the form asks for an e-mail on approval only
    status = get(http, server, f"/v1/requests/{doc.id}").json()
    assert status["state"] == "rejected" and status["reason"] == "Assignment exceeds the limit."


def test_status_is_scoped_to_the_client(intake_dir: Path) -> None:
    with serve_in_thread(intake_dir, [TOKEN, "another-client"]) as srv, requests.Session() as http:
        doc = valid_doc()
        post(http, srv, doc.to_dict(), doc.id)
        assert get(http, srv, f"/v1/requests/{doc.id}").status_code == 200
        assert get(http, srv, f"/v1/requests/{doc.id}", token="another-client").status_code == 404
        assert get(http, srv, "/v1/requests/00000000-0000-4000-8000-000000000000").status_code == 404


def test_forms_lists_the_current_edition_of_every_form(http: requests.Session, server: RunningIntake) -> None:
    r = get(http, server, "/v1/forms")
    assert r.status_code == 200
    listed = {f["form"]: f["edition"] for f in r.json()["forms"]}
    assert listed == {form_id: spec.edition for form_id, spec in default_catalog().forms.items()}


def test_unknown_paths_and_methods(http: requests.Session, server: RunningIntake) -> None:
    assert get(http, server, "/v2/nothing").status_code == 404
    r = http.delete(
        f"{server.url}/v1/requests",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
        verify=str(server.ca_path),
    )
    assert r.status_code == 405


def test_unknown_form_at_the_receiver_is_a_field_error(intake_dir: Path) -> None:
    catalog = default_catalog()
    smaller = dataclasses.replace(
        catalog, forms={k: v for k, v in catalog.forms.items() if k != "de-employee"}
    )
    with start(intake_dir, catalog=smaller) as srv, requests.Session() as http:
        doc = valid_doc()
        r = post(http, srv, doc.to_dict(), doc.id)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "form"


def test_decide_command_writes_the_confirmation_email(
    http: requests.Session, server: RunningIntake, intake_dir: Path
) -> None:
    doc = valid_doc()
    receipt = post(http, server, doc.to_dict(), doc.id).json()
    quiet = valid_doc(**{"request.email_confirmation": False})
    del quiet.answers["request.confirmation_email"]
    post(http, server, quiet.to_dict(), quiet.id)
    run = subprocess.run(
        [sys.executable, "-m", "intake", "decide", doc.id, "approve", "--data", str(intake_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "approved" in run.stdout
    mail_file = intake_dir / "outbox-mail" / f"{receipt['confirmation']}.eml"
    assert f"e-mail written to {mail_file}" in run.stdout
    message = email.message_from_bytes(mail_file.read_bytes(), policy=email.policy.default)
    assert message["To"] == "coordinator@example.com"
    assert receipt["confirmation"] in message["Subject"]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "2027-01-04" in text and "2029-12-18" in text
    assert "123-45-6789" not in mail_file.read_text()  # no SSN in the e-mail
    # a request that did not ask for an e-mail gets none
    decision = decide(server.service.db, intake_dir, quiet.id, "approve")
    assert decision.mail is None
    assert sorted(p.name for p in (intake_dir / "outbox-mail").iterdir()) == [mail_file.name]
    # deciding twice is refused, as is an unknown id
    again = subprocess.run(
        [sys.executable, "-m", "intake", "decide", doc.id, "reject", "--data", str(intake_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert again.returncode == 1 and "already approved" in again.stderr

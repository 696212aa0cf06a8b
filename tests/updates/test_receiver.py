"""The receiver's side of editions: it checks a request in an earlier edition it published against that edition
until the cutoff a newer edition declares, and refuses it from then on with the problem code `edition_outdated`."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from app.forms import default_catalog, verdict
from app.forms.example import example_answers
from app.request import RequestDoc, State
from app.store import Store
from tests.updates.conftest import TOKEN, Receiver
from tests.updates.editions import ONE, TWO, edition_one, edition_two


def post(receiver: Receiver, doc: RequestDoc) -> requests.Response:
    data = doc.to_dict()
    data.pop("state")
    return requests.post(
        f"{receiver.running.url}/v1/requests",
        data=json.dumps(data).encode(),
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Idempotency-Key": f'"{doc.id}"',
            "Content-Type": "application/json",
        },
        verify=str(receiver.running.ca_path),
        timeout=30,
    )


def edition_one_request(receiver: Receiver) -> RequestDoc:
    spec = receiver.running.service.catalog.edition("de-employee", ONE)
    assert spec is not None and spec.has_field("posting.site")
    answers = example_answers(spec)
    answers.update({"posting.site": "Hamburg yard", "posting.reason": "training"})
    return RequestDoc(form=spec.id, edition=ONE, answers=answers)


def test_before_the_cutoff_an_earlier_edition_is_accepted_as_it_was(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    receiver.publish(edition_two(tmp_path / "two", cutoff="2999-01-01"))
    assert receiver.running.service.catalog.forms["de-employee"].edition == TWO
    forms = requests.get(
        f"{receiver.running.url}/v1/forms",
        headers={"Authorization": f"Bearer {TOKEN}"},
        verify=str(receiver.running.ca_path),
        timeout=30,
    ).json()["forms"]
    assert {f["form"]: f["edition"] for f in forms}["de-employee"] == TWO
    r = post(receiver, edition_one_request(receiver))
    assert r.status_code == 201, r.text  # checked against edition one: no contact asked


def test_from_the_cutoff_on_an_earlier_edition_is_refused_as_outdated(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    receiver.publish(edition_two(tmp_path / "two", cutoff="2001-01-01"))
    r = post(receiver, edition_one_request(receiver))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "edition_outdated"
    assert [e["code"] for e in body["errors"] if e["field"] == "request"] == ["edition_outdated"]
    assert receiver.running.service.db.count() == 0


def test_the_application_keeps_an_outdated_request_as_a_draft_and_says_to_update(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    from app.transmit import Client, Outcome, queue, send
    from tests.updates.test_drafts import install

    receiver.publish(edition_one(tmp_path / "one"))
    install(edition_one(tmp_path / "one-here"))  # this workstation has edition one, not two
    receiver.publish(edition_two(tmp_path / "two", cutoff="2001-01-01"))
    doc = edition_one_request(receiver)
    issues = verdict(doc, default_catalog()).issues
    assert not [i for i in issues if i.is_error]  # ready here: this workstation does not know edition two yet
    store.save(doc, error_count=0, warning_count=len(issues))
    queue(store, doc.id)
    with Client(receiver.settings) as client:
        result = send(store, doc.id, client)
    assert result.outcome is Outcome.REFUSED
    assert store.get(doc.id).state is State.DRAFT  # kept, as a draft
    errors = store.receiver_errors(doc.id)
    outdated = [e for e in errors if e["code"] == "edition_outdated"]
    assert outdated and "coc forms update" in outdated[0]["message"]
    # Update forms: edition two arrives, the draft is carried over and can be completed.
    from app.updates.update import update_forms

    result_update = update_forms(store, receiver.settings)
    assert [r.request_id for r in result_update.reports] == [doc.id]
    assert store.get(doc.id).edition == TWO

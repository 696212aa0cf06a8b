"""Requests follow the new edition: every Draft, Ready and Queued request of an updated form is carried over in one
store transaction with a report (renamed, mapped, kept, new, missing), a queued one leaves the outbox, a sent one
is never touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.forms import default_catalog, load, verdict
from app.forms.example import example_answers
from app.request import RequestDoc, State
from app.store import Store
from app.store.audit import AuditEvent
from app.store.keys import random_key
from app.transmit import queue
from app.updates.bundle import build_bundles, parse
from app.updates.catalog import updates_dir
from app.updates.drafts import QUEUED_NOTE, carry_over, unseen_reports
from app.updates.installed import Editions
from tests.updates.editions import ONE, TWO, edition_one, edition_two


def install(root: Path) -> None:
    (bundle,) = [b for b in build_bundles(load(root)) if b.agreement == "de"]
    data = bundle.to_bytes()
    Editions(updates_dir()).install([(parse(data), hashlib.sha256(data).hexdigest())])


def save(store: Store, doc: RequestDoc) -> str:
    judged = verdict(doc, default_catalog())
    store.save(doc, error_count=judged.error_count, warning_count=judged.warning_count)
    return doc.id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.create(tmp_path / "store", key=random_key())
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def requests_in_one(tmp_path: Path, store: Store) -> dict[str, str]:
    """Requests of every state written in edition one of Germany's form, and one of France's (not updated)."""
    install(edition_one(tmp_path / "one"))
    spec = default_catalog().forms["de-employee"]
    assert spec.edition == ONE
    complete = {**example_answers(spec), "posting.site": "Hamburg yard", "posting.reason": "training"}
    ids = {
        "draft": save(
            store, RequestDoc("de-employee", ONE, {"worker.first_name": "Ann", "posting.site": "Kiel"})
        ),
        "ready": save(store, RequestDoc("de-employee", ONE, dict(complete))),
        "queued": save(store, RequestDoc("de-employee", ONE, dict(complete))),
        "sent": save(store, RequestDoc("de-employee", ONE, dict(complete))),
    }
    fr = default_catalog().forms["fr-employee"]
    ids["france"] = save(store, RequestDoc("fr-employee", fr.edition, example_answers(fr)))
    assert store.get(ids["ready"]).state is State.READY
    queue(store, ids["queued"])
    queue(store, ids["sent"])
    store.mark_sent(ids["sent"], {"confirmation": "COC-TEST-0001", "received_at": "2027-01-02T00:00:00Z"})
    return ids


def test_every_open_request_follows_the_new_edition_with_a_report(
    tmp_path: Path, store: Store, requests_in_one: dict[str, str]
) -> None:
    ids = requests_in_one
    sent_before = (store.get(ids["sent"]), store.summary(ids["sent"]).revision)
    france_before = store.summary(ids["france"])
    install(edition_two(tmp_path / "two"))
    catalog = default_catalog()
    reports = {r.request_id: r for r in carry_over(store, catalog)}
    assert set(reports) == {ids["draft"], ids["ready"], ids["queued"]}

    ready = store.get(ids["ready"])
    assert ready.edition == TWO
    assert ready.answers["posting.site_name"] == "Hamburg yard"  # the renamed field keeps its value
    assert "posting.site" not in ready.answers
    assert ready.answers["posting.reason"] == "instruction"  # the mapped value
    assert ready.state is State.DRAFT  # the new required field is missing
    report = reports[ids["ready"]].report
    assert report.renamed == (("posting.site", "posting.site_name"),)
    assert report.mapped == (("posting.reason", "training", "instruction"),)
    assert report.added == ("posting.contact",) and report.missing == ("posting.contact",)
    assert (report.from_edition, report.to_edition) == (ONE, TWO)
    assert "Now missing: “Contact at the site”." in report.lines()

    assert store.get(ids["draft"]).answers["posting.site_name"] == "Kiel"
    assert store.outbox_item(ids["queued"]) is None and store.get(ids["queued"]).state is State.DRAFT
    assert QUEUED_NOTE in reports[ids["queued"]].report.notes
    events = [(e.event, e.detail) for e in store.audit(ids["queued"])]
    assert (AuditEvent.DEQUEUED.value, "reason=new_edition") in events
    assert events[-1][0] == AuditEvent.CARRIED_OVER.value

    assert (store.get(ids["sent"]), store.summary(ids["sent"]).revision) == sent_before  # never touched
    assert store.summary(ids["france"]) == france_before
    assert store.edition_reports(ids["sent"]) == [] and store.edition_reports(ids["france"]) == []

    shown = unseen_reports(store, ids["ready"])
    assert shown == [report]
    assert store.mark_reports_seen(ids["ready"]) == 1
    assert unseen_reports(store, ids["ready"]) == [] and len(store.edition_reports(ids["ready"])) == 1
    assert carry_over(store, catalog) == []  # nothing is behind any more


def test_carrying_over_is_one_transaction(
    tmp_path: Path, store: Store, requests_in_one: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = requests_in_one
    before = {k: store.summary(v) for k, v in ids.items()}
    install(edition_two(tmp_path / "two"))
    import app.updates.drafts as drafts

    real = drafts.convert
    calls = 0

    def fails_on_the_third(doc: RequestDoc, *args: Any) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("killed while carrying over")
        return real(doc, *args)

    monkeypatch.setattr(drafts, "convert", fails_on_the_third)
    with pytest.raises(RuntimeError):
        carry_over(store, default_catalog())
    assert {k: store.summary(v) for k, v in ids.items()} == before
    assert all(store.edition_reports(v) == [] for v in ids.values())
    assert store.outbox_item(ids["queued"]) is not None


def test_a_request_found_behind_is_carried_over_when_opened(
    tmp_path: Path, store: Store, requests_in_one: dict[str, str]
) -> None:
    from app.updates.opening import prepare

    ids = requests_in_one
    install(edition_two(tmp_path / "two"))  # installed while the request was not opened (no update run)
    opening = prepare(store, default_catalog(), ids["ready"])
    assert opening.doc.edition == TWO and opening.read_only == ""
    assert [r.to_edition for r in opening.reports] == [TWO]
    assert store.edition_reports(ids["ready"], unseen_only=True) == []  # shown now, not again
    again = prepare(store, default_catalog(), ids["ready"])
    assert again.reports == [] and again.doc.edition == TWO
    sent = prepare(store, default_catalog(), ids["sent"])
    assert sent.doc.edition == ONE and sent.reports == []  # a sent request is never carried over

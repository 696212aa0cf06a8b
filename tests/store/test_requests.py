"""Requests in the store: save and revisions, get, list with filters and paging, delete, duplicate, overlaps."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.request import RequestDoc, State
from app.store import (
    AmbiguousId,
    DuplicateMode,
    InvalidTransition,
    InvalidValue,
    ListOrder,
    RequestNotFound,
    Store,
)
from app.store.drafts import REVISIONS_KEPT
from tests.store.helpers import make_doc


def test_save_then_get_round_trips_the_document(store: Store) -> None:
    doc = make_doc(**{"worker.first_name": "José", "worker.last_name": "Núñez-García"})
    doc.answers["family"] = [{"name": "Ana", "relationship": "child", "birth_date": "2015-02-03"}]
    assert store.save(doc, error_count=0) == 1
    got = store.get(doc.id)
    assert got.to_dict() == doc.to_dict()
    assert got.state is State.READY
    assert got.answers["family"][0]["name"] == "Ana"


def test_state_follows_the_error_count_and_each_save_is_a_revision(store: Store) -> None:
    doc = make_doc()
    assert store.save(doc, error_count=3, warning_count=1) == 1
    assert doc.state is State.DRAFT
    doc.answers["worker.first_name"] = "Janet"
    assert store.save(doc, error_count=0) == 2
    assert doc.state is State.READY
    history = store.history(doc.id)
    assert [(r.rev, r.state, r.error_count, r.warning_count) for r in history] == [
        (1, State.DRAFT, 3, 1),
        (2, State.READY, 0, 0),
    ]
    assert store.revision(doc.id, 1).answers["worker.first_name"] == "Jane"
    assert store.get(doc.id).answers["worker.first_name"] == "Janet"
    summary = store.summary(doc.id)
    assert (summary.revision, summary.error_count, summary.state) == (2, 0, State.READY)


def test_saving_ignores_a_state_claimed_by_the_document(store: Store) -> None:
    doc = make_doc()
    doc.state = State.SENT
    store.save(doc, error_count=0)
    assert store.get(doc.id).state is State.READY


def test_old_revisions_are_pruned_but_the_current_one_stays(store: Store) -> None:
    doc = make_doc()
    for i in range(REVISIONS_KEPT + 5):
        doc.answers["assignment.work_city"] = f"City {i}"
        store.save(doc, error_count=0)
    revs = [r.rev for r in store.history(doc.id)]
    assert revs == list(range(6, REVISIONS_KEPT + 6))
    assert store.get(doc.id).answers["assignment.work_city"] == f"City {REVISIONS_KEPT + 4}"
    with pytest.raises(RequestNotFound):
        store.revision(doc.id, 1)


def test_autosaves_make_one_edited_audit_entry(store: Store) -> None:
    doc = make_doc()
    for _ in range(5):
        store.save(doc, error_count=0)
    assert [e.event for e in store.audit(doc.id)] == ["created", "edited"]


def test_bad_documents_and_counts_are_refused(store: Store) -> None:
    doc = make_doc()
    doc.answers["worker.first_name"] = {1, 2}  # not JSON data
    with pytest.raises(InvalidValue):
        store.save(doc, error_count=0)
    with pytest.raises(InvalidValue):
        store.save(make_doc(), error_count=-1)
    with pytest.raises(InvalidValue):
        store.save(make_doc(), error_count=True)
    bad_id = make_doc()
    bad_id.id = "not-a-uuid"
    with pytest.raises(InvalidValue):
        store.save(bad_id, error_count=0)
    assert store.count() == 0


def test_get_unknown_and_prefix_resolution(store: Store) -> None:
    with pytest.raises(RequestNotFound):
        store.get("0d1c7c0e-0000-4000-8000-000000000000")
    a = make_doc()
    a.id = "abcd1234-0000-4000-8000-000000000001"
    b = make_doc()
    b.id = "abcd1234-0000-4000-8000-000000000002"
    store.save(a, error_count=0)
    store.save(b, error_count=0)
    assert store.resolve_id("ABCD1234-0000-4000-8000-000000000001") == a.id
    with pytest.raises(AmbiguousId):
        store.resolve_id("abcd1234")
    assert store.resolve_id("abcd1234-0000-4000-8000-000000000002") == b.id
    with pytest.raises(RequestNotFound):
        store.resolve_id("abc")
    with pytest.raises(RequestNotFound):
        store.resolve_id("ffff")


def _people(store: Store) -> dict[str, RequestDoc]:
    rows = [
        ("de-employee", "José", "Núñez", "2027-01-01", "2027-06-30", 0),
        ("de-employee", "Ana", "Smith", "2026-12-01", "2027-01-20", 2),
        ("fr-employee", "Zoë", "Smithers", "2027-03-01", "2028-02-01", 0),
        ("jp-employee", "Ken", "Tanaka", None, None, 5),
        ("de-self_employed", "Lee", "O'Brien_%", "2027-02-01", "2027-02-10", 1),
    ]
    docs = {}
    for form, first, last, start, end, errors in rows:
        doc = make_doc(form)
        doc.answers.update({"worker.first_name": first, "worker.last_name": last, "worker.middle_name": ""})
        for field, value in (("assignment.start_date", start), ("assignment.end_date", end)):
            if value is None:
                doc.answers.pop(field, None)
            else:
                doc.answers[field] = value
        doc.answers["worker.ssn"] = f"{len(docs) + 100:03d}-45-6789"
        store.save(doc, error_count=errors)
        docs[last] = doc
    return docs


def test_list_filters_by_state_agreement_and_name_words(store: Store) -> None:
    docs = _people(store)
    assert {r.worker_name for r in store.list(state="ready")} == {"Núñez, José", "Smithers, Zoë"}
    assert {r.worker_name for r in store.list(state=[State.DRAFT])} == {
        "Smith, Ana",
        "Tanaka, Ken",
        "O'Brien_%, Lee",
    }
    assert {r.id for r in store.list(agreement="DE")} == {
        docs["Núñez"].id,
        docs["Smith"].id,
        docs["O'Brien_%"].id,
    }
    assert [r.worker_name for r in store.list(text="nunez")] == ["Núñez, José"]  # accents folded
    assert [r.worker_name for r in store.list(text="JOSÉ  núñez")] == ["Núñez, José"]
    assert {r.worker_name for r in store.list(text="smith")} == {"Smith, Ana", "Smithers, Zoë"}
    assert [r.worker_name for r in store.list(text="zoe smith", agreement="fr")] == ["Smithers, Zoë"]
    assert [r.worker_name for r in store.list(text="en_%")] == [
        "O'Brien_%, Lee"
    ]  # no wildcards: literal text
    assert store.list(text="%") == []  # a literal % (and 1 or 2 characters match a word's start only)
    assert [r.worker_name for r in store.list(text="brien")] == ["O'Brien_%, Lee"]
    assert [r.worker_name for r in store.list(text='o"b*')] == []  # FTS5 syntax is text too
    assert store.list(text="n_nez") == []
    assert store.count(text="smith") == 2
    assert store.count(state="draft", agreement="de") == 2
    assert store.count() == 5


def test_list_ending_within_days_and_ordering(store: Store) -> None:
    _people(store)
    today = dt.date(2027, 1, 10)
    ending = store.list(ending_within_days=30, today=today, order_by=ListOrder.ENDING)
    assert [r.worker_name for r in ending] == ["Smith, Ana"]
    ending = store.list(ending_within_days=200, today=today, order_by="end_date")
    assert [r.end_date for r in ending] == ["2027-01-20", "2027-02-10", "2027-06-30"]
    assert store.count(ending_within_days=200, today=today) == 3
    everyone = store.list(order_by=ListOrder.ENDING)
    assert everyone[-1].end_date is None  # undated last
    recent = store.list()
    assert recent[0].worker_name == "O'Brien_%, Lee"  # last saved first
    assert next(r.worker_name for r in store.list(order_by="worker")) == "Núñez, José"
    with pytest.raises(ValueError):
        store.list(order_by="name; DROP TABLE requests")
    with pytest.raises(InvalidValue):
        store.list(ending_within_days=-1)


def test_list_paging(store: Store) -> None:
    _people(store)
    all_rows = store.list(order_by=ListOrder.OLDEST)
    pages = [store.list(order_by=ListOrder.OLDEST, limit=2, offset=o) for o in (0, 2, 4)]
    assert [r.id for page in pages for r in page] == [r.id for r in all_rows]
    assert len(store.list(offset=3)) == 2


def test_list_summary_columns(store: Store) -> None:
    doc = make_doc("de-self_employed")
    store.save(doc, error_count=1, warning_count=2)
    (row,) = store.list()
    assert row.to_dict() == {
        "id": doc.id,
        "form": "de-self_employed",
        "agreement": "de",
        "kind": "self_employed",
        "edition": "2026-11-29",
        "state": "draft",
        "worker_name": "Example, Jane Q.",
        "start_date": "2027-01-04",
        "end_date": "2029-12-18",
        "error_count": 1,
        "warning_count": 2,
        "revision": 1,
        "created": doc.created,
        "updated": doc.updated,
        "confirmation": None,  # until a receipt gives one (tests/store/test_outbox.py)
    }
    json.dumps(row.to_dict())


def test_half_typed_dates_and_odd_answer_types_do_not_break_the_list(store: Store) -> None:
    doc = make_doc(**{"assignment.start_date": "2027-13-45", "assignment.end_date": 20270101})
    doc.answers["worker.last_name"] = ["not", "text"]
    store.save(doc, error_count=4)
    (row,) = store.list()
    assert (row.start_date, row.end_date, row.worker_name) == (None, None, "Jane Q.")


def test_delete_removes_the_request_and_its_history(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    store.save(doc, error_count=0)
    store.enqueue(doc.id, doc.to_json(), doc.id)
    store.delete(doc.id)
    with pytest.raises(RequestNotFound):
        store.get(doc.id)
    with pytest.raises(RequestNotFound):
        store.history(doc.id)
    with pytest.raises(RequestNotFound):
        store.delete(doc.id)
    with store.connection() as conn:
        for table in ("revisions", "outbox", "receipts", "receiver_errors"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert [e.event for e in store.audit(doc.id)][-1] == "deleted"
    assert store.outbox() == []


def test_duplicate_for_a_new_assignment(store: Store) -> None:
    doc = make_doc(**{"assignment.previous_certificate_end": "2026-01-01", "assignment.is_extension": True})
    store.save(doc, error_count=0)
    copy = store.duplicate(doc.id, DuplicateMode.NEW_ASSIGNMENT)
    assert copy.id != doc.id and copy.state is State.DRAFT
    assert "assignment.start_date" not in copy.answers and "assignment.end_date" not in copy.answers
    assert copy.answers["assignment.is_extension"] is False
    assert "assignment.previous_certificate_end" not in copy.answers
    assert copy.answers["worker.ssn"] == doc.answers["worker.ssn"]
    assert (copy.form, copy.edition) == (doc.form, doc.edition)
    with pytest.raises(RequestNotFound):
        store.get(copy.id)  # not saved until the caller saves it


def test_duplicate_for_an_extension(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    copy = store.duplicate(doc.id, "extension")
    assert copy.answers["assignment.is_extension"] is True
    assert copy.answers["assignment.previous_certificate_end"] == "2029-12-18"
    # the original start: the agreement's limit counts the whole stay
    assert copy.answers["assignment.start_date"] == doc.answers["assignment.start_date"]
    assert "assignment.end_date" not in copy.answers
    doc.answers["worker.first_name"] = "Changed"  # a deep copy: the source is not shared
    assert copy.answers["worker.first_name"] == "Jane"
    with pytest.raises(ValueError):
        store.duplicate(doc.id, "sideways")


def test_service_duplicate_validates_saves_and_logs(store: Store) -> None:
    from app.store.service import duplicate

    doc = make_doc()
    store.save(doc, error_count=0)
    copy = duplicate(store, doc.id, "extension", validator=lambda d: (2, 1))
    stored = store.summary(copy.id)
    assert (stored.error_count, stored.warning_count, stored.state) == (2, 1, State.DRAFT)
    assert [(e.event, e.detail) for e in store.audit(copy.id)] == [
        ("created", "revision=1"),
        ("duplicated", f"from={doc.id} mode=extension"),
    ]


def test_save_validated_uses_the_form_engine(store: Store) -> None:
    from app.forms import default_catalog
    from app.store.service import save_validated

    good = make_doc()
    save_validated(store, good, default_catalog())
    assert store.summary(good.id).error_count == 0
    bad = make_doc(**{"worker.ssn": "000-00-0000", "assignment.end_date": "2020-01-01"})
    save_validated(store, bad, default_catalog())
    assert store.summary(bad.id).error_count >= 2
    assert store.summary(bad.id).state is State.DRAFT


def _with(doc: RequestDoc, **answers: object) -> RequestDoc:
    copy = RequestDoc(form=doc.form, edition=doc.edition, answers=dict(doc.answers))
    copy.answers.update({k.replace("__", "."): v for k, v in answers.items()})
    return copy


def test_overlaps_same_ssn_same_agreement_overlapping_dates(store: Store) -> None:
    base = make_doc(**{"assignment.start_date": "2027-01-01", "assignment.end_date": "2027-12-31"})
    store.save(base, error_count=0)
    assert store.overlaps(base) == []  # not itself
    inside = _with(base, assignment__start_date="2027-06-01", assignment__end_date="2027-07-01")
    touching = _with(base, assignment__start_date="2027-12-31", assignment__end_date="2028-03-01")
    after = _with(base, assignment__start_date="2028-01-01", assignment__end_date="2028-03-01")
    other_country = RequestDoc(form="fr-employee", edition="x", answers=dict(inside.answers))
    other_person = _with(inside, worker__ssn="987-65-4321")
    open_ended = _with(base, assignment__start_date="2026-01-01", assignment__end_date=None)
    undated = _with(base, assignment__start_date=None)
    assert [r.id for r in store.overlaps(inside)] == [base.id]
    assert [r.id for r in store.overlaps(touching)] == [base.id]  # one shared day is an overlap
    assert store.overlaps(after) == []
    assert store.overlaps(other_country) == []
    assert store.overlaps(other_person) == []
    assert [r.id for r in store.overlaps(open_ended)] == [base.id]
    assert store.overlaps(undated) == []


def test_overlaps_by_name_and_birth_date_when_there_is_no_ssn(store: Store) -> None:
    base = make_doc(**{"worker.ssn": ""})
    store.save(base, error_count=1)
    same = _with(base, worker__first_name="JANE", worker__last_name="exAmple")  # case and accents folded
    different_birth = _with(base, worker__birth_date="1990-01-01")
    with_ssn = _with(base, worker__ssn="123-45-6789")  # one side has no SSN: the name and birth date decide
    assert [r.id for r in store.overlaps(same)] == [base.id]
    assert store.overlaps(different_birth) == []
    assert [r.id for r in store.overlaps(with_ssn)] == [base.id]
    nameless = _with(base, worker__first_name="")
    assert store.overlaps(nameless) == []


def test_rejected_requests_do_not_overlap(store: Store) -> None:
    base = make_doc()
    store.save(base, error_count=0)
    store.enqueue(base.id, base.to_json(), base.id)
    store.mark_sent(base.id, {"confirmation": "C-1"})
    copy = _with(base)
    assert [r.id for r in store.overlaps(copy)] == [base.id]
    store.set_outcome(base.id, State.REJECTED)
    assert store.overlaps(copy) == []


def test_a_sent_request_cannot_be_saved_again(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    store.enqueue(doc.id, doc.to_json(), doc.id)
    store.mark_sent(doc.id, {"confirmation": "C-1"})
    doc.answers["worker.first_name"] = "Changed"
    with pytest.raises(InvalidTransition) as info:
        store.save(doc, error_count=0)
    assert "Duplicate" in info.value.user_text
    assert store.get(doc.id).answers["worker.first_name"] == "Jane"


def test_new_request_is_prefilled_with_the_employer_profile(store: Store) -> None:
    store.set_employer_profile(
        {"employer.name": "Acme Corp", "employer.ein": "12-3456789", "employer.zip": ""}
    )
    doc = store.new_request("de-employee", "2026-11-29")
    assert doc.answers == {"employer.name": "Acme Corp", "employer.ein": "12-3456789"}
    assert doc.state is State.DRAFT
    with pytest.raises(InvalidValue):
        store.set_employer_profile({"worker.ssn": "123-45-6789"})
    with pytest.raises(InvalidValue):
        store.set_employer_profile({"employer.name": 5})


def test_two_connections_see_each_others_saves(store: Store, store_dir, key) -> None:  # type: ignore[no-untyped-def]
    other = Store.open(store_dir, key=key)
    try:
        doc = make_doc()
        store.save(doc, error_count=0)
        assert other.get(doc.id).answers == doc.answers
        doc.answers["worker.first_name"] = "Jo"
        other.save(doc, error_count=0)
        assert store.get(doc.id).answers["worker.first_name"] == "Jo"
    finally:
        other.close()


def test_save_many_is_one_transaction(store: Store) -> None:
    docs = [make_doc(**{"worker.first_name": f"W{i}"}) for i in range(5)]
    assert store.save_many((d, i % 2, 0) for i, d in enumerate(docs)) == [1] * 5
    assert store.count() == 5 and docs[1].state is State.DRAFT
    bad = make_doc()
    bad.answers["x"] = object()
    more = [make_doc(), bad]
    with pytest.raises(InvalidValue):
        store.save_many((d, 0, 0) for d in more)
    assert store.count() == 5  # the good one of the failed batch was not kept either


def test_worker_requests_are_the_other_requests_of_the_same_worker_under_any_agreement(store: Store) -> None:
    """What the verdict's checks across requests compare a request with (issue 15)."""
    base = make_doc()
    store.save(base, error_count=0)
    france = RequestDoc(form="fr-employee", edition="x", answers=dict(base.answers))
    store.save(france, error_count=0)
    rejected = _with(base, assignment__start_date="2030-01-01")
    store.save(rejected, error_count=0)
    store.enqueue(rejected.id, rejected.to_json(), rejected.id)
    store.mark_sent(rejected.id, {"confirmation": "C-1"})
    assert rejected.id in {d.id for d in store.worker_requests(base)}
    store.set_outcome(rejected.id, State.REJECTED)  # the agency refused it: it no longer counts
    other_person = _with(base, worker__ssn="987-65-4321")
    store.save(other_person, error_count=0)
    found = store.worker_requests(base)
    assert [d.id for d in found] == [france.id]  # not itself, not the rejected one, not another worker
    assert found[0].form == "fr-employee" and found[0].answers == france.answers
    assert store.worker_requests(_with(base, worker__ssn="", worker__first_name="")) == []  # no one named yet
    assert len(store.worker_requests(base, limit=1)) == 1


def test_sharing_a_worker_picks_the_requests_whose_worker_has_another(store: Store) -> None:
    alone = make_doc(worker__ssn="987-65-4321", worker__last_name="Otherperson")
    first, second = make_doc(), make_doc(assignment__start_date="2031-01-05")
    nameless = make_doc(worker__ssn="", worker__first_name="", worker__last_name="")
    by_name = make_doc(worker__ssn="")  # no SSN: the same name and birth date as `first` and `second`
    for doc in (alone, first, second, nameless, by_name):
        store.save(doc, error_count=0)
    ids = [alone.id, first.id, second.id, nameless.id, by_name.id]
    assert store.sharing_a_worker(ids) == {first.id, second.id, by_name.id}
    assert store.sharing_a_worker([]) == set()
    assert store.sharing_a_worker([alone.id, "no-such-id"]) == set()


def test_an_extension_of_an_approved_request_follows_the_certificate_approved(store: Store) -> None:
    doc = make_doc()
    store.save(doc, error_count=0)
    store.enqueue(doc.id, doc.to_json(), doc.id)
    store.mark_sent(
        doc.id, {"confirmation": "C-1", "received_at": "2027-01-01T00:00:00Z", "request_id": doc.id}
    )
    store.set_outcome(doc.id, State.APPROVED, {"certificate": {"start": "2027-01-04", "end": "2029-06-30"}})
    copy = store.duplicate(doc.id, DuplicateMode.EXTENSION)
    assert copy.answers["assignment.previous_certificate_end"] == "2029-06-30"  # not the end asked for
    assert copy.answers["assignment.start_date"] == doc.answers["assignment.start_date"]

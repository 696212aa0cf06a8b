"""Rules across requests (issue 15): a request against the other requests of the same worker.

Overlapping periods (`overlapping_request`, naming the other request, on both), an extension that does not follow
the certificate it extends (`extension_not_following`), and a new request while a certificate for the same country
is still running (`certificate_still_running`). The rules are in the kinds' definitions and read `others`; the
other requests become records through `app.forms.across`. Without other requests the rules stay quiet.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.forms import across, default_catalog
from app.forms.example import example_answers
from app.forms.session import FormSession, reads_others
from app.request import RequestDoc, State

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)
W = "warning"


def request(form_id: str = "de-employee", state: State = State.DRAFT, **changes: Any) -> RequestDoc:
    spec = CATALOG.form(form_id)
    answers = example_answers(spec)
    for key, value in changes.items():
        field_id = key.replace("__", ".")
        if value is None:
            answers.pop(field_id, None)
        else:
            answers[field_id] = value
    doc = RequestDoc(form_id, spec.edition, answers)
    doc.state = state
    return doc


def found(doc: RequestDoc, *others: RequestDoc) -> set[tuple[str, str, str]]:
    spec = CATALOG.form(doc.form)
    return {(i.field, i.code, i.severity.value) for i in across.issues(doc, spec, list(others), CATALOG)}


def messages(doc: RequestDoc, *others: RequestDoc) -> dict[str, str]:
    spec = CATALOG.form(doc.form)
    return {i.code: i.message for i in across.issues(doc, spec, list(others), CATALOG)}


OVERLAP = ("assignment.start_date", "overlapping_request", W)
RUNNING = ("assignment.is_extension", "certificate_still_running", W)
NOT_FOLLOWING = ("assignment.previous_certificate_end", "extension_not_following", W)
# The example: work abroad from 2027-01-04 to 2029-12-18.
ORIGINAL = {"assignment__start_date": "2027-01-04", "assignment__end_date": "2029-12-18"}


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ({**ORIGINAL}, {OVERLAP}),  # the same period
        (
            {"assignment__start_date": "2029-12-18", "assignment__end_date": "2030-06-30"},
            {OVERLAP},
        ),  # one day
        (
            {"assignment__start_date": "2029-12-19", "assignment__end_date": "2030-06-30"},
            set(),
        ),  # the day after
        (
            {"assignment__start_date": "2025-01-01", "assignment__end_date": "2027-01-03"},
            set(),
        ),  # the day before
        ({"assignment__start_date": "2025-01-01", "assignment__end_date": "2027-01-04"}, {OVERLAP}),
        ({"assignment__start_date": "2028-01-01", "assignment__end_date": None}, {OVERLAP}),  # no end: open
    ],
)
def test_overlapping_periods_warn_on_both_requests_naming_the_other(
    other: dict[str, Any], expected: set[tuple[str, str, str]]
) -> None:
    mine, theirs = request(**ORIGINAL), request("de-employee", **other)
    assert found(mine, theirs) == expected
    back = {("assignment.start_date", c, s) for _, c, s in expected}
    assert found(theirs, mine) == back  # the same warning on the other request
    if expected:
        assert theirs.id in messages(mine, theirs)["overlapping_request"]
        assert mine.id in messages(theirs, mine)["overlapping_request"]


def test_an_overlap_under_another_agreement_counts_too() -> None:
    """Two requests for the same worker, Germany and France, for the same days: each names the other."""
    germany, france = request("de-employee"), request("fr-employee")
    assert found(germany, france) == {OVERLAP}
    assert found(france, germany) == {OVERLAP}
    self_employed = request("jp-self_employed")  # 2027-01-04 to 2028-06-30
    assert found(self_employed, germany) == {("self.start_date", "overlapping_request", W)}
    letter = request("au-exemption_letter")
    assert found(letter, germany) == {("exemption.start_date", "overlapping_request", W)}


def test_an_extension_follows_its_certificate_without_overlapping_it() -> None:
    original = request(state=State.APPROVED, **ORIGINAL)
    extension = request(
        assignment__is_extension=True,
        assignment__previous_certificate_end="2029-12-18",
        assignment__end_date="2031-06-30",
    )
    assert found(extension, original) == set()  # it covers 2029-12-19 on: no overlap
    assert found(original, extension) == set()


def test_an_extension_that_does_not_start_where_the_certificate_ends_says_so() -> None:
    original = request(state=State.APPROVED, **ORIGINAL)
    extension = request(
        assignment__is_extension=True,
        assignment__previous_certificate_end="2029-12-01",  # the certificate ends on 2029-12-18
        assignment__end_date="2031-06-30",
    )
    assert found(extension, original) == {
        NOT_FOLLOWING,
        OVERLAP,
    }  # and it covers 2029-12-02 to 2029-12-18 twice
    message = messages(extension, original)["extension_not_following"]
    assert "ends on 2029-12-01" in message and original.id in message and "2029-12-18" in message
    # One day off the other way: a gap of a day before the extension.
    gap = request(
        assignment__is_extension=True,
        assignment__previous_certificate_end="2029-12-19",
        assignment__end_date="2031-06-30",
    )
    assert found(gap, original) == {NOT_FOLLOWING}


def test_a_new_request_while_a_certificate_for_the_country_is_still_running() -> None:
    running = request(state=State.APPROVED, **ORIGINAL)  # approved, to 2029-12-18 (after today)
    later = request(assignment__start_date="2030-01-10", assignment__end_date="2031-01-10")
    assert found(later, running) == {RUNNING}
    assert running.id in messages(later, running)["certificate_still_running"]
    # Not when the other certificate is not approved (a draft, or sent and waiting), nor for another country,
    # nor for an extension (that is what an extension is for).
    assert found(later, request(**ORIGINAL)) == set()
    assert found(later, request("fr-employee", state=State.APPROVED, **ORIGINAL)) == set()
    extension = request(
        assignment__is_extension=True,
        assignment__previous_certificate_end="2029-12-18",
        assignment__start_date="2027-01-04",
        assignment__end_date="2031-01-10",
    )
    assert found(extension, running) == set()
    # Quebec is in Canada: a running Canada certificate counts for a new Quebec request.
    canada = request("ca-employee", state=State.APPROVED, **ORIGINAL)
    quebec = request("qc-employee", assignment__start_date="2030-01-10", assignment__end_date="2031-01-10")
    assert found(quebec, canada) == {RUNNING}
    self_employed = request("jp-self_employed", self__start_date="2030-01-10", self__end_date="2031-01-10")
    assert found(self_employed, request("jp-employee", state=State.APPROVED, **ORIGINAL)) == {
        ("self.start_date", "certificate_still_running", W)
    }


def test_an_ended_certificate_is_not_running() -> None:
    ended = request(
        state=State.APPROVED,
        employment__hire_date="2010-01-01",
        assignment__start_date="2015-01-05",
        assignment__end_date="2019-12-31",
    )
    assert found(request(), ended) == set()


def test_without_other_requests_the_rules_across_requests_stay_quiet() -> None:
    """A file, the receiving service: no other requests are known, so nothing is said about them."""
    doc = request()
    spec = CATALOG.form(doc.form)
    session = FormSession(spec, doc.answers)
    assert {i.code for i in session.issues()} == set()
    assert across.issues(doc, spec, [], CATALOG) == []


@pytest.mark.parametrize("form_id", FORMS)
def test_every_form_has_the_rules_across_requests_of_its_kind(form_id: str) -> None:
    spec = CATALOG.form(form_id)
    ids = {r.id for r in spec.rules if reads_others(r)}
    expected = {
        "employee": {"overlapping_request", "certificate_running", "extension_follows_certificate"},
        "self_employed": {"overlapping_request", "certificate_running"},
        "exemption_letter": {"overlapping_request"},
    }[spec.kind]
    assert ids == expected
    for rule in spec.rules:
        if rule.id in ids:
            assert rule.severity.value == W  # they inform; none blocks a request


def test_a_record_of_another_request_holds_no_answer_of_the_worker() -> None:
    record = across.record(request("de-employee", state=State.SENT), CATALOG)
    assert record is not None
    assert set(record) == {
        "id",
        "form",
        "agreement",
        "agreement_name",
        "country",
        "kind",
        "state",
        "start",
        "end",
    }
    assert record["country"] == "DE" and record["state"] == "sent" and str(record["end"]) == "2029-12-18"
    assert across.record(RequestDoc("mx-employee", "x", {}), CATALOG) is None  # a form not offered here

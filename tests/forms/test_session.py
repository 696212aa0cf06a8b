"""The form session: field checks, visibility, required conditions, groups, rules, and incremental updates
that always agree with a full re-validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.forms import FormSession, FormSpec, load
from tests.forms import minidefs


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> FormSpec:
    root = minidefs.write(Path(tmp_path_factory.mktemp("defs")) / "forms")
    return load(root).form("zz-employee")


def codes(session: FormSession) -> list[tuple[str, str]]:
    return [(i.field, i.code) for i in session.issues()]


VALID = {
    "person.name": "Ana",
    "person.citizenship": "US",
    "person.start": "2020-01-01",
    "person.end": "2022-01-01",
}


def test_empty_request_lists_every_required_field(spec: FormSpec) -> None:
    assert codes(FormSession(spec)) == [
        ("person.name", "required"),
        ("person.citizenship", "required"),
        ("person.start", "required"),
        ("person.end", "required"),
    ]


def test_valid_request_has_no_issue(spec: FormSpec) -> None:
    session = FormSession(spec, VALID)
    assert session.issues() == []
    assert session.page_complete("person")


def test_conditional_field_shows_and_becomes_required(spec: FormSpec) -> None:
    session = FormSession(spec, VALID)
    assert not session.visible("person.second_name")
    affected = session.answer("person.citizenship", "ES")
    assert "person.second_name" in affected
    assert session.visible("person.second_name") and session.required("person.second_name")
    assert codes(session) == [("person.second_name", "required")]
    assert not session.page_complete("person")
    session.answer("person.citizenship", "US")
    assert codes(session) == []


def test_hidden_answers_do_not_count(spec: FormSpec) -> None:
    session = FormSession(spec, {**VALID, "person.second_name": "López1"})
    assert session.issues() == []  # hidden: not checked
    assert "person.second_name" not in session.submission_answers()
    session.answer("person.citizenship", "ES")
    assert codes(session) == [("person.second_name", "invalid_name")]


def test_rules_fire_with_source_and_flag(spec: FormSpec) -> None:
    session = FormSession(spec, {**VALID, "person.end": "2026-06-01"})
    issues = {i.code: i for i in session.issues()}
    assert set(issues) == {"too_long", "long_stay"}
    assert issues["too_long"].is_error and issues["too_long"].source == "https://example.org/limit"
    assert issues["too_long"].flag  # the detachment fact is unconfirmed in the mini definitions
    assert not issues["long_stay"].is_error
    session.answer("person.end", "2019-01-01")
    assert codes(session) == [("person.end", "end_not_after_start")]


def test_a_message_shows_the_values_computed_from_the_answers(spec: FormSpec) -> None:
    session = FormSession(spec, {**VALID, "person.end": "2026-06-01"})
    (warning,) = [i for i in session.issues() if i.code == "long_stay"]
    assert warning.message == "Longer than three years: they end on 2022-12-31."
    session.answer("person.start", "2020-02-01")  # the message follows the answer it reads
    (warning,) = [i for i in session.issues() if i.code == "long_stay"]
    assert warning.message == "Longer than three years: they end on 2023-01-31."


def test_required_messages_read_as_sentences(spec: FormSpec) -> None:
    session = FormSession(spec, {**VALID, "person.has_kids": True})
    assert [i.message for i in session.issues()] == ["Kids: add at least one row."]
    session.answer("person", [{"born": "2010-01-01"}])
    assert [i.message for i in session.issues()] == ["Kids, row 1: Kid name is required."]
    session.answer("person", [{"name": "Kim", "born": "2010-02-30"}])
    assert [i.message for i in session.issues()] == [
        "Kids, row 1: Born must be a real date written YYYY-MM-DD."
    ]
    yes_no = next(f for f in spec.fields() if f.id == "person.has_kids")
    from app.forms.session import required_message

    assert required_message(yes_no) == "Answer Yes or No to “Kids”."


def test_rule_about_missing_dates_stays_quiet(spec: FormSpec) -> None:
    session = FormSession(spec, {"person.name": "Ana"})
    assert {i.code for i in session.issues()} == {"required"}


def test_group_rows_are_checked_cell_by_cell(spec: FormSpec) -> None:
    session = FormSession(spec, VALID)
    session.answer("person.has_kids", True)
    assert codes(session) == [("person", "required")]
    session.answer("person", [{"name": "Kim"}, {"name": "L3o", "born": "2010-02-30"}, {}])
    assert codes(session) == [
        ("person[0].born", "required"),
        ("person[1].name", "invalid_name"),
        ("person[1].born", "invalid_date"),
        ("person[2].name", "required"),
    ]
    session.answer("person", [{"name": "Kim", "born": "2010-01-01"}] * 4)
    assert codes(session) == [("person", "too_many_rows")]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("person.name", 12, "wrong_type"),
        ("person.name", "x" * 201, "too_long"),
        ("person.name", "Ana\x00", "invalid_characters"),
        ("person.citizenship", "XX", "invalid_country"),
        ("person.start", "2020-02-30", "invalid_date"),
        ("person.start", "1800-01-01", "date_out_of_range"),
        ("person.has_kids", "yes", "wrong_type"),
        ("person.has_kids", None, None),
    ],
)
def test_field_checks(spec: FormSpec, field: str, value: Any, code: str | None) -> None:
    session = FormSession(spec, VALID)
    session.answer(field, value)
    assert [i.code for i in session.issues_for(field)] == ([code] if code else [])


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "person.name": st.sampled_from(["Ana", "", "A1", "Zoë O'Neil"]),
        "person.citizenship": st.sampled_from(["US", "ES", "XX", ""]),
        "person.second_name": st.sampled_from(["López", "", "9"]),
        "person.start": st.sampled_from(["2020-01-01", "1999-05-05", "bad", ""]),
        "person.end": st.sampled_from(["2022-01-01", "2030-01-01", "2019-12-31", ""]),
        "person.has_kids": st.sampled_from([True, False, None]),
        "person": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": st.sampled_from(["Kim", "", "1"]),
                    "born": st.sampled_from(["2010-01-01", "x"]),
                },
            ),
            max_size=4,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    start=ANSWERS,
    changes=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "person.name",
                    "person.citizenship",
                    "person.second_name",
                    "person.start",
                    "person.end",
                    "person.has_kids",
                ]
            ),
            st.sampled_from(["", "ES", "US", "2021-01-01", "Ana", True, False]),
        ),
        max_size=8,
    ),
)
def test_incremental_updates_agree_with_full_validation(
    spec: FormSpec, start: dict[str, Any], changes: list[tuple[str, Any]]
) -> None:
    session = FormSession(spec, start)
    for field, value in changes:
        session.answer(field, value)
        fresh = FormSession(spec, session.answers)
        assert session.issues() == fresh.issues()
        assert [session.visible(f.id) for f in spec.fields()] == [fresh.visible(f.id) for f in spec.fields()]

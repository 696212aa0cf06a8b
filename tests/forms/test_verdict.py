"""The one verdict: what it accepts, the fixed codes of what it refuses, and its limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.forms import Context, Verdict, default_catalog, verdict
from app.forms.example import example_answers
from app.forms.limits import MAX_DOCUMENT_BYTES, MAX_TEXT_BYTES, row_limit, text_limit
from app.forms.model import FieldType
from app.request import RequestDoc

CATALOG = default_catalog()
DE = CATALOG.form("de-employee")


def example_doc(form: str = "de-employee", **changes: Any) -> RequestDoc:
    spec = CATALOG.form(form)
    answers = {**example_answers(spec), **{k.replace("__", "."): v for k, v in changes.items()}}
    return RequestDoc(spec.id, spec.edition, answers)


def codes(result: Verdict) -> list[tuple[str, str]]:
    return [(i.field, i.code) for i in result.issues]


def every_form(result_of: Any) -> None:
    for spec in CATALOG.forms.values():
        result_of(spec)


def test_a_complete_request_is_ready_in_every_form_it_comes_in() -> None:
    doc = example_doc()
    for form in (doc, doc.to_json(), doc.to_json().encode(), json.loads(doc.to_json())):
        result = verdict(form, CATALOG)
        assert result.ready and not result.refused and result.issues == ()
        assert result.doc is not None and result.doc.id == doc.id and result.spec is DE
    assert verdict(doc, CATALOG).to_dict() == {
        "form": "de-employee",
        "ready": True,
        "refused": False,
        "errors": 0,
        "warnings": 0,
        "issues": [],
    }


BASE = '{"form": "de-employee", "answers": '


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "not_json", "Expecting value"),
        ("{", "not_json", "Not JSON"),
        ('{"form": NaN}', "not_json", "NaN is not a JSON value"),
        ('{"form": Infinity}', "not_json", "Infinity"),
        ('{"a": 1, "a": 2}', "not_json", "'a' appears twice"),
        ("[]", "not_a_request", "must be a JSON object"),
        ('"text"', "not_a_request", "JSON object"),
        ('{"form": "de-employee"}', "not_a_request", "lacks 'answers'"),
        (BASE + '{}, "colour": 1}', "not_a_request", "unknown key(s)"),
        (BASE + '{}, "id": "42"}', "not_a_request", "not a UUID"),
        (BASE + '{}, "state": "lost"}', "not_a_request", "unknown state"),
        (BASE + "[]}", "not_a_request", "'answers' must be an object"),
        (BASE + '{"x": 1' + "0" * 100 + "}}", "not_a_request", "number of 101 digits"),
        (BASE + '{"x": 1e400}}', "not_a_request", "too large for JSON"),
        (BASE + '{"x": ' + "[" * 10 + "]" * 10 + "}}", "too_deep", "at most 6 levels"),
        (BASE + '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}}", "too_deep", "nested deeper"),
        (BASE + '{"x": "' + "a" * MAX_DOCUMENT_BYTES + '"}}', "too_large", "at most 262,144 bytes"),
        (" " * (MAX_TEXT_BYTES + 1), "too_large", "over 1,048,576 bytes"),
        ('{"form": "zz-employee", "answers": {}}', "unknown_form", "Unknown form 'zz-employee'"),
        ('{"form": "' + "z" * 5000 + '", "answers": {}}', "unknown_form", "a form id is short"),
        ('{"form": "mx-employee", "answers": {}}', "form_not_offered", "signed but not in force"),
    ],
)
def test_refusals_have_fixed_codes_and_one_line(text: str, code: str, words: str) -> None:
    for form in (text, text.encode("utf-8")):
        result = verdict(form, CATALOG)
        assert result.refused and not result.ready
        assert [i.code for i in result.issues] == [code]
        assert words in result.summary() and "\n" not in result.summary()


def test_every_wrong_type_is_listed_and_refused() -> None:
    family = [{"name": "Ann Example", "relationship": "child", "birth_date": 20150701, "accompanying": "yes"}]
    doc = example_doc(
        "dk-employee", worker__ssn=123456789, employment__stays_with_us_employer="yes", family=family
    )
    result = verdict(doc, CATALOG)
    assert result.refused
    assert codes(result) == [
        ("worker.ssn", "wrong_type"),
        ("employment.stays_with_us_employer", "wrong_type"),
        ("family[0].birth_date", "wrong_type"),
        ("family[0].accompanying", "wrong_type"),
    ]
    assert "must be text, not a number" in result.issues[0].message


def test_not_bytes_or_text_or_json_data_is_refused_not_raised() -> None:
    for odd in (
        None,
        5,
        1.5,
        True,
        {1, 2},
        object(),
        [RequestDoc("de-employee", "")],
        b"\xff\xfe",
        bytearray(b"{"),
    ):
        result = verdict(odd, CATALOG)
        assert result.refused and result.doc is None, odd
    doc = example_doc(worker__first_name={1, 2})
    assert codes(verdict(doc, CATALOG)) == [("request", "not_a_request")]
    cyclic: dict[str, Any] = {"form": "de-employee", "answers": {}}
    cyclic["answers"]["x"] = cyclic
    assert [i.code for i in verdict(cyclic, CATALOG).issues] == ["too_deep"]


def test_unknown_keys_and_columns_are_errors_named_safely() -> None:
    family = [{"name": "Ann Example", "relationship": "child", "birth_date": "2015-07-01", "shoe": "38"}]
    doc = example_doc(
        "dk-employee", family=family, **{"worker.nickname": "Jo", "x\u202e\x00" + "k" * 200: "1"}
    )
    result = verdict(doc, CATALOG)
    assert not result.refused and not result.ready
    unknown = [i for i in result.issues if i.code == "unknown_field"]
    assert [i.field for i in unknown][:2] == ["family[0].shoe", "worker.nickname"]
    hostile = unknown[2]
    assert "\u202e" not in hostile.message and "\x00" not in hostile.message and len(hostile.message) < 200
    assert "\u202e" not in hostile.field and len(hostile.field) < 100
    assert ("family[0].shoe", "unknown_field") in codes(result)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"assignment__end_date": "9999-12-31"}, "date_out_of_range"),
        ({"assignment__start_date": "1899-12-31"}, "date_out_of_range"),
        ({"worker__birth_date": "0001-01-01"}, "date_out_of_range"),
        ({"worker__first_name": "An\ud800n"}, "invalid_characters"),
        ({"worker__first_name": "Ann\u202e"}, "invalid_characters"),
        ({"employer__name": "Acme\u2066 Inc"}, "invalid_characters"),
        ({"employer__name": "Acme\nInc"}, "invalid_characters"),
        ({"employer__name": "Acme\x1b[31m"}, "invalid_characters"),
        ({"worker__last_name": "L" * 61}, "too_long"),
        ({"request__remarks": "r" * 1001}, "too_long"),
    ],
)
def test_hostile_values_are_field_errors(changes: dict[str, Any], code: str) -> None:
    result = verdict(example_doc(**changes), CATALOG)
    assert not result.refused and not result.ready
    field = next(iter(changes)).replace("__", ".")
    assert (field, code) in codes(result)
    message = next(i.message for i in result.issues if i.field == field and i.code == code)
    assert DE.field(field).label in message
    assert all(ch.isprintable() for ch in message)


def test_multi_line_answers_may_hold_line_breaks_and_tabs() -> None:
    assert verdict(example_doc(request__remarks="Line one\n\tLine two\r\n"), CATALOG).ready


def test_the_largest_complete_request_of_every_form_fits_the_document_limit_twice() -> None:
    def largest(spec: Any) -> None:
        answers: dict[str, Any] = {}
        for f in spec.fields():
            if f.type is FieldType.YESNO:
                answers[f.id] = True
            elif f.is_group:
                answers[f.id] = [
                    {c.id: "\U0001f600" * text_limit(c.max_length, False) for c in f.columns}
                    for _ in range(row_limit(f.max_rows))
                ]
            else:  # four bytes of UTF-8 for every character
                answers[f.id] = "\U0001f600" * text_limit(f.max_length, f.type is FieldType.TEXTAREA)
        size = len(RequestDoc(spec.id, spec.edition, answers).to_json(indent=None).encode("utf-8"))
        assert size * 2 < MAX_DOCUMENT_BYTES, (spec.id, size)

    every_form(largest)


def test_editions_follow_the_edition_policy_and_stay_short() -> None:
    assert codes(verdict(RequestDoc(DE.id, "", example_answers(DE)), CATALOG)) == []
    old = verdict(RequestDoc(DE.id, "2019-01-01", example_answers(DE)), CATALOG)
    assert codes(old) == [("request", "old_edition")] and old.ready
    newer = verdict(RequestDoc(DE.id, "2099-01-01", example_answers(DE)), CATALOG)
    assert codes(newer) == [("request", "edition_unknown")] and not newer.ready
    for edition in ("\u202e", "9" * 1000):
        hostile = verdict(RequestDoc(DE.id, edition, example_answers(DE)), CATALOG)
        assert codes(hostile) == [("request", "not_a_request")] and hostile.refused
        assert "\u202e" not in hostile.summary() and len(hostile.summary()) < 200


def test_checks_across_requests_run_only_when_the_other_requests_are_given() -> None:
    doc, other = example_doc(), example_doc()  # the same worker, the same period
    assert verdict(doc, CATALOG).issues == verdict(doc, CATALOG, Context()).issues == ()
    assert verdict(doc, CATALOG, Context(others=[])).issues == ()
    assert ("assignment.start_date", "overlapping_request") in codes(
        verdict(doc, CATALOG, Context(others=[other]))
    )

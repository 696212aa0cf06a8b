"""Field checks by type: the libraries' verdicts on known cases, and no input that makes any check raise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.forms.model import Choice, FieldSpec, FieldType
from app.forms.validate import FOREIGN_FORMATS, check_value, normalise


def spec(ftype: FieldType, **kw: Any) -> FieldSpec:
    return FieldSpec(id="s.f", type=ftype, label="Field", help="h", **kw)


@pytest.mark.parametrize(
    ("ftype", "value", "code"),
    [
        (FieldType.SSN, "123-45-6789", None),
        (FieldType.SSN, "123456789", None),
        (FieldType.SSN, "000-12-3456", "invalid_ssn"),
        (FieldType.SSN, "666-12-3456", "invalid_ssn"),
        (FieldType.SSN, "912-12-3456", "invalid_ssn"),
        (FieldType.SSN, "123-00-3456", "invalid_ssn"),
        (FieldType.SSN, "078-05-1120", "invalid_ssn"),
        (FieldType.SSN, "12-345-6789x", "invalid_ssn"),
        (FieldType.EIN, "12-3456789", None),
        (FieldType.EIN, "07-3456789", "invalid_ein"),
        (FieldType.EMAIL, "pat@example.com", None),
        (FieldType.EMAIL, "pat@", "invalid_email"),
        (FieldType.PHONE, "(212) 555-0100", None),
        (FieldType.PHONE, "+49 30 901820", None),
        (FieldType.PHONE, "12", "invalid_phone"),
        (FieldType.COUNTRY, "DE", None),
        (FieldType.COUNTRY, "EU", "invalid_country"),
        (FieldType.US_STATE, "NY", None),
        (FieldType.US_STATE, "DC", None),
        (FieldType.US_STATE, "ZZ", "invalid_state"),
        (FieldType.DATE, "2024-02-29", None),
        (FieldType.DATE, "2023-02-29", "invalid_date"),
        (FieldType.DATE, "29/02/2024", "invalid_date"),
        (FieldType.NAME, "José Núñez-García", None),
        (FieldType.NAME, "Nguyễn Văn Đặng", None),
        (FieldType.NAME, "王小明", None),
        (FieldType.NAME, "O'Brien, Jr.", None),
        (FieldType.NAME, "R2-D2", "invalid_name"),
        (FieldType.NAME, "--", "invalid_name"),
        (FieldType.YESNO, True, None),
        (FieldType.YESNO, "true", "wrong_type"),
        (FieldType.TEXT, "x" * 200, None),
        (FieldType.TEXT, "x" * 201, "too_long"),
        (FieldType.TEXTAREA, "line\nline", None),
    ],
)
def test_checks_by_type(ftype: FieldType, value: Any, code: str | None) -> None:
    problem = check_value(spec(ftype), value)
    assert (problem.code if problem else None) == code


def test_choice_and_foreign_id() -> None:
    choice = spec(FieldType.CHOICE, choices=(Choice("a", "A"),))
    assert check_value(choice, "a") is None
    assert check_value(choice, "b").code == "invalid_choice"  # type: ignore[union-attr]
    for fmt in FOREIGN_FORMATS.values():
        field = spec(FieldType.FOREIGN_ID, format=fmt.name)
        assert check_value(field, fmt.example) is None, fmt.name
        if fmt.name != "free":
            assert check_value(field, "1") is not None, fmt.name


def test_normalise_formats_identifiers() -> None:
    assert normalise(spec(FieldType.SSN), " 123456789 ") == "123-45-6789"
    assert normalise(spec(FieldType.EIN), "123456789") == "12-3456789"
    assert normalise(spec(FieldType.COUNTRY), " de") == "DE"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(ftype=st.sampled_from(list(FieldType)), value=JSON, fmt=st.sampled_from(sorted(FOREIGN_FORMATS)))
def test_no_value_makes_a_check_raise(ftype: FieldType, value: Any, fmt: str) -> None:
    field = spec(ftype, format=fmt if ftype is FieldType.FOREIGN_ID else "", choices=(Choice("a", "A"),))
    check_value(field, value)
    normalise(field, value)


@settings(max_examples=1000, deadline=None)
@given(ftype=st.sampled_from(list(FieldType)), value=st.text(), fmt=st.sampled_from(sorted(FOREIGN_FORMATS)))
def test_no_string_makes_a_check_raise(ftype: FieldType, value: str, fmt: str) -> None:
    field = spec(ftype, format=fmt if ftype is FieldType.FOREIGN_ID else "", choices=(Choice("a", "A"),))
    check_value(field, value)


@pytest.mark.parametrize(
    ("ftype", "label", "value"),
    [
        (FieldType.EIN, "Employer Identification Number (EIN)", "12-345"),
        (FieldType.EIN, "Employer Identification Number (EIN)", "07-3456789"),
        (FieldType.SSN, "Social Security number", "000-12-3456"),
    ],
)
def test_an_identifier_message_says_what_is_wrong_without_repeating_the_label(
    ftype: FieldType, label: str, value: str
) -> None:
    """Seen in Settings: "Employer Identification Number (EIN) is not a valid Employer Identification Number"."""
    problem = check_value(FieldSpec(id="s.f", type=ftype, label=label, help="h"), value)
    assert problem is not None and problem.message.startswith(f"{label}: ")
    assert problem.message.count(label.split(" (")[0]) == 1, problem.message
    assert "never issues this number" in problem.message

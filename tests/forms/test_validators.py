"""Field checks by type: the libraries' verdicts on known cases, and no input that makes any check raise."""

from __future__ import annotations

from pathlib import Path
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


# --- e-mail: the plain form taken without email-validator, and email-validator ---------------------------------------

_LABEL = st.from_regex(r"[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True)
_PLAIN_ADDRESSES = st.builds(
    lambda local, labels, top: f"{local}@{'.'.join(labels)}.{top}",
    st.from_regex(r"[A-Za-z0-9]{1,20}([._+-][A-Za-z0-9]{1,20}){0,3}", fullmatch=True),
    st.lists(_LABEL, min_size=1, max_size=3),
    st.from_regex(r"[A-Za-z]{2,10}", fullmatch=True)
    | st.sampled_from(["test", "LOCAL", "onion", "com", "de"]),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_PLAIN_ADDRESSES, st.text(max_size=40), st.emails()))
def test_every_address_the_plain_form_takes_email_validator_takes(value: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    from app.forms.validate import plain_email

    if plain_email(value):
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            pytest.fail(f"{value!r}: taken as plain, refused by email-validator: {exc}")


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("pat.lee+coc@hr.example.com", True),
        ("PAT_LEE@EXAMPLE.DE", True),
        ("pat@example", False),  # no dot: email-validator refuses it, with its reason
        ("pat@x.test", False),  # special-use
        ("pat..lee@example.com", False),
        (".pat@example.com", False),
        ("pat@ab--cd.example.com", False),  # two hyphens: email-validator's rules on punycode decide
        ("pat@exa_mple.com", False),
        ("pät@example.com", False),  # internationalized: email-validator decides
        ("pat@example.c0m", False),
        ("p" * 65 + "@example.com", False),  # the local part over 64: email-validator decides
        ("pat@" + "a" * 64 + ".com", False),  # a label over 63
        ("Pat Lee <pat@example.com>", False),
    ],
)
def test_the_plain_form(value: str, plain: bool) -> None:
    from app.forms.validate import plain_email

    assert plain_email(value) is plain


def test_the_special_use_domains_are_email_validators() -> None:
    """The plain form leaves every domain under one of email-validator's special-use names to it (a newer
    email-validator naming another fails this test)."""
    import email_validator

    from app.forms.validate import SPECIAL_USE_DOMAINS

    assert {d.rsplit(".", 1)[-1] for d in email_validator.SPECIAL_USE_DOMAIN_NAMES} <= SPECIAL_USE_DOMAINS


def test_a_plain_address_is_checked_without_loading_email_validator() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from app.forms.model import FieldSpec, FieldType\n"
        "from app.forms.validate import check_value\n"
        "f = FieldSpec(id='s.f', type=FieldType.EMAIL, label='E-mail', help='h')\n"
        "assert check_value(f, 'pat.lee@hr.example.com') is None\n"
        "assert 'email_validator' not in sys.modules\n"
        "assert check_value(f, 'pat@example').code == 'invalid_email'\n"
        "assert 'email_validator' in sys.modules\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120, cwd=Path(__file__).resolve().parents[2]
    )

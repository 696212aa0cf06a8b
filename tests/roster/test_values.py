"""Values as HR exports them: each rule of app/roster/values.py, and what is refused (reported, never guessed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.forms import Catalog
from app.forms.model import FieldSpec
from app.roster import values


def field(catalog: Catalog, field_id: str, form: str = "de-employee") -> FieldSpec:
    return catalog.form(form).field(field_id)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(1985, 6, 15), "1985-06-15"),  # a workbook's date cell
        (dt.datetime(1985, 6, 15, 0, 0), "1985-06-15"),
        (31213.0, "1985-06-15"),  # an Excel serial date that lost its format
        ("31213", "1985-06-15"),
        ("1985-06-15", "1985-06-15"),
        ("1985-6-5", "1985-06-05"),
        ("1985-06-15 00:00:00", "1985-06-15"),
        ("6/15/1985", "1985-06-15"),  # U.S. month/day/year
        ("06-15-1985", "1985-06-15"),
        ("15.06.1985", "1985-06-15"),  # dots: day first
    ],
)
def test_dates_as_hr_exports_them(catalog: Catalog, cell: Any, expected: str) -> None:
    parsed = values.parse(field(catalog, "worker.birth_date"), cell)
    assert parsed == values.Parsed(expected)


def test_day_first_slashes_only_when_the_mapping_says_so(catalog: Catalog) -> None:
    f = field(catalog, "worker.birth_date")
    assert values.parse(f, "15/06/1985", date_order="dmy").value == "1985-06-15"
    us = values.parse(f, "15/06/1985")
    assert us.problem == "is not a real date (read as month/day/year)"
    assert us.value == "15/06/1985"  # kept: the verdict flags the field, the wizard shows what HR wrote


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("6/15/85", "two-digit year"),
        ("June 15th", "is not a date"),
        ("2/30/2027", "not a real date"),
        (True, "yes/no"),
        (12.5, "is a number"),
    ],
)
def test_what_is_not_a_date_is_reported(catalog: Catalog, cell: Any, problem: str) -> None:
    parsed = values.parse(field(catalog, "worker.birth_date"), cell)
    assert problem in parsed.problem


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Germany", "DE"),
        ("DE", "DE"),
        ("deu", "DE"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("South Korea", "KR"),
        ("Czech Republic", "CZ"),
        ("czechia", "CZ"),
        ("México", "MX"),
        ("  france ", "FR"),
    ],
)
def test_countries_by_name_or_code(catalog: Catalog, cell: str, code: str) -> None:
    assert values.parse(field(catalog, "worker.citizenship"), cell) == values.Parsed(code)


def test_unknown_country_is_kept_and_reported(catalog: Catalog) -> None:
    parsed = values.parse(field(catalog, "worker.citizenship"), "Germny")
    assert parsed == values.Parsed("Germny", "is not a country's name or ISO code")


@pytest.mark.parametrize("cell", ["Yes", "y", "TRUE", "t", "1", "x", "✓", True, 1.0])
def test_yes(catalog: Catalog, cell: Any) -> None:
    assert values.parse(field(catalog, "employment.stays_with_us_employer"), cell) == values.Parsed(True)


@pytest.mark.parametrize("cell", ["No", "n", "false", "F", "0", False, 0])
def test_no(catalog: Catalog, cell: Any) -> None:
    assert values.parse(field(catalog, "employment.stays_with_us_employer"), cell) == values.Parsed(False)


def test_unreadable_yes_no_is_left_empty_and_reported(catalog: Catalog) -> None:
    parsed = values.parse(field(catalog, "employment.stays_with_us_employer"), "maybe")
    assert parsed.value is None and "not yes or no" in parsed.problem


@pytest.mark.parametrize(
    ("cell", "ssn"),
    [
        ("123-45-6789", "123-45-6789"),
        ("123456789", "123-45-6789"),
        ("123 45 6789", "123-45-6789"),
        (123456789.0, "123-45-6789"),
        (12345678.0, "012-34-5678"),  # Excel dropped the leading zero of a number
    ],
)
def test_ssn_with_or_without_dashes(catalog: Catalog, cell: Any, ssn: str) -> None:
    assert values.parse(field(catalog, "worker.ssn"), cell) == values.Parsed(ssn)


def test_bad_ssn_is_kept_and_reported(catalog: Catalog) -> None:
    assert values.parse(field(catalog, "worker.ssn"), "12-345") == values.Parsed(
        "12-345", "is not nine digits"
    )


def test_states_ein_text_and_numbers(catalog: Catalog) -> None:
    assert values.parse(field(catalog, "employer.state"), "New York").value == "NY"
    assert values.parse(field(catalog, "employer.state"), "ny").value == "NY"
    assert values.parse(field(catalog, "employer.ein"), "123456789").value == "12-3456789"
    assert values.parse(field(catalog, "host.postal_code"), 50667.0).value == "50667"
    assert values.parse(field(catalog, "worker.first_name"), "  Zoë ").value == "Zoë"
    assert values.parse(field(catalog, "worker.first_name"), "") == values.EMPTY
    assert "longer than" in values.parse(field(catalog, "request.remarks"), "x" * 6000).problem


def test_agreements_and_kinds(catalog: Catalog) -> None:
    assert values.agreement_id("Germany", catalog) == "de"
    assert values.agreement_id("DEU", catalog) == "de"
    assert values.agreement_id("de", catalog) == "de"
    assert values.agreement_id("Québec", catalog) == "qc"
    assert values.agreement_id("CA-QC", catalog) == "qc"
    assert values.agreement_id("Canada", catalog) == "ca"
    assert values.agreement_id("Great Britain", catalog) == "gb"
    assert values.agreement_id("Narnia", catalog) is None
    assert values.agreement_id("China", catalog) is None  # no agreement
    assert values.kind_id("Self-employed", catalog) == "self_employed"
    assert values.kind_id("Employee sent abroad", catalog) == "employee"
    assert values.kind_id("contractor", catalog) is None

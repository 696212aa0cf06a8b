"""Every agreement's definitions, table-driven: a valid request for each form, and for each rule that can fire in
a form (its own and the shared ones that apply) a request that breaks it, with the exact set of issues expected.
Every limit is checked at its boundary: the last day inside is valid, one day more is not (periods count the first
and the last day of work abroad, as SSA does: research §8).

The cases start from `example_answers(spec)` (a complete, valid, fictional request) and change a few answers. The
example's work abroad starts on 2027-01-04, so 5 years end on 2032-01-03. The boundary dates below are written
out by hand, not computed with the engine's own date functions.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.forms import default_catalog, verdict
from app.forms.example import example_answers
from app.forms.expr import _add_months
from app.forms.model import Agreement, FactStatus, FormSpec, Severity
from app.forms.template import MISSING
from app.paths import forms_dir
from app.request import RequestDoc

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)
IN_FORCE = sorted(a.id for a in CATALOG.in_force())

E, W = Severity.ERROR.value, Severity.WARNING.value
Found = frozenset[tuple[str, str, str]]  # (field, code, severity) of every issue of a request

# Dates far enough ahead that a rule reading today() gives the same verdict for decades.
FAR = "2080-01-02"
START = "2027-01-04"  # the example's first day of work abroad (assignment.start_date, self.start_date)
FIVE_YEARS_LAST = "2032-01-03"  # the last day of 5 years from START, both days counted
FIVE_YEARS_OVER = "2032-01-04"


def spec(form_id: str) -> FormSpec:
    return CATALOG.form(form_id)


def found(form_id: str, answers: dict[str, Any]) -> Found:
    s = spec(form_id)
    issues = verdict(RequestDoc(form=form_id, edition=s.edition, answers=answers), CATALOG).issues
    rules = {r.id: r for r in s.rules}
    for i in issues:  # an issue from a rule on a flagged fact carries the flag
        if i.rule:
            assert i.flag == rules[i.rule].flag, i
        # Every computed value of a message is filled in, and no wording is broken.
        assert "{" not in i.message and "}" not in i.message and MISSING not in i.message, i
        assert ".;" not in i.message and "(row " not in i.message and " at at " not in i.message, i
    return frozenset((i.field, i.code, i.severity.value) for i in issues)


def answers_with(form_id: str, patch: dict[str, Any]) -> dict[str, Any]:
    answers = example_answers(spec(form_id))
    for key, value in patch.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


@dataclass(frozen=True)
class Case:
    form: str
    rule: str  # the rule id broken, or "item:<what>" for an agreement-specific item's own check
    patch: dict[str, Any] = field(hash=False)
    expected: Found

    @property
    def id(self) -> str:
        return f"{self.form}:{self.rule}"


def found_set(*items: tuple[str, str, str]) -> Found:
    return frozenset(items)


EXT_WARNING = ("assignment.is_extension", "extension_needs_both_countries", W)


# ------------------------------------------------------------------------------------------------ shared rules


def _before_in_force(a: Agreement) -> tuple[str, str, str]:
    """A start one month before the agreement came into force, a hire date before it and an end within limits."""
    assert a.in_force is not None
    start = _add_months(a.in_force, -1)
    return (
        _add_months(start, -12).isoformat(),
        start.isoformat(),
        _add_months(start, 13).isoformat(),
    )


def shared_cases(s: FormSpec) -> Iterator[Case]:
    a = s.agreement
    ids = {r.id for r in s.rules}
    hire, early_start, early_end = _before_in_force(a)
    other_country = "MX" if a.country != "MX" else "PE"
    if s.kind == "employee":
        table: list[tuple[str, dict[str, Any], Found]] = [
            (
                "birth_date_in_past",
                {"worker.birth_date": "2090-01-01"},
                found_set(("worker.birth_date", "birth_date_in_future", E)),
            ),
            (
                "hire_before_start",
                {"employment.hire_date": "2027-06-01"},
                found_set(("assignment.start_date", "start_before_hire", E)),
            ),
            (
                "end_after_start",
                {"assignment.end_date": "2027-01-03"},  # the day before the first day of work abroad
                found_set(("assignment.end_date", "end_before_start", E)),
            ),
            (
                "detachment_limit",
                {"assignment.end_date": FIVE_YEARS_OVER},  # one day over the 5 years
                found_set(("assignment.end_date", "detachment_limit_exceeded", E)),
            ),
            (
                "end_date_unknown",
                {"assignment.end_date": None},
                found_set(("assignment.end_date", "end_date_unknown", W)),
            ),
            (
                "end_date_unknown_no_limit",
                {"assignment.end_date": None},
                found_set(("assignment.end_date", "end_date_unknown", W)),
            ),
            (
                "us_citizen_or_resident",
                {"worker.citizenship": "MX", "worker.residence_country": "MX"},
                found_set(("worker.residence_country", "not_us_citizen_or_resident", W)),
            ),
            (
                "start_before_in_force",
                {
                    "worker.birth_date": "1940-01-01",
                    "employment.hire_date": hire,
                    "assignment.start_date": early_start,
                    "assignment.end_date": early_end,
                },
                found_set(("assignment.start_date", "start_before_in_force", W), *EARLY_EXTRA.get(s.id, ())),
            ),
            (
                "previous_certificate_before_end",
                {"assignment.is_extension": True, "assignment.previous_certificate_end": "2029-12-18"},
                found_set(
                    ("assignment.previous_certificate_end", "previous_certificate_after_end", E), EXT_WARNING
                ),
            ),
            (
                "extension_exception",
                {"assignment.is_extension": True, "assignment.previous_certificate_end": "2028-12-31"},
                found_set(EXT_WARNING),
            ),
            (
                "affiliate_needs_3121l",
                {"employment.stays_with_us_employer": False, "employment.affiliate_3121l": False},
                found_set(("employment.affiliate_3121l", "no_3121l_agreement", E)),
            ),
            (
                "affiliate_agreement_before_start",
                {
                    "employment.stays_with_us_employer": False,
                    "employment.affiliate_3121l": True,
                    "employment.affiliate_3121l_date": "2027-06-01",
                },
                found_set(("employment.affiliate_3121l_date", "affiliate_3121l_after_start", W)),
            ),
            (
                "host_in_agreement_country",
                {"host.country": other_country},
                found_set(("host.country", "host_country_mismatch", E)),
            ),
            ("zip_format", {"employer.zip": "1234"}, found_set(("employer.zip", "invalid_zip", E))),
        ]
    elif s.kind == "self_employed":
        residence = a.values.get("se_rule")
        table = [
            (
                "birth_date_in_past",
                {"worker.birth_date": "2090-01-01"},
                found_set(("worker.birth_date", "birth_date_in_future", E)),
            ),
            (
                "end_after_start",
                {"self.end_date": "2027-01-03"},
                found_set(("self.end_date", "end_before_start", E)),
            ),
            (
                "start_before_in_force",
                {
                    "worker.birth_date": "1940-01-01",
                    "self.start_date": early_start,
                    "self.end_date": early_end,
                },
                found_set(("self.start_date", "start_before_in_force", W)),
            ),
        ]
        if residence == "residence":
            table.append(
                (
                    "residence_rule",
                    {"worker.residence_country": a.country},
                    found_set(("worker.residence_country", "not_us_resident", E)),
                )
            )
        if residence == "transfer":
            table.append(
                (
                    "transfer_limit",
                    {"self.end_date": SE_TRANSFER_BOUNDARY[s.agreement.id][1]},  # one day over the limit
                    found_set(("self.end_date", "se_transfer_limit_exceeded", E)),
                )
            )
            table.append(
                (
                    "se_end_date_unknown",
                    {"self.end_date": None},
                    found_set(("self.end_date", "end_date_unknown", W)),
                )
            )
        if residence == "residence_or_transfer":
            table.append(
                (
                    "residence_or_transfer",
                    {"worker.residence_country": a.country, "self.end_date": FIVE_YEARS_OVER},
                    found_set(("self.end_date", "se_not_covered", E)),
                )
            )
            table.append(
                (
                    "se_end_date_unknown",
                    {"worker.residence_country": a.country, "self.end_date": None},
                    found_set(("self.end_date", "end_date_unknown", W)),
                )
            )
    else:
        table = []  # the letter of exemption: Australia's only, its cases are with Australia's below
    for rule_id, patch, expected in table:
        if rule_id in ids and rule_applies(s, rule_id):
            yield Case(s.id, rule_id, patch, expected)


# The shared rules that cannot fire in a form, by design: the self-employed rules are gated by agreement.se_rule,
# and the two warnings about an unknown end date by whether the agreement has a time limit.
SE_GATED = {
    "residence_rule": {"residence"},
    "transfer_limit": {"transfer"},
    "residence_or_transfer": {"residence_or_transfer"},
    "se_end_date_unknown": {"transfer", "residence_or_transfer"},
}
LIMIT_GATED = {"end_date_unknown": True, "end_date_unknown_no_limit": False}

# The last day inside and the first day over a self-employed transfer limit, from the example's start (2027-01-04).
SE_TRANSFER_BOUNDARY = {
    "fr": ("2029-01-03", "2029-01-04"),  # 24 months
    **{aid: (FIVE_YEARS_LAST, FIVE_YEARS_OVER) for aid in ("be", "de", "jp", "cz", "sk", "hu", "uy")},
}

# A start a month before the agreement came into force: Germany's earlier rule (transfers before 1996-05-01)
# applies too.
EARLY_EXTRA: dict[str, tuple[tuple[str, str, str], ...]] = {
    "de-employee": (("assignment.start_date", "earlier_rule_applies", W),),
}


def rule_applies(s: FormSpec, rule_id: str) -> bool:
    """Whether a rule can fire in a form's request on its own; the rules across requests (reading `others`) fire
    only beside other requests, and have their breaking cases in test_across.py."""
    if rule_id in {"overlapping_request", "certificate_running", "extension_follows_certificate"}:
        return False
    gate = SE_GATED.get(rule_id)
    if s.kind == "self_employed" and gate is not None and s.agreement.values.get("se_rule") not in gate:
        return False
    if rule_id in LIMIT_GATED:
        return LIMIT_GATED[rule_id] == (s.agreement.detachment_limit_months is not None)
    return True


# ------------------------------------------------------------------------------------------------ agreement rules

EXTENSION = {"assignment.is_extension": True}
FOREIGN_ID = ("worker.foreign_insurance_number", "invalid_foreign_id", E)

# Germany's earlier rule: a transfer that began before 1996-05-01 (with a hire date and birth date before it).
BEFORE_1996 = {"worker.birth_date": "1960-01-01", "employment.hire_date": "1990-01-01"}
# A further posting: the first one started on 2024-12-18, so its 5 years ended on 2029-12-17, a day before the
# example's end (2029-12-18); the last one ended on 2026-01-04, so a full year has passed only from 2027-01-05, a
# day after the example's start (2027-01-04). Each is one day off; the valid cases below move one date by a day.
SUCCESSIVE_TOO_SOON = {
    "history.previous_posting": True,
    "history.first_start": "2024-12-18",
    "history.last_end": "2026-01-04",
}
SUCCESSIVE = ("history.last_end", "successive_posting_too_soon", E)
SE_LETTER = {
    "exemption.basis": "self_employed",
    "worker.residence_country": "AU",
    "exemption.business_name": "Jane Example Consulting",
    "exemption.business_nature": "Independent engineering consultant",
    "exemption.business_address": "1 Example Road, Exampletown",
}

AGREEMENT_CASES: dict[str, list[tuple[str, dict[str, Any], Found]]] = {
    "de-employee": [
        ("de_successive_posting", SUCCESSIVE_TOO_SOON, found_set(SUCCESSIVE)),
        (
            "de_earlier_rule",
            {**BEFORE_1996, "assignment.start_date": "1996-04-30", "assignment.end_date": "2030-01-01"},
            found_set(("assignment.start_date", "earlier_rule_applies", W)),
        ),
        (
            "de_history_order",
            {
                "history.previous_posting": True,
                "history.first_start": "2026-01-01",
                "history.last_end": "2025-06-01",
            },
            found_set(("history.last_end", "earlier_posting_overlaps", E)),
        ),
        (
            "item:foreign_id_format",
            {"worker.foreign_insurance_number": "65170839J004"},
            found_set(FOREIGN_ID),
        ),
    ],
    "fr-employee": [
        ("fr_successive_posting", SUCCESSIVE_TOO_SOON, found_set(SUCCESSIVE)),
        (
            "fr_history_order",
            {
                "history.previous_posting": True,
                "history.first_start": "2026-01-01",
                "history.last_end": "2025-06-01",
            },
            found_set(("history.last_end", "earlier_posting_overlaps", E)),
        ),
        (
            "fr_worker_health",
            {"health.worker_covered": False},
            found_set(("health.worker_covered", "health_insurance_required", E)),
        ),
        (
            "fr_family_health",
            {"health.family_covered": False},
            found_set(("health.family_covered", "family_health_insurance_required", E)),
        ),
    ],
    "fr-self_employed": [
        (
            "fr_worker_health",
            {"health.worker_covered": False},
            found_set(("health.worker_covered", "health_insurance_required", E)),
        ),
        (
            "fr_family_health",
            {"health.family_covered": False},
            found_set(("health.family_covered", "family_health_insurance_required", E)),
        ),
    ],
    "es-employee": [
        (
            "item:second_surname",
            {"worker.citizenship": "ES", "worker.second_last_name": None},
            found_set(("worker.second_last_name", "required", E)),
        ),
    ],
    "es-self_employed": [
        (
            "item:second_surname",
            {"worker.citizenship": "ES", "worker.second_last_name": None},
            found_set(("worker.second_last_name", "required", E)),
        ),
    ],
    "dk-employee": [
        (
            "dk_family_birth_dates",
            {"family": [{"name": "John Example", "relationship": "spouse", "accompanying": True}]},
            found_set(("family", "family_birth_date_missing", E)),
        ),
        (
            "dk_danish_limit",
            {"assignment.end_date": "2030-01-04"},  # one day over 3 years from 2027-01-04
            found_set(("assignment.end_date", "danish_three_year_limit", W)),
        ),
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "321062-5629"}, found_set(FOREIGN_ID)),
    ],
    "jp-employee": [
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "12345"}, found_set(FOREIGN_ID)),
    ],
    "it-employee": [
        (
            "it_italian_national_elects",
            {"worker.citizenship": "IT"},
            found_set(("worker.citizenship", "nationality_election_needed", W)),
        ),
        (
            "it_third_country_national",
            {"worker.citizenship": "GB"},
            found_set(("worker.citizenship", "third_country_national", E)),
        ),
    ],
    "it-self_employed": [
        (
            "it_se_nationality",
            {"worker.citizenship": "IT"},
            found_set(("worker.citizenship", "se_nationality_rule", W)),
        ),
    ],
    "be-employee": [
        (
            "be_extension_length",
            {
                **EXTENSION,
                "assignment.previous_certificate_end": "2031-12-31",
                "assignment.end_date": "2033-01-04",  # one day over 5 years and 12 months
            },
            found_set(("assignment.end_date", "extension_beyond_usual", W), EXT_WARNING),
        ),
    ],
    "ca-employee": [
        (
            "ca_quebec_understanding",
            {"host.region": "Québec"},
            found_set(("host.region", "quebec_understanding_applies", W)),
        ),
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "123456789"}, found_set(FOREIGN_ID)),
    ],
    "qc-employee": [
        ("qc_work_in_quebec", {"host.region": "ON"}, found_set(("host.region", "host_region_mismatch", E))),
        ("item:region_required", {"host.region": None}, found_set(("host.region", "required", E))),
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "123456789"}, found_set(FOREIGN_ID)),
    ],
    "gb-employee": [
        ("gb_uk_location", {"host.region": "London"}, found_set(("host.region", "uk_location_required", E))),
        ("item:region_required", {"host.region": None}, found_set(("host.region", "required", E))),
        (
            "gb_extension_in_time",
            {
                **EXTENSION,
                "assignment.start_date": "2020-03-02",
                "assignment.previous_certificate_end": "2025-03-01",
                "assignment.end_date": "2026-12-31",
            },
            found_set(("assignment.is_extension", "extension_requested_too_late", E), EXT_WARNING),
        ),
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "QQ123456C"}, found_set(FOREIGN_ID)),
    ],
    "gb-self_employed": [
        (
            "gb_uk_location",
            {"self.foreign_address": "1 Example Road, London"},
            found_set(("self.foreign_address", "uk_location_required", E)),
        ),
    ],
    "pt-employee": [
        (
            "pt_extension_limit",
            {
                **EXTENSION,
                "assignment.start_date": FAR,
                "assignment.previous_certificate_end": "2084-12-31",
                "assignment.end_date": "2086-01-02",  # one day over 6 years from 2080-01-02
            },
            found_set(("assignment.end_date", "extension_limit_exceeded", E), EXT_WARNING),
        ),
        (
            "pt_one_extension",
            {
                **EXTENSION,
                "assignment.start_date": FAR,
                "assignment.previous_certificate_end": "2085-01-02",  # one day past 5 years from 2080-01-02
                "assignment.end_date": "2085-12-01",
            },
            found_set(("assignment.previous_certificate_end", "extension_already_granted", E), EXT_WARNING),
        ),
        (
            "pt_extension_in_time",
            {
                **EXTENSION,
                "assignment.start_date": "2020-03-02",
                "assignment.previous_certificate_end": "2024-12-31",
                "assignment.end_date": "2025-12-31",
            },
            found_set(("assignment.is_extension", "extension_requested_too_late", E), EXT_WARNING),
        ),
    ],
    "kr-employee": [
        (
            "kr_extension_length",
            {
                **EXTENSION,
                "assignment.previous_certificate_end": "2031-12-31",
                "assignment.end_date": "2035-01-04",  # one day over 5 + 3 years
            },
            found_set(("assignment.end_date", "extension_length_uncertain", W), EXT_WARNING),
        ),
        (
            "item:foreign_id_format",
            {"worker.foreign_insurance_number": "850101-1234567"},
            found_set(FOREIGN_ID),
        ),
    ],
    "br-employee": [
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "1234"}, found_set(FOREIGN_ID)),
    ],
    "br-self_employed": [
        (
            "br_se_transfer_too_long",
            {"self.end_date": FIVE_YEARS_OVER},
            found_set(("self.end_date", "se_sources_conflict", W)),
        ),
        (
            "br_se_not_us_resident",
            {"worker.residence_country": "BR"},
            found_set(("worker.residence_country", "se_sources_conflict", W)),
        ),
    ],
    "au-self_employed": [
        (
            "au_residence_rule",
            {"worker.residence_country": "AU"},
            found_set(("worker.residence_country", "not_us_resident", E)),
        ),
    ],
    "au-exemption_letter": [
        (
            "birth_date_in_past",
            {"worker.birth_date": "2090-01-01"},
            found_set(("worker.birth_date", "birth_date_in_future", E)),
        ),
        (
            "end_after_start",
            {"exemption.end_date": "2027-01-03"},
            found_set(("exemption.end_date", "end_before_start", E)),
        ),
        (
            "self_employed_us_citizen",
            {**SE_LETTER, "worker.citizenship": "GB"},
            found_set(("worker.citizenship", "exemption_needs_us_citizen", E)),
        ),
        (
            "self_employed_lives_abroad",
            {**SE_LETTER, "worker.residence_country": "US"},
            found_set(("worker.residence_country", "exemption_needs_residence_abroad", E)),
        ),
        (
            "start_before_in_force",
            {"exemption.start_date": "2002-09-30", "exemption.end_date": "2003-06-30"},
            found_set(("exemption.start_date", "start_before_in_force", W)),
        ),
        (
            "item:business_for_self_employed",
            {"exemption.basis": "self_employed", "worker.residence_country": "AU"},
            found_set(
                ("exemption.business_name", "required", E),
                ("exemption.business_nature", "required", E),
                ("exemption.business_address", "required", E),
            ),
        ),
    ],
    "no-employee": [
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "15108695089"}, found_set(FOREIGN_ID)),
    ],
    "fi-employee": [
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "131052-308X"}, found_set(FOREIGN_ID)),
    ],
    "cz-employee": [
        ("item:foreign_id_format", {"worker.foreign_insurance_number": "710319/2746"}, found_set(FOREIGN_ID)),
    ],
}


def all_cases() -> list[Case]:
    cases = [c for form_id in FORMS for c in shared_cases(spec(form_id))]
    for form_id, table in AGREEMENT_CASES.items():
        cases += [Case(form_id, rule_id, patch, expected) for rule_id, patch, expected in table]
    return cases


CASES = all_cases()


# ------------------------------------------------------------------------------------------------ valid requests

# More valid requests than the example: boundaries and the answers an agreement treats specially.
VALID: list[tuple[str, dict[str, Any], Found]] = [
    ("it-employee", {"assignment.end_date": "2040-12-31"}, found_set()),  # no time limit for a U.S. national
    # Italy needs no end date at all: the certificate may then show none.
    ("it-employee", {"assignment.end_date": None}, found_set(("assignment.end_date", "end_date_unknown", W))),
    ("gb-employee", {"host.region": "northern ireland"}, found_set()),
    ("gb-self_employed", {"self.foreign_address": "2 High Street\nCardiff, Wales"}, found_set()),
    ("qc-employee", {"host.region": "Québec"}, found_set()),
    ("ca-employee", {"host.region": "ON"}, found_set()),
    # Denmark: the last day of the Danish 3 years (from 2027-01-04) is inside them.
    ("dk-employee", {"assignment.end_date": "2030-01-03"}, found_set()),
    # Portugal: one extension to the last day of 6 years from 2080-01-02, asked before the 5 years end; and a
    # current certificate that ends on the last day of the 5 years has not been extended yet.
    (
        "pt-employee",
        {
            **EXTENSION,
            "assignment.start_date": FAR,
            "assignment.previous_certificate_end": "2085-01-01",
            "assignment.end_date": "2086-01-01",
        },
        found_set(EXT_WARNING),
    ),
    # Korea: an extension to the last day of 3 more years is within what both sources say.
    (
        "kr-employee",
        {
            **EXTENSION,
            "assignment.previous_certificate_end": "2031-12-31",
            "assignment.end_date": "2035-01-03",
        },
        found_set(EXT_WARNING),
    ),
    # Belgium: an extension to the last day of 12 more months.
    (
        "be-employee",
        {
            **EXTENSION,
            "assignment.previous_certificate_end": "2031-12-31",
            "assignment.end_date": "2033-01-03",
        },
        found_set(EXT_WARNING),
    ),
    # Brazil: a U.S. resident who moves the business to the last day of 5 years satisfies both readings.
    ("br-self_employed", {"self.end_date": FIVE_YEARS_LAST}, found_set()),
    # Spain: a Spanish national with both surnames.
    ("es-employee", {"worker.citizenship": "ES", "worker.second_last_name": "Muestra"}, found_set()),
    # Germany and France: a further posting that ends on the last day of 5 years from the first posting's start,
    # or that starts exactly a full year after the last posting ended.
    *[
        (form, {**SUCCESSIVE_TOO_SOON, **change}, found_set())
        for form in ("de-employee", "fr-employee")
        for change in ({"history.first_start": "2024-12-19"}, {"history.last_end": "2026-01-03"})
    ],
    # Germany: from 1996-05-01 the 5-year limit applies (last day inside, one day over).
    (
        "de-employee",
        {**BEFORE_1996, "assignment.start_date": "1996-05-01", "assignment.end_date": "2001-04-30"},
        found_set(),
    ),
    (
        "de-employee",
        {**BEFORE_1996, "assignment.start_date": "1996-05-01", "assignment.end_date": "2001-05-01"},
        found_set(("assignment.end_date", "detachment_limit_exceeded", E)),
    ),
    # The last day of work abroad may be the first: a one-day assignment.
    ("de-employee", {"assignment.end_date": START}, found_set()),
    ("jp-self_employed", {"self.end_date": START}, found_set()),
    # The EIN identifies the employer but SSA's lists do not name it: it may be left out, but not mistyped.
    ("de-employee", {"employer.ein": None}, found_set()),
    ("de-employee", {"employer.ein": "00-1234567"}, found_set(("employer.ein", "invalid_ein", E))),
    # Australia's letter of exemption: for a self-employed U.S. citizen living in Australia, with no end date.
    ("au-exemption_letter", {**SE_LETTER, "exemption.end_date": None}, found_set()),
    # A non-U.S. worker who lives in the U.S. is a U.S. resident: no warning.
    ("de-employee", {"worker.citizenship": "MX"}, found_set()),
]

# Every limit at its boundary: (form, rule, the answers that put the end on the last day inside, the date one day
# over). The last day inside gives no issue; one day over breaks the rule (its breaking case above or here).
BOUNDARIES: list[tuple[str, str, dict[str, Any], str, str]] = [
    *[
        (form, "detachment_limit", {}, "assignment.end_date", FIVE_YEARS_LAST)
        for form in FORMS
        if form.endswith("-employee") and CATALOG.form(form).agreement.detachment_limit_months == 60
    ],
    *[
        (f"{aid}-self_employed", "transfer_limit", {}, "self.end_date", inside)
        for aid, (inside, _over) in SE_TRANSFER_BOUNDARY.items()
    ],
    *[
        (
            f"{aid}-self_employed",
            "residence_or_transfer",
            {"worker.residence_country": aid.upper()},
            "self.end_date",
            FIVE_YEARS_LAST,
        )
        for aid in ("es", "br")
    ],
]
# What the last day inside still shows: Denmark's 3 years are over by then (a warning, not an error); Brazil's
# readings differ for a worker who lives outside the U.S.
INSIDE_EXTRA: dict[str, Found] = {
    "dk-employee": found_set(("assignment.end_date", "danish_three_year_limit", W)),
    "br-self_employed": found_set(("worker.residence_country", "se_sources_conflict", W)),
}


def _next_day(iso: str) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("form_id", "rule_id", "patch", "field_id", "inside"),
    BOUNDARIES,
    ids=[f"{b[0]}:{b[1]}" for b in BOUNDARIES],
)
def test_every_limit_holds_at_its_boundary(
    form_id: str, rule_id: str, patch: dict[str, Any], field_id: str, inside: str
) -> None:
    rule = next(r for r in spec(form_id).rules if r.id == rule_id)
    assert found(form_id, answers_with(form_id, {**patch, field_id: inside})) == INSIDE_EXTRA.get(
        form_id, found_set()
    )
    over = found(form_id, answers_with(form_id, {**patch, field_id: _next_day(inside)}))
    assert (rule.field, rule.code, rule.severity.value) in over


def test_every_limit_of_a_shipped_form_has_a_boundary_case() -> None:
    """Each rule comparing a date with last_day(...) is checked at its boundary (here or in AGREEMENT_CASES)."""
    at_boundary = {(b[0], b[1]) for b in BOUNDARIES} | {
        (form_id, rule_id) for form_id, table in AGREEMENT_CASES.items() for rule_id, _, _ in table
    }
    for form_id in FORMS:
        s = spec(form_id)
        for rule in s.rules:
            if (
                "last_day(" in rule.when.source
                and rule_applies(s, rule.id)
                and not rule.id.endswith("in_time")
            ):
                assert (form_id, rule.id) in at_boundary or rule.id in {"dk_danish_limit"}, (form_id, rule.id)


def test_limit_messages_say_the_last_day_and_what_to_do() -> None:
    """Issue 11: the message says until when, under which agreement, and the way out."""
    issues = verdict(
        RequestDoc(
            form="de-employee",
            edition=spec("de-employee").edition,
            answers=answers_with("de-employee", {"assignment.end_date": FIVE_YEARS_OVER}),
        ),
        CATALOG,
    ).issues
    (issue,) = [i for i in issues if i.code == "detachment_limit_exceeded"]
    assert issue.message == (
        "The assignment may end on 2032-01-03 at the latest (5 years under the agreement with Germany); for a "
        "longer one both countries must agree to an exception."
    )
    gb = verdict(
        RequestDoc(
            form="gb-employee",
            edition=spec("gb-employee").edition,
            answers=answers_with("gb-employee", {"assignment.end_date": FIVE_YEARS_OVER}),
        ),
        CATALOG,
    ).issues
    assert "under the agreement with the United Kingdom" in next(i.message for i in gb if i.is_error)
    fr = found_messages("fr-self_employed", {"self.end_date": "2029-01-04"})
    assert "may end on 2029-01-03 at the latest" in fr["se_transfer_limit_exceeded"]
    assert "for 2 years" in fr["se_transfer_limit_exceeded"]
    unknown = found_messages("de-employee", {"assignment.end_date": None})
    assert "to 2032-01-03" in unknown["end_date_unknown"] and "5 years" in unknown["end_date_unknown"]
    successive = found_messages("de-employee", SUCCESSIVE_TOO_SOON)["successive_posting_too_soon"]
    assert "ends by 2029-12-17" in successive and "starts on 2027-01-05 or later" in successive


def found_messages(form_id: str, patch: dict[str, Any]) -> dict[str, str]:
    doc = RequestDoc(form=form_id, edition=spec(form_id).edition, answers=answers_with(form_id, patch))
    return {i.code: i.message for i in verdict(doc, CATALOG).issues}


@pytest.mark.parametrize("form_id", FORMS)
def test_example_request_has_no_issue_at_all(form_id: str) -> None:
    assert found(form_id, example_answers(spec(form_id))) == frozenset()


@pytest.mark.parametrize(
    ("form_id", "patch", "expected"), VALID, ids=[f"{v[0]}-{i}" for i, v in enumerate(VALID)]
)
def test_more_valid_requests(form_id: str, patch: dict[str, Any], expected: Found) -> None:
    assert found(form_id, answers_with(form_id, patch)) == expected


# ------------------------------------------------------------------------------------------------ broken requests


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_request_breaking_one_rule(case: Case) -> None:
    assert found(case.form, answers_with(case.form, case.patch)) == case.expected
    if not case.rule.startswith("item:"):
        rule = next(r for r in spec(case.form).rules if r.id == case.rule)
        assert (rule.field, rule.code, rule.severity.value) in case.expected


@pytest.mark.parametrize("form_id", FORMS)
def test_every_rule_that_can_fire_has_a_breaking_case(form_id: str) -> None:
    s = spec(form_id)
    covered = {c.rule for c in CASES if c.form == form_id}
    missing = [r.id for r in s.rules if rule_applies(s, r.id) and r.id not in covered]
    assert missing == []


def test_every_agreement_case_names_a_real_form_and_rule() -> None:
    for form_id, table in AGREEMENT_CASES.items():
        ids = {r.id for r in spec(form_id).rules}
        for rule_id, _, _ in table:
            assert rule_id.startswith("item:") or rule_id in ids, (form_id, rule_id)


def test_a_shown_foreign_number_is_checked_in_every_employee_form() -> None:
    for form_id in FORMS:
        s = spec(form_id)
        f = s.field("worker.foreign_insurance_number")
        if s.kind == "employee" and (f.show is None or f.show.source != "false"):
            assert f.format, form_id
            assert any(c.form == form_id and c.rule == "item:foreign_id_format" for c in CASES), form_id


# ------------------------------------------------------------------------------------------------ items and facts

MAIDEN_NAME = {"be", "fr", "it", "lu", "nl", "es"}
MAIDEN_NAME_CONFIRMED = {
    "fr"
}  # RS 02001.546 asks for it; the others rest on scraped help pages (research §8)
FOREIGN_NUMBER = {
    "de": "de.rvnr",
    "no": "no.fodselsnummer",
    "ca": "ca.sin",
    "qc": "ca.sin",
    "gb": "gb.nino",
    "fi": "fi.hetu",
    "kr": "kr.rrn",
    "jp": "jp.basic_pension",
    "dk": "dk.cpr",
    "cz": "cz.rc",
    "br": "br.cpf_or_nit",
}


@pytest.mark.parametrize("form_id", FORMS)
def test_maiden_name_only_where_the_form_asked_for_it_and_flagged(form_id: str) -> None:
    s = spec(form_id)
    f = s.field("worker.maiden_name")
    shown = f.show is None or f.show.source != "false"
    assert shown == (s.agreement.id in MAIDEN_NAME)
    if shown:
        confirmed = s.agreement.id in MAIDEN_NAME_CONFIRMED
        assert f.flag == ("" if confirmed else FactStatus.UNCONFIRMED.flag)


@pytest.mark.parametrize("form_id", [f for f in FORMS if f.endswith("-employee")])
def test_foreign_number_where_the_other_country_wants_it(form_id: str) -> None:
    s = spec(form_id)
    f = s.field("worker.foreign_insurance_number")
    shown = f.show is None or f.show.source != "false"
    expected = FOREIGN_NUMBER.get(s.agreement.id)
    assert shown == (expected is not None)
    if expected:
        assert f.format == expected
        assert f.required is False  # asked "if known": never blocks the request


def test_sweden_lists_family_name_and_relationship_and_country_of_birth() -> None:
    for form_id in ("se-employee", "se-self_employed"):
        s = spec(form_id)
        family = s.field("family")
        assert {c.id for c in family.columns if c.required is True} >= {"name", "relationship"}
        assert "Under the agreement with Sweden" in s.field("worker.birth_country").help
        assert "name and relationship" in s.field("family.has_family").help


def test_belgium_items() -> None:
    employee, self_employed = spec("be-employee"), spec("be-self_employed")
    assert "Under the agreement with Belgium" in employee.field("worker.birth_country").help
    assert "stays an employee of the U.S. company" in employee.field("employment.stays_with_us_employer").help
    assert "nature of the self-employed business" in self_employed.field("self.business_nature").help


def test_italy_has_no_time_limit_and_a_nationality_rule() -> None:
    it = CATALOG.agreements["it"]
    assert it.detachment_limit_months is None
    assert "detachment_limit" not in {r.id for r in spec("it-employee").rules}
    codes = {r.code: r for r in spec("it-employee").rules if r.field == "worker.citizenship"}
    assert codes["nationality_election_needed"].severity is Severity.WARNING
    assert codes["third_country_national"].severity is Severity.ERROR
    assert all(r.sources for r in codes.values())


def test_research_statuses_are_kept() -> None:
    def status(aid: str, key: str) -> FactStatus:
        fact = CATALOG.agreements[aid].fact(key)
        assert fact is not None, (aid, key)
        return fact.status

    assert status("br", "self_employment") is FactStatus.CONFLICT
    assert status("kr", "extension") is FactStatus.CONFLICT
    assert status("gb", "location") is FactStatus.UNCONFIRMED
    assert status("br", "extension") is FactStatus.UNCONFIRMED
    assert status("be", "requester") is FactStatus.CONFLICT
    for aid in MAIDEN_NAME - MAIDEN_NAME_CONFIRMED:
        assert status(aid, "maiden_name") is FactStatus.UNCONFIRMED
    # Settled by the second reading of POMS (research §8): third-party sources replaced, flags dropped.
    settled = {
        "de": ("detachment", "self_employment"),
        "cl": ("detachment", "self_employment"),
        "is": ("detachment", "self_employment"),
        "hu": ("detachment",),
        "dk": ("self_employment",),
        "pl": ("self_employment",),
        "fr": ("maiden_name", "health_statement"),
        "au": ("self_employment", "exemption_letter"),
        "qc": ("extension", "self_employment", "identification"),
        "ca": ("quebec",),
    }
    for aid, keys in settled.items():
        for key in keys:
            assert status(aid, key) is FactStatus.CONFIRMED, (aid, key)
            fact = CATALOG.agreements[aid].fact(key)
            assert fact is not None and any("secure.ssa.gov" in src for src in fact.sources), (aid, key)
    # Quebec's limit is Canada's, which still rests on SSA's general statement (Canada's own section unread).
    assert status("qc", "detachment") is FactStatus.THIRD_PARTY
    assert status("ca", "detachment") is FactStatus.THIRD_PARTY
    for aid in ("ch", "pt", "ie", "lu", "gr"):  # residence inferred from SSA's overview (third-party copies)
        assert status(aid, "self_employment") is FactStatus.THIRD_PARTY
    brazil = CATALOG.agreements["br"].fact("self_employment")
    assert (
        brazil is not None and "sources conflict" in brazil.text.lower() and "decision" in brazil.text.lower()
    )


def test_self_employed_form_only_where_a_us_certificate_is_possible() -> None:
    employee_only = {"si"}  # Slovenia's self-employment rule is still open (research §8)
    for a in CATALOG.in_force():
        if a.id in employee_only:
            assert a.kinds == ("employee",), a.id
            fact = a.fact("self_employment")
            assert fact is not None and fact.status is FactStatus.UNCONFIRMED
            assert "no self-employed form" in fact.text.lower()
        else:
            assert a.kinds[:2] == ("employee", "self_employed"), a.id
            assert a.values["se_rule"] in {"residence", "transfer", "residence_or_transfer", "nationality"}
    # Chile, Denmark, Poland and Iceland: the country of residence covers (RS 02001.935, RS 02002.135,
    # RS 02002.230, RS 02002.535): a self-employed U.S. resident gets a U.S. certificate.
    for aid in ("cl", "dk", "pl", "is"):
        a = CATALOG.agreements[aid]
        assert a.values["se_rule"] == "residence"
        assert found(f"{aid}-self_employed", example_answers(spec(f"{aid}-self_employed"))) == frozenset()


def test_the_letter_of_exemption_is_its_own_kind_offered_only_by_australia() -> None:
    letters = [f for f in FORMS if f.endswith("-exemption_letter")]
    assert letters == ["au-exemption_letter"]
    s = spec("au-exemption_letter")
    kind = s.kind_info
    assert kind is not None and kind.special
    assert s.kind_label == "Letter of exemption" and s.title == "Letter of exemption: Australia"
    assert s.product == "letter of exemption from U.S. Social Security"
    assert "not a certificate of coverage" in kind.summary
    assert [x.id for x in s.sections] == ["worker", "exemption", "request"]
    basis = s.field("exemption.basis")
    assert {c.value for c in basis.choices} == {"self_employed", "employment"}
    assert basis.source.endswith("0302002045")  # RS 02002.045
    # A self-employed U.S. citizen living in Australia used to get only an error; it now points to the letter.
    message = found_messages("au-self_employed", {"worker.residence_country": "AU"})["not_us_resident"]
    assert "letter of exemption" in message and "Letter of exemption" in message


def test_quebec_is_canada_with_its_region() -> None:
    qc, ca = CATALOG.agreements["qc"], CATALOG.agreements["ca"]
    assert (qc.country, qc.region, qc.in_force) == ("CA", "CA-QC", ca.in_force)
    assert qc.detachment_limit_months == ca.detachment_limit_months
    assert qc.values["se_rule"] == ca.values["se_rule"]


def test_extension_values() -> None:
    values = {a.id: a.values.get("extension_limit_months") for a in CATALOG.in_force()}
    assert values["pt"] == 12
    assert values["kr"] == 36
    for aid in ("gb", "no"):
        fact = CATALOG.agreements[aid].fact("extension")
        assert fact is not None and "both countries agree" in fact.text


@pytest.mark.parametrize("aid", sorted(CATALOG.agreements))
def test_every_fact_names_a_source_address(aid: str) -> None:
    a = CATALOG.agreements[aid]
    assert a.facts
    for fact in a.facts:
        assert fact.sources, fact.key
        assert all(s.startswith(("https://", "http://")) and " " not in s for s in fact.sources), fact.key
        assert fact.text.strip() and fact.title.strip()


@pytest.mark.parametrize("aid", IN_FORCE)
def test_every_agreement_in_force_has_the_facts_the_shared_rules_use(aid: str) -> None:
    a = CATALOG.agreements[aid]
    for key in ("in_force", "detachment", "extension", "self_employment"):
        assert a.fact(key) is not None, key
    assert a.in_force is not None
    in_force_fact = a.fact("in_force")
    assert in_force_fact is not None and a.in_force.isoformat() in in_force_fact.text


def _raw(aid: str) -> dict[str, Any]:
    return tomllib.loads((forms_dir() / "agreements" / f"{aid}.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("aid", IN_FORCE)
def test_agreement_help_names_its_fact_and_shows_its_flag(aid: str) -> None:
    """Every override that adds help cites a fact; the field then carries the fact's flag beside its help, and
    `coc forms show --json` gives the flag with the help."""
    from app.cli.forms_cmd import describe

    a = CATALOG.agreements[aid]
    for kind, table in _raw(aid).get("forms", {}).items():
        s = spec(f"{aid}-{kind}")
        shown = {f["id"]: f for page in describe(s)["pages"] for f in page["fields"]}
        for fid, override in table.get("fields", {}).items():
            if "help" not in override:
                continue
            assert "fact" in override, f"{aid}-{kind}: {fid} adds help without naming its fact"
            fact = a.fact(override["fact"])
            assert fact is not None
            f = s.field(fid)
            in_text = a.values.get("name_in_text") or a.name
            assert f"Under the agreement with {in_text}: " in f.help
            assert f.flag == fact.status.flag
            if fact.flagged:
                assert shown[fid]["flag"] == fact.status.flag
                assert shown[fid]["help"] == f.help


@pytest.mark.parametrize("aid", IN_FORCE)
def test_rules_on_flagged_facts_carry_the_flag(aid: str) -> None:
    a = CATALOG.agreements[aid]
    for kind, table in _raw(aid).get("forms", {}).items():
        rules = {r.id: r for r in spec(f"{aid}-{kind}").rules}
        for raw in table.get("rules", []):
            if "fact" in raw:
                fact = a.fact(raw["fact"])
                assert fact is not None
                assert rules[raw["id"]].flag == fact.status.flag
                assert set(fact.sources) <= set(rules[raw["id"]].sources)


def test_every_flagged_fact_an_agreement_form_relies_on_is_shown_somewhere() -> None:
    """A flagged fact that a field or a rule cites is visible there; list what is cited to keep that honest."""
    cited: set[tuple[str, str]] = set()
    for aid in IN_FORCE:
        for table in _raw(aid).get("forms", {}).values():
            cited |= {(aid, o["fact"]) for o in table.get("fields", {}).values() if "fact" in o}
            cited |= {(aid, r["fact"]) for r in table.get("rules", []) if "fact" in r}
    for aid, key in cited:
        assert CATALOG.agreements[aid].fact(key) is not None
    # The facts behind the unconfirmed items of the research are cited by the fields or rules they change.
    for item in [("gb", "location"), ("br", "self_employment"), ("kr", "extension")] + [
        (aid, "maiden_name") for aid in MAIDEN_NAME
    ]:
        assert item in cited, item


def test_dates_are_iso_in_facts() -> None:
    for a in CATALOG.agreements.values():
        for fact in a.facts:
            for word in fact.text.replace(";", " ").replace(",", " ").replace("(", " ").split():
                token = word.strip(".)")
                if len(token) == 10 and token[4] == "-" and token[7] == "-":
                    dt.date.fromisoformat(token)

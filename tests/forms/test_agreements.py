"""Every agreement's definitions, table-driven: a valid request for each form, and for each rule that can fire in
a form (its own and the shared ones that apply) a request that breaks it, with the exact set of issues expected.

The cases start from `example_answers(spec)` (a complete, valid, fictional request) and change a few answers.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.forms import default_catalog, validate_document
from app.forms.example import example_answers
from app.forms.expr import _add_months
from app.forms.model import Agreement, FactStatus, FormSpec, Severity
from app.paths import forms_dir
from app.request import RequestDoc

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)
IN_FORCE = sorted(a.id for a in CATALOG.in_force())

E, W = Severity.ERROR.value, Severity.WARNING.value
Found = frozenset[tuple[str, str, str]]  # (field, code, severity) of every issue of a request

# Dates far enough ahead that a rule reading today() gives the same verdict for decades.
FAR = "2080-01-02"


def spec(form_id: str) -> FormSpec:
    return CATALOG.form(form_id)


def found(form_id: str, answers: dict[str, Any]) -> Found:
    s = spec(form_id)
    issues = validate_document(RequestDoc(form=form_id, edition=s.edition, answers=answers))
    rules = {r.id: r for r in s.rules}
    for i in issues:  # an issue from a rule on a flagged fact carries the flag
        if i.rule:
            assert i.flag == rules[i.rule].flag, i
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
                {"assignment.end_date": "2026-12-01"},
                found_set(("assignment.end_date", "end_not_after_start", E)),
            ),
            (
                "detachment_limit",
                {"assignment.end_date": "2032-06-01"},
                found_set(("assignment.end_date", "detachment_limit_exceeded", E)),
            ),
            (
                "start_before_in_force",
                {
                    "worker.birth_date": "1940-01-01",
                    "employment.hire_date": hire,
                    "assignment.start_date": early_start,
                    "assignment.end_date": early_end,
                },
                found_set(("assignment.start_date", "start_before_in_force", W)),
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
    else:
        residence = a.values.get("se_rule")
        table = [
            (
                "birth_date_in_past",
                {"worker.birth_date": "2090-01-01"},
                found_set(("worker.birth_date", "birth_date_in_future", E)),
            ),
            (
                "end_after_start",
                {"self.end_date": "2026-12-01"},
                found_set(("self.end_date", "end_not_after_start", E)),
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
                    {"self.end_date": "2032-06-01"},
                    found_set(("self.end_date", "se_transfer_limit_exceeded", E)),
                )
            )
        if residence == "residence_or_transfer":
            table.append(
                (
                    "residence_or_transfer",
                    {"worker.residence_country": a.country, "self.end_date": "2032-06-01"},
                    found_set(("self.end_date", "se_not_covered", E)),
                )
            )
    for rule_id, patch, expected in table:
        if rule_id in ids:
            yield Case(s.id, rule_id, patch, expected)


# The shared rules that cannot fire in a form, by design: the self-employed rules are gated by agreement.se_rule.
SE_GATED = {
    "residence_rule": "residence",
    "transfer_limit": "transfer",
    "residence_or_transfer": "residence_or_transfer",
}


def rule_applies(s: FormSpec, rule_id: str) -> bool:
    gate = SE_GATED.get(rule_id)
    return s.kind != "self_employed" or gate is None or s.agreement.values.get("se_rule") == gate


# ------------------------------------------------------------------------------------------------ agreement rules

EXTENSION = {"assignment.is_extension": True}
FOREIGN_ID = ("worker.foreign_insurance_number", "invalid_foreign_id", E)

AGREEMENT_CASES: dict[str, list[tuple[str, dict[str, Any], Found]]] = {
    "de-employee": [
        (
            "de_successive_posting",
            {
                "history.previous_posting": True,
                "history.first_start": "2023-01-01",
                "history.last_end": "2026-06-30",
            },
            found_set(("history.last_end", "successive_posting_too_soon", E)),
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
        (
            "fr_successive_posting",
            {
                "history.previous_posting": True,
                "history.first_start": "2023-01-01",
                "history.last_end": "2026-06-30",
            },
            found_set(("history.last_end", "successive_posting_too_soon", E)),
        ),
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
            {"assignment.end_date": "2030-06-01"},
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
                "assignment.end_date": "2034-06-01",
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
                "assignment.end_date": "2087-01-03",
            },
            found_set(("assignment.end_date", "extension_limit_exceeded", E), EXT_WARNING),
        ),
        (
            "pt_one_extension",
            {
                **EXTENSION,
                "assignment.start_date": FAR,
                "assignment.previous_certificate_end": "2085-06-01",
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
                "assignment.end_date": "2035-06-01",
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
            {"self.end_date": "2032-06-01"},
            found_set(("self.end_date", "se_sources_conflict", W)),
        ),
        (
            "br_se_not_us_resident",
            {"worker.residence_country": "BR"},
            found_set(("worker.residence_country", "se_sources_conflict", W)),
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
    ("gb-employee", {"host.region": "northern ireland"}, found_set()),
    ("gb-self_employed", {"self.foreign_address": "2 High Street\nCardiff, Wales"}, found_set()),
    ("qc-employee", {"host.region": "Québec"}, found_set()),
    ("ca-employee", {"host.region": "ON"}, found_set()),
    ("dk-employee", {"assignment.end_date": "2029-12-31"}, found_set()),  # within the Danish 3 years
    # Portugal: one extension to exactly 6 years, asked before the 5 years end.
    (
        "pt-employee",
        {
            **EXTENSION,
            "assignment.start_date": FAR,
            "assignment.previous_certificate_end": "2084-12-31",
            "assignment.end_date": "2086-01-02",
        },
        found_set(EXT_WARNING),
    ),
    # Korea: an extension of 3 more years is within what both sources say.
    (
        "kr-employee",
        {
            **EXTENSION,
            "assignment.previous_certificate_end": "2031-12-31",
            "assignment.end_date": "2035-01-04",
        },
        found_set(EXT_WARNING),
    ),
    # Brazil: a U.S. resident who moves the business for 5 years or less satisfies both readings.
    ("br-self_employed", {"self.end_date": "2031-12-31"}, found_set()),
    # Spain: a Spanish national with both surnames.
    ("es-employee", {"worker.citizenship": "ES", "worker.second_last_name": "Muestra"}, found_set()),
]


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
        assert f.flag == FactStatus.UNCONFIRMED.flag


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
    for aid in MAIDEN_NAME:
        assert status(aid, "maiden_name") is FactStatus.UNCONFIRMED
    for key in ("detachment", "extension", "self_employment", "identification"):
        assert status("qc", key) is FactStatus.THIRD_PARTY
    for aid in ("ch", "pt", "ie", "lu", "gr"):  # residence inferred from SSA's overview (third-party copies)
        assert status(aid, "self_employment") is FactStatus.THIRD_PARTY
    brazil = CATALOG.agreements["br"].fact("self_employment")
    assert (
        brazil is not None and "sources conflict" in brazil.text.lower() and "decision" in brazil.text.lower()
    )


def test_self_employed_form_only_where_a_us_certificate_is_possible() -> None:
    employee_only = {"cl", "pl", "si", "is", "dk"}
    for a in CATALOG.in_force():
        if a.id in employee_only:
            assert a.kinds == ("employee",), a.id
            fact = a.fact("self_employment")
            assert fact is not None and fact.status is FactStatus.UNCONFIRMED
            assert "no self-employed form" in fact.text.lower()
        else:
            assert a.kinds == ("employee", "self_employed"), a.id
            assert a.values["se_rule"] in {"residence", "transfer", "residence_or_transfer", "nationality"}


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

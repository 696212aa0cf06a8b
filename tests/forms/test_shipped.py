"""Every shipped definition: it loads, every field has help, every example request is valid, and the field
ids the code relies on exist."""

from __future__ import annotations

import pytest

from app.forms import FormSession, default_catalog, verdict
from app.forms.example import BY_ID, example_answers
from app.forms.model import FormSpec
from app.request import RequestDoc

FORMS = sorted(default_catalog().forms)

# The fixed names of the request format (docs/request-format.md): the receiving side, the fax copy and the
# tests rely on them, so every one must exist in at least one shipped form.
FIXED_IDS = [
    "worker.first_name",
    "worker.middle_name",
    "worker.last_name",
    "worker.second_last_name",
    "worker.maiden_name",
    "worker.birth_date",
    "worker.birth_city",
    "worker.birth_country",
    "worker.citizenship",
    "worker.residence_country",
    "worker.ssn",
    "worker.foreign_insurance_number",
    "employer.name",
    "employer.ein",
    "employer.street",
    "employer.city",
    "employer.state",
    "employer.zip",
    "employer.contact_name",
    "employer.phone",
    "employer.email",
    "host.name",
    "host.street",
    "host.city",
    "host.postal_code",
    "host.region",
    "host.country",
    "employment.hire_date",
    "employment.hire_city",
    "employment.hire_country",
    "employment.stays_with_us_employer",
    "employment.affiliate_3121l",
    "employment.affiliate_3121l_date",
    "assignment.start_date",
    "assignment.end_date",
    "assignment.work_city",
    "assignment.work_region",
    "assignment.is_extension",
    "assignment.previous_certificate_end",
    "self.business_name",
    "self.business_nature",
    "self.us_address",
    "self.foreign_address",
    "self.start_date",
    "self.end_date",
    "family",
    "health.worker_covered",
    "health.family_covered",
    "request.email_confirmation",
    "request.confirmation_email",
]


def spec(form_id: str) -> FormSpec:
    return default_catalog().form(form_id)


def test_there_are_forms() -> None:
    assert len(FORMS) >= 9


@pytest.mark.parametrize("form_id", FORMS)
def test_every_field_has_help_and_label(form_id: str) -> None:
    for f in spec(form_id).fields():
        for holder in (f, *f.columns):
            assert holder.label.strip(), holder.id
            assert len(holder.help.strip()) >= 20, f"{form_id}: {holder.id} has no real help"
            assert "{agreement." not in holder.help + holder.label, holder.id
    for section in spec(form_id).sections:
        assert section.help.strip() and "{agreement." not in section.help


@pytest.mark.parametrize("form_id", FORMS)
def test_every_rule_message_is_filled_and_sourced_facts_are_cited(form_id: str) -> None:
    for rule in spec(form_id).rules:
        assert rule.message.strip() and "{agreement." not in rule.message, rule.id


@pytest.mark.parametrize("form_id", FORMS)
def test_example_request_is_valid(form_id: str) -> None:
    s = spec(form_id)
    doc = RequestDoc(form=form_id, edition=s.edition, answers=example_answers(s))
    assert verdict(doc, default_catalog()).errors == ()


@pytest.mark.parametrize("form_id", FORMS)
def test_empty_request_is_not_ready(form_id: str) -> None:
    session = FormSession(spec(form_id), {})
    assert any(i.code == "required" for i in session.errors())


def test_fixed_field_ids_exist_in_the_shipped_forms() -> None:
    known = {f.id for s in default_catalog().forms.values() for f in s.fields()}
    missing = [fid for fid in FIXED_IDS if fid not in known]
    assert missing == []
    assert set(BY_ID) <= known | {"family.has_family"}


def test_family_group_has_the_fixed_columns() -> None:
    dk = spec("dk-employee").field("family")
    assert [c.id for c in dk.columns] == ["name", "relationship", "birth_date", "accompanying"]


def test_every_agreement_in_force_has_the_facts_its_rules_cite() -> None:
    for agreement in default_catalog().in_force():
        keys = {f.key for f in agreement.facts}
        assert {"detachment", "extension"} <= keys, agreement.id
        for fact in agreement.facts:
            assert fact.sources and all(s.startswith("http") for s in fact.sources), (agreement.id, fact.key)

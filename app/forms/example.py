"""A complete, valid and clearly fictional request for any form (for demos, tests and `coc new --example`).

Values are chosen by field id where the request format fixes the name, and by type otherwise. The result is
checked against the form by the tests for every shipped definition.
"""

from __future__ import annotations

from typing import Any

from app.forms.model import FieldSpec, FieldType, FormSpec
from app.forms.session import FormSession
from app.forms.validate import FOREIGN_FORMATS

# Fictional data: 987-65-4320 is in the range SSA reserves for advertising (987-65-4320 to 987-65-4329) and
# is rejected by strict validators, so the example uses a randomised-era number that is not assigned publicly.
BY_ID: dict[str, Any] = {
    "worker.first_name": "Jane",
    "worker.middle_name": "Q.",
    "worker.last_name": "Example",
    "worker.second_last_name": "Muestra",
    "worker.birth_date": "1985-06-15",
    "worker.birth_city": "Springfield",
    "worker.birth_country": "US",
    "worker.citizenship": "US",
    "worker.residence_country": "US",
    "worker.ssn": "123-45-6789",
    "employer.name": "Example Widgets Inc.",
    "employer.ein": "12-3456789",
    "employer.street": "100 Sample Street",
    "employer.city": "Albany",
    "employer.state": "NY",
    "employer.zip": "12207",
    "employer.contact_name": "Pat Coordinator",
    "employer.phone": "(212) 555-0100",
    "employer.email": "coordinator@example.com",
    "host.name": "Example Widgets Subsidiary",
    "host.street": "1 Example Road",
    "host.city": "Exampletown",
    "host.postal_code": "12345",
    "host.region": "",
    "employment.hire_date": "2019-03-01",
    "employment.hire_city": "Albany",
    "employment.hire_country": "US",
    "employment.stays_with_us_employer": True,
    "assignment.start_date": "2027-01-04",
    "assignment.end_date": "2029-12-18",
    "assignment.work_city": "Exampletown",
    "assignment.is_extension": False,
    "history.previous_posting": False,
    "self.business_name": "Jane Example Consulting",
    "self.business_nature": "Independent engineering consultant",
    "self.us_address": "100 Sample Street, Albany, NY 12207",
    "self.foreign_address": "1 Example Road, Exampletown",
    "self.start_date": "2027-01-04",
    "self.end_date": "2028-06-30",
    "exemption.basis": "employment",
    "exemption.start_date": "2027-01-04",
    "exemption.end_date": "2029-12-18",
    "exemption.work_city": "Exampletown",
    "exemption.business_name": "Jane Example Consulting",
    "exemption.business_nature": "Independent engineering consultant",
    "exemption.business_address": "1 Example Road, Exampletown",
    "exemption.employer_name": "Example Widgets Subsidiary",
    "exemption.employer_address": "1 Example Road, Exampletown, Australia",
    "exemption.contact_name": "Pat Coordinator",
    "exemption.contact_address": "100 Sample Street, Albany, NY 12207",
    "exemption.contact_phone": "(212) 555-0100",
    "exemption.contact_email": "coordinator@example.com",
    "family.has_family": True,
    "family": [
        {"name": "John Example", "relationship": "spouse", "birth_date": "1986-02-20", "accompanying": True}
    ],
    "health.worker_covered": True,
    "health.family_covered": True,
    "request.email_confirmation": True,
    "request.confirmation_email": "coordinator@example.com",
}

# Where an agreement asks for the part of the country (a rule on host.region or the business address), the
# example names one: the United Kingdom's forms need England, Scotland, Wales or Northern Ireland.
REGION_BY_COUNTRY: dict[str, str] = {"GB": "England"}


def example_answers(spec: FormSpec) -> dict[str, Any]:
    """Answers for every visible field the example knows, checked field by field against the form."""
    session = FormSession(spec, {})
    for f in spec.fields():
        value = _value(spec, f)
        if value is not None and value != "":
            session.answer(f.id, value)
    return {k: v for k, v in session.answers.items() if session.visible(k)}


def _value(spec: FormSpec, f: FieldSpec) -> Any:
    if f.id == "host.country":
        return spec.agreement.country
    if f.id == "host.region" and spec.agreement.region:
        return spec.agreement.region.split("-")[-1]
    region = REGION_BY_COUNTRY.get(spec.agreement.country)
    if f.id == "host.region" and region:
        return region
    if f.id == "self.foreign_address" and region:
        return f"{BY_ID[f.id]}, {region}"
    if f.id in BY_ID:
        return BY_ID[f.id]
    if f.type is FieldType.FOREIGN_ID:
        return FOREIGN_FORMATS[f.format or "free"].example
    if f.type is FieldType.YESNO:
        return True
    if f.type is FieldType.CHOICE and f.choices:
        return f.choices[0].value
    return None

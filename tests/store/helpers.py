"""Shared helpers for the store tests: documents, file fingerprints."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from app.request import RequestDoc

PASSPHRASE = "harbor lamp 7 violet"
OTHER_PASSPHRASE = "copper kettle 42 dawn"


def full_answers(**overrides: Any) -> dict[str, Any]:
    """A complete request of the German agreement (the form engine's example answers), plus `overrides`."""
    answers: dict[str, Any] = {
        "worker.first_name": "Jane",
        "worker.middle_name": "Q.",
        "worker.last_name": "Example",
        "worker.birth_date": "1985-06-15",
        "worker.birth_city": "Springfield",
        "worker.birth_country": "US",
        "worker.citizenship": "US",
        "worker.residence_country": "US",
        "worker.ssn": "123-45-6789",
        "worker.foreign_insurance_number": "65170839J003",
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
        "host.country": "DE",
        "employment.hire_date": "2019-03-01",
        "employment.hire_city": "Albany",
        "employment.hire_country": "US",
        "employment.stays_with_us_employer": True,
        "assignment.start_date": "2027-01-04",
        "assignment.end_date": "2029-12-18",
        "assignment.work_city": "Exampletown",
        "assignment.is_extension": False,
        "history.previous_posting": False,
        "request.email_confirmation": True,
        "request.confirmation_email": "coordinator@example.com",
    }
    answers.update(overrides)
    return answers


def make_doc(form: str = "de-employee", **overrides: Any) -> RequestDoc:
    answers = full_answers(**{k.replace("__", "."): v for k, v in overrides.items()})
    return RequestDoc(form=form, edition="2026-11-29", answers=answers)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash: a before/after fingerprint."""
    out: dict[str, str] = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            out[str(p.relative_to(folder))] = sha256(p)
    return out

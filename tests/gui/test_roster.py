"""Many requests at once in the GUI: the Import roster dialog (mapping, preview with verdicts, progress, cancel, the
list filtered to the import, undo), Transmit all ready against the real intake service, Print fax copies into a
folder, Export register."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication, QMessageBox

from app.forms import Catalog
from app.request import State
from intake import RunningIntake, serve_in_thread
from tests.gui.helpers import start_app, stop_app
from tests.gui.test_transmit_print import TOKEN, configure
from tests.roster.helpers import EMPLOYER, WORKDAY, table, worker, write_xlsx

pytestmark = pytest.mark.gui


@pytest.fixture
def app(qtbot: Any, data_dir: Path, catalog: Catalog) -> Iterator[Any]:
    controller = start_app(qtbot, data_dir, catalog)
    controller.ctx.store.set_employer_profile(EMPLOYER)
    yield controller
    stop_app(controller)


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[RunningIntake]:
    with serve_in_thread(tmp_path / "intake", [TOKEN]) as running:
        yield running


def boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def roster(tmp_path: Path, rows: int = 4) -> Path:
    lines = [worker(i, request__remarks="Finance") for i in range(rows - 1)]
    lines.append(worker(9, worker__birth_date="31/12/1980"))
    return write_xlsx(tmp_path / "roster.xlsx", table({**WORKDAY, "request.remarks": "Notes"}, lines))


def import_through_dialog(app: Any, path: Path) -> Any:
    window = app.window
    window.import_action.trigger()
    dialog = app.bulk.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.load(str(path))
    return dialog


def test_import_dialog_maps_previews_imports_filters_and_undoes(app: Any, qtbot: Any, tmp_path: Path) -> None:
    dialog = import_through_dialog(app, roster(tmp_path))
    store = app.ctx.store
    headers = [dialog.mapping_table.item(i, 0).text() for i in range(dialog.mapping_table.rowCount())]
    assert headers[:4] == ["Assignment ID", "Employee First Name", "Employee Last Name", "DOB"]
    fills = {h: dialog.combos[i].currentData() for i, h in enumerate(headers)}
    assert fills["DOB"] == "worker.birth_date" and fills["Host Country"] == "request.agreement"
    assert fills["Notes"] == "request.remarks"  # guessed from an HR synonym
    # the coordinator decides HR's notes are not for SSA: not imported
    dialog.set_field(headers.index("Notes"), "")
    assert "request.remarks" not in dialog.current_mapping().columns.values()
    preview = [
        [dialog.preview_table.item(r, c).text() for c in range(5)]
        for r in range(dialog.preview_table.rowCount())
    ]
    assert [p[:4] for p in preview[:2]] == [
        ["2", "Example, Jane", "New draft", "Ready"],
        ["3", "Núñez, José", "New draft", "Ready"],
    ]
    assert (
        re.fullmatch(r"\d+ errors?(, \d+ warnings?)?", preview[3][3])
        and "DOB: is not a real date" in preview[3][4]
    )
    assert store.count() == 0  # the preview saves nothing
    assert dialog.import_button.text() == "&Import 4 rows"
    from tests.gui.test_accessibility import unnamed_controls

    assert unnamed_controls(dialog) == []
    dialog.import_button.click()
    assert not dialog.isVisible()
    window = app.window
    assert store.count() == 4 and store.count(state="ready") == 3
    assert window.model.rowCount() == 4 and window.imported_bar.isVisible()
    assert "4 new" in window.imported_bar.label.text()
    assert not any("Finance" in str(store.get(s.id).answers) for s in store.list())

    # another request, typed earlier, is hidden while the import is shown, and back with Show all
    from tests.gui.conftest import add_example

    add_example(store, app.ctx.catalog, "fr-employee")
    window.refresh()
    assert window.model.rowCount() == 4
    window.imported_bar.undo_button.click()
    assert store.count() == 1 and not window.imported_bar.isVisible()
    assert window.model.rowCount() == 1
    assert [e.event for e in store.audit()][-2:] == ["imported", "import_undone"]


def test_import_shows_a_bad_file_and_cancel_saves_nothing(app: Any, qtbot: Any, tmp_path: Path) -> None:
    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    dialog = import_through_dialog(app, bad)
    assert "97-2003" in dialog.problem_label.text() and not dialog.import_button.isEnabled()

    dialog.load(str(roster(tmp_path, rows=6)))
    assert dialog.import_button.isEnabled()
    seen: list[int] = []

    def step(done: int, _total: int) -> None:
        seen.append(done)
        if done == 2:
            dialog.cancel()  # the coordinator presses Cancel while the rows are being read

    dialog.progressed.connect(step)
    dialog.import_button.click()
    assert seen[:2] == [1, 2] and 6 not in seen
    assert "nothing was imported" in dialog.problem_label.text()
    assert app.ctx.store.count() == 0 and dialog.isVisible()
    dialog.cancel()
    assert not dialog.isVisible()


def test_transmit_all_ready_against_the_intake_service(
    app: Any, qtbot: Any, tmp_path: Path, intake: RunningIntake
) -> None:
    configure(qtbot, app, intake)
    dialog = import_through_dialog(app, roster(tmp_path, rows=3))
    dialog.import_button.click()
    assert not dialog.isVisible()  # every row imported: the dialog closes
    window = app.window
    window.table.selectAll()
    assert len(window.selected_summaries()) == 3 and window.transmit_all_action.isEnabled()
    window.transmit_all_action.trigger()
    (confirm,) = boxes()
    assert confirm.text() == "Transmit 2 ready requests to the receiving service?"
    assert "1 of the selected are not ready" in confirm.informativeText()
    send = next(b for b in confirm.buttons() if b.text() == "&Transmit")
    send.click()
    (summary,) = boxes()
    assert summary.text() == "2 of 2 requests sent."
    assert summary.informativeText().count("Sent. Confirmation number:") == 2
    store = app.ctx.store
    assert sorted(s.state for s in store.list()) == sorted([State.SENT, State.SENT, State.DRAFT])
    assert intake.stats.created == 2
    summary.close()


def test_print_fax_copies_into_a_folder_and_cancel(app: Any, qtbot: Any, tmp_path: Path) -> None:
    dialog = import_through_dialog(app, roster(tmp_path, rows=3))
    dialog.import_button.click()
    window = app.window
    window.table.selectAll()
    folder = tmp_path / "faxes"
    folder.mkdir()
    app.bulk.print_copies(str(folder))
    (summary,) = boxes()
    assert summary.text() == f"3 of 3 fax copies written to {folder}."
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == 3 and all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in pdfs)
    text = "".join(page.extract_text() for page in PdfReader(pdfs[0]).pages)
    assert "Social Security" in text
    summary.close()

    again = tmp_path / "again"
    again.mkdir()
    app.bulk.progressed.connect(lambda done, _total: done == 1 and app.bulk.cancel_event.set())
    app.bulk.print_copies(str(again))
    (summary,) = boxes()
    assert summary.text() == f"1 of 3 fax copies written to {again}."
    assert summary.informativeText().count("cancelled") == 2 and len(list(again.glob("*.pdf"))) == 1
    summary.close()


def test_export_register_of_the_selection_or_of_the_import(app: Any, qtbot: Any, tmp_path: Path) -> None:
    from tests.gui.conftest import add_example

    add_example(app.ctx.store, app.ctx.catalog, "fr-employee")  # in the store, not in the roster
    dialog = import_through_dialog(app, roster(tmp_path, rows=3))
    dialog.import_button.click()
    window = app.window
    out = tmp_path / "register.csv"
    app.bulk.export_register(str(out), with_ssn=False)  # nothing selected: what the list shows, the import
    lines = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(lines) == 3 and "SSN" not in lines[0] and {line["Agreement"] for line in lines} == {"Germany"}
    assert app.ctx.store.audit()[-1].detail == "format=csv rows=3 ssn=no source=gui"
    window.table.selectRow(0)
    window.table.selectionModel().select(
        window.model.index(1, 0),
        window.table.selectionModel().SelectionFlag.Select | window.table.selectionModel().SelectionFlag.Rows,
    )
    assert len(window.selected_summaries()) == 2
    app.bulk.export_register(str(tmp_path / "two.xlsx"), with_ssn=True)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "two.xlsx").active
    assert sheet.max_row == 3 and sheet["D1"].value == "SSN" and sheet["D2"].value.startswith("123-45-")
    assert app.ctx.store.audit()[-1].detail == "format=xlsx rows=2 ssn=yes source=gui"


def test_skipped_rows_stay_listed_in_the_dialog(app: Any, qtbot: Any, tmp_path: Path) -> None:
    lines = [worker(0), worker(1, request__agreement="Narnia")]
    dialog = import_through_dialog(app, write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, lines)))
    dialog.import_button.click()
    assert dialog.isVisible() and dialog.cancel_button.text() == "&Close"
    assert "Row 3: 'Narnia' is not a country" in dialog.problem_label.text()
    assert app.window.model.rowCount() == 1 and app.ctx.store.count() == 1
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_a_roster_without_a_country_asks_for_the_form(app: Any, qtbot: Any, tmp_path: Path) -> None:
    from tests.roster.helpers import write_csv

    dialog = import_through_dialog(
        app, write_csv(tmp_path / "r.csv", [["First name", "Last name"], ["Ann", "Lee"]])
    )
    text = dialog.problem_label.text()
    assert "No column gives the host country" in text and "Choose the form above" in text and "--" not in text
    assert not dialog.import_button.isEnabled()
    dialog.form_combo.setCurrentIndex(dialog.form_combo.findData("se-employee"))
    assert dialog.problem_label.text() == "" and dialog.import_button.isEnabled()
    assert dialog.preview_table.item(0, 1).text() == "Lee, Ann"


def test_the_idle_lock_empties_the_dialog(app: Any, qtbot: Any, tmp_path: Path) -> None:
    dialog = import_through_dialog(app, roster(tmp_path, rows=3))
    assert dialog.preview_table.rowCount() == 3
    app.lock()
    assert not dialog.isVisible() or dialog.preview_table.rowCount() == 0
    assert dialog.preview_table.rowCount() == 0 and dialog.mapping_table.rowCount() == 0


def test_transmit_all_without_a_receiver_set_up_says_so(app: Any, qtbot: Any, tmp_path: Path) -> None:
    dialog = import_through_dialog(app, roster(tmp_path, rows=2))
    dialog.import_button.click()
    window = app.window
    window.table.selectAll()
    window.transmit_all_action.trigger()
    (confirm,) = boxes()
    next(b for b in confirm.buttons() if b.text() == "&Transmit").click()
    (problem,) = boxes()
    assert problem.windowTitle() == "Not transmitted" and app.bulk.progress is None
    assert {s.state for s in app.ctx.store.list()} == {State.READY, State.DRAFT}
    problem.close()

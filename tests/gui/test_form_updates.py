"""End to end, as a coordinator whose forms change: the real GUI and `coc` against the real intake service over
HTTPS. The receiver publishes a new edition of Germany's form (a field renamed, a value mapped, a required field
added); `coc forms update` installs it and carries the drafts over with their reports; the wizard shows the report
the first time the request opens, the renamed field keeps its value, the new one shows as missing. A request that
no installed edition can show opens read-only with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.cli import main
from app.forms import Catalog, verdict
from app.forms.example import example_answers
from app.request import RequestDoc, State
from app.store import Store
from app.updates.trust import set_forms_root
from intake import RunningIntake, serve_in_thread
from intake.publish import publish
from tests.gui.conftest import PASSPHRASE
from tests.gui.helpers import start_app, stop_app
from tests.gui.test_transmit_print import TOKEN, configure
from tests.updates.editions import ONE, TWO, edition_one, edition_two
from ui.form_updates import ChangesDialog, ReadOnlyRequest
from ui.wizard import REVIEW_ID

pytestmark = pytest.mark.gui


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[Path, RunningIntake]]:
    folder = tmp_path / "intake"
    publish(folder, edition_one(tmp_path / "one"))
    with serve_in_thread(folder, [TOKEN]) as running:
        yield folder, running


def shown(kind: type) -> list[Any]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def close_boxes() -> str:
    text = " ".join(b.text() + " " + b.informativeText() for b in shown(QMessageBox))
    for box in shown(QMessageBox):
        box.close()
    return text


def save(store: Store, catalog: Catalog, doc: RequestDoc) -> str:
    judged = verdict(doc, catalog)
    store.save(doc, error_count=judged.error_count, warning_count=judged.warning_count)
    return doc.id


def test_a_new_edition_reaches_the_drafts_and_the_wizard_shows_what_changed(
    qtbot: Any,
    data_dir: Path,
    catalog: Catalog,
    receiver: tuple[Path, RunningIntake],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, intake = receiver
    monkeypatch.setenv("COC_DATA_DIR", str(data_dir))
    controller = start_app(qtbot, data_dir, catalog)
    configure(qtbot, controller, intake)
    store = controller.ctx.store
    set_forms_root(store, folder / "forms-root.json")
    window = controller.window

    # Update forms from the GUI: edition one of Germany's form arrives.
    window.update_forms_action.trigger()
    assert "New editions installed: Germany." in close_boxes()
    spec = controller.ctx.catalog.forms["de-employee"]
    assert spec.edition == ONE and controller.ctx.catalog.origin("de-employee") == "updated"
    answers = {
        **example_answers(spec),
        "posting.site": "Hamburg yard",
        "posting.reason": "training",
        "posting.remarks": "Bring boots",
    }
    ready = save(store, controller.ctx.catalog, RequestDoc("de-employee", ONE, answers))
    draft = save(store, controller.ctx.catalog, RequestDoc("de-employee", ONE, {"posting.site": "Kiel"}))
    assert store.get(ready).state is State.READY

    # The receiver publishes edition two; the edition check offers Update forms on the toolbar.
    publish(folder, edition_two(tmp_path / "two"))
    assert not window.update_forms_button_action.isVisible()
    controller.outbox.check_editions()
    assert window.update_forms_button_action.isVisible()

    # coc forms update, from a terminal beside the open application.
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data_dir), "forms", "update", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["forms"]["de-employee"] for e in out["installed"]] == [TWO]
    reports = {r["request_id"]: r for r in out["reports"]}
    assert set(reports) == {ready, draft}
    assert reports[ready]["renamed"] == [{"from": "posting.site", "to": "posting.site_name"}]
    assert reports[ready]["mapped"] == [{"field": "posting.reason", "from": "training", "to": "instruction"}]
    assert reports[ready]["missing"] == ["posting.contact"] and reports[ready]["added"] == ["posting.contact"]
    assert reports[ready]["kept"] == {"posting.remarks": "Bring boots"}  # nothing typed is lost
    assert store.get(ready).state is State.DRAFT  # the new required field is missing

    # The wizard opens the request in edition two, shows the report once, the renamed field with its value.
    window.refresh()
    controller.open_request(ready)
    wizard = controller.wizards[ready]
    assert wizard.spec.edition == TWO
    (dialog,) = shown(ChangesDialog)
    text = dialog.text.toPlainText()
    assert "Renamed: “Site” is now “Name of the site” (the answer moved with it)." in text
    assert "Changed value: “Reason for the posting” 'training' is now 'instruction'." in text
    assert "Now missing: “Contact at the site”." in text
    assert "Kept as a note (no longer on the form): “Remarks”: Bring boots" in text
    dialog.close()
    assert "Remarks: Bring boots" in wizard.steps.note.text()  # read-only, beside the pages, every time
    wizard.go_to_section("posting")
    assert wizard.rows["posting.site_name"][1].editor.value() == "Hamburg yard"
    assert wizard.rows["posting.reason"][1].editor.value() == "instruction"
    wizard.go_to(REVIEW_ID)
    assert ("posting.contact", "required") in {(i.field, i.code) for i in wizard.review_page.issues}
    wizard.close()
    controller.open_request(ready)
    assert shown(ChangesDialog) == []  # only the first time
    assert "Remarks: Bring boots" in controller.wizards[ready].steps.note.text()
    stop_app(controller)


def test_a_request_no_installed_edition_can_show_opens_read_only_with_the_reason(
    qtbot: Any, data_dir: Path, catalog: Catalog
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    spec = catalog.forms["de-employee"]
    newer = RequestDoc("de-employee", "2099-01-01", {"worker.first_name": "Ann", "posting.site": "Kiel"})
    store.save(newer, error_count=1)  # written on a workstation with newer forms (a restored backup)
    gone = RequestDoc("zz-employee", spec.edition, {"worker.first_name": "Bo"})
    store.save(gone, error_count=1)  # a form no longer offered
    controller.window.refresh()
    controller.open_request(newer.id)
    assert newer.id not in controller.wizards
    (dialog,) = shown(ReadOnlyRequest)
    assert (
        "newer than the one installed here" in dialog.reason.text() and "Update forms" in dialog.reason.text()
    )
    assert dialog.table.item(1, 1).text() == "Kiel"
    dialog.close()
    controller.open_request(gone.id)
    (dialog,) = shown(ReadOnlyRequest)
    assert "unknown form 'zz-employee'" in dialog.reason.text() and "read-only" in dialog.reason.text()
    dialog.close()
    assert store.get(newer.id).edition == "2099-01-01"  # nothing was changed
    stop_app(controller)

"""A stale copy never wins: with a request open in the wizard, another process (the command line) changes its
SSN; the wizard's next save is refused by the store, the conflict is shown with both versions, and nothing is
lost whichever the user chooses. Closing the window waits for the choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.forms import Catalog
from tests.conftest import REPO
from tests.gui.conftest import PASSPHRASE, add_example
from tests.gui.helpers import start_app, stop_app
from ui.wizard import RequestWizard

pytestmark = pytest.mark.gui
OURS, THEIRS = "123-45-6789", "123-45-6780"


def coc(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line, in a process of its own, on the same store."""
    env = {**os.environ, "COC_DATA_DIR": str(data_dir), "COC_PASSPHRASE": PASSPHRASE}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def change_elsewhere(data_dir: Path, request_id: str, tmp_path: Path, **answers: str) -> None:
    exported = tmp_path / "exported.json"
    done = coc(data_dir, "drafts", "export", request_id, "-o", str(exported), "--force")
    assert done.returncode == 0, done.stderr
    base = done.stderr.split("exported revision ", 1)[1].split()[0]
    doc = json.loads(exported.read_text(encoding="utf-8"))
    doc["answers"].update(answers)
    exported.write_text(json.dumps(doc), encoding="utf-8")
    done = coc(data_dir, "drafts", "add", str(exported), "--base", base)
    assert done.returncode == 0, done.stderr


def open_and_type(qtbot: Any, controller: Any, request_id: str) -> RequestWizard:
    """Open the request and type a letter at the end of the city of birth (not saved yet)."""
    controller.open_request(request_id)
    wizard: RequestWizard = controller.wizards[request_id]
    wizard.go_to_field("worker.birth_city")
    line = wizard.rows["worker.birth_city"][1].editor.focus_widget
    line.end(False)
    qtbot.keyClicks(line, "x")
    assert wizard.dirty
    return wizard


def press_save(qtbot: Any, wizard: RequestWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CustomButton1), Qt.MouseButton.LeftButton)


def test_a_change_elsewhere_is_shown_and_the_other_version_can_be_taken(
    qtbot: Any, data_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    doc = add_example(store, catalog, "de-employee", worker__ssn=OURS)
    city = doc.answers["worker.birth_city"]
    wizard = open_and_type(qtbot, controller, doc.id)

    change_elsewhere(data_dir, doc.id, tmp_path, **{"worker.ssn": THEIRS})
    press_save(qtbot, wizard)

    dialog = wizard.conflict_dialog
    assert dialog is not None and dialog.isVisible()
    assert "changed elsewhere" in dialog.text()
    shown = {label: (mine, there) for label, mine, there in dialog.differences}
    assert shown["Social Security number"] == ("•••-••-6789", "•••-••-6780")  # masked, both versions
    assert shown["City of birth"] == (city + "x", city)
    assert OURS not in dialog.informativeText() and THEIRS not in dialog.informativeText()
    stored = store.get(doc.id)
    assert stored.answers["worker.ssn"] == THEIRS and stored.answers["worker.birth_city"] == city  # untouched
    assert "changed elsewhere" in wizard.steps.status.text()

    wizard.close()  # nothing closes over a choice not made
    assert wizard.isVisible() and dialog.isVisible()

    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    assert wizard.conflict_dialog is None and not wizard.dirty
    assert wizard.session.answers["worker.ssn"] == THEIRS
    assert wizard.rows["worker.birth_city"][1].editor.value() == city
    assert wizard.rows["worker.ssn"][1].editor.value() == THEIRS
    revision = store.summary(doc.id).revision

    open_and_type(qtbot, controller, doc.id)  # the same window: editing goes on from the version taken
    press_save(qtbot, wizard)
    assert wizard.conflict_dialog is None
    assert store.summary(doc.id).revision == revision + 1
    assert store.get(doc.id).answers["worker.ssn"] == THEIRS
    stop_app(controller)


def test_keeping_my_version_keeps_the_other_in_the_history(
    qtbot: Any, data_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    doc = add_example(store, catalog, "de-employee", worker__ssn=OURS)
    city = doc.answers["worker.birth_city"]
    wizard = open_and_type(qtbot, controller, doc.id)
    change_elsewhere(data_dir, doc.id, tmp_path, **{"worker.ssn": THEIRS})

    wizard.close()  # closing saves first: the conflict is shown instead of closing
    dialog = wizard.conflict_dialog
    assert dialog is not None and dialog.isVisible() and wizard.isVisible()
    assert store.get(doc.id).answers["worker.ssn"] == THEIRS

    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)  # decide later: still unsaved, on screen
    assert wizard.dirty and store.get(doc.id).answers["worker.ssn"] == THEIRS
    wizard.save_now()  # the autosave waits while the choice is open
    assert store.get(doc.id).answers["worker.ssn"] == THEIRS and wizard.conflict_dialog is None

    press_save(qtbot, wizard)  # Save offers the choice again
    dialog = wizard.conflict_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    now = store.get(doc.id)
    assert now.answers["worker.ssn"] == OURS and now.answers["worker.birth_city"] == city + "x"
    history = store.history(doc.id)
    assert [r.rev for r in history] == [1, 2, 3]
    assert store.revision(doc.id, 2).answers["worker.ssn"] == THEIRS  # theirs: kept, one revision back
    wizard.close()
    assert not wizard.isVisible() and doc.id not in controller.wizards
    stop_app(controller)


def test_a_save_elsewhere_that_changed_nothing_is_no_conflict(
    qtbot: Any, data_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    doc = add_example(store, catalog, "de-employee")
    wizard = open_and_type(qtbot, controller, doc.id)
    change_elsewhere(data_dir, doc.id, tmp_path)  # saved again as it was
    press_save(qtbot, wizard)
    assert wizard.conflict_dialog is None and not wizard.dirty
    assert (
        store.get(doc.id).answers["worker.birth_city"].endswith("x") and store.summary(doc.id).revision == 3
    )
    stop_app(controller)


def test_a_request_deleted_elsewhere_can_be_saved_again(
    qtbot: Any, data_dir: Path, catalog: Catalog, tmp_path: Path
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    store = controller.ctx.store
    doc = add_example(store, catalog, "de-employee")
    wizard = open_and_type(qtbot, controller, doc.id)
    store.delete(doc.id)  # another window's Delete
    press_save(qtbot, wizard)
    dialog = wizard.conflict_dialog
    assert dialog is not None and "deleted elsewhere" in dialog.text()
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    assert store.get(doc.id).answers["worker.birth_city"].endswith("x")
    stop_app(controller)

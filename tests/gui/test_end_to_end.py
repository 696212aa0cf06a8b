"""End to end, as a coordinator: the real GUI against the real intake service over HTTPS. A new request typed
by keys, its errors shown and fixed, transmitted, the receipt shown, the status checked after the agency's admin
command approves it, and the fax copy printed and read back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.forms import Catalog
from app.forms.example import example_answers
from app.request import State
from intake import RunningIntake, serve_in_thread
from tests.conftest import REPO
from tests.gui.helpers import start_app, stop_app
from tests.gui.test_transmit_print import TOKEN, configure
from tests.gui.test_wizard_flow import go_through, new_wizard, review_and_fix_via_link, set_employer_profile
from ui.wizard import REVIEW_ID

pytestmark = pytest.mark.gui


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[RunningIntake]:
    with serve_in_thread(tmp_path / "intake", [TOKEN]) as running:
        yield running


def shown_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def close_boxes() -> str:
    text = " ".join(b.text() + " " + b.informativeText() for b in shown_boxes())
    for box in shown_boxes():
        box.close()
    return text


def test_a_whole_request_from_new_to_approved_and_printed(
    qtbot: Any, data_dir: Path, catalog: Catalog, intake: RunningIntake, tmp_path: Path
) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    configure(qtbot, controller, intake)
    answers = example_answers(catalog.form("de-employee"))
    answers["worker.first_name"] = "Lukasz"
    answers["worker.last_name"] = "Nunez-Garcia"
    set_employer_profile(qtbot, controller, answers)

    # New request, typed page by page; the worker page shows a wrong SSN and date first, then fixes them.
    wizard = new_wizard(qtbot, controller, "Germany")
    go_through(qtbot, wizard, {**answers, "assignment.end_date": "2034-12-31"})
    assert wizard.currentId() == REVIEW_ID
    codes = [i.code for i in wizard.review_page.issues if i.is_error]
    assert codes == ["detachment_limit_exceeded"]  # more than 5 years in Germany: blocked
    assert not wizard.review_page.transmit_button.isEnabled()
    review_and_fix_via_link(qtbot, wizard, "assignment.end_date", answers["assignment.end_date"])
    request_id = wizard.doc.id

    # Transmit: over HTTPS to the intake service; the receipt comes back and is shown and stored.
    qtbot.mouseClick(wizard.review_page.transmit_button, Qt.MouseButton.LeftButton)
    store = controller.ctx.store
    assert store.get(request_id).state is State.SENT, (close_boxes(), store.receiver_errors(request_id))
    receipt = store.receipt(request_id)
    assert receipt is not None and receipt["confirmation"] in close_boxes()
    assert intake.stats.created == 1

    # The agency decides, with the service's own admin command, in another process.
    decided = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake",
            "decide",
            request_id[:8],
            "approve",
            "--data",
            str(tmp_path / "intake"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert decided.returncode == 0, decided.stderr
    assert "approved" in decided.stdout
    assert list((tmp_path / "intake").rglob("*.eml"))  # the confirmation e-mail the request asked for

    # Check status from the list: the request becomes approved.
    wizard.close()
    window = controller.window
    window.refresh()
    window.table.selectRow(window.model.row_of(request_id))
    window.status_action.trigger()
    assert "approved" in close_boxes().lower()
    assert store.get(request_id).state is State.APPROVED
    decision = (store.receipt(request_id) or {})["decision"]
    assert decision["state"] == "approved"
    assert decision["certificate"] == {
        "start": answers["assignment.start_date"],
        "end": answers["assignment.end_date"],
    }

    # Print the fax copy through the Print fax copy dialog, save it, and read it back.
    from ui.print_dialog import PrintDialog

    window.table.selectRow(window.model.row_of(request_id))
    window.print_action.trigger()
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, PrintDialog) and w.isVisible()]
    out = tmp_path / "fax.pdf"
    assert dialog.save_to(str(out))
    dialog.close()
    text = "\n".join(page.extract_text() or "" for page in PdfReader(out).pages)
    assert request_id in text and "Lukasz" in text and "Nunez-Garcia" in text
    assert "(410) 966-1861" in text and "NOT READY" not in text
    assert any(e.event == "printed" for e in store.audit(request_id))
    stop_app(controller)

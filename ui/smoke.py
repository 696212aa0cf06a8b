"""`coc gui --smoke [--screenshots DIR]`: the whole application on a throw-away store, screen by screen.

It creates a store in a temporary folder with a generated passphrase (through the first-run dialog), fills it with
example requests, opens the main window, builds the wizard of every shipped form (every page), walks one request
through its pages, locks and unlocks, and exits 0, or 1 with the reason. With `--screenshots` it saves a PNG of
each main screen. The packaged build runs it as its own check.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.forms.example import example_answers
from app.request import RequestDoc
from app.store import Store
from app.store.keychain import KeychainStatus
from app.store.service import save_validated
from ui.app import make_application
from ui.controller import AppController
from ui.unlock import CreatePassphraseDialog, UnlockDialog
from ui.wizard import REVIEW_ID, RequestWizard

NO_KEYCHAIN = KeychainStatus(False, "none", "a smoke run never uses the system keychain")
EXAMPLES: tuple[tuple[str, dict[str, str]], ...] = (
    ("de-employee", {}),
    ("fr-employee", {"worker.first_name": "Camille", "worker.last_name": "Exemple"}),
    (
        "dk-employee",
        {"worker.first_name": "Mads", "worker.last_name": "Eksempel", "worker.ssn": "000-12-3456"},
    ),
    ("jp-self_employed", {"worker.first_name": "Hana", "worker.last_name": "Rei"}),
    ("gb-employee", {"worker.first_name": "Oliver", "worker.last_name": "Sample", "assignment.end_date": ""}),
    ("es-employee", {"worker.first_name": "Lucía", "worker.last_name": "Ejemplo"}),
    ("it-employee", {"worker.first_name": "Giulia", "worker.last_name": "Esempio"}),
    ("ca-employee", {"worker.first_name": "Noah", "worker.last_name": "Example"}),
)


class SmokeFailed(Exception):
    pass


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SmokeFailed(f"timed out waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def shoot(widget: QWidget, folder: Path | None, name: str) -> None:
    if folder is None:
        return
    QApplication.processEvents()
    path = folder / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SmokeFailed(f"could not write {path}")
    print(f"screenshot: {path}")


def seed(store: Store) -> int:
    """Example requests: complete ones, and some with errors and warnings."""
    from app.forms import default_catalog

    catalog = default_catalog()
    count = 0
    for form_id, changes in EXAMPLES:
        if form_id not in catalog.forms:
            continue
        spec = catalog.form(form_id)
        answers = example_answers(spec)
        for key, value in changes.items():
            if value == "":
                answers.pop(key, None)
            else:
                answers[key] = value
        save_validated(store, RequestDoc(spec.id, spec.edition, answers))
        count += 1
    return count


def run_smoke(screenshots: Path | None) -> int:
    errors: list[str] = []

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    previous = sys.excepthook
    sys.excepthook = hook
    try:
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="coc-smoke-") as tmp:
            _walk(Path(tmp), screenshots)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        sys.excepthook = previous
    if errors:
        print("smoke run FAILED:", file=sys.stderr)
        for text in errors:
            print(text, file=sys.stderr)
        return 1
    print("smoke run passed")
    return 0


def _walk(data_dir: Path, shots: Path | None) -> None:
    app = make_application(["coc", "--smoke"])
    passphrase = f"smoke {secrets.token_urlsafe(12)} 7"
    controller = AppController(data_dir, keychain_status=NO_KEYCHAIN)
    ctx = controller.ctx
    controller.start()
    create = controller.dialog
    if not isinstance(create, CreatePassphraseDialog):
        raise SmokeFailed("the first run did not ask to create a passphrase")
    create.first.setText(passphrase)
    create.second.setText(passphrase)
    settle(app)
    shoot(create, shots, "create-passphrase")
    create.create_button.click()
    wait_for(lambda: ctx.store is not None and controller.window is not None, "the store to be created")
    window = controller.window
    assert window is not None and ctx.store is not None
    store = ctx.store
    ctx.tasks.run_db(lambda: seed(store))
    ctx.tasks.wait()
    window.refresh()
    ctx.tasks.wait()
    window.resize(1180, 640)
    window.table.selectRow(1)
    settle(app)
    print(f"main window: {window.model.total} example requests")
    shoot(window, shots, "main-window")

    # Every shipped definition builds a wizard, every page of it.
    for spec in ctx.catalog.forms.values():
        wizard = RequestWizard(ctx, RequestDoc(spec.id, spec.edition, {}), stored=False)
        wizard.build_all()
        wizard.deleteLater()
    settle(app)
    print(f"wizards built: {len(ctx.catalog.forms)}")

    # One request through its pages: first page, a section with an error and its help, the review.
    summaries = [window.model.summary(r) for r in range(window.model.rowCount())]
    target = next((s for s in summaries if s is not None and s.form == "dk-employee"), None)
    if target is None:
        raise SmokeFailed("the example Danish request is not in the list")
    controller.open_request(target.id)
    ctx.tasks.wait()
    wizard = controller.wizards[target.id]
    wizard.go_to(0)
    settle(app)
    shoot(wizard, shots, "wizard-start")
    wizard.go_to_field("worker.ssn")
    settle(app)
    shoot(wizard, shots, "wizard-section")
    wizard.go_to_section("family")
    settle(app)
    shoot(wizard, shots, "wizard-family")
    wizard.go_to(REVIEW_ID)
    settle(app)
    shoot(wizard, shots, "wizard-review")
    wizard.close()
    ctx.tasks.wait()

    # Settings, then the lock, then unlocking with a wrong and the right passphrase.
    controller.show_settings()
    ctx.tasks.wait()
    settle(app)
    if controller.settings_dialog is not None:
        shoot(controller.settings_dialog, shots, "settings")
        controller.settings_dialog.reject()
    controller.lock()
    ctx.tasks.wait()
    unlock = controller.dialog
    if not isinstance(unlock, UnlockDialog) or ctx.store is not None:
        raise SmokeFailed("the lock did not close the store and ask for the passphrase")
    unlock.passphrase.setText("not the passphrase")
    unlock.unlock_button.click()
    wait_for(lambda: unlock.error.isVisible(), "the wrong passphrase to be refused")
    settle(app)
    shoot(unlock, shots, "unlock")
    unlock.passphrase.setText(passphrase)
    unlock.unlock_button.click()
    wait_for(lambda: ctx.store is not None, "the unlock")
    ctx.tasks.wait()
    print("lock and unlock: passed")
    controller.shutdown()
    window.close()
    settle(app)

"""`coc gui --smoke [--screenshots DIR]`: the whole application on a throw-away store, window by window.

It creates a store in a temporary folder with a generated passphrase (through the first-run dialog), fills it with
example requests, opens the main window, builds the wizard of every shipped form (every page), walks one request
through every page to the review, shows the question when it changed elsewhere, opens the print preview, the
settings, About, the unexpected-problem dialog and the roster import, locks and unlocks, and exits 0, or 1 with
the reasons. Every window and dialog is shown with its longest message, and checked against the screen it
is on (`ui.screen_checks`: inside the screen, buttons whole, nothing overlapping, no text cut). With
`--screenshots` each one is saved as a PNG. The packaged build runs it as its own check; CI runs it on a real X
server at 1024x640, and at 1366x768 with 125% scaling.
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
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import UserError
from app.forms.example import example_answers
from app.request import RequestDoc
from app.store import Store, StoreError
from app.store.keychain import KeychainStatus
from app.store.service import save_validated
from app.transmit import TransmitError
from ui import messages, screen_checks
from ui.app import make_application
from ui.controller import AppController
from ui.unlock import CreatePassphraseDialog, UnlockDialog
from ui.wizard import REVIEW_ID, START_ID, RequestWizard

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
WEAK_PASSPHRASE = "a"  # the longest "not yet" verdict of the first-run dialog
SENT_EXAMPLE = "es-employee"  # shown with its receipt


class SmokeFailed(Exception):
    pass


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SmokeFailed(f"timed out waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


class Shooter:
    """Checks each window shown against its screen, and saves its picture when a folder is given."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.names: list[str] = []

    def __call__(self, widget: QWidget, name: str) -> None:
        settle()
        if not widget.isVisible():
            raise SmokeFailed(f"{name}: the window is not shown")
        self.names.append(name)
        self.problems.extend(f"{name}: {p}" for p in screen_checks.problems(widget))
        if self.folder is None:
            return
        path = self.folder / f"{name}.png"
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
        answers["worker.ssn"] = f"123-45-{6781 + count}"  # each its own worker: no warning across requests
        for key, value in changes.items():
            if value == "":
                answers.pop(key, None)
            else:
                answers[key] = value
        doc = RequestDoc(spec.id, spec.edition, answers)
        save_validated(store, doc, catalog)
        if form_id == SENT_EXAMPLE:
            mark_sent(store, doc.id)
        count += 1
    return count


def mark_sent(store: Store, request_id: str) -> None:
    """An example request as the outbox leaves it once a receiver took it (the smoke run sends nothing)."""
    doc = store.get(request_id)
    store.enqueue(request_id, doc.to_json(), request_id)
    receipt = {
        "confirmation": "COC-2027-000123",
        "received_at": "2027-01-04T09:30:00Z",
        "request_id": request_id,
        "receiver": "https://receiver.example",
    }
    store.mark_sent(request_id, receipt)


def run_smoke(screenshots: Path | None) -> int:
    errors: list[str] = []

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    previous = sys.excepthook
    sys.excepthook = hook
    shoot = Shooter(screenshots)
    try:
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="coc-smoke-") as tmp:
            _walk(Path(tmp), shoot)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        sys.excepthook = previous
    screen = QApplication.primaryScreen()
    if screen is not None:
        size = screen.availableGeometry().size()
        print(f"screen: {size.width()}x{size.height()} (scale {screen.devicePixelRatio():g})")
    print(f"windows checked: {len(shoot.names)}")
    errors.extend(f"does not fit: {p}" for p in shoot.problems)
    if errors:
        print("smoke run FAILED:", file=sys.stderr)
        for text in errors:
            print(text, file=sys.stderr)
        return 1
    print("smoke run passed")
    return 0


def longest_message(base: type[UserError]) -> str:
    """The longest message (with its way forward) of the known problems of one kind: what a dialog that shows
    them must have room for."""
    kinds: list[type[UserError]] = []
    pending = [base]
    while pending:
        kind = pending.pop()
        kinds.append(kind)
        pending.extend(kind.__subclasses__())
    return max((messages.screen_text(k()) for k in kinds if _plain(k)), key=len)


def _plain(kind: type[UserError]) -> bool:
    """Can the error be made without arguments (the ones that need some say their message themselves)?"""
    try:
        kind()
    except TypeError:
        return False
    return True


def inked(widget: QWidget) -> bool:
    """Does the widget show any dark pixel yet (the PDF view draws its pages a moment after loading them)?"""
    image = widget.grab().toImage()
    step = max(4, min(image.width(), image.height()) // 60)
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            if image.pixelColor(x, y).value() < 100:
                return True
    return False


def drawn(widget: QWidget) -> bool:
    """Inked, and still inked once the events posted meanwhile have run: on xcb the preview's page was at times
    drawn, then blank again for a moment, and so in 5 of 12 pictures (none of 12 since)."""
    if not inked(widget):
        return False
    settle()
    return inked(widget)


def shown_box() -> QMessageBox:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    if not boxes:
        raise SmokeFailed("no message was shown")
    return boxes[-1]


def _walk(data_dir: Path, shoot: Shooter) -> None:
    make_application(["coc"])
    passphrase = f"smoke {secrets.token_urlsafe(12)} 7"
    controller = AppController(data_dir, keychain_status=NO_KEYCHAIN)
    ctx = controller.ctx
    controller.start()
    create = controller.dialog
    if not isinstance(create, CreatePassphraseDialog):
        raise SmokeFailed("the first run did not ask to create a passphrase")
    create.first.setText(WEAK_PASSPHRASE)
    create.fail(longest_message(StoreError))
    shoot(create, "create-passphrase")
    create.error.hide()
    create.first.setText(passphrase)
    create.second.setText(passphrase)
    create.create_button.click()
    wait_for(lambda: ctx.store is not None and controller.window is not None, "the store to be created")
    window = controller.window
    assert window is not None and ctx.store is not None
    store = ctx.store
    ctx.tasks.run_db(lambda: seed(store))
    ctx.tasks.wait()
    window.refresh()
    ctx.tasks.wait()
    window.table.selectRow(1)
    print(f"main window: {window.model.total} example requests")
    shoot(window, "main-window")
    summaries = [window.model.summary(r) for r in range(window.model.rowCount())]
    sent = next((s for s in summaries if s is not None and s.form == SENT_EXAMPLE), None)
    if sent is None:
        raise SmokeFailed("the example sent request is not in the list")
    window.table.selectRow(window.model.row_of(sent.id))
    ctx.tasks.wait()
    wait_for(window.receipt.isVisible, "the receipt under the list")
    shoot(window, "receipt")

    # A new request: no agreement chosen yet, the cursor on it.
    controller.new_request()
    ctx.tasks.wait()
    new = next((w for w in controller.wizards.values() if not w.stored), None)
    if new is None or new.start_page.chosen:
        raise SmokeFailed("a new request did not open on the choice of agreement")
    shoot(new, "wizard-new")
    new.close()
    ctx.tasks.wait()

    # The sent request: read-only, its receipt on the review page.
    controller.open_request(sent.id)
    ctx.tasks.wait()
    read_only = controller.wizards[sent.id]
    read_only.go_to(REVIEW_ID)
    review = read_only.review_page
    wait_for(lambda: review is not None and review.receipt.isVisible(), "the receipt on the review page")
    shoot(read_only, "wizard-sent-review")
    read_only.close()
    ctx.tasks.wait()

    # Every shipped definition builds a wizard, every page of it.
    for spec in ctx.catalog.forms.values():
        wizard = RequestWizard(ctx, RequestDoc(spec.id, spec.edition, {}), stored=False)
        wizard.build_all()
        wizard.deleteLater()
    settle()
    print(f"wizards built: {len(ctx.catalog.forms)}")

    # One request through every page: the first page, each section (one with an error shown), the review.
    target = next((s for s in summaries if s is not None and s.form == "dk-employee"), None)
    if target is None:
        raise SmokeFailed("the example Danish request is not in the list")
    controller.open_request(target.id)
    ctx.tasks.wait()
    wizard = controller.wizards[target.id]
    wizard.go_to(START_ID)
    shoot(wizard, "wizard-start")
    for section in wizard.spec.sections:
        wizard.go_to_section(section.id)
        if section.id == "worker":
            wizard.go_to_field("worker.ssn")
        shoot(wizard, f"wizard-{section.id}")
    wizard.go_to(REVIEW_ID)
    shoot(wizard, "wizard-review")

    # Changed elsewhere while open here: the question, with more differences than it lists.
    from ui.wizard.conflict import ConflictDialog

    theirs = wizard.snapshot()
    theirs.answers = {  # a colleague's edits: every text answer (codes of countries and states stay)
        k: f"{v} (edited)" if isinstance(v, str) and not (len(v) == 2 and v.isupper()) else v
        for k, v in theirs.answers.items()
    }
    conflict = ConflictDialog(wizard, wizard.spec, wizard.snapshot(), theirs, "2027-01-04 09:30")
    conflict.open()
    shoot(conflict, "conflict")
    conflict.done(0)
    conflict.deleteLater()

    # The print preview of a request with errors (its longest status), from the review page.
    wizard.review_page.print_button.click() if wizard.review_page is not None else None
    ctx.tasks.wait()
    from ui.print_dialog import PrintDialog

    wait_for(
        lambda: any(isinstance(w, PrintDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
        "the print preview",
    )
    preview = next(p for p in QApplication.topLevelWidgets() if isinstance(p, PrintDialog) and p.isVisible())
    assert isinstance(preview, PrintDialog)
    preview.mask_ssn_box.setChecked(True)
    wait_for(lambda: preview.rendered is not None and preview.rendered.masked, "the masked preview")
    wait_for(lambda: drawn(preview.view.viewport()), "the preview's first page to be drawn")
    shoot(preview, "print-preview")
    preview.close()
    wizard.close()
    ctx.tasks.wait()

    # Settings, every tab, with an employer profile that has an error.
    controller.show_settings()
    ctx.tasks.wait()
    settings = controller.settings_dialog
    if settings is None:
        raise SmokeFailed("the settings did not open")
    wait_for(settings.isEnabled, "the settings to load")
    ein = settings.rows.get("employer.ein")
    if ein is not None:
        ein.editor.set_value("12-345")
        ein.editor.changed.emit(ein.editor.value())
    settings.problem.setText(longest_message(TransmitError))
    settings.problem.show()
    for tab in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(tab)
        shoot(settings, "settings" if tab == 0 else f"settings-{tab + 1}")
    settings.reject()
    settle()

    # Help, About: the licence and the third-party notices.
    window.about_action.trigger()
    about = window.about_dialog
    if about is None:
        raise SmokeFailed("the About box did not open")
    shoot(about, "about")
    about.reject()

    # An unexpected problem: what it means for the work, and a long report.
    from ui.crash import CrashDialog

    frames = "".join(
        f'  File "ui/module_{n}.py", line {n}, in step_{n}\n    do_the_step()\n' for n in range(60)
    )
    crash = CrashDialog(
        f"Traceback (most recent call last):\n{frames}RuntimeError: a smoke run's example report",
        str(data_dir / "crash-reports" / "crash-2027-01-04T093000.txt"),
        window,
    )
    crash.open()
    shoot(crash, "crash")
    crash.reject()
    crash.deleteLater()

    # The Import roster dialog: rows that become drafts with errors, and one skipped (no such agreement).
    roster = data_dir / "roster.csv"
    roster.write_text(
        "Assignment ID,First name,Last name,DOB,Host Country\n"
        "A-1,Jane,Example,6/15/1985,Germany\nA-2,Ken,Example,31/12/1980,Japan\nA-3,Ann,Example,1/2/1990,Narnia\n",
        encoding="utf-8",
    )
    window.import_action.trigger()
    importer = controller.bulk.dialog
    if importer is None:
        raise SmokeFailed("the Import roster dialog did not open")
    importer.load(str(roster))
    ctx.tasks.wait()
    wait_for(lambda: importer.preview_table.rowCount() == 3, "the roster's preview")
    shoot(importer, "import-roster")
    importer.reject()
    settle()

    # Transmit while transmission is not set up: what is missing, and the way on.
    ready = next(s for s in summaries if s is not None and s.state.value == "ready")
    controller.transmit(ready.id)
    ctx.tasks.wait()
    shoot(shown_box(), "transmit-not-set-up")
    shown_box().reject()

    # The lock, then unlocking with a wrong and the right passphrase.
    controller.lock()
    ctx.tasks.wait()
    unlock = controller.dialog
    if not isinstance(unlock, UnlockDialog) or ctx.store is not None:
        raise SmokeFailed("the lock did not close the store and ask for the passphrase")
    shoot(window, "locked")
    unlock.passphrase.setText("not the passphrase")
    unlock.unlock_button.click()
    wait_for(lambda: unlock.error.isVisible(), "the wrong passphrase to be refused")
    unlock.fail(longest_message(StoreError))
    shoot(unlock, "unlock")
    unlock.passphrase.setText(passphrase)
    unlock.unlock_button.click()
    wait_for(lambda: ctx.store is not None, "the unlock")
    ctx.tasks.wait()
    print("lock and unlock: passed")
    controller.shutdown()
    window.close()
    settle()

"""The application's course: first run or unlock, the main window, the open wizards, the idle lock, quitting.

The controller owns the open store (in the shared `AppContext`), and it alone opens and closes it: unlocking runs
on the database thread (the key derivation takes a moment by design); the idle lock first queues the pending saves,
then closes the store on that same thread, so that no saved change is lost, and empties every window.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.request import RequestDoc
from app.store import Store, StoreError, keychain, locate
from app.store import unlock as store_unlock
from app.store.keychain import KeychainStatus
from ui import actions, messages, ops, scrub, style, windows
from ui.context import AppContext, in_use
from ui.gui_settings import open_settings
from ui.lock import ClipboardGuard, IdleWatcher
from ui.outbox_runner import OutboxRunner
from ui.store_check import StoreChecker
from ui.tasks import TaskManager

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from app.forms import Catalog
    from app.forms.model import FormSpec
    from ui.form_updates import FormUpdates
    from ui.main_window import MainWindow
    from ui.settings_dialog import SettingsDialog
    from ui.unlock import CreatePassphraseDialog, UnlockDialog
    from ui.wizard import RequestWizard

log = logging.getLogger(__name__)
WARM_UP_DELAY_MS = 300  # after the dialog is on screen; nobody types a passphrase faster
FIRST_ROWS_WAIT_MS = 250  # the longest the new main window waits for its first rows before it shows
DEFINITIONS_DELAY_MS = 100  # after the unlocked window, with a remembered key: its first rows come first
WINDOW_MODULES = ("ui.main_window", "ui.wizard", "ui.settings_dialog")


def load_catalog(data_dir: Path) -> Catalog:
    """The bundled definitions, imported and loaded on a background thread (the form engine is not needed to
    unlock); the context adds the editions installed in the data folder. The index of their names is kept for
    the next launch (`app.catalog_index`)."""
    from app import catalog_index
    from app.forms.loader import shipped_catalog

    catalog = shipped_catalog()
    # every agreement's file read here, not on the main thread when the list first asks for their names
    for _agreement in catalog.agreements.values():
        pass
    stamp = catalog_index.stamp(data_dir)
    index = catalog_index.CatalogIndex.of(in_use(catalog, data_dir))
    if catalog_index.read(data_dir, stamp) != index:
        catalog_index.write(data_dir, stamp, index)
    return catalog


def with_first_page(store: Store) -> tuple[Store, ops.FirstPage | None]:
    """The store just opened (on the database thread), with the list's first page read at once (`ops.first_page`)."""
    from ui.request_model import PAGE_SIZE

    return store, ops.first_page(store, PAGE_SIZE)


class AppController(QObject):
    """Signals:
    unlocked(): the store is open and the main window shows the list.
    locked(): the idle lock (or Lock) closed the store and emptied the windows.
    """

    unlocked = Signal()
    locked = Signal()

    def __init__(
        self,
        data_dir: Path,
        *,
        catalog: Catalog | None = None,
        tasks: TaskManager | None = None,
        keychain_status: KeychainStatus | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        style.readable_palette()
        self.ctx = AppContext(data_dir, catalog, tasks or TaskManager(parent=self), open_settings(data_dir))
        self.store_path = locate(data_dir)
        self.keychain = keychain_status or keychain.status()
        self.window: MainWindow | None = None
        self.dialog: UnlockDialog | CreatePassphraseDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.wizards: dict[str, RequestWizard] = {}
        self.reopen: list[tuple[str, str]] = []
        self.watcher = IdleWatcher(self.ctx.idle_minutes, parent=self)
        self.watcher.idle.connect(self.lock)
        self.clipboard = ClipboardGuard(self)
        self.outbox = OutboxRunner(self.ctx, self)
        self.outbox.progress.connect(self._outbox_progress)
        self.outbox.editions.connect(lambda text: self._status(text, 0))
        self._form_updates: FormUpdates | None = None  # its dialogs' code loads when first needed
        self.store_check = StoreChecker(self.ctx, self.watcher, self)
        self.outbox.editions.connect(lambda _text: self.form_updates.offer())
        self.outbox.finished.connect(self._outbox_finished)
        self.outbox.changed.connect(self._refresh_list)
        self.outbox.problem.connect(self._transmit_problem)
        self.ctx.tasks.known_error.connect(self._known_error)
        scrub.add_provider(self.personal_values)
        self.is_locked = False
        self._quitting = False
        self._warm_timer: QTimer | None = None
        self._loading_definitions = False
        self.pending_transmit: str | None = None  # Transmit waits for Settings
        self.transmit_box: QMessageBox | None = None

    @property
    def form_updates(self) -> FormUpdates:
        if self._form_updates is None:
            from ui.form_updates import FormUpdates

            self._form_updates = FormUpdates(self)
        return self._form_updates

    # --- starting and unlocking ----------------------------------------------------------------------------------

    def start(self) -> None:
        """First run: create the passphrase; later: unlock (with a key the keychain remembers, when there is one).

        The definitions load in the background (on the pool) while a passphrase is typed, or after the list shows
        when a remembered key opens the store and the index of their names fits (`app.catalog_index`); the windows'
        code is imported while the passphrase is being typed, else after the list shows."""
        if not self.store_path.exists():
            self.load_definitions()
            self._warm_up_while_typing()
            self.show_create()
            return
        if not self.ctx.catalog_loaded:  # the list's names from the index kept at the last launch, if it fits
            from app import catalog_index

            data_dir = self.ctx.data_dir
            self.ctx.index = catalog_index.read(data_dir, catalog_index.stamp(data_dir))
        remembered = keychain.recall(self.store_path) if self.keychain.available else None
        if remembered is None:
            if self.ctx.index is None:
                self.load_definitions()  # the window will need their names: loaded while the passphrase is typed
            self._warm_up_while_typing()  # else they load then too, unless the passphrase comes first
            self.show_unlock()
            return
        # With a remembered key nobody types: the window comes at once, its list named from the index kept at the
        # last launch; the definitions load after the list shows, then the wizard's code (either would compete
        # with the list for the interpreter). Without an index made from these definitions, they load first.
        if self.ctx.index is None:
            self.load_definitions()
        else:
            self.unlocked.connect(lambda: QTimer.singleShot(DEFINITIONS_DELAY_MS, self.load_definitions))
        self.unlocked.connect(lambda: QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up))
        path = self.store_path
        self.ctx.tasks.run_db(
            lambda: with_first_page(Store.open(path, key=remembered)),
            lambda opened: self._opened(opened[0], first=opened[1]),
            lambda _e: self.show_unlock(),
        )
        if self.window is None:  # built while the store opens on the database thread; shown with its rows
            self.window = self._make_window()

    def load_definitions(self) -> None:
        """Load the definitions on the pool (once), for the windows that need them (the list, once they came)."""
        if self.ctx.catalog_loaded or self._loading_definitions:
            return
        self._loading_definitions = True
        data_dir = self.ctx.data_dir
        self.ctx.tasks.run_io(lambda: load_catalog(data_dir), self._definitions_loaded)

    def _definitions_loaded(self, catalog: Catalog) -> None:
        self.ctx.set_catalog(catalog)
        if self.window is not None:
            self.window.definitions_loaded()

    def _warm_up_while_typing(self) -> None:
        """Load the definitions and import the windows' code while the passphrase is being typed
        (`_postpone_warm_up` if it comes first)."""
        timer = self._warm_timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(self.load_definitions)
        timer.timeout.connect(self._warm_up)
        timer.start(WARM_UP_DELAY_MS)

    def _postpone_warm_up(self) -> None:
        """A passphrase came before the warm-up ran (pasted, or filled by a password manager): the definitions load
        and the windows' code is imported after the list shows, as with a remembered key, never while the key is
        derived (which would slow it: three threads on two cores), the store opens and the list loads."""
        timer, self._warm_timer = self._warm_timer, None
        if timer is not None and timer.isActive():
            timer.stop()
            self.unlocked.connect(lambda: QTimer.singleShot(DEFINITIONS_DELAY_MS, self.load_definitions))
            self.unlocked.connect(lambda: QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up))

    @staticmethod
    def _warm_up() -> None:
        for name in WINDOW_MODULES:
            importlib.import_module(name)

    def show_create(self) -> None:
        from ui.unlock import CreatePassphraseDialog  # not needed when a remembered key opens the store

        dialog = CreatePassphraseDialog(self.store_path, self.keychain)
        dialog.submitted.connect(self._create)
        dialog.quit_requested.connect(self._quit_from_dialog)
        dialog.rejected.connect(
            self._quit_from_dialog
        )  # no window behind it: closing it ends the application
        self.dialog = dialog
        windows.present(dialog)

    def show_unlock(self, *, locked: bool = False) -> None:
        from ui.unlock import UnlockDialog

        if isinstance(self.dialog, UnlockDialog) and self.dialog.isVisible():
            windows.present(self.dialog, modal=locked)
            return
        dialog = UnlockDialog(
            self.store_path, self.keychain, locked=locked, parent=self.window if locked else None
        )
        dialog.submitted.connect(self._unlock)
        dialog.quit_requested.connect(self._quit_from_dialog)
        # At start nothing is behind the dialog: closing it ends the application. After the idle lock, Esc only
        # closes it: the locked window stays, with its Unlock button.
        dialog.rejected.connect(
            lambda: self._unlock_dismissed(dialog) if locked else self._quit_from_dialog()
        )
        self.dialog = dialog
        windows.present(dialog, modal=locked)

    def _create(self, passphrase: str, remember: bool) -> None:
        self._postpone_warm_up()
        path = self.store_path
        self.ctx.tasks.run_db(
            lambda: Store.create(path, passphrase),
            lambda store: self._opened(store, remember),
            self._unlock_failed,
        )

    def _unlock(self, passphrase: str, remember: bool) -> None:
        self._postpone_warm_up()
        path = self.store_path
        self.ctx.tasks.run_db(
            lambda: with_first_page(Store.open(path, passphrase)),
            lambda opened: self._opened(opened[0], remember, opened[1]),
            self._unlock_failed,
        )
        if self.window is None:  # built while the key is derived (on the database thread, by design slow)
            self.window = self._make_window()

    def _unlock_failed(self, exc: BaseException) -> None:
        if self.dialog is not None and isinstance(exc, StoreError):
            self.dialog.fail(messages.screen_text(exc))
        elif self.dialog is not None:
            self.dialog.fail(
                "The store could not be opened because of an unexpected problem (see the report)."
            )
            self.ctx.tasks.report(exc)

    def _quit_from_dialog(self) -> None:
        """Quit from the passphrase dialog: nothing is open, the application ends."""
        if self._quitting:
            return
        self._quitting = True
        self.shutdown()
        QApplication.quit()

    def _unlock_dismissed(self, dialog: UnlockDialog) -> None:
        if self.dialog is dialog and self.is_locked:
            self.dialog = None
            dialog.clear()
            dialog.deleteLater()

    def _opened(self, store: Store, remember: bool = False, first: ops.FirstPage | None = None) -> None:
        self.ctx.store = store
        self.is_locked = False
        if remember and self.keychain.available:
            self.ctx.tasks.run_db(lambda: store_unlock.remember(store), None, self._known_error)
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.clear()
            dialog.accept()
            dialog.deleteLater()
        self.ctx.tasks.run_db(store.idle_lock_seconds, self._idle_seconds)
        window = self.window
        if window is None:
            window = self.window = self._make_window()
        if not window.isVisible():  # a new window (else the locked one, unlocked again in place)
            self._present_with_rows(window)
        window.show_unlocked(first)
        self.watcher.start()
        self.outbox.start()
        self.store_check.start()
        reopen, self.reopen = self.reopen, []
        for request_id, _page in reopen:
            self.open_request(request_id)
        self.unlocked.emit()

    def _present_with_rows(self, window: MainWindow) -> None:
        """Show the new window when its first page of rows has come (`show_unlocked` asks for it), so that its
        first paint shows them (an empty window painted first, then again with its rows, would be two paints for
        one view); at the latest after `FIRST_ROWS_WAIT_MS`."""
        shown: list[bool] = []

        def present(_total: int | None = None) -> None:
            if not shown:
                shown.append(True)
                window.model.loaded.disconnect(present)
                windows.present(window)

        window.model.loaded.connect(present)
        QTimer.singleShot(FIRST_ROWS_WAIT_MS, present)

    def _idle_seconds(self, seconds: float) -> None:
        self.ctx.idle_minutes = seconds / 60.0
        self.watcher.set_minutes(self.ctx.idle_minutes)

    def _make_window(self) -> MainWindow:
        from ui.main_window import MainWindow

        window = MainWindow(self.ctx)
        window.new_requested.connect(self.new_request)
        window.open_requested.connect(self.open_request)
        window.settings_requested.connect(self.show_settings)
        window.update_forms_action.triggered.connect(lambda: self.form_updates.run())
        window.check_store_action.triggered.connect(self.store_check.run_now)
        self.store_check.window = window
        self.store_check.started.connect(lambda: window.check_store_action.setEnabled(False))
        self.store_check.finished.connect(lambda _outcome: window.check_store_action.setEnabled(True))
        window.lock_requested.connect(self.lock)
        window.transmit_requested.connect(self.transmit)
        window.send_now_requested.connect(self.outbox.send_now)
        window.check_status_requested.connect(self.outbox.check_status)
        window.print_requested.connect(self.print_request)
        window.unlock_button.clicked.connect(lambda: self.show_unlock(locked=True))
        window.closing.connect(self.quit)
        from ui.bulk_actions import BulkActions

        self.bulk = BulkActions(self.ctx, window, self.outbox)
        return window

    # --- requests ------------------------------------------------------------------------------------------------

    def default_form(self) -> FormSpec:
        last = str(self.ctx.settings.value("wizard/last_form", "") or "")
        forms = self.ctx.catalog.forms
        return forms[last] if last in forms else next(iter(sorted(forms.values(), key=lambda f: f.id)))

    def new_request(self) -> None:
        spec = self.default_form()
        ctx = self.ctx

        def made(doc: RequestDoc) -> None:
            self._show_wizard(doc, stored=False, new=True)  # the host country follows the agreement chosen

        ctx.tasks.run_db(lambda: ops.new_request(ctx.require_store(), spec.id, spec.edition), made)

    def open_request(self, request_id: str) -> None:
        wizard = self.wizards.get(request_id)
        if wizard is not None:
            wizard.raise_()
            wizard.activateWindow()
            return
        self.form_updates.open(
            request_id
        )  # carried over to a new edition first, or read-only with the reason

    def _show_wizard(
        self, doc: RequestDoc, *, stored: bool, page: str | None = None, new: bool = False
    ) -> RequestWizard | None:
        """Open a request in its wizard (`new`: a new request, which starts by choosing the agreement)."""
        from app.forms import verdict
        from ui.wizard import RequestWizard

        judged = verdict(doc, self.ctx.catalog)
        if judged.spec is None:  # its form is not offered (any more): say why
            messages.notice(self.window, "Form not offered", judged.summary())
            return None
        wizard = RequestWizard(
            self.ctx,
            doc,
            stored=stored,
            can_transmit=actions.transmission_available(),
            choose_agreement=new,
        )
        wizard.saved.connect(self._wizard_saved)
        wizard.closed.connect(self._wizard_closed)
        wizard.transmit_requested.connect(self.transmit)
        wizard.print_requested.connect(self.print_request)
        self.wizards[doc.id] = wizard
        windows.present(wizard)
        if page:
            wizard.go_to_section(page)
        if wizard.read_only:  # sent: its receipt on the review page
            self._sync_wizard(doc.id, wizard)
        return wizard

    def _wizard_saved(self, doc: RequestDoc) -> None:
        self.ctx.settings.setValue("wizard/last_form", doc.form)
        if self.window is None or self.is_locked:
            return
        ctx, request_id = self.ctx, doc.id
        ctx.tasks.run_db(
            lambda: ctx.require_store().summary(request_id), self.window.model.update_row, lambda _e: None
        )

    def _wizard_closed(self, request_id: str) -> None:
        wizard = self.wizards.pop(request_id, None)
        if wizard is not None:
            wizard.deleteLater()

    def _refresh_list(self) -> None:
        """States changed (a transmission, a status check): the list, what queued requests wait for, and the
        open wizards (a request sent meanwhile becomes read-only, with its receipt)."""
        if self.window is None or self.is_locked:
            return
        self.window.refresh()
        ctx, model = self.ctx, self.window.model
        ctx.tasks.run_db(
            lambda: actions.missing_transmission(ctx.require_store()),
            lambda missing: model.set_queue_note("waiting for Settings" if missing else ""),
            lambda _e: None,
        )
        for request_id, wizard in list(self.wizards.items()):
            self._sync_wizard(request_id, wizard)
            wizard.refresh_review()

    def _sync_wizard(self, request_id: str, wizard: RequestWizard) -> None:
        ctx = self.ctx
        ctx.tasks.run_db(
            lambda: ops.receipt(ctx.require_store(), request_id),
            lambda found: wizard.show_state(*found),
            lambda _e: None,
        )

    # --- printing ------------------------------------------------------------------------------------------------

    def print_request(self, request_id: str) -> None:
        """Print fax copy: the request as stored (after any pending save: same database thread), in the dialog."""
        ctx = self.ctx
        parent: QWidget | None = self.wizards.get(request_id) or self.window

        def show(doc: Any) -> None:
            from app.forms import verdict

            if verdict(doc, ctx.catalog).spec is None:  # a form withdrawn since the request was written
                messages.notice(
                    parent,
                    "Print fax copy",
                    "This request's form is no longer offered, so its fax copy cannot be laid out.",
                    "Duplicate the request for a current agreement form.",
                )
                return
            actions.open_print_dialog(parent, ctx, doc)

        ctx.tasks.run_db(lambda: ctx.require_store().get(request_id), show)

    # --- transmission feedback -----------------------------------------------------------------------------------

    def _status(self, text: str, timeout: int = 8000) -> None:
        if self.window is not None:
            self.window.statusBar().showMessage(text, timeout)

    def _outbox_progress(self, text: str) -> None:
        if self.window is not None:
            self.window.set_outbox_text(text)

    def _outbox_finished(self, text: str) -> None:
        self._status(text, 15000)
        messages.notice(self.window, "Transmission", text)

    def _transmit_problem(self, exc: BaseException) -> None:
        from PySide6.QtWidgets import QMessageBox

        from app.transmit import TransmitError

        assert isinstance(exc, TransmitError)
        messages.box(
            self.window,
            "Not transmitted",
            messages.screen_message(exc),
            messages.screen_hint(exc),
            QMessageBox.Icon.Warning,
        )

    def _known_error(self, exc: BaseException) -> None:
        if isinstance(exc, StoreError):
            messages.store_problem(self.window, exc)

    # --- settings ------------------------------------------------------------------------------------------------

    def show_settings(self, tab: str = "") -> None:
        """The Settings dialog (on the page named `tab`: "employer", "lock", "transmission")."""
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.show_tab(tab)
            self.settings_dialog.raise_()
            return
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self.keychain, self.window)
        dialog.saved.connect(self._settings_saved)
        dialog.rejected.connect(self._settings_cancelled)
        dialog.show_tab(tab)
        self.settings_dialog = dialog
        windows.present(dialog, modal=True)

    def _settings_saved(self, minutes: float) -> None:
        self.ctx.idle_minutes = minutes
        self.watcher.set_minutes(minutes)
        self.outbox.settings_changed()
        self._status("Settings saved.")
        pending, self.pending_transmit = self.pending_transmit, None
        if pending is not None:  # Transmit asked for Settings first: now it goes on
            self.transmit(pending)
        else:
            self._refresh_list()

    def _settings_cancelled(self) -> None:
        if self.pending_transmit is not None:
            self.pending_transmit = None
            self._status("Not transmitted: transmission is still not set up.")

    # --- transmitting --------------------------------------------------------------------------------------------

    def transmit(self, request_id: str) -> None:
        """Transmit, once transmission is set up; else say what is missing and offer Settings, or to queue the
        request with the user's consent (never queued and frozen behind their back)."""
        ctx = self.ctx
        ctx.tasks.run_db(
            lambda: actions.missing_transmission(ctx.require_store()),
            lambda missing: self._transmit_checked(request_id, missing),
        )

    def _transmit_checked(self, request_id: str, missing: list[str]) -> None:
        from PySide6.QtWidgets import QMessageBox

        if not missing:
            self.outbox.transmit(request_id)
            return
        parent: QWidget | None = self.wizards.get(request_id) or self.window
        what = " and ".join(missing)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Transmission is not set up",
            f"Transmission is not set up: {what} {'is' if len(missing) == 1 else 'are'} missing.",
            QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setInformativeText(
            "Open Settings to give them: the request is transmitted as soon as you save them. Or queue it now: "
            "it waits in the outbox, marked as waiting in the list, and is sent once transmission is set up."
        )
        settings = box.addButton("Open &Settings", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("&Queue it for later", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(settings)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(button: object) -> None:
            if button is settings:
                self.pending_transmit = request_id
                self.show_settings("transmission")
            elif button is later:
                self.outbox.queue_only(request_id)

        box.buttonClicked.connect(chosen)
        self.transmit_box = box
        box.open()

    # --- the idle lock -------------------------------------------------------------------------------------------

    def personal_values(self) -> list[str]:
        values: list[str] = []
        for wizard in self.wizards.values():
            values.extend(wizard.personal_values())
        if self.window is not None:
            values.extend(self.window.model.worker_names())
        return values

    def lock(self) -> None:
        """Save what is pending, close the store, and empty every window; then ask for the passphrase again."""
        if self.is_locked or self.ctx.store is None:
            return
        self.is_locked = True
        known = self.personal_values()
        self.outbox.stop()
        self.watcher.stop()
        self.store_check.stop()
        self.reopen = []
        for request_id, wizard in list(self.wizards.items()):
            wizard.save_now()
            if wizard.stored or wizard.saving:
                self.reopen.append((request_id, wizard.current_key()))
            wizard.clear_personal_data()
            wizard.close()
        self._close_dialogs()
        if self.window is not None:
            self.window.show_locked()
        self.clipboard.clear_if_ours(known)
        store = self.ctx.store
        self.ctx.store = None
        self.ctx.tasks.run_db(store.close)  # after the saves queued above: one thread, in order
        self.locked.emit()
        self.show_unlock(locked=True)

    def _close_dialogs(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible() and widget is not self.dialog:
                if hasattr(widget, "clear"):
                    widget.clear()
                widget.reject()
        self.settings_dialog = None

    # --- quitting ------------------------------------------------------------------------------------------------

    def quit(self) -> None:
        self.shutdown()
        QApplication.quit()

    def shutdown(self) -> None:
        """Save what is pending, let the database thread finish, close the store."""
        self.watcher.stop()
        self.store_check.stop()
        self.outbox.stop()
        for wizard in list(self.wizards.values()):
            wizard.close()
        store = self.ctx.store
        if store is not None:
            self.ctx.tasks.run_db(store.close)
            self.ctx.store = None
        self.ctx.tasks.shutdown()
        scrub.remove_provider(self.personal_values)

"""The main window: the request list with search, filters and the "ending soon" view, and the day's actions.

The window shows and asks; the store work runs on the database thread (`ui.ops`), transmission and printing go
through `ui.actions`, and opening a request in the wizard is the controller's job (`open_requested`). After the
idle lock the list is emptied and a "Locked" page replaces it until the passphrase is typed again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.request import RequestDoc, State
from app.store import DuplicateMode, RequestSummary, Store
from ui import gui_settings, messages, ops, style, windows
from ui.context import AppContext
from ui.request_model import COLUMNS, RequestListModel

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from ui.receipt_panel import ReceiptPanel

SEARCH_DELAY_MS = 250
CELL_PADDING = 10  # a cell's margins around its text (6 px in Qt's styles), with room to spare
HEADER_PADDING = 2  # a column title's margins, beyond the cell's
EDITABLE = frozenset({State.DRAFT, State.READY, State.QUEUED})
DONE = frozenset({State.SENT, State.APPROVED, State.REJECTED})


class MainWindow(QMainWindow):
    """Signals:
    new_requested(): New.
    open_requested(str): open a request in the wizard.
    settings_requested(): the Settings dialog.
    lock_requested(): Lock now.
    transmit_requested(str), send_now_requested(), check_status_requested(str), print_requested(str).
    """

    new_requested = Signal()
    open_requested = Signal(str)
    settings_requested = Signal()
    lock_requested = Signal()
    transmit_requested = Signal(str)
    send_now_requested = Signal()
    check_status_requested = Signal(str)
    print_requested = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("Certificates of Coverage")
        self.setObjectName("mainWindow")
        self.deleted: list[RequestDoc] = []
        self.model = RequestListModel(
            ctx.tasks,
            ctx.require_store,
            ctx.agreement_names,
            self,
            ctx.kind_names,
            across=self._across if ctx.catalog_loaded else None,  # else when the definitions arrive
        )
        self.model.loaded.connect(self._loaded)
        self._build_actions()
        self._build_menus()
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_list_page())
        self.stack.addWidget(self._build_locked_page())
        self.setCentralWidget(self.stack)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of requests")
        self.outbox_label = QLabel()
        self.outbox_label.setAccessibleName("Outbox")
        self.statusBar().addPermanentWidget(self.outbox_label)
        self.statusBar().addPermanentWidget(self.count_label)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.setMinimumSize(820, 480)
        if gui_settings.restore_geometry(ctx.settings, "main", self):
            windows.within(self)  # saved on a larger screen, perhaps
        else:
            windows.fit(self, 1180, 720)
        self._restore_filters()
        self._selection_changed()

    # --- building ------------------------------------------------------------------------------------------------

    def _action(self, text: str, tip: str, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        k = QKeySequence.StandardKey
        self.new_action = self._action("&New request…", "Start a new request", QKeySequence(k.New))
        self.open_action = self._action("&Open", "Open the selected request", QKeySequence(k.Open))
        self.duplicate_new_action = self._action(
            "Duplicate for a new &assignment",
            "A new request for the same worker, with the dates cleared; it opens on the assignment page",
            "Ctrl+D",
        )
        self.duplicate_ext_action = self._action(
            "Duplicate as an &extension",
            "A request to extend this certificate: the same worker and assignment, its original start date, the "
            "current certificate's end; give the new end date",
            "Ctrl+Shift+D",
        )
        self.delete_action = self._action("&Delete…", "Delete the selected request", QKeySequence(k.Delete))
        self.undo_action = self._action(
            "&Undo delete", "Bring back the request deleted last", QKeySequence(k.Undo)
        )
        self.print_action = self._action(
            "&Print fax copy…", "A PDF to fax or mail to SSA", QKeySequence(k.Print)
        )
        self.transmit_action = self._action(
            "&Transmit", "Queue the selected (ready) request and send it to the receiving service", "Ctrl+T"
        )
        self.send_now_action = self._action("Send &now", "Send every queued request now", "Ctrl+Shift+T")
        self.status_action = self._action(
            "Check &status", "Ask the receiving service about a sent request", "F5"
        )
        self.import_action = self._action(
            "&Import roster…",
            "Drafts from the HR system's spreadsheet (.xlsx or .csv), one per row",
            "Ctrl+I",
        )
        self.export_action = self._action(
            "&Export register…", "The register of requests as .xlsx or .csv (the selected ones, or the list)"
        )
        self.transmit_all_action = self._action(
            "Transmit all &ready…", "Transmit every selected request that is ready, after one confirmation"
        )
        self.print_all_action = self._action(
            "Print fax &copies…", "One fax PDF for each selected request, into a folder"
        )
        preferences = QKeySequence(k.Preferences)  # the platform's own; none on Linux desktops: Ctrl+,
        self.settings_action = self._action(
            "&Settings…",
            "Employer profile, lock time, transmission",
            preferences if not preferences.isEmpty() else QKeySequence("Ctrl+,"),
        )
        self.update_forms_action = self._action(
            "&Update forms",
            "Install the receiving service's newer form editions (signed) and carry the requests over to them",
        )
        self.check_store_action = self._action(
            "&Check the store",
            "Read the whole encrypted store and check every page (it carries on meanwhile)",
        )
        self.lock_action = self._action("&Lock", "Lock now: close the encrypted store", "Ctrl+L")
        self.quit_action = self._action("&Quit", "Close the application", QKeySequence(k.Quit))
        self.new_action.triggered.connect(self.new_requested.emit)
        self.open_action.triggered.connect(self.open_selected)
        self.duplicate_new_action.triggered.connect(lambda: self.duplicate(DuplicateMode.NEW_ASSIGNMENT))
        self.duplicate_ext_action.triggered.connect(lambda: self.duplicate(DuplicateMode.EXTENSION))
        self.delete_action.triggered.connect(self.ask_delete)
        self.undo_action.triggered.connect(self.undo_delete)
        self.print_action.triggered.connect(lambda: self._with_selected(self.print_requested.emit))
        self.transmit_action.triggered.connect(lambda: self._with_selected(self.transmit_requested.emit))
        self.send_now_action.triggered.connect(self.send_now_requested.emit)
        self.status_action.triggered.connect(lambda: self._with_selected(self.check_status_requested.emit))
        self.settings_action.triggered.connect(self.settings_requested.emit)
        self.lock_action.triggered.connect(self.lock_requested.emit)
        self.quit_action.triggered.connect(self.close)

    def show_about(self) -> None:
        from ui.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.open()
        self.about_dialog = dialog

    def _build_menus(self) -> None:
        bar = self.menuBar()
        requests = bar.addMenu("&Requests")
        for action in (self.new_action, self.open_action):
            requests.addAction(action)
        self.duplicate_menu = QMenu("D&uplicate", self)
        self.duplicate_menu.addAction(self.duplicate_new_action)
        self.duplicate_menu.addAction(self.duplicate_ext_action)
        requests.addMenu(self.duplicate_menu)
        requests.addSeparator()
        for action in (self.delete_action, self.undo_action):
            requests.addAction(action)
        requests.addSeparator()
        requests.addAction(self.print_action)
        requests.addAction(self.print_all_action)
        requests.addSeparator()
        requests.addAction(self.import_action)
        requests.addAction(self.export_action)
        requests.addSeparator()
        requests.addAction(self.lock_action)
        requests.addAction(self.quit_action)
        transmit = bar.addMenu("&Transmission")
        for action in (
            self.transmit_action,
            self.transmit_all_action,
            self.send_now_action,
            self.status_action,
        ):
            transmit.addAction(action)
        tools = bar.addMenu("&Tools")
        tools.addAction(self.settings_action)
        tools.addAction(self.update_forms_action)
        tools.addAction(self.check_store_action)
        help_menu = bar.addMenu("&Help")
        self.about_action = help_menu.addAction("&About Certificates of Coverage")
        self.about_action.setStatusTip("Version, licence and the third-party software this program includes")
        self.about_action.triggered.connect(self.show_about)
        toolbar = QToolBar("Actions")
        toolbar.setObjectName("actions")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.new_action)
        toolbar.addAction(self.open_action)
        duplicate = QToolButton()
        duplicate.setText("Duplicate")
        duplicate.setAccessibleName("Duplicate the selected request")
        duplicate.setToolTip("Duplicate the selected request: for a new assignment, or as an extension")
        duplicate.setMenu(self.duplicate_menu)
        duplicate.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.duplicate_button = duplicate
        toolbar.addWidget(duplicate)
        toolbar.addAction(self.delete_action)
        toolbar.addSeparator()
        toolbar.addAction(self.print_action)
        toolbar.addAction(self.transmit_action)
        toolbar.addAction(self.send_now_action)
        toolbar.addAction(self.status_action)
        toolbar.addSeparator()
        toolbar.addAction(self.settings_action)
        toolbar.addAction(self.lock_action)
        self.update_forms_button = QToolButton()  # on the toolbar only once the receiver has newer editions
        self.update_forms_button.setDefaultAction(self.update_forms_action)
        self.update_forms_button.setAccessibleName("Update forms")
        self.update_forms_button_action = toolbar.addWidget(self.update_forms_button)
        self.update_forms_button_action.setVisible(False)
        self.addToolBar(toolbar)
        for button in toolbar.findChildren(QToolButton):
            if not button.accessibleName() and button.defaultAction() is not None:
                button.setAccessibleName(button.defaultAction().text().replace("&", "").rstrip("…"))

    def offer_form_update(self, offered: bool) -> None:
        """Show Update forms on the toolbar (the receiver has newer editions), or only in the Tools menu."""
        self.update_forms_button_action.setVisible(offered)

    def _build_list_page(self) -> QWidget:
        page = QWidget()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Worker's name, confirmation number or request id")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(
            "Search by the worker's name, the confirmation number or the request id"
        )
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        search_label = QLabel("Searc&h:")
        search_label.setBuddy(self.search)
        self.state_filter = QComboBox()
        self.state_filter.setAccessibleName("Filter by state")
        self.state_filter.addItem("Any state", None)
        for state in State:
            self.state_filter.addItem(state.label, state.value)
        state_label = QLabel("St&ate:")
        state_label.setBuddy(self.state_filter)
        self.agreement_filter = QComboBox()
        self.agreement_filter.setAccessibleName("Filter by agreement")
        self.agreement_filter.addItem("Any agreement", None)
        for agreement_id, name in self.ctx.in_force():
            self.agreement_filter.addItem(name, agreement_id)
        agreement_label = QLabel("A&greement:")
        agreement_label.setBuddy(self.agreement_filter)
        self.ending_check = QCheckBox("Certificates &ending within")
        self.ending_check.setAccessibleName(
            "Only certificates (sent or approved requests) ending within a number of days"
        )
        self.ending_check.setToolTip(
            "Sent and approved requests whose assignment ends within this many days: the certificates to extend "
            "or to let run out"
        )
        self.with_drafts = QCheckBox("with d&rafts")
        self.with_drafts.setAccessibleName("Drafts too, in the ending view")
        self.with_drafts.setToolTip("Show drafts, ready and queued requests ending within those days too")
        self.with_drafts.setEnabled(False)
        self.ending_days = QSpinBox()
        self.ending_days.setRange(1, 3650)
        self.ending_days.setValue(90)
        self.ending_days.setSuffix(" days")
        self.ending_days.setAccessibleName("Number of days")
        for widget in (self.state_filter, self.agreement_filter):
            widget.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.ending_check.toggled.connect(lambda _on: self.apply_filters())
        self.ending_check.toggled.connect(self.with_drafts.setEnabled)
        self.with_drafts.toggled.connect(self._drafts_toggled)
        self.ending_days.valueChanged.connect(
            lambda _v: self.ending_check.isChecked() and self.search_timer.start()
        )
        filters = QHBoxLayout()
        filters.addWidget(search_label)
        filters.addWidget(self.search, 2)
        filters.addSpacing(8)
        filters.addWidget(state_label)
        filters.addWidget(self.state_filter)
        filters.addWidget(agreement_label)
        filters.addWidget(self.agreement_filter)
        filters.addSpacing(8)
        filters.addWidget(self.ending_check)
        filters.addWidget(self.ending_days)
        filters.addWidget(self.with_drafts)
        self.table = QTableView()
        self.table.setAccessibleName("Requests")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        # The sort indicator's room: about a line's height (Fusion's mark is 9 px and its margins 8 at 16 px
        # lines). Not asked of the style: the QStyle binding is the costliest class to load at start (15 ms).
        arrow = metrics.height() + 1
        # The style may draw the titles bold: a bold title is at most about a tenth wider than the same in regular
        # weight (measured so, not with a bold QFont: that binding costs 5 ms to load before the list shows).
        titles = header.fontMetrics()
        # whole texts ("United Kingdom"); the worker takes the rest
        for i, (key, title) in enumerate(COLUMNS):
            if key != "worker":
                bold = titles.horizontalAdvance(title) * 11 // 10
                head = bold + HEADER_PADDING + (arrow if key == "updated" else 0)
                text = max((metrics.horizontalAdvance(t) for t in self.model.widest(key)), default=0)
                self.table.setColumnWidth(i, max(head, text) + CELL_PADDING)
        header.setSortIndicator(len(COLUMNS) - 1, Qt.SortOrder.DescendingOrder)
        header.setSortIndicatorShown(True)
        gui_settings.restore_header(self.ctx.settings, "main/list", header)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.table.activated.connect(lambda index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.kept_selection: list[str] = []  # the ids selected before a refresh, selected again after it
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self._receipt: ReceiptPanel | None = None  # made when a sent request is first selected
        self._receipt_for = ""
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        style.text_color(self.empty_label, "muted")
        self.empty_label.hide()
        from ui.imported_bar import ImportedBar

        self.imported_bar = ImportedBar()
        self.imported_bar.show_all_requested.connect(self.show_all)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(filters)
        layout.addWidget(self.imported_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        self._list_layout = layout
        return page

    @property
    def receipt(self) -> ReceiptPanel:
        """The receipt panel under the list (its code loads when a sent request is first selected)."""
        if self._receipt is None:
            from ui.receipt_panel import ReceiptPanel

            self._receipt = ReceiptPanel()
            self._list_layout.addWidget(self._receipt)
        return self._receipt

    def _build_locked_page(self) -> QWidget:
        page = QWidget()
        text = QLabel(
            "Locked.\n\nThe encrypted store is closed, and nothing personal is shown (it locks after a quiet spell, "
            "or by Lock). Type the passphrase to go on."
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        self.unlock_button = QPushButton("&Unlock…")
        self.unlock_button.setAccessibleName("Unlock")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    # --- the list ------------------------------------------------------------------------------------------------

    def current_query(self) -> ops.Query:
        ending = self.ending_days.value() if self.ending_check.isChecked() else None
        base = self.model.query
        query = replace(
            base,
            ids=base.ids if self.imported_bar.isVisible() else (),
            text=self.search.text().strip(),
            state=self.state_filter.currentData(),
            agreement=self.agreement_filter.currentData(),
            ending_within_days=ending,
            with_drafts=self.with_drafts.isChecked(),
        )
        days_column = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "days_left")
        self.table.setColumnHidden(days_column, ending is None)
        if ending is not None and base.ending_within_days is None:
            from app.store import ListOrder

            query = replace(query, order=ListOrder.ENDING, reverse=False, agreements_by_name=())
            self.table.horizontalHeader().setSortIndicator(days_column, Qt.SortOrder.AscendingOrder)
        return query

    def _sort_indicator_changed(self, _column: int, _order: Qt.SortOrder) -> None:
        """A column the store cannot sort by (agreement): the arrow goes back to the list's order."""
        current = self.model.sort_column()
        header = self.table.horizontalHeader()
        if current is not None and (header.sortIndicatorSection(), header.sortIndicatorOrder()) != current:
            header.blockSignals(True)
            header.setSortIndicator(*current)
            header.blockSignals(False)
            header.viewport().update()

    def _drafts_toggled(self, _on: bool) -> None:
        if self.ending_check.isChecked():
            self.apply_filters()

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.model.set_query(self.current_query())
        self._save_filters()

    def refresh(self) -> None:
        self.model.refresh()

    def _loaded(self, total: int | None) -> None:
        """Rows arrived, or their count (None while more match than the rows loaded and they are being counted)."""
        if total == 0:
            filtered = self.model.query != replace(
                ops.Query(), order=self.model.query.order, reverse=self.model.query.reverse
            )
            self.empty_label.setText(
                "No request matches the search and the filters."
                if filtered
                else "No request yet. Choose New request (Ctrl+N) to start one."
            )
        self.empty_label.setVisible(total == 0)
        # the list loads more as it scrolls: the total is what counts
        shown = self.model.rowCount()
        self.count_label.setText(
            messages.counted(total, "request")
            if total is not None
            else f"More than {messages.counted(shown, 'request')} (counting…)"
        )
        self._restore_selection()
        self._selection_changed()

    def _keep_selection(self) -> None:
        """The list starts over (a refresh, a new search): remember what was selected."""
        ids = [s.id for s in self.selected_summaries()]
        if ids:
            self.kept_selection = ids

    def _restore_selection(self) -> None:
        if not self.kept_selection:
            return
        rows = [r for r in (self.model.row_of(i) for i in self.kept_selection) if r >= 0]
        if not rows:
            return
        model = self.table.selectionModel()
        model.blockSignals(True)
        self.table.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in rows:
            model.select(self.model.index(row, 0), flags)
        model.setCurrentIndex(self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        model.blockSignals(False)
        self.kept_selection = []

    def selected(self) -> RequestSummary | None:
        index = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows and not index.isValid():
            return None
        row = rows[0].row() if rows else index.row()
        return self.model.summary(row)

    def selected_summaries(self) -> list[RequestSummary]:
        """Every selected row (many with Shift or Ctrl), in list order."""
        model = self.table.selectionModel()
        rows = sorted(index.row() for index in model.selectedRows()) if model is not None else []
        return [s for s in (self.model.summary(r) for r in rows) if s is not None]

    def show_ids(self, ids: list[str], text: str, batch_id: str = "") -> None:
        """Only these requests (what an import made), with the bar that says so and offers Undo and Show all."""
        self.imported_bar.show_import(len(ids), text, batch_id)
        self.model.set_query(replace(self.current_query(), ids=tuple(ids)))

    def show_all(self) -> None:
        self.imported_bar.clear()
        self.model.set_query(replace(self.current_query(), ids=()))

    def select_id(self, request_id: str) -> None:
        row = self.model.row_of(request_id)
        if row >= 0:
            self.table.selectRow(row)

    def _selection_changed(self, *_args: QItemSelection) -> None:
        summary = self.selected()
        has = summary is not None
        for action in (
            self.open_action,
            self.duplicate_new_action,
            self.duplicate_ext_action,
            self.delete_action,
        ):
            action.setEnabled(has)
        self.duplicate_button.setEnabled(has)
        self.print_action.setEnabled(has)
        self.transmit_action.setEnabled(has and summary is not None and summary.state is State.READY)
        many = self.selected_summaries() if has else []
        self.transmit_all_action.setEnabled(any(s.state is State.READY for s in many))
        self.print_all_action.setEnabled(bool(many))
        self.status_action.setEnabled(has and summary is not None and summary.state in DONE)
        self.undo_action.setEnabled(bool(self.deleted))
        self._show_receipt(summary if len(many) == 1 else None)

    def _show_receipt(self, summary: RequestSummary | None) -> None:
        """The receipt panel under the list: the selected request's receipt, when it was sent."""
        if summary is None or summary.state not in DONE:
            self._receipt_for = ""
            if self._receipt is not None:
                self._receipt.clear()
            return
        if summary.id == self._receipt_for and self.receipt.isVisible():
            return
        self._receipt_for = request_id = summary.id
        ctx = self.ctx

        def show(found: tuple[State, dict[str, Any] | None]) -> None:
            if self._receipt_for == request_id:  # still the one selected
                self.receipt.show_receipt(found[0], found[1], request_id)

        ctx.tasks.run_db(lambda: ops.receipt(ctx.require_store(), request_id), show, lambda _e: None)

    def _with_selected(self, emit: object) -> None:
        summary = self.selected()
        if summary is not None and callable(emit):
            emit(summary.id)

    def open_selected(self, _index: QModelIndex | None = None) -> None:
        summary = self.selected()
        if summary is not None:
            self.open_requested.emit(summary.id)

    # --- duplicate, delete, undo ---------------------------------------------------------------------------------

    def duplicate(self, mode: DuplicateMode) -> None:
        summary = self.selected()
        if summary is None:
            return
        ctx = self.ctx
        request_id = summary.id

        def done(doc: RequestDoc) -> None:
            self.statusBar().showMessage(
                "Duplicated as an extension."
                if mode is DuplicateMode.EXTENSION
                else "Duplicated for a new assignment.",
                5000,
            )
            self.refresh()
            self.open_requested.emit(doc.id)

        ctx.tasks.run_db(
            lambda: ops.duplicate_request(ctx.require_store(), request_id, mode, ctx.catalog), done
        )

    def ask_delete(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        summary = self.selected()
        if summary is None:
            return
        who = summary.worker_name or "a request without a name yet"
        where = self.ctx.agreement_names.get(summary.agreement, summary.agreement)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete the request",
            f"Delete the request for {who} ({where})?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("&Delete", QMessageBox.ButtonRole.DestructiveRole)
        if summary.state in EDITABLE:
            box.setInformativeText("You can undo this (Ctrl+Z) while this window stays open and unlocked.")
        else:
            box.setInformativeText(
                f"It is {summary.state.label.lower()}: its receipt is deleted with it, and this cannot be undone."
            )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.delete(summary) if button is delete else None)
        self.delete_box = box
        box.open()

    def delete(self, summary: RequestSummary) -> None:
        ctx = self.ctx
        request_id = summary.id
        undoable = summary.state in EDITABLE

        def done(doc: RequestDoc) -> None:
            if undoable:
                self.deleted.append(doc)
            self.model.remove_id(request_id)
            self._selection_changed()
            self.statusBar().showMessage(
                "Deleted. Undo delete (Ctrl+Z) brings it back." if undoable else "Deleted.", 8000
            )

        ctx.tasks.run_db(lambda: ops.delete_request(ctx.require_store(), request_id), done)

    def undo_delete(self) -> None:
        if not self.deleted:
            return
        doc = self.deleted.pop()
        ctx = self.ctx

        def done(restored: RequestDoc) -> None:
            self.statusBar().showMessage("The request is back.", 5000)
            self.refresh()
            self._selection_changed()

        def failed(exc: BaseException) -> None:
            self.deleted.append(doc)
            self._selection_changed()
            ctx.tasks.report(exc)

        ctx.tasks.run_db(lambda: ops.restore_request(ctx.require_store(), doc, ctx.catalog), done, failed)

    # --- lock, settings, closing ---------------------------------------------------------------------------------

    def show_locked(self) -> None:
        """Nothing personal stays: the rows, the search text, the kept deletions, the status messages."""
        self.model.clear()
        self.deleted.clear()
        self.imported_bar.clear()
        if self._receipt is not None:
            self._receipt.clear()
        self._receipt_for = ""
        self.search.blockSignals(True)
        self.search.setText("")  # setText, unlike clear(), leaves nothing in the undo history
        self.search.blockSignals(False)
        self.search_timer.stop()
        self.statusBar().clearMessage()
        self.count_label.clear()
        self.outbox_label.clear()
        self.stack.setCurrentIndex(1)
        self.menuBar().setEnabled(False)
        for toolbar in self.findChildren(QToolBar):
            toolbar.setEnabled(False)
        for action in self.actions():
            action.setEnabled(action in (self.quit_action,))

    def _across(self, store: Store, ids: list[str]) -> dict[str, list[str]]:
        return ops.across_warnings(store, self.ctx.catalog, ids)

    def definitions_loaded(self) -> None:
        """The definitions arrived after the list (a launch with a remembered key started from the index of their
        names): take their names where they differ, and judge the rows across requests."""
        self.model.set_names(self.ctx.agreement_names, self.ctx.kind_names)
        wanted = [(None, "Any agreement"), *((i, n) for i, n in self.ctx.in_force())]
        combo = self.agreement_filter
        shown = [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]
        if shown != wanted:
            chosen = self.agreement_filter.currentData()
            self.agreement_filter.blockSignals(True)
            self.agreement_filter.clear()
            for agreement_id, name in wanted:
                self.agreement_filter.addItem(name, agreement_id)
            self.agreement_filter.setCurrentIndex(max(0, self.agreement_filter.findData(chosen)))
            self.agreement_filter.blockSignals(False)
        self.model.set_across(self._across)

    def show_unlocked(self, first: ops.FirstPage | None = None) -> None:
        """The list of the unlocked store (`first`: its first page as the store was opened, used when the list's
        query is the one it was read for)."""
        self.stack.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        for toolbar in self.findChildren(QToolBar):
            toolbar.setEnabled(True)
        for action in (
            self.new_action,
            self.send_now_action,
            self.settings_action,
            self.lock_action,
            self.import_action,
            self.export_action,
        ):
            action.setEnabled(True)
        query = self.current_query()
        self.model.set_query(query, first.page if first is not None and first.query == query else None)
        self.table.setFocus()

    def set_outbox_text(self, text: str) -> None:
        self.outbox_label.setText(text)

    def notify_problem(self, exc: BaseException) -> None:
        from app.store import StoreError

        if isinstance(exc, StoreError):
            messages.store_problem(self, exc)

    def _save_filters(self) -> None:
        settings = self.ctx.settings
        settings.setValue("main/state", self.state_filter.currentData() or "")
        settings.setValue("main/agreement", self.agreement_filter.currentData() or "")
        settings.setValue("main/ending", self.ending_check.isChecked())
        settings.setValue("main/ending_days", self.ending_days.value())
        settings.setValue("main/with_drafts", self.with_drafts.isChecked())

    def _restore_filters(self) -> None:
        settings = self.ctx.settings
        for combo, key in ((self.state_filter, "main/state"), (self.agreement_filter, "main/agreement")):
            value = settings.value(key, "")
            index = combo.findData(value) if value else 0
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        days = settings.value("main/ending_days", 90)
        self.ending_days.blockSignals(True)
        self.ending_days.setValue(int(str(days)) if str(days).isdigit() else 90)
        self.ending_days.blockSignals(False)
        self.ending_check.blockSignals(True)
        self.ending_check.setChecked(str(settings.value("main/ending", "false")).lower() == "true")
        self.ending_check.blockSignals(False)
        self.with_drafts.blockSignals(True)
        self.with_drafts.setChecked(str(settings.value("main/with_drafts", "false")).lower() == "true")
        self.with_drafts.setEnabled(self.ending_check.isChecked())
        self.with_drafts.blockSignals(False)

    def save_layout(self) -> None:
        gui_settings.save_geometry(self.ctx.settings, "main", self)
        gui_settings.save_header(self.ctx.settings, "main/list", self.table.horizontalHeader())
        self._save_filters()

    closing = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.closing.emit()
        super().closeEvent(event)

"""The "Import roster" dialog: choose the HR system's spreadsheet, see and adjust which column fills which field,
preview the first rows with what each becomes and its verdict, then import with a progress bar and Cancel.

The work is `app.roster`'s: reading and planning run on the database thread (the plan asks the store which rows
are already imported), and the import is one transaction. Cancel stops before anything is saved. When it is
done, `imported(ids, batch_id, text)` tells the main window to show just those requests.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import style, windows
from ui.context import AppContext
from ui.messages import counted

if TYPE_CHECKING:
    from app.roster.mapping import Mapping
    from app.roster.plan import ImportPlan, ImportResult
    from app.roster.readers import Table

PREVIEW_ROWS = 10
FILE_FILTER = "Rosters (*.xlsx *.csv *.txt);;All files (*)"
ACTION_WORDS = {"create": "New draft", "update": "Update", "unchanged": "No change", "skip": "Skipped"}


class RosterDialog(QDialog):
    """Signals:
    imported(list, str, str): the ids imported (created, updated or unchanged), the batch id ("" when nothing
        was saved), and a one-line summary.
    """

    imported = Signal(list, str, str)
    progressed = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import roster")
        self.setObjectName("rosterDialog")
        self.table: Table | None = None
        self.mapping: Mapping | None = None
        self.plan: ImportPlan | None = None
        self.cancel_event: threading.Event | None = None
        self.combos: list[QComboBox] = []
        self._build()
        self.progressed.connect(self._progress)
        windows.fit(self, 940, 580)

    # --- building ------------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("An .xlsx or .csv file exported from the HR system")
        self.file_edit.setAccessibleName("Roster file")
        self.file_edit.returnPressed.connect(lambda: self.load(self.file_edit.text()))
        self.choose_button = QPushButton("&Choose…")
        self.choose_button.setAccessibleName("Choose the roster file")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        self.form_combo = QComboBox()
        self.form_combo.setAccessibleName("Form of every row")
        self.form_combo.addItem("From each row's host country", None)
        for spec in sorted(self.ctx.catalog.forms.values(), key=lambda s: (s.agreement.name, s.kind)):
            self.form_combo.addItem(f"{spec.agreement.name}: {spec.kind_label}", spec.id)
        self.form_combo.currentIndexChanged.connect(lambda _i: self.preview())
        form = QFormLayout()
        file_label = QLabel("&File:")
        file_label.setBuddy(self.file_edit)
        form.addRow(file_label, file_row)
        form_label = QLabel("F&orm:")
        form_label.setBuddy(self.form_combo)
        form.addRow(form_label, self.form_combo)
        self.describe_label = QLabel()
        self.describe_label.setWordWrap(True)
        style.text_color(self.describe_label, "muted")

        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setAccessibleName("Columns and the fields they fill")
        self.mapping_table.setHorizontalHeaderLabels(["Column", "First value", "Fills"])
        self._table_look(self.mapping_table)
        self.preview_table = QTableWidget(0, 5)
        self.preview_table.setAccessibleName("First rows and their verdicts")
        self.preview_table.setHorizontalHeaderLabels(["Row", "Worker", "Becomes", "Verdict", "Problems"])
        self._table_look(self.preview_table)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName("Problem")
        style.text_color(self.problem_label, "error")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.hide()
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.setAccessibleName("Import")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.describe_label)
        mapping_title = QLabel("&Columns: choose the field each column fills")
        mapping_title.setBuddy(self.mapping_table)
        layout.addWidget(mapping_title)
        layout.addWidget(self.mapping_table, 3)
        preview_title = QLabel(f"&Preview of the first {PREVIEW_ROWS} rows")
        preview_title.setBuddy(self.preview_table)
        layout.addWidget(preview_title)
        layout.addWidget(self.preview_table, 2)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    @staticmethod
    def _table_look(table: QTableWidget) -> None:
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def _targets(self) -> list[tuple[str, str]]:
        """(label, target) for every field a column may fill, in form order, the two pseudo-fields first."""
        from app.roster.mapping import AGREEMENT, KIND, targets

        out = [("Host country (picks the agreement)", AGREEMENT), ("Kind of request", KIND)]
        for target, spec in targets(self.ctx.catalog).items():
            if spec is not None:
                out.append((f"{spec.label} ({target})", target))
        return out

    # --- the file and its mapping --------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import roster", str(Path.home()), FILE_FILTER)
        if path:
            self.load(path)

    def load(self, path: str) -> None:
        """Read the file (database thread) and show its columns with the guessed mapping."""
        from app.roster.plan import read_roster

        if not path.strip():
            return
        self.file_edit.setText(path)
        self.problem_label.clear()
        self.import_button.setEnabled(False)
        catalog = self.ctx.catalog
        self.ctx.tasks.run_db(lambda: read_roster(path, catalog), self._loaded, self._failed)

    def _loaded(self, result: tuple[Table, Mapping]) -> None:
        from app.roster.values import as_text

        self.table, self.mapping = result
        self.describe_label.setText(self.table.describe())
        self.mapping_table.setRowCount(len(self.table.headers))
        self.combos = []
        choices = self._targets()
        first = self.table.rows[0][1]
        for i in range(len(self.table.headers)):
            self.mapping_table.setItem(i, 0, QTableWidgetItem(self.table.column_name(i)))
            self.mapping_table.setItem(i, 1, QTableWidgetItem(as_text(first[i])[:40]))
            combo = QComboBox()
            combo.setAccessibleName(f"Field filled by {self.table.column_name(i)}")
            combo.addItem("(not imported)", "")
            for label, target in choices:
                combo.addItem(label, target)
            combo.setCurrentIndex(max(0, combo.findData(self.mapping.columns.get(i, ""))))
            combo.currentIndexChanged.connect(lambda _i: self.preview())
            self.mapping_table.setCellWidget(i, 2, combo)
            self.combos.append(combo)
        self.preview()

    def current_mapping(self) -> Mapping:
        """The mapping as the combos now say."""
        from app.roster.mapping import Mapping

        assert self.mapping is not None
        columns = {i: str(c.currentData()) for i, c in enumerate(self.combos) if c.currentData()}
        guessed = {
            i for i in columns if self.mapping.columns.get(i) == columns[i] and i in self.mapping.guessed
        }
        ignored = [i for i in range(len(self.combos)) if i not in columns]
        return Mapping(columns, dict(self.mapping.constants), guessed, ignored, self.mapping.date_order)

    def set_field(self, column: int, target: str) -> None:
        """Choose what a column fills (as picking it in its combo box does)."""
        combo = self.combos[column]
        combo.setCurrentIndex(max(0, combo.findData(target)))

    # --- the preview ---------------------------------------------------------------------------------------------

    def preview(self) -> None:
        from app.roster.plan import make_plan

        table = self.table
        if table is None or self.mapping is None:
            return
        mapping = self._checked_mapping()
        if mapping is None:
            return
        ctx, form = self.ctx, self.form_combo.currentData()
        self.ctx.tasks.run_db(
            lambda: make_plan(
                ctx.require_store(), table, mapping, ctx.catalog, form=form, limit=PREVIEW_ROWS
            ),
            self._previewed,
            self._failed,
        )

    def _checked_mapping(self) -> Mapping | None:
        mapping = self.current_mapping()
        targets = list(mapping.columns.values())
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            self._show_problem(f"Two columns fill {twice[0]}: choose another field for one of them.")
            return None
        return mapping

    def _previewed(self, plan: ImportPlan) -> None:
        from app.store.columns import display_name

        self.plan = plan
        self.problem_label.clear()
        self.preview_table.setRowCount(len(plan.rows))
        for i, row in enumerate(plan.rows):
            name = display_name(row.doc.answers) if row.doc is not None else ""
            if row.action.value == "skip":
                verdict = row.reason
            elif row.errors:
                verdict = counted(row.errors, "error") + (
                    f", {counted(row.warnings, 'warning')}" if row.warnings else ""
                )
            else:
                verdict = "Ready" + (f" ({counted(row.warnings, 'warning')})" if row.warnings else "")
            problems = (
                "; ".join(p.text() for p in row.problems)
                or (" ".join(issue.message for issue in row.issues if issue.is_error)[:200])
            )
            cells = [str(row.row), name, ACTION_WORDS[row.action.value], verdict, problems]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.preview_table.setItem(i, j, item)
        total = sum(1 for row in plan.rows if row.action.value != "skip")  # a skipped row is not imported
        self.notes_label.setText("\n".join(plan.notes))
        self.import_button.setText(f"&Import {counted(total, 'row')}")
        self.import_button.setEnabled(total > 0)

    # --- importing -----------------------------------------------------------------------------------------------

    def start_import(self) -> None:
        from app.roster.plan import apply_plan, make_plan

        table = self.table
        mapping = self._checked_mapping() if table is not None else None
        if table is None or mapping is None:
            return
        ctx, form = self.ctx, self.form_combo.currentData()
        cancel = self.cancel_event = threading.Event()
        self._busy(True)
        self.progress.setRange(0, len(table.rows))
        self.progress.setValue(0)

        def work() -> ImportResult:
            store = ctx.require_store()
            plan = make_plan(
                store, table, mapping, ctx.catalog, form=form, progress=self.progressed.emit, cancel=cancel
            )
            if cancel.is_set():
                from app.roster.plan import ImportCancelled

                raise ImportCancelled()
            return apply_plan(store, plan)

        self.ctx.tasks.run_db(work, self._done, self._import_failed)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _done(self, result: ImportResult) -> None:
        from app.roster.plan import Action

        plan = result.plan
        parts = [
            f"{plan.count(Action.CREATE)} new",
            f"{plan.count(Action.UPDATE)} updated",
            f"{plan.count(Action.UNCHANGED)} unchanged",
        ]
        if plan.skipped:
            parts.append(f"{len(plan.skipped)} skipped")
        text = "Roster imported: " + ", ".join(parts) + "."
        self.cancel_event = None
        self._busy(False)
        self.imported.emit(result.ids, result.batch_id or "", text)
        if plan.skipped:
            lines = [f"Row {r.row}: {r.reason}" for r in plan.skipped[:20]]
            more = len(plan.skipped) - len(lines)
            self._show_problem(
                text + " Skipped:\n" + "\n".join(lines) + (f"\n…and {more} more." if more > 0 else "")
            )
            self.import_button.setEnabled(False)
            self.cancel_button.setText("&Close")  # imported: what is left to do is read the skipped rows
            self.cancel_button.setAccessibleName("Close")
            return
        self.accept()

    def _import_failed(self, exc: BaseException) -> None:
        from app.roster.plan import ImportCancelled

        self.cancel_event = None
        self._busy(False)
        if isinstance(exc, ImportCancelled):
            self._show_problem("Import cancelled: nothing was imported.")
            return
        self._failed(exc)

    def cancel(self) -> None:
        """During an import: stop it (nothing is saved); otherwise close the dialog."""
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.cancel_button.setEnabled(False)
            return
        self.reject()

    def _busy(self, busy: bool) -> None:
        for widget in (
            self.file_edit,
            self.choose_button,
            self.form_combo,
            self.mapping_table,
            self.import_button,
        ):
            widget.setEnabled(not busy)
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(busy)

    # --- problems ------------------------------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        from app.errors import UserError
        from app.roster.errors import MappingError

        if isinstance(exc, MappingError) and "--" in exc.hint:  # the command line's way; here, the combos
            self._show_problem(
                f"{exc.message} Choose the form above, or the column that gives the host country."
            )
        elif isinstance(exc, UserError):
            self._show_problem(exc.user_text)
        else:
            self.ctx.tasks.report(exc)

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setToolTip(text)

    def clear(self) -> None:
        """The idle lock: nothing personal stays on screen."""
        self.preview_table.setRowCount(0)
        self.mapping_table.setRowCount(0)
        self.table = self.mapping = self.plan = None


def open_roster_dialog(ctx: AppContext, parent: QWidget | None) -> RosterDialog:
    dialog = RosterDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    windows.present(dialog, modal=True)
    return dialog

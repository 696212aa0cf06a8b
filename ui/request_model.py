"""The request list as a Qt table model, fed page by page from the store (smooth with tens of thousands of rows).

`canFetchMore`/`fetchMore` ask the database thread for the next page of `store.list` and append it when it
arrives; a new query (search text, filters, sort) starts over with a new generation, and pages of an older
generation that arrive late are dropped. A keystroke in the search box asks only its first page (one row more than
shown, to know whether more match); when more do, their count is a task of its own, queued after the page, skipped
when a newer query came meanwhile, and shown when it arrives. Sorting maps a column to one of the store's fixed orders; the other
direction reads that order from its end, so every sort is an indexed query and no row is loaded twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeAlias

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from app.request import State
from app.store import ListOrder, RequestSummary, Store
from ui import ops
from ui.messages import counted
from ui.tasks import TaskManager

if TYPE_CHECKING:
    from PySide6.QtGui import QFont

ACROSS_DELAY_MS = 150  # rows are judged across requests this long after they came (after their first paint)
# Rows per page, a search's first page included: more than a maximised window shows on a 1920x1080 screen (37 rows
# of 24 px; 20 at 1024x640, 25 at 1366x768). A taller window fills itself: Qt's view asks `fetchMore` while the last
# row loaded is in sight. Each row costs a keystroke at 100,000 requests some 5 us, so a page is no larger than that.
PAGE_SIZE = 50
IMPORT_PAGE_SIZE = 100
COLUMNS: tuple[tuple[str, str], ...] = (
    ("worker", "Worker"),
    ("agreement", "Agreement"),
    ("kind", "Kind"),
    ("start", "Start"),
    ("end", "End"),
    ("days_left", "Days left"),  # shown in the "ending within" view
    ("state", "State"),
    ("confirmation", "Confirmation"),
    ("errors", "Errors"),
    ("across", "Other requests"),  # ⚠ where the verdict warns about the worker's other requests
    ("updated", "Last change"),
)
SAMPLES: dict[str, list[str]] = {  # the widest texts of the columns whose texts have a fixed shape
    "start": ["2000-00-00"],
    "end": ["2000-00-00"],
    "days_left": ["0,000"],
    "state": [s.label for s in State if s is not State.APPROVED] + ["Approved"],
    "confirmation": ["COC-0000-000000"],
    "errors": ["000"],
    "across": ["⚠ 0 warnings"],
    "updated": ["today 00:00", "2000-00-00"],
}
WARNING_COLOR = QColor("#7a4f00")
SOON_DAYS = 30  # a certificate ending within this many days is shown as urgent
# Column -> (order when ascending, read backwards?) ; (order when descending, read backwards?)
SORTS: dict[str, tuple[tuple[ListOrder, bool], tuple[ListOrder, bool]]] = {
    "worker": ((ListOrder.WORKER, False), (ListOrder.WORKER, True)),
    "start": ((ListOrder.STARTING, False), (ListOrder.STARTING, True)),
    "end": ((ListOrder.ENDING, False), (ListOrder.ENDING, True)),
    "days_left": ((ListOrder.ENDING, False), (ListOrder.ENDING, True)),
    "state": ((ListOrder.STATE, False), (ListOrder.STATE, True)),
    "kind": ((ListOrder.KIND, False), (ListOrder.KIND, True)),
    "errors": ((ListOrder.ERRORS, True), (ListOrder.ERRORS, False)),
    "updated": ((ListOrder.OLDEST, False), (ListOrder.RECENT, False)),
}
ERROR_COLOR = QColor("#b00020")
MUTED_COLOR = QColor("#595959")  # 7:1 on white, 6.2:1 on the alternate rows' grey
AGREEMENT = "agreement"  # sorted by the agreements' names (ops.Query.agreements_by_name), not a store order
Index: TypeAlias = QModelIndex | QPersistentModelIndex


def days_left(row: RequestSummary, today: dt.date | None = None) -> int | None:
    """Days from today to the assignment's last day (negative once it ended); None without an end date."""
    if not row.end_date:
        return None
    try:
        end = dt.date.fromisoformat(row.end_date)
    except ValueError:
        return None
    return (end - (today or dt.date.today())).days


def local_time(stamp: str) -> str:
    """'2026-11-29T17:55:30Z' as local time, minutes only."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def short_time(stamp: str, today: dt.date | None = None) -> str:
    """The list's Last change: 'today 17:55' for today, the date alone before (the tooltip has both)."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    if moment.date() == (today or dt.date.today()):
        return moment.strftime("today %H:%M")
    return moment.strftime("%Y-%m-%d")


def page_size(query: ops.Query) -> int:
    """Rows per page of `query`'s list. The requests of an import (`query.ids`) come in pages of
    `IMPORT_PAGE_SIZE`: the store reads all of them for any page, so a smaller page saves nothing there, and select
    all after an import of up to 100 takes the import whole."""
    return IMPORT_PAGE_SIZE if query.ids else PAGE_SIZE


class RequestListModel(QAbstractTableModel):
    """Signals:
    loaded(object): a page arrived, or the count of the matches; the argument is the number of matching requests,
        or None while they are being counted (more match than the rows loaded).
    """

    loaded = Signal(object)

    def __init__(
        self,
        tasks: TaskManager,
        store: Callable[[], Store],
        agreement_names: Mapping[str, str],
        parent: Any = None,
        kind_names: Mapping[str, str] | None = None,
        across: Callable[[Store, list[str]], dict[str, list[str]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._store = store
        self._names = agreement_names
        self._kind_names = kind_names or {}  # "employee" -> "Employee", from the kinds' definitions
        # The verdict's warnings across requests of the loaded rows (request id -> messages), read in the
        # background after each page and each save: `across(store, ids)` (ops.across_warnings with the catalog).
        self._across_of = across
        self._across: dict[str, list[str]] = {}
        self._across_pending: list[str] = []  # rows waiting for `_judge_across`, of `_across_generation`
        self._across_generation = 0
        self._across_timer = QTimer(self)
        self._across_timer.setSingleShot(True)
        self._across_timer.setInterval(ACROSS_DELAY_MS)
        self._across_timer.timeout.connect(self._judge_across)
        self._rows: list[RequestSummary] = []
        self.queue_note = ""  # what a queued request waits for, when it waits for something ("not set up")
        self._total: int | None = 0  # None: more match than the rows loaded, and their count has not arrived
        self._more = False  # requests match beyond the rows loaded
        self._query = ops.Query()
        self._generation = 0
        self._fetching = False
        self._active = False
        self._italic: QFont | None = None  # for the rows without a name yet, made when first shown

    # --- the query -----------------------------------------------------------------------------------------------

    @property
    def query(self) -> ops.Query:
        return self._query

    @property
    def total(self) -> int | None:
        """How many requests match: None while they are being counted (more than `rowCount()`)."""
        return self._total

    def set_query(self, query: ops.Query, first: ops.Page | None = None) -> None:
        """Show the requests matching `query`, from the first page (`first`: that page, already read for this
        query by whoever opened the store, as `ops.first_page` reads it)."""
        self._query = query
        self.refresh(keep_loaded=False, first=first)

    def refresh(self, *, keep_loaded: bool = True, first: ops.Page | None = None) -> None:
        """Start over with the current query (after a save, a delete, an unlock), reading again as many rows as were
        loaded (the scroll position stays); a new query (`set_query`) reads one page."""
        self._active = True
        self._generation += 1
        generation = self._generation
        wanted = max(page_size(self._query), len(self._rows)) if keep_loaded else page_size(self._query)
        self.beginResetModel()
        self._rows = []
        self._across = {}
        self._total = None
        self._more = False
        self._fetching = True
        self.endResetModel()
        query = self._query
        if first is not None and not keep_loaded:
            self._arrived(generation, first, query)
            return
        self._tasks.run_db(
            lambda: ops.list_page(self._store(), query, 0, wanted),
            lambda page: self._arrived(generation, page, query),
            lambda exc: self._failed(generation, exc),
        )

    def clear(self) -> None:
        """Forget every row (the idle lock): nothing personal stays in the model."""
        self._active = False
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._across = {}
        self._total = 0
        self._more = False
        self._fetching = False
        self.endResetModel()

    def update_row(self, summary: RequestSummary) -> None:
        """A request was saved: change its row in place, or start over when it is not shown yet."""
        row = self.row_of(summary.id)
        if row < 0:
            self.refresh()
            return
        self._rows[row] = summary
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self._check_across(
            [r.id for r in self._rows]
        )  # a change to one request may change its worker's others

    def remove_id(self, request_id: str) -> None:
        row = self.row_of(request_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            if self._total is not None:
                self._total = max(0, self._total - 1)
            self.endRemoveRows()
            self.loaded.emit(self._total)

    def _arrived(self, generation: int, page: ops.Page, query: ops.Query) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._more = page.more
        uncounted = self._total is None and page.total is None and page.offset == 0
        if page.total is not None:  # a short page: the exact total, for free
            self._total = page.total
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
            self._check_across([r.id for r in page.rows])
        self.loaded.emit(self._total)
        if uncounted:
            self._count(generation, query)

    def _count(self, generation: int, query: ops.Query) -> None:
        """Count the matches of `query` (of `generation`) on the database thread, after its first page; skipped
        there when a newer query came meanwhile (typing on: its own count follows its own page), and dropped here
        when one came while it ran."""

        def count() -> int | None:
            if generation != self._generation:  # read on the database thread: an int, set on the GUI thread
                return None
            return ops.count(self._store(), query)

        def arrived(total: int | None) -> None:
            if total is None or generation != self._generation:
                return
            self._total = total
            self.loaded.emit(total)

        self._tasks.run_db(count, arrived, lambda exc: self._failed(generation, exc, paging=False))

    def _check_across(self, ids: list[str]) -> None:
        """Ask, in the background, which of `ids` have warnings across requests; show them when they come. Asked
        `ACROSS_DELAY_MS` after the rows came, for all the rows come by then: judging is Python on the database
        thread, which would slow the painting of those very rows (both need the interpreter)."""
        if self._across_of is None or not ids:
            return
        if self._across_generation != self._generation:
            self._across_pending = []
            self._across_generation = self._generation
        self._across_pending.extend(i for i in ids if i not in self._across_pending)
        self._across_timer.start()

    def _judge_across(self) -> None:
        ids, self._across_pending = self._across_pending, []
        if self._across_of is None or not ids or self._across_generation != self._generation:
            return
        generation, judge = self._generation, self._across_of

        def arrived(found: dict[str, list[str]]) -> None:
            if generation != self._generation:
                return
            for request_id in ids:
                self._across.pop(request_id, None)
            self._across.update(found)
            column = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "across")
            if self._rows:
                self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

        self._tasks.run_db(lambda: judge(self._store(), ids), arrived, self._tasks.report)

    def set_across(self, across: Callable[[Store, list[str]], dict[str, list[str]]]) -> None:
        """The definitions arrived (after the first rows, at a launch with a remembered key): judge the loaded
        rows' requests across each other from now on (nothing to do when they already are)."""
        if self._across_of is not None:
            return
        self._across_of = across
        self._check_across([r.id for r in self._rows])

    def set_names(self, agreement_names: Mapping[str, str], kind_names: Mapping[str, str]) -> None:
        """The names of agreements and kinds changed (the definitions loaded differ from the index the list
        started with): show the new ones."""
        if dict(agreement_names) == dict(self._names) and dict(kind_names) == dict(self._kind_names):
            return
        self._names, self._kind_names = agreement_names, kind_names
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def across_warnings(self, request_id: str) -> list[str]:
        """The verdict's warnings across requests of a loaded row (empty when none, or not known yet)."""
        return list(self._across.get(request_id, ()))

    def _failed(self, generation: int, exc: BaseException, *, paging: bool = True) -> None:
        if paging and generation == self._generation:
            self._fetching = False
        self._tasks.report(exc)

    # --- paging --------------------------------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's API
        return not parent.isValid() and self._active and not self._fetching and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, offset = self._generation, self._query, len(self._rows)
        self._tasks.run_db(
            lambda: ops.list_page(self._store(), query, offset, page_size(query)),
            lambda page: self._arrived(generation, page, query),
            lambda exc: self._failed(generation, exc),
        )

    # --- the table -----------------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def summary(self, row: int) -> RequestSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, request_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == request_id), -1)

    def worker_names(self) -> list[str]:
        """The names shown (for `ui.scrub`): each display name, and each of its words, so that a message quoting only
        a surname is scrubbed too (words under 3 letters are left, since they would blot out ordinary text)."""
        names: list[str] = []
        for row in self._rows:
            if row.worker_name:
                names.append(row.worker_name)
                names.extend(w for w in row.worker_name.replace(",", " ").split() if len(w.strip(".")) >= 3)
        return names

    def set_queue_note(self, note: str) -> None:
        """What queued requests wait for ("" when nothing): shown in their State column."""
        if note != self.queue_note:
            self.queue_note = note
            column = next(i for i, (k, _t) in enumerate(COLUMNS) if k == "state")
            if self._rows:
                self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole and not self.sortable(section):
            return f"{COLUMNS[section][1]}: not sorted by it (search above finds a request by it)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(COLUMNS):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "errors" and row.error_count:
                return QBrush(ERROR_COLOR)
            if key == "worker" and not row.worker_name:
                return QBrush(MUTED_COLOR)
            if key == "across" and row.id in self._across:
                return QBrush(WARNING_COLOR)
            if key == "days_left":
                left = days_left(row)
                return QBrush(ERROR_COLOR) if left is not None and left <= SOON_DAYS else None
            return None
        if role == Qt.ItemDataRole.FontRole and key == "worker" and not row.worker_name:
            if self._italic is None:
                from PySide6.QtGui import QFont

                self._italic = QFont()
                self._italic.setItalic(True)
            return self._italic
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("errors", "days_left"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _text(self, row: RequestSummary, key: str) -> str:
        if key == "worker":
            return row.worker_name or "(no name yet)"
        if key == "agreement":
            return self._names.get(row.agreement, row.agreement.upper())
        if key == "kind":
            return self._kind_names.get(row.kind, row.kind)
        if key == "start":
            return row.start_date or ""
        if key == "end":
            return row.end_date or ""
        if key == "days_left":
            left = days_left(row)
            return "" if left is None else "ended" if left < 0 else f"{left:,}"
        if key == "state":
            if row.state is State.QUEUED and self.queue_note:
                return f"{row.state.label} ({self.queue_note})"
            return "Approved" if row.state is State.APPROVED else row.state.label  # the tooltip says what
        if key == "confirmation":
            return (row.confirmation or "") if row.state in ops.WITH_RECEIPT else ""
        if key == "errors":
            return str(row.error_count) if row.error_count else ("—" if row.state is not State.DRAFT else "0")
        if key == "across":
            found = self._across.get(row.id, ())
            return "" if not found else "⚠ 1 warning" if len(found) == 1 else f"⚠ {len(found)} warnings"
        return short_time(row.updated)

    def _tooltip(self, row: RequestSummary, key: str) -> str | None:
        if key == "across":
            found = self._across.get(row.id)
            return "\n\n".join(found) if found else "No warning about the worker's other requests."
        if key == "errors":
            return f"{counted(row.error_count, 'error')}, {counted(row.warning_count, 'warning')}"
        if key == "state" and row.state is State.READY:
            return "No error left: it can be transmitted or printed."
        if key == "state" and row.state is State.DRAFT:
            return "Being written: errors remain."
        if key == "state" and row.state is State.APPROVED:
            return "Certificate approved: SSA issued the certificate."
        if key == "state" and row.state is State.QUEUED and self.queue_note:
            return "Queued: it is sent once transmission is set up in Settings, Transmission."
        if key == "days_left":
            left = days_left(row)
            return None if left is None else f"The assignment's last day is {row.end_date}."
        if key == "updated":
            return f"Last changed {local_time(row.updated)}"
        if key in ("worker", "agreement", "kind", "state", "confirmation"):  # the whole text where it is cut
            return self._text(row, key) or None
        return None

    def widest(self, key: str) -> list[str]:
        """The longest texts a column may show (its width is made for them); none for the worker, who takes
        what is left, and for the state, whose long notes are in its tooltip."""
        if key == "agreement":
            return list(self._names.values())
        if key == "kind":
            return list(self._kind_names.values())
        return SAMPLES.get(key, [])

    def sortable(self, column: int) -> bool:
        return 0 <= column < len(COLUMNS) and (COLUMNS[column][0] in SORTS or COLUMNS[column][0] == AGREEMENT)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not self.sortable(column):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if COLUMNS[column][0] == AGREEMENT:
            by_name = tuple(sorted(self._names, key=lambda a: self._names[a].casefold()))
            new = replace(self._query, order=ListOrder.RECENT, reverse=descending, agreements_by_name=by_name)
        else:
            choice = SORTS[COLUMNS[column][0]]
            ordered, reverse = choice[1] if descending else choice[0]
            new = replace(self._query, order=ordered, reverse=reverse, agreements_by_name=())
        if new == self._query:
            return
        if self._active:
            self.set_query(new)
        else:  # locked, or not loaded yet: remember the order for the next query
            self._query = new

    def sort_column(self) -> tuple[int, Qt.SortOrder] | None:
        """The column and direction that the current query's order corresponds to."""
        if self._query.agreements_by_name:
            column = next(i for i, (k, _t) in enumerate(COLUMNS) if k == AGREEMENT)
            return (
                column,
                Qt.SortOrder.DescendingOrder if self._query.reverse else Qt.SortOrder.AscendingOrder,
            )
        for i, (key, _) in enumerate(COLUMNS):
            choice = SORTS.get(key)
            if choice is None:
                continue
            current = (self._query.order, self._query.reverse)
            if choice[0] == current:
                return i, Qt.SortOrder.AscendingOrder
            if choice[1] == current:
                return i, Qt.SortOrder.DescendingOrder
        return None

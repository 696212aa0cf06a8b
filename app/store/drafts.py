"""Request documents in the store: save (with a revision), get, list, count, delete, history, duplicate, overlaps.

These functions take an open connection and run inside the caller's transaction; `Store` adds the lock, the
transaction and error translation. They work on any DB-API connection with the store's schema, which lets the
benchmark run the very same code on the standard library's unencrypted `sqlite3` as a baseline.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.request import RequestDoc, RequestFormatError, State
from app.store import audit, confirmations, search, stored
from app.store.audit import AuditEvent
from app.store.columns import END, IS_EXTENSION, PREVIOUS_END, START, columns_for, iso_date
from app.store.errors import AmbiguousId, InvalidTransition, InvalidValue, RequestNotFound, RevisionConflict
from app.store.models import DuplicateMode, ListOrder, RequestSummary, Revision
from app.visible import json_safe

REVISIONS_KEPT = 50  # per request; older revisions are pruned in the same transaction as the save
EDITABLE = frozenset({State.DRAFT, State.READY, State.QUEUED})
OPEN_END = "9999-12-31"

SUMMARY_COLUMNS = (
    "id, form, agreement, kind, edition, state, worker_name, start_date, end_date, error_count, warning_count, "
    f"revision, created, updated, {confirmations.SELECT_SQL}"
)
ORDER_SQL = {
    ListOrder.RECENT: "seq DESC",
    ListOrder.OLDEST: "seq ASC",
    ListOrder.ENDING: "end_date IS NULL, end_date ASC, seq DESC",
    ListOrder.STARTING: "start_date IS NULL, start_date ASC, seq DESC",
    ListOrder.WORKER: "name_search ASC, seq DESC",
    ListOrder.CREATED: "created DESC, seq DESC",
    ListOrder.STATE: "state ASC, seq DESC",
    ListOrder.KIND: "kind ASC, seq DESC",
    ListOrder.ERRORS: "error_count DESC, seq DESC",
}
SEARCH_ORDER_SQL = {ListOrder.RECENT: "search.rowid DESC", ListOrder.OLDEST: "search.rowid ASC"}
# One index per sort order, its columns in that order's directions: the first page in either direction (the list
# reads a reversed sort backwards) is then a walk along an index, never a sort of every request (schema version 5).
ORDER_INDEXES_SQL = """
DROP INDEX requests_by_name;
DROP INDEX requests_by_state;
CREATE INDEX requests_in_end_order ON requests (end_date IS NULL, end_date, seq DESC);
CREATE INDEX requests_in_start_order ON requests (start_date IS NULL, start_date, seq DESC);
CREATE INDEX requests_in_worker_order ON requests (name_search, seq DESC);
CREATE INDEX requests_in_created_order ON requests (created DESC, seq DESC);
CREATE INDEX requests_in_state_order ON requests (state, seq DESC);
CREATE INDEX requests_in_kind_order ON requests (kind, seq DESC);
CREATE INDEX requests_in_errors_order ON requests (error_count DESC, seq DESC);
"""


def reversed_order(order_sql: str) -> str:
    """The exact opposite of an ORDER BY ("a, b DESC" -> "a DESC, b ASC"): the same index, walked backwards."""
    terms = []
    for term in order_sql.split(", "):
        if term.endswith(" DESC"):
            terms.append(term.removesuffix(" DESC") + " ASC")
        else:
            terms.append(term.removesuffix(" ASC") + " DESC")
    return ", ".join(terms)


STATES = {s.value: s for s in State}


def _summary(r: Any) -> RequestSummary:
    return RequestSummary._make((*r[:5], STATES[r[5]], *r[6:14], confirmations.number(r[14])))


def next_seq(conn: Any) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM requests").fetchone()[0])


def _doc_json(doc: RequestDoc, state: State, created: str, updated: str) -> str:
    data = doc.to_dict()
    data.update(state=state.value, created=created, updated=updated)
    try:  # a lone surrogate (a draft may hold one: an error, not a refusal) kept as its JSON escape
        return json_safe(json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")))
    except (TypeError, ValueError):
        raise InvalidValue("The request's answers are not plain JSON data (text, numbers, lists, objects).")


def _check(doc: RequestDoc, error_count: int, warning_count: int) -> None:
    """What every save refuses before reading the store: counts that are not counts, a document that would not read
    back."""
    if isinstance(error_count, bool) or not isinstance(error_count, int) or error_count < 0:
        raise InvalidValue("error_count must be a whole number, 0 or more.")
    if isinstance(warning_count, bool) or not isinstance(warning_count, int) or warning_count < 0:
        raise InvalidValue("warning_count must be a whole number, 0 or more.")
    try:  # the same checks as reading a document from a file
        RequestDoc.check_dict(doc.to_dict())
    except RequestFormatError as exc:
        raise InvalidValue(f"Not a valid request document: {exc}")
    if not doc.form:
        raise InvalidValue("A request needs a form id (such as 'de-employee').")


@dataclass(frozen=True)
class _Write:
    """One save worked out against the stored row: the state before and after, the new revision, and the values of
    the request's row."""

    previous: State | None
    state: State
    revision: int
    created: str
    values: tuple[Any, ...]  # the requests row, in UPDATE_SQL's order (id last)


CURRENT_SQL = "SELECT state, revision, created, updated FROM requests WHERE id = ?"
ROW_COLUMNS = (
    "form, edition, agreement, kind, state, worker_name, name_search, ssn_key, namebirth_key, start_date, "
    "end_date, search_name, error_count, warning_count, revision, updated, seq"
)
UPDATE_SQL = f"UPDATE requests SET {', '.join(f'{c} = ?' for c in ROW_COLUMNS.split(', '))} WHERE id = ?"
INSERT_SQL = f"INSERT INTO requests ({ROW_COLUMNS}, id, created) VALUES ({', '.join('?' * 19)})"
# Many rows to one statement (`save_all`): the name index's triggers run inside the statement that writes the rows,
# and FTS5 writes its pending terms to disk at the start of every statement that writes to it, so 1,000 rows
# written one statement each cost about ten times the same rows written fifty to a statement (16-34 ms against 2-3,
# measured on the index alone). 50 rows of 19 values stay under the 999 parameters of old SQLite builds.
ROWS_PER_STATEMENT = 50
_COLUMNS = ROW_COLUMNS.split(", ")
_UPDATE_FROM = (
    f"UPDATE requests SET {', '.join(f'{c} = v.column{i}' for i, c in enumerate(_COLUMNS, 1))} "
    f"FROM (VALUES {{rows}}) AS v WHERE requests.id = v.column{len(_COLUMNS) + 1}"
)
_INSERT_VALUES = f"INSERT INTO requests ({ROW_COLUMNS}, id, created) VALUES {{rows}}"
REVISION_SQL = (
    "INSERT INTO revisions (request_id, rev, saved, state, error_count, warning_count, doc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
PRUNE_SQL = "DELETE FROM revisions WHERE request_id = ? AND rev <= ?"


def _write(
    doc: RequestDoc,
    error_count: int,
    warning_count: int,
    now: str,
    row: Any,
    base_revision: int | None,
    seq: int,
) -> _Write:
    """The save of `doc` over the stored `row` (None: not stored), or the refusal `save` makes."""
    previous = State(row[0]) if row else None
    if previous is not None and previous not in EDITABLE:
        raise InvalidTransition(
            f"A request that is {previous.label.lower()} cannot be changed.",
            "Duplicate it to start a new request from its answers.",
        )
    current = int(row[1]) if row else None
    if current != base_revision:
        raise RevisionConflict(doc.id, base_revision, current, str(row[3]) if row else "")
    state = State.READY if error_count == 0 else State.DRAFT
    revision = int(row[1]) + 1 if row else 1
    created = str(row[2]) if row else doc.created
    cols = columns_for(doc)
    values = (
        doc.form,
        doc.edition,
        cols.agreement,
        cols.kind,
        state.value,
        cols.worker_name,
        cols.name_search,
        cols.ssn_key,
        cols.namebirth_key,
        cols.start_date,
        cols.end_date,
        search.name_words(cols.worker_name),
        error_count,
        warning_count,
        revision,
        now,
        seq,
        doc.id,
    )
    return _Write(previous, state, revision, created, values)


def save(
    conn: Any,
    doc: RequestDoc,
    error_count: int,
    warning_count: int,
    now: str,
    *,
    base_revision: int | None,
    dequeue_reason: str = "edited",
) -> tuple[int, State]:
    """Write `doc` as a new revision; returns (revision, state). Runs inside the caller's transaction.

    `base_revision` is the revision the caller's copy was read at (None for a request not in the store yet): when
    the stored request is at another revision (changed, deleted or added elsewhere meanwhile), `RevisionConflict`
    and nothing is written."""
    _check(doc, error_count, warning_count)
    row = conn.execute(CURRENT_SQL, (doc.id,)).fetchone()
    w = _write(doc, error_count, warning_count, now, row, base_revision, next_seq(conn))
    if row:
        conn.execute(UPDATE_SQL, w.values)
    else:
        conn.execute(INSERT_SQL, (*w.values, w.created))
    doc_json = _doc_json(doc, w.state, w.created, now)
    conn.execute(REVISION_SQL, (doc.id, w.revision, now, w.state.value, error_count, warning_count, doc_json))
    if w.revision > REVISIONS_KEPT:
        conn.execute(PRUNE_SQL, (doc.id, w.revision - REVISIONS_KEPT))
    if w.previous is State.QUEUED:  # editing takes it out of the outbox, in this same transaction
        conn.execute("DELETE FROM outbox WHERE request_id = ?", (doc.id,))
        audit.log(conn, doc.id, AuditEvent.DEQUEUED, {"reason": dequeue_reason}, now)
    if w.previous is None:
        audit.log(conn, doc.id, AuditEvent.CREATED, {"revision": w.revision}, now)
    elif audit.last_event(conn, doc.id) != AuditEvent.EDITED:  # a run of autosaves is one "edited" entry
        audit.log(conn, doc.id, AuditEvent.EDITED, {"revision": w.revision}, now)
    return w.revision, w.state


SaveItem = tuple[RequestDoc, int, int, int | None]  # (doc, error_count, warning_count, base_revision)


def save_all(conn: Any, items: Sequence[SaveItem], now: str) -> list[tuple[int, State]]:
    """`save` for each item, in order, inside the caller's transaction: the same checks, refusals and rows, but a
    few statements per 500 documents (their stored rows read at once, their rows written with executemany) instead
    of five round trips per document. A roster import saves 1,000 drafts at once; the chunks bound the rows held
    in memory for a large one."""
    ids = [item[0].id for item in items]
    if len(set(ids)) != len(ids):  # the same request twice: each save has to see the one before it
        return [save(conn, d, e, w, now, base_revision=b) for d, e, w, b in items]
    seq = next_seq(conn)
    out: list[tuple[int, State]] = []
    for start in range(0, len(items), SAVE_CHUNK):
        out.extend(_save_chunk(conn, items[start : start + SAVE_CHUNK], now, seq + start))
    return out


SAVE_CHUNK = 500  # documents per statement; also under SQLite's limit on parameters in old builds (999)


def _save_chunk(conn: Any, items: Sequence[SaveItem], now: str, seq: int) -> list[tuple[int, State]]:
    ids = [item[0].id for item in items]
    sql = (
        f"SELECT id, state, revision, created, updated FROM requests WHERE id IN ({','.join('?' * len(ids))})"
    )
    stored_rows = {str(r[0]): r[1:] for r in conn.execute(sql, ids)}
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    revisions: list[tuple[Any, ...]] = []
    prunes: list[tuple[str, int]] = []
    dequeued: list[tuple[str]] = []
    entries: list[tuple[str, AuditEvent, dict[str, Any]]] = []
    out: list[tuple[int, State]] = []
    for i, (doc, error_count, warning_count, base_revision) in enumerate(items):
        _check(doc, error_count, warning_count)
        row = stored_rows.get(doc.id)
        w = _write(doc, error_count, warning_count, now, row, base_revision, seq + i)
        if row:
            updates.append(w.values)
        else:
            inserts.append((*w.values, w.created))
        doc_json = _doc_json(doc, w.state, w.created, now)
        revisions.append((doc.id, w.revision, now, w.state.value, error_count, warning_count, doc_json))
        if w.revision > REVISIONS_KEPT:
            prunes.append((doc.id, w.revision - REVISIONS_KEPT))
        if w.previous is State.QUEUED:
            dequeued.append((doc.id,))
            entries.append((doc.id, AuditEvent.DEQUEUED, {"reason": "edited"}))
        if w.previous is None:
            entries.append((doc.id, AuditEvent.CREATED, {"revision": w.revision}))
        elif audit.last_event(conn, doc.id) != AuditEvent.EDITED:
            entries.append((doc.id, AuditEvent.EDITED, {"revision": w.revision}))
        out.append((w.revision, w.state))
    write_rows(conn, _UPDATE_FROM, updates)
    write_rows(conn, _INSERT_VALUES, inserts)
    conn.executemany(REVISION_SQL, revisions)
    conn.executemany(PRUNE_SQL, prunes)
    conn.executemany("DELETE FROM outbox WHERE request_id = ?", dequeued)
    audit.log_many(conn, entries, now)
    return out


def write_rows(conn: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """`sql` (`{rows}` standing for its VALUES) for `rows`, `ROWS_PER_STATEMENT` to a statement (see there)."""
    if not rows:
        return
    row = f"({', '.join('?' * len(rows[0]))})"
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[start : start + ROWS_PER_STATEMENT]
        conn.execute(sql.format(rows=", ".join([row] * len(part))), [v for values in part for v in values])


def _load(doc_json: str, state: str, updated: str, revision: int | None = None) -> RequestDoc:
    doc = stored.document(doc_json)
    doc.state = State(state)
    doc.updated = updated
    doc.revision = revision
    return doc


def get(conn: Any, request_id: str) -> RequestDoc:
    """The current version of a request, with the revision it was read at (what its next save is checked by)."""
    row = conn.execute(
        "SELECT v.doc, r.state, r.updated, r.revision FROM requests r JOIN revisions v "
        "ON v.request_id = r.id AND v.rev = r.revision WHERE r.id = ?",
        (request_id,),
    ).fetchone()
    if row is None:
        raise RequestNotFound()
    return _load(row[0], row[1], row[2], int(row[3]))


def revision_of(conn: Any, request_id: str) -> int | None:
    row = conn.execute("SELECT revision FROM requests WHERE id = ?", (request_id,)).fetchone()
    return int(row[0]) if row else None


def state_of(conn: Any, request_id: str) -> State:
    row = conn.execute("SELECT state FROM requests WHERE id = ?", (request_id,)).fetchone()
    if row is None:
        raise RequestNotFound()
    return State(row[0])


def resolve(conn: Any, id_or_prefix: str) -> str:
    """The full id of the one request whose id is, or starts with, `id_or_prefix` (at least 4 characters)."""
    text = id_or_prefix.strip().lower()
    if conn.execute("SELECT 1 FROM requests WHERE id = ?", (text,)).fetchone():
        return text
    if len(text) < 4 or any(ch not in "0123456789abcdef-" for ch in text):
        raise RequestNotFound()
    rows = conn.execute(
        "SELECT id FROM requests WHERE id >= ? AND id < ? LIMIT 2", (text, text + "g")
    ).fetchall()
    if not rows:
        raise RequestNotFound()
    if len(rows) > 1:
        raise AmbiguousId()
    return str(rows[0][0])


@dataclass(frozen=True)
class Filters:
    state: State | tuple[State, ...] | None = None
    agreement: str | None = None
    text: str | None = None
    ending_within_days: int | None = None
    today: dt.date | None = None

    def query(self, *, first: tuple[bool, int] | None = None) -> tuple[str, str, list[Any]]:
        """(FROM, WHERE, parameters): the requests, joined to the search index when there are words to match.

        `first` (newest first, n): the caller reads only the first n rows in that order of `seq`. A search by name
        and number with no other filter then keeps the first n of the matches' `seq`s before any row is read (a name
        that thousands share is not read row by row for a page of 50)."""
        clauses: list[str] = []
        params: list[Any] = []
        source = "requests"
        match = search.match_expression(self.text)
        numbers = search.number_query(self.text)
        if numbers is not None:  # by name or by number: the union of two sets (4 characters at least)
            sql, number_params = numbers
            names = "SELECT rowid AS seq FROM search WHERE search MATCH ? UNION " if match is not None else ""
            matches = f"{names}{sql}"
            if (
                first is not None
                and self.state is None
                and not self.agreement
                and self.ending_within_days is None
            ):
                newest, n = first
                direction = "DESC" if newest else "ASC"
                if search.common_word(self.text):
                    # The ORDER BY and LIMIT of the compound itself, not of a subquery over it: SQLite merges the
                    # two sides in that order and stops at n, FTS5 reading the names' matches in that order as far
                    # as needed ("Smith" at 100,000 requests: 51 of its 897 matches read, 476 -> 164 µs). FTS5
                    # reads a longer phrase, or several, in reverse far slower than through: those are left as is.
                    matches = f"{matches} ORDER BY 1 {direction} LIMIT {int(n)}"
                else:
                    matches = f"SELECT seq FROM ({matches}) ORDER BY seq {direction} LIMIT {int(n)}"
            clauses.append(f"seq IN ({matches})")
            params.extend([match] if match is not None else [])
            params.extend(number_params)
        elif match is not None:  # by name only: the index read newest first, as far as the page goes
            source = "search JOIN requests ON requests.seq = search.rowid"
            clauses.append("search MATCH ?")
            params.append(match)
        if self.state is not None:
            states = (self.state,) if isinstance(self.state, State) else tuple(self.state)
            clauses.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(State(s).value for s in states)
        if self.agreement:
            clauses.append("agreement = ?")
            params.append(self.agreement.strip().lower())
        if self.ending_within_days is not None:
            today = self.today or dt.date.today()
            # "(end_date IS NULL) = 0", always true here, lets the list's "ending" index answer (a walk, no sort)
            clauses.append("(end_date IS NULL) = 0 AND end_date BETWEEN ? AND ?")
            params.extend(
                [today.isoformat(), (today + dt.timedelta(days=self.ending_within_days)).isoformat()]
            )
        return source, (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def make_filters(
    state: State | str | Iterable[State | str] | None,
    agreement: str | None,
    text: str | None,
    ending_within_days: int | None,
    today: dt.date | None,
) -> Filters:
    states: State | tuple[State, ...] | None
    if state is None:
        states = None
    elif isinstance(state, str):
        states = State(state)
    else:
        states = tuple(State(s) for s in state)
    if ending_within_days is not None and ending_within_days < 0:
        raise InvalidValue("ending_within_days must be 0 or more.")
    return Filters(states, agreement, text, ending_within_days, today)


def list_requests(
    conn: Any,
    filters: Filters,
    order_by: ListOrder | str,
    limit: int | None,
    offset: int,
    reverse: bool = False,
) -> list[RequestSummary]:
    order_by = ListOrder(order_by)
    first = None
    if limit is not None and order_by in (ListOrder.RECENT, ListOrder.OLDEST):  # a page in the order of seq
        newest = (order_by is ListOrder.RECENT) != reverse
        first = (newest, max(0, int(limit)) + max(0, int(offset)))
    source, where, params = filters.query(first=first)
    order = ORDER_SQL[order_by]
    if source != "requests":  # the index is keyed by seq: newest or oldest first without sorting the matches
        order = SEARCH_ORDER_SQL.get(order_by, order)
    if reverse:
        order = reversed_order(order)
    sql = f"SELECT {SUMMARY_COLUMNS} FROM {source}{where} ORDER BY {order}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params.extend([-1 if limit is None else max(0, int(limit)), max(0, int(offset))])
    return [_summary(r) for r in conn.execute(sql, params)]


def count(conn: Any, filters: Filters) -> int:
    source, where, params = filters.query()
    if where == " WHERE search MATCH ?":  # words only: the index alone counts them
        source = "search"
    return int(conn.execute(f"SELECT count(*) FROM {source}{where}", params).fetchone()[0])


def summary(conn: Any, request_id: str) -> RequestSummary:
    row = conn.execute(f"SELECT {SUMMARY_COLUMNS} FROM requests WHERE id = ?", (request_id,)).fetchone()
    if row is None:
        raise RequestNotFound()
    return _summary(row)


def delete(conn: Any, request_id: str, now: str) -> None:
    """The request, all its revisions, its outbox item, receipt and receiver errors; the audit keeps 'deleted'."""
    state_of(conn, request_id)
    for table in ("outbox", "receipts", "receiver_errors"):
        conn.execute(f"DELETE FROM {table} WHERE request_id = ?", (request_id,))
    conn.execute("DELETE FROM revisions WHERE request_id = ?", (request_id,))
    conn.execute("DELETE FROM requests WHERE id = ?", (request_id,))
    audit.log(conn, request_id, AuditEvent.DELETED, "", now)


def history(conn: Any, request_id: str) -> list[Revision]:
    state_of(conn, request_id)
    rows = conn.execute(
        "SELECT rev, saved, state, error_count, warning_count FROM revisions WHERE request_id = ? ORDER BY rev",
        (request_id,),
    ).fetchall()
    return [Revision(int(r[0]), str(r[1]), State(r[2]), int(r[3]), int(r[4])) for r in rows]


def revision(conn: Any, request_id: str, rev: int) -> RequestDoc:
    row = conn.execute(
        "SELECT doc, state, saved FROM revisions WHERE request_id = ? AND rev = ?", (request_id, rev)
    ).fetchone()
    if row is None:
        raise RequestNotFound(
            f"No revision {int(rev)} of that request (only the last {REVISIONS_KEPT} are kept)."
        )
    return _load(row[0], row[1], row[2])


def duplicate(
    source: RequestDoc, mode: DuplicateMode | str, certificate_end: str | None = None
) -> RequestDoc:
    """A new, unsaved draft from `source`'s answers, for a new assignment (both dates cleared) or an extension of
    this one (the original start kept, since the agreement's limit counts the whole stay; the new end left to
    give; the current certificate's end: `certificate_end`, the one the agency approved, else the end asked)."""
    kind = DuplicateMode(mode)
    answers = copy.deepcopy(source.answers)
    old_end = certificate_end or answers.get(END)
    if kind is not DuplicateMode.EXTENSION:
        answers.pop(START, None)
    answers.pop(END, None)
    if kind is DuplicateMode.EXTENSION:
        answers[IS_EXTENSION] = True
        end = iso_date(old_end)
        if end:
            answers[PREVIOUS_END] = end
        else:
            answers.pop(PREVIOUS_END, None)
    else:
        answers[IS_EXTENSION] = False
        answers.pop(PREVIOUS_END, None)
    return RequestDoc(form=source.form, edition=source.edition, answers=answers)


def overlaps(conn: Any, doc: RequestDoc) -> list[RequestSummary]:
    """Other requests for the same worker and agreement whose assignment dates overlap `doc`'s (inclusive).

    The same worker: the same SSN; or, when either side has no SSN, the same first and last name and birth date.
    Requests rejected by the agency do not count. A request without a start date overlaps nothing.
    """
    cols = columns_for(doc)
    if cols.start_date is None:
        return []
    who, params = _same_worker(doc)
    if not who:
        return []
    sql = (
        f"SELECT {SUMMARY_COLUMNS} FROM requests WHERE ({who}) AND agreement = ? AND id != ? "
        "AND state != 'rejected' AND start_date IS NOT NULL AND start_date <= ? AND coalesce(end_date, ?) >= ? "
        "ORDER BY start_date"
    )
    params.extend([cols.agreement, doc.id, cols.end_date or OPEN_END, OPEN_END, cols.start_date])
    return [_summary(r) for r in conn.execute(sql, params)]


def _same_worker(doc: RequestDoc) -> tuple[str, list[Any]]:
    """The SQL condition (and its parameters) for the requests of `doc`'s worker: the same SSN; or, when either
    side has no SSN, the same first and last name and birth date. ("", []) when `doc` names no one yet."""
    cols = columns_for(doc)
    who: list[str] = []
    params: list[Any] = []
    if cols.ssn_key:
        who.append("ssn_key = ?")
        params.append(cols.ssn_key)
        if cols.namebirth_key:
            who.append("(namebirth_key = ? AND ssn_key IS NULL)")
            params.append(cols.namebirth_key)
    elif cols.namebirth_key:
        who.append("namebirth_key = ?")
        params.append(cols.namebirth_key)
    return " OR ".join(who), params


def sharing_a_worker(conn: Any, ids: Iterable[str]) -> set[str]:
    """Those of `ids` whose worker has another request that is not rejected (the same SSN; or the same name and
    birth date where one has no SSN): the only ones the checks across requests can say anything about."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):  # SQLite's limit on parameters
        chunk = wanted[i : i + 500]
        sql = (
            f"SELECT r.id FROM requests r WHERE r.id IN ({','.join('?' * len(chunk))}) AND EXISTS ("
            "SELECT 1 FROM requests o WHERE o.id != r.id AND o.state != 'rejected' AND ("
            "(r.ssn_key IS NOT NULL AND o.ssn_key = r.ssn_key) OR (r.namebirth_key IS NOT NULL AND "
            "o.namebirth_key = r.namebirth_key AND (o.ssn_key IS NULL OR r.ssn_key IS NULL))))"
        )
        found.update(row[0] for row in conn.execute(sql, chunk))
    return found


def worker_requests(conn: Any, doc: RequestDoc, limit: int) -> list[RequestDoc]:
    """The other requests of `doc`'s worker, under any agreement (not those the agency rejected), latest first:
    what the verdict's checks across requests compare `doc` with."""
    who, params = _same_worker(doc)
    if not who:
        return []
    sql = (
        "SELECT v.doc, r.state, r.updated FROM requests r JOIN revisions v ON v.request_id = r.id "
        f"AND v.rev = r.revision WHERE ({who}) AND r.id != ? AND r.state != 'rejected' ORDER BY r.seq DESC LIMIT ?"
    )
    return [_load(*row) for row in conn.execute(sql, [*params, doc.id, limit])]

"""Search in the store: workers' names, confirmation numbers and request ids, through an index (SQLite FTS5).

The index is an FTS5 table (`search`, trigram tokenizer) inside the encrypted file, over two columns of `requests`
that every save fills in: `search_name` (the worker's name, folded) and `search_number` (the request id and the
receiver's confirmation number, without punctuation). Its rows are keyed by the request's `seq`, the recency order
of the list, so the default list reads the matches newest first without sorting them. Triggers on `requests` keep
the index in step with every insert, update and delete, inside the same transaction, whichever code writes; a
migration, a restore and `Store.check` can rebuild or verify it from the columns.

What a query matches (every word must match; case and accents never matter):

- a word of 3 characters or more, anywhere in the worker's name, with or without its punctuation ("mith" finds
  Smith, "obrien" O'Brien);
- a word of 1 or 2 characters, the beginning of a word of the name ("j" finds José, "mc" McKay);
- a word of 4 characters or more (punctuation ignored), the beginning of the request id, or of the confirmation
  number or one of its parts ("7kq3" and "coc-7kq3" find COC-7KQ3-M9XZ; "3f2a" the request 3f2a9c...).

Every word is quoted for FTS5 (an inner quote doubled), so the user's text is never FTS5 or SQL syntax.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from app.store import stored
from app.store.columns import fold

SEP = "  "  # two spaces before every word: "  j" and " jo" are then trigrams that mark a word's start
NUMBER_MIN = 4  # shorter words would match the start of too many ids
_PARTS = re.compile(r"[^\W_]+")  # runs of letters and digits

TABLE_SQL = (
    "CREATE VIRTUAL TABLE search USING fts5(search_name, search_number, content='requests', "
    "content_rowid='seq', tokenize='trigram', detail='full')"
)
TRIGGERS_SQL = (
    "CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN "
    "INSERT INTO search (rowid, search_name, search_number) "
    "VALUES (new.seq, new.search_name, new.search_number); END",
    "CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN "
    "INSERT INTO search (search, rowid, search_name, search_number) "
    "VALUES ('delete', old.seq, old.search_name, old.search_number); END",
    "CREATE TRIGGER requests_search_update AFTER UPDATE OF seq, search_name, search_number ON requests BEGIN "
    "INSERT INTO search (search, rowid, search_name, search_number) "
    "VALUES ('delete', old.seq, old.search_name, old.search_number); "
    "INSERT INTO search (rowid, search_name, search_number) "
    "VALUES (new.seq, new.search_name, new.search_number); END",
)


def _clean(text: str) -> str:
    """Folded, without control characters (they are never typed, and would end an FTS5 string)."""
    return fold("".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs")))


def _compact(text: str) -> str:
    return "".join(_PARTS.findall(text))


def name_words(worker_name: str) -> str:
    """The `search_name` column: every word of the name; for a word with punctuation, also the word without it
    ("obrien") and each part after the first ("brien" of O'Brien, "lopez" of García-López); each after `SEP`."""
    words: list[str] = []
    for word in _clean(worker_name).split():
        words.append(word)
        parts = _PARTS.findall(word)
        if len(parts) > 1 or (parts and parts[0] != word):
            words.append("".join(parts))
            words.extend(parts[1:])
    return "".join(SEP + w for w in words)


def number_words(request_id: str, confirmation: str | None = None) -> str:
    """The `search_number` column: the id, and the confirmation number from each of its parts, without
    punctuation, each after `SEP`."""
    words = [_compact(_clean(request_id))]
    if confirmation:
        parts = _PARTS.findall(_clean(confirmation))
        words.extend("".join(parts[i:]) for i in range(len(parts)))
    return "".join(SEP + w for w in words if w)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(text: str | None) -> str | None:
    """The FTS5 query for what was typed, or None when there is nothing to search for."""
    terms: list[str] = []
    for word in _clean(text or "").split():
        name = f"search_name : {_quoted(word if len(word) >= 3 else SEP + word)}"
        number = _compact(word)
        if len(number) >= NUMBER_MIN:
            terms.append(f"({name} OR search_number : {_quoted(SEP + number)})")
        else:
            terms.append(name)
    return " AND ".join(terms) or None


def confirmation_of(conn: Any, request_id: str) -> str | None:
    row = conn.execute("SELECT receipt FROM receipts WHERE request_id = ?", (request_id,)).fetchone()
    if row is None:
        return None
    value = stored.loads(row[0], "a receipt", dict).get("confirmation")  # as `outbox.mark_sent` stored it
    return value if isinstance(value, str) else None


def create(conn: Any) -> None:
    """Add the columns, fill them for every request, build the index and its triggers (the migration to v2)."""
    conn.execute("ALTER TABLE requests ADD COLUMN search_name TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE requests ADD COLUMN search_number TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, worker_name FROM requests").fetchall()
    for request_id, worker_name in rows:
        conn.execute(
            "UPDATE requests SET search_name = ?, search_number = ? WHERE id = ?",
            (
                name_words(worker_name),
                number_words(request_id, confirmation_of(conn, request_id)),
                request_id,
            ),
        )
    conn.execute(TABLE_SQL)
    rebuild(conn)
    for statement in TRIGGERS_SQL:
        conn.execute(statement)


def rebuild(conn: Any) -> None:
    """Rebuild the whole index from the `requests` columns (after a restore; and what the migration does)."""
    conn.execute("INSERT INTO search (search) VALUES ('rebuild')")


def check(conn: Any) -> None:
    """Raise the SQLite corruption error when the index does not match the `requests` columns, row for row."""
    conn.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")

"""Search in the store: workers' names, confirmation numbers and request ids, through indexes inside the encrypted
file.

- Names: an FTS5 table (`search`, trigram tokenizer) over the `search_name` column of `requests`, which every save
  fills in (the worker's name, folded, each word after two spaces). Its rows are keyed by the request's `seq`, the
  recency order of the list, so the default list reads the matches newest first without sorting them. Triggers on
  `requests` keep it in step with every insert, update and delete, in the same transaction, whoever writes.
- Numbers: request ids through the primary key, and confirmation numbers through `confirmation_words` (the number
  without punctuation, and the same from each of its parts: "coc7kq3m9xz", "7kq3m9xz", "m9xz"), written with the
  receipt and deleted with the request. Both are B-tree ranges: a prefix costs the same among 1,000 or 100,000.

What a query matches (case and accents never matter):

- by name, when every word matches: a word of 3 characters or more anywhere in the worker's name, with or without
  its punctuation ("mith" finds Smith, "obrien" O'Brien); a word of 1 or 2 characters at the start of a word of
  the name ("j" finds José, "mc" McKay);
- by number, when the whole query, without spaces and punctuation, has 4 characters or more and begins the request
  id or the confirmation number or one of its parts ("7kq3", "coc-7kq3" and "COC 7KQ3 M9XZ" find COC-7KQ3-M9XZ;
  "3f2a" finds the request 3f2a9c...).

Every name word is quoted for FTS5 (an inner quote doubled), and numbers are bound parameters: the user's text is
never FTS5 or SQL syntax. (Schema version 4 indexed the numbers in the FTS5 table too; matching them there made a
query with several long words cost ten times more at 100,000 requests, so version 6 moved them to B-trees.)
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from app.store import stored
from app.store.columns import fold

SEP = "  "  # two spaces before every word: "  j" and " jo" are then trigrams that mark a word's start
NUMBER_MIN = 4  # shorter queries would match the start of too many ids
_PARTS = re.compile(r"[^\W_]+")  # runs of letters and digits
_HEX = re.compile(r"[0-9a-f]+")
_AFTER_ALL = "\U0010ffff"

TABLE_SQL = (
    "CREATE VIRTUAL TABLE search USING fts5(search_name, content='requests', content_rowid='seq', "
    "tokenize='trigram', detail='full')"
)
TRIGGERS_SQL = (
    "CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN "
    "INSERT INTO search (rowid, search_name) VALUES (new.seq, new.search_name); END",
    "CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN "
    "INSERT INTO search (search, rowid, search_name) VALUES ('delete', old.seq, old.search_name); END",
    "CREATE TRIGGER requests_search_update AFTER UPDATE OF seq, search_name ON requests BEGIN "
    "INSERT INTO search (search, rowid, search_name) VALUES ('delete', old.seq, old.search_name); "
    "INSERT INTO search (rowid, search_name) VALUES (new.seq, new.search_name); END",
)
NUMBERS_SQL = (
    "CREATE TABLE confirmation_words (word TEXT NOT NULL, "
    "request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE, "
    "PRIMARY KEY (word, request_id)) WITHOUT ROWID"
)
NUMBERS_BY_REQUEST_SQL = "CREATE INDEX confirmation_words_by_request ON confirmation_words (request_id)"


def _clean(text: str) -> str:
    """Folded, without control characters (they are never typed, and would end an FTS5 string)."""
    if text.isascii() and text.isprintable():  # no control character, no surrogate: nothing to drop
        return fold(text)
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


def confirmation_words(confirmation: str) -> list[str]:
    """The words a confirmation number is found by: the number without punctuation, then from each part on."""
    parts = _PARTS.findall(_clean(confirmation))
    return list(dict.fromkeys("".join(parts[i:]) for i in range(len(parts))))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(text: str | None) -> str | None:
    """The FTS5 query of the names for what was typed, or None when there is no word to search for. A word of 1 or 2
    characters is the one trigram that marks a word's start with it ("  j", " mc": spaces come only in `SEP`), one
    list of rows to read rather than a phrase of two to match position by position."""
    terms = [
        f"search_name : {_quoted(word if len(word) >= 3 else (SEP + word)[-3:])}"
        for word in _clean(text or "").split()
    ]
    return " AND ".join(terms) or None


COMMON_WORD = 6  # characters at most: a single word this short can match thousands of names


def common_word(text: str | None) -> bool:
    """Whether what was typed is one word of at most `COMMON_WORD` characters (a prefix like "Smit" that thousands
    of names may hold), for which reading the names' matches newest first, only as far as a page, pays."""
    words = _clean(text or "").split()
    return len(words) == 1 and len(words[0]) <= COMMON_WORD


def number_query(text: str | None) -> tuple[str, list[Any]] | None:
    """SQL selecting the `seq` of the requests whose id or confirmation number begins with what was typed (without
    spaces and punctuation), and its parameters; None when that is shorter than `NUMBER_MIN`."""
    compact = _compact(_clean(text or ""))
    if len(compact) < NUMBER_MIN:
        return None
    sql = (
        "SELECT r.seq FROM confirmation_words w JOIN requests r ON r.id = w.request_id "
        "WHERE w.word >= ? AND w.word < ?"
    )
    params: list[Any] = [compact, compact + _AFTER_ALL]
    if _HEX.fullmatch(compact) and len(compact) <= 32:  # an id's start, written as ids are: 8-4-4-4-12
        cuts = [0, 8, 12, 16, 20, 32]
        dashed = "-".join(compact[a:b] for a, b in itertools.pairwise(cuts) if compact[a:b])
        sql += " UNION SELECT seq FROM requests WHERE id >= ? AND id < ?"
        params += [dashed, dashed + "~"]  # "~" sorts after every character of an id
    return sql, params


def add_confirmation(conn: Any, request_id: str, confirmation: str | None) -> None:
    """Make the request found by its confirmation number (with its receipt, in `outbox.mark_sent`)."""
    conn.execute("DELETE FROM confirmation_words WHERE request_id = ?", (request_id,))
    for word in confirmation_words(confirmation or ""):
        conn.execute(
            "INSERT OR IGNORE INTO confirmation_words (word, request_id) VALUES (?, ?)", (word, request_id)
        )


def confirmation_of(conn: Any, request_id: str) -> str | None:
    row = conn.execute("SELECT receipt FROM receipts WHERE request_id = ?", (request_id,)).fetchone()
    if row is None:
        return None
    value = stored.loads(row[0], "a receipt", dict).get("confirmation")  # as `outbox.mark_sent` stored it
    return value if isinstance(value, str) else None


def rebuild(conn: Any) -> None:
    """Rebuild the name index from the `requests` columns (after a restore; and what the migrations do)."""
    conn.execute("INSERT INTO search (search) VALUES ('rebuild')")


def check(conn: Any) -> None:
    """Raise the SQLite corruption error when the name index does not match the `requests` column, row for row."""
    conn.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")


# --- the migrations ------------------------------------------------------------------------------------------------

V4_TABLE_SQL = (
    "CREATE VIRTUAL TABLE search USING fts5(search_name, search_number, content='requests', "
    "content_rowid='seq', tokenize='trigram', detail='full')"
)
V4_TRIGGERS_SQL = (
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


def _v4_number_words(request_id: str, confirmation: str | None) -> str:
    words = [_compact(_clean(request_id)), *confirmation_words(confirmation or "")]
    return "".join(SEP + w for w in words if w)


def create(conn: Any) -> None:
    """Schema version 4: the search columns, filled for every request, and the FTS5 index with its triggers."""
    conn.execute("ALTER TABLE requests ADD COLUMN search_name TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE requests ADD COLUMN search_number TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, worker_name FROM requests").fetchall()
    for request_id, worker_name in rows:
        conn.execute(
            "UPDATE requests SET search_name = ?, search_number = ? WHERE id = ?",
            (
                name_words(worker_name),
                _v4_number_words(request_id, confirmation_of(conn, request_id)),
                request_id,
            ),
        )
    conn.execute(V4_TABLE_SQL)
    rebuild(conn)
    for statement in V4_TRIGGERS_SQL:
        conn.execute(statement)


def separate_numbers(conn: Any) -> None:
    """Schema version 6: the FTS5 index over names only; confirmation numbers in `confirmation_words`."""
    for name in ("requests_search_insert", "requests_search_delete", "requests_search_update"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE search")
    conn.execute("ALTER TABLE requests DROP COLUMN search_number")
    conn.execute(TABLE_SQL)
    rebuild(conn)
    for statement in TRIGGERS_SQL:
        conn.execute(statement)
    conn.execute(NUMBERS_SQL)
    conn.execute(NUMBERS_BY_REQUEST_SQL)
    for (request_id,) in conn.execute("SELECT request_id FROM receipts").fetchall():
        add_confirmation(conn, request_id, confirmation_of(conn, request_id))

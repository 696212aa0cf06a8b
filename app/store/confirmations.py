"""A sent request's confirmation number on its row of `requests`, where the list reads it with the row.

The receipt (`receipts.receipt`, the receiver's JSON, kept whole) is where the number comes from; the column
`requests.confirmation` holds it as read from there by SQLite, kept in step by triggers on `receipts` in the same
transaction, whoever writes (schema version 7). Before, a page of the list asked the numbers of its sent rows in a
query of its own, reading and parsing each receipt: 100-180 µs for a page of 50 sent requests at 100,000, the
common page of a store whose requests were mostly sent; from the row, nothing.

A receipt is untrusted text (a crafted store or backup): the number is read without trusting it (anything but JSON
text holding an object whose "confirmation" is a string gives NULL, never an error), kept as the bytes of its JSON
string (escapes kept: a lone surrogate escape decoded by SQLite, or bytes that are not UTF-8, would make the driver
fail the whole page's query), and read back as a string only in Python (`number`). A restore recomputes the column
from the receipts, whatever the backup held; the full check does too when it finds it out of step.
"""

from __future__ import annotations

import json
from typing import Any


def from_receipt(column: str) -> str:
    """SQL giving the confirmation number of the receipt in `column`, as the bytes of its JSON string, or NULL."""
    return (
        f"CASE WHEN typeof({column}) = 'text' AND json_valid({column}, 2) "
        f"AND json_type({column}, '$.confirmation') = 'text' "
        f"THEN CAST({column} -> '$.confirmation' AS BLOB) END"
    )


COLUMN_SQL = "ALTER TABLE requests ADD COLUMN confirmation BLOB"
TRIGGERS_SQL = (
    "CREATE TRIGGER receipts_confirmation_insert AFTER INSERT ON receipts BEGIN "
    f"UPDATE requests SET confirmation = {from_receipt('new.receipt')} WHERE id = new.request_id; END",
    "CREATE TRIGGER receipts_confirmation_update AFTER UPDATE OF request_id, receipt ON receipts BEGIN "
    "UPDATE requests SET confirmation = NULL WHERE id = old.request_id; "
    f"UPDATE requests SET confirmation = {from_receipt('new.receipt')} WHERE id = new.request_id; END",
    "CREATE TRIGGER receipts_confirmation_delete AFTER DELETE ON receipts BEGIN "
    "UPDATE requests SET confirmation = NULL WHERE id = old.request_id; END",
)
# The column as the receipts give it, for every request (NULL without a receipt).
_EXPECTED = f"(SELECT {from_receipt('receipt')} FROM receipts WHERE receipts.request_id = requests.id)"
REBUILD_SQL = f"UPDATE requests SET confirmation = {_EXPECTED} WHERE confirmation IS NOT {_EXPECTED}"
SELECT_SQL = "CAST(confirmation AS BLOB)"  # what the list reads: bytes, whatever a crafted file put there


def create(conn: Any) -> None:
    """Schema version 7: the column, filled from the receipts there are, and its triggers."""
    conn.execute(COLUMN_SQL)
    rebuild(conn)
    for statement in TRIGGERS_SQL:
        conn.execute(statement)


def rebuild(conn: Any) -> int:
    """Set the column from the receipts wherever it differs (after a restore, or when the full check finds it out
    of step); how many rows were out of step."""
    return int(conn.execute(REBUILD_SQL).rowcount)


def in_step(conn: Any) -> bool:
    """Whether every row's column is what its receipt gives."""
    return (
        conn.execute(f"SELECT 1 FROM requests WHERE confirmation IS NOT {_EXPECTED} LIMIT 1").fetchone()
        is None
    )


def number(raw: bytes | None) -> str | None:
    """The string of a JSON string's bytes, as SQLite wrote them; None for none, or bytes that are not a JSON string
    in UTF-8 (a crafted file)."""
    if raw is None:
        return None
    try:
        text = bytes(raw).decode("utf-8")
    except (UnicodeDecodeError, TypeError):
        return None
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    if "\\" not in text:
        return text[1:-1]
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, str) else None

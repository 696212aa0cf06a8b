"""Reports of requests carried over to a new edition of their form (`Store.carry_over`).

A report says what was renamed or mapped, what was kept as a note (the answers of fields no longer on the form:
nothing typed is lost), what is new and what is now missing. It is personal data (a kept answer may be a name),
so it lives only inside the encrypted store, beside the request; the wizard shows it the first time the request is
opened, then marks it seen. These functions run inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from app.store.models import EditionReport

MIGRATION_SQL = """
CREATE TABLE edition_reports (
    seq        INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    created    TEXT NOT NULL,
    report     TEXT NOT NULL,
    seen       INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1))
);
CREATE INDEX edition_reports_by_request ON edition_reports (request_id, seq);
"""


def add(conn: Any, request_id: str, report: str, now: str) -> None:
    conn.execute(
        "INSERT INTO edition_reports (request_id, created, report) VALUES (?, ?, ?)",
        (request_id, now, report),
    )


def of(conn: Any, request_id: str, unseen_only: bool = False) -> list[EditionReport]:
    rows = conn.execute(
        "SELECT seq, request_id, created, report, seen FROM edition_reports WHERE request_id = ?"
        + (" AND seen = 0" if unseen_only else "")
        + " ORDER BY seq",
        (request_id,),
    ).fetchall()
    return [EditionReport(int(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4])) for r in rows]


def mark_seen(conn: Any, request_id: str) -> int:
    return int(
        conn.execute(
            "UPDATE edition_reports SET seen = 1 WHERE request_id = ? AND seen = 0", (request_id,)
        ).rowcount
    )

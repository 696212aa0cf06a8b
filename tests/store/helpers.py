"""Shared helpers for the store tests: documents, file fingerprints."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from app.request import RequestDoc
from app.store import search

PASSPHRASE = "harbor lamp 7 violet"
OTHER_PASSPHRASE = "copper kettle 42 dawn"


def full_answers(**overrides: Any) -> dict[str, Any]:
    """A complete request of the German agreement (the form engine's example answers), plus `overrides`."""
    from app.forms import default_catalog
    from app.forms.example import example_answers

    answers = example_answers(default_catalog().form("de-employee"))
    answers.update(overrides)
    return answers


def make_doc(form: str = "de-employee", **overrides: Any) -> RequestDoc:
    answers = full_answers(**{k.replace("__", "."): v for k, v in overrides.items()})
    return RequestDoc(form=form, edition="2026-11-29", answers=answers)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash: a before/after fingerprint."""
    out: dict[str, str] = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            out[str(p.relative_to(folder))] = sha256(p)
    return out


# What each migration added, taken away again: `as_schema_version` turns a store written by this version into the
# file an older version wrote (with the same requests in it), to test the migrations from it.
DOWNGRADES: dict[int, tuple[str, ...]] = {
    8: ("CREATE INDEX requests_by_seq ON requests (seq)",),
    7: (
        "DROP TRIGGER receipts_confirmation_insert",
        "DROP TRIGGER receipts_confirmation_update",
        "DROP TRIGGER receipts_confirmation_delete",
        "ALTER TABLE requests DROP COLUMN confirmation",
    ),
    6: (  # (the numbers' words of version 5 are not rebuilt: no test reads them there)
        "DROP TABLE confirmation_words",
        "DROP TRIGGER requests_search_insert",
        "DROP TRIGGER requests_search_delete",
        "DROP TRIGGER requests_search_update",
        "DROP TABLE search",
        "ALTER TABLE requests ADD COLUMN search_number TEXT NOT NULL DEFAULT ''",
        search.V4_TABLE_SQL,
        *search.V4_TRIGGERS_SQL,
        "INSERT INTO search (search) VALUES ('rebuild')",
    ),
    5: (
        *(
            f"DROP INDEX requests_in_{order}_order"
            for order in ("end", "start", "worker", "created", "state", "kind", "errors")
        ),
        "CREATE INDEX requests_by_name ON requests (name_search, seq)",
        "CREATE INDEX requests_by_state ON requests (state, seq)",
    ),
    4: (
        "DROP TRIGGER requests_search_insert",
        "DROP TRIGGER requests_search_delete",
        "DROP TRIGGER requests_search_update",
        "DROP TABLE search",
        "ALTER TABLE requests DROP COLUMN search_name",
        "ALTER TABLE requests DROP COLUMN search_number",
    ),
    3: ("DROP TABLE edition_reports",),
    2: ("DROP INDEX revisions_by_external_ref", "DROP TABLE batch_items", "DROP TABLE batches"),
}


def as_schema_version(path: Path, key: Any, version: int) -> None:
    """Take a closed store back to schema `version`, the newest migrations first."""
    from app.store import schema
    from app.store.connection import connect

    assert set(DOWNGRADES) == {m.version for m in schema.MIGRATIONS if m.version > 1}, (
        "add the new migration here"
    )
    conn = connect(path, key)
    try:
        for step in sorted(DOWNGRADES, reverse=True):
            if step > version:
                for statement in DOWNGRADES[step]:
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        conn.close()

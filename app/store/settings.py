"""Settings kept in the encrypted store, and the employer profile that pre-fills new requests.

A setting is a name and a text value; a `secret` one (the transmission token, say) is never listed with its
value and exists only inside the encrypted file. Settings that must be read before unlocking (window geometry and
the like) belong in the GUI's own settings, never here, and never anything personal there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.store import stored
from app.store.columns import EMPLOYER_PREFIX
from app.store.errors import InvalidValue

NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
MAX_VALUE = 65536

IDLE_LOCK_MINUTES = "idle_lock_minutes"
DEFAULT_IDLE_LOCK_MINUTES = 15


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidValue(
            "A setting name is 1 to 64 characters: lower-case letters, digits, '_', '.', '-', starting with a letter."
        )


def get(conn: Any, name: str) -> str | None:
    _check_name(name)
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (name,)).fetchone()
    return str(row[0]) if row else None


def set_(conn: Any, name: str, value: str, secret: bool) -> None:
    _check_name(name)
    if not isinstance(value, str) or len(value) > MAX_VALUE:
        raise InvalidValue(f"A setting's value is text of at most {MAX_VALUE} characters.")
    conn.execute(
        "INSERT INTO settings (key, value, secret) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, secret = excluded.secret",
        (name, value, int(bool(secret))),
    )


def delete(conn: Any, name: str) -> bool:
    _check_name(name)
    return int(conn.execute("DELETE FROM settings WHERE key = ?", (name,)).rowcount) > 0


def listing(conn: Any) -> dict[str, str | None]:
    """Every setting by name; a secret one's value is None (it is never listed)."""
    rows = conn.execute("SELECT key, value, secret FROM settings ORDER BY key").fetchall()
    return {str(k): (None if s else str(v)) for k, v, s in rows}


def idle_lock_seconds(conn: Any) -> float:
    text = get(conn, IDLE_LOCK_MINUTES)
    try:
        minutes = float(text) if text is not None else DEFAULT_IDLE_LOCK_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_LOCK_MINUTES
    return max(1.0, min(minutes, 24 * 60.0)) * 60.0


def employer_profile(conn: Any) -> dict[str, str]:
    row = conn.execute("SELECT data FROM employer_profile WHERE id = 1").fetchone()
    return stored.loads(row[0], "the employer profile", dict) if row else {}


def set_employer_profile(conn: Any, profile: Mapping[str, Any], now: str) -> None:
    clean: dict[str, str] = {}
    for key, value in profile.items():
        if not isinstance(key, str) or not key.startswith(EMPLOYER_PREFIX) or key == EMPLOYER_PREFIX:
            raise InvalidValue(
                "The employer profile holds only employer.* answers (employer.name, employer.ein...)."
            )
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InvalidValue("The employer profile's answers are text.")
        clean[key] = value
    conn.execute(
        "INSERT INTO employer_profile (id, data, updated) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
        (json.dumps(clean, ensure_ascii=False, sort_keys=True), now),
    )

"""Form editions: how two editions compare.

An edition is the date a definition was last changed (`edition = "2026-11-29"`). Two dated editions compare by
date; an edition that is not a date (a test's "x") has no place in that order, so it is neither newer nor older
than any other: such a request is simply checked against the current edition, with a warning.
"""

from __future__ import annotations

import datetime as dt


def edition_date(edition: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(edition)
    except (TypeError, ValueError):
        return None


def is_newer(edition: str, than: str) -> bool:
    """True when both are dated and `edition` is later than `than`."""
    a, b = edition_date(edition), edition_date(than)
    return a is not None and b is not None and a > b


def is_older(edition: str, than: str) -> bool:
    return is_newer(than, edition)


def newest(editions: list[str]) -> str:
    """The latest of some editions (dated ones first; among undated ones, the last in text order)."""
    return max(editions, key=lambda e: (edition_date(e) or dt.date.min, e)) if editions else ""

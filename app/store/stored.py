"""JSON the store wrote, read back without trusting it.

The store writes JSON it checked (documents that passed the verdict's limits, cleaned receipts), but a store or a
backup crafted elsewhere passes every structural check (its pages, its schema) with any JSON inside: a revision
nesting 990 arrays (SQLite's own JSON check stops at 1,000, Python's reader at about as many) or a receipt that is
a list made `coc drafts show` and `coc export` end with an internal error. What cannot be read as what the store
writes there is `DamagedStore`, said like any other damage: nothing is changed, the way forward is a backup.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from app.request import RequestDoc, RequestFormatError
from app.store.errors import DamagedStore

T = TypeVar("T", dict[str, Any], list[Any])


def damaged(what: str) -> DamagedStore:
    return DamagedStore(
        f"The store holds {what} that this application did not write and cannot read; it was left unchanged."
    )


def loads(text: Any, what: str, kind: type[T]) -> T:
    """`text` read as JSON of type `kind` (dict or list), or `DamagedStore` naming `what`."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise damaged(what) from None
    if not isinstance(value, kind):
        raise damaged(what)
    return value


def document(text: Any) -> RequestDoc:
    """A request document as a revision holds it, or `DamagedStore`."""
    try:
        return RequestDoc.from_dict(loads(text, "a request", dict))
    except (RequestFormatError, TypeError, ValueError, RecursionError):
        raise damaged("a request") from None

"""The request document: plain data that round-trips to JSON exactly.

See docs/request-format.md. Field ids are stable names of the format (`section.field`); a repeat group's answer is
a list of rows, each a mapping of column name to value.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

Answers = dict[str, Any]


class State(StrEnum):
    """Where a request stands. Saving never changes a request into a sent one."""

    DRAFT = "draft"  # being written; may have errors
    READY = "ready"  # no error left; may be queued
    QUEUED = "queued"  # frozen in the outbox, waiting to be transmitted
    SENT = "sent"  # the receiver's receipt is stored
    APPROVED = "approved"  # the agency issued the certificate
    REJECTED = "rejected"  # the agency (or the receiver) refused it

    @property
    def label(self) -> str:
        return {"draft": "Draft", "ready": "Ready", "queued": "Queued", "sent": "Sent"}.get(
            self.value, "Certificate approved" if self is State.APPROVED else "Rejected"
        )


class RequestFormatError(ValueError):
    """A document that is not a request document; the message says what is wrong, in one line."""


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


KEYS = ("id", "form", "edition", "answers", "created", "updated", "state")
_STATES = frozenset(s.value for s in State)


@dataclass
class RequestDoc:
    form: str
    edition: str
    answers: Answers = field(default_factory=dict)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=now_utc)
    updated: str = ""
    state: State = State.DRAFT
    # The store's revision this copy was read at (None: not read from the store, a new request). Not part of the
    # document: `Store.get` sets it, `Store.save` refuses a copy whose revision is no longer the current one and
    # advances it on success. A stale copy can never overwrite a newer one.
    revision: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.updated:
            self.updated = self.created

    @property
    def agreement(self) -> str:
        """The agreement id: the part of the form id before the kind (`de-employee` -> `de`)."""
        return self.form.split("-", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "form": self.form,
            "edition": self.edition,
            "answers": self.answers,
            "created": self.created,
            "updated": self.updated,
            "state": self.state.value,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The document as JSON text to print or write out: unsafe characters (C1 controls, bidirectional
        overrides, lone surrogates) as `\\u` escapes, so the text is safe on a terminal and encodes as UTF-8."""
        from app.visible import json_safe

        return json_safe(json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False))

    def touched(self, **changes: Any) -> RequestDoc:
        return replace(self, updated=now_utc(), **changes)

    @staticmethod
    def check_dict(data: Any) -> None:
        """`RequestFormatError` when `data` is not a request document's dict (what `from_dict` reads)."""
        if not isinstance(data, dict):
            raise RequestFormatError("a request document must be a JSON object")
        missing = [k for k in ("form", "answers") if k not in data]
        if missing:
            raise RequestFormatError(f"the request document lacks {', '.join(repr(k) for k in missing)}")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise RequestFormatError(f"unknown key(s) in the request document: {', '.join(unknown)}")
        for key in ("id", "form", "edition", "created", "updated", "state"):
            if key in data and not isinstance(data[key], str):
                raise RequestFormatError(f"{key!r} must be text, not {type(data[key]).__name__}")
        if not isinstance(data["answers"], dict):
            raise RequestFormatError("'answers' must be an object keyed by field id")
        if "id" in data:
            try:
                uuid.UUID(data["id"])
            except ValueError:
                raise RequestFormatError(f"'id' is not a UUID: {data['id'][:40]!r}")
        if data.get("state", "draft") not in _STATES:
            raise RequestFormatError(
                f"unknown state {data['state'][:20]!r} (one of: {', '.join(s.value for s in State)})"
            )

    @classmethod
    def from_dict(cls, data: Any) -> RequestDoc:
        cls.check_dict(data)
        state = State(data.get("state", "draft"))
        doc = cls(
            form=data["form"], edition=data.get("edition", ""), answers=dict(data["answers"]), state=state
        )
        for key in ("id", "created", "updated"):
            if key in data:
                setattr(doc, key, data[key])
        return doc

    @classmethod
    def from_json(cls, text: str) -> RequestDoc:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RequestFormatError(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        return cls.from_dict(data)

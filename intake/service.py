"""What the intake service does with a request, apart from HTTP: authenticate, deduplicate by idempotency key,
re-run the application's own validation, store, issue a receipt; report status; record the agency's decision.

Each operation returns an `Answer` (status code, JSON body, extra headers) that the HTTP layer writes as it is;
errors are RFC 9457 problem details (`intake.problems`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.forms import Catalog, Issue, verdict
from app.forms.edition_policy import OUTDATED
from app.forms.loader import shipped_catalog
from app.forms.verdict import read_json
from app.updates.catalog import installed_catalog
from intake.db import IntakeDB, Received
from intake.mail import write_confirmation
from intake.problems import Answer, problem
from intake.tuf_repo import UpdateFiles

__all__ = ["Answer", "IntakeService", "fingerprint", "is_canonical_uuid", "parse_key", "problem"]

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID = re.compile(UUID_PATTERN.strip("^$"))
ANSWER_TYPES = (str, bool, list)
MAX_TEXT = 100  # form, edition and the times are short


def is_canonical_uuid(text: Any) -> bool:
    """A UUID written the one way the protocol allows: 8-4-4-4-12 lower-case hex digits (RFC 9562 section 4)."""
    return isinstance(text, str) and _UUID.fullmatch(text) is not None


def client_id(token: str) -> str:
    """The identity a token stands for: requests and idempotency keys are scoped by it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def fingerprint(data: Any) -> str:
    """The payload's fingerprint: SHA-256 of its canonical JSON (sorted keys, no insignificant white space),
    without the document's local `state`, which the receiver ignores. A lone surrogate (JSON's `\\ud800`, which
    the verdict refuses in every answer) is hashed as its code unit: a request holding one is compared, never
    stored, and must not crash the comparison."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "state"}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def parse_key(header: str | None) -> str | None:
    """The Idempotency-Key: one structured-field String (RFC 9651, parsed by `http_sfv`) without parameters,
    holding a canonical UUID; None when absent or anything else (a bare token, a list, upper case, braces...)."""
    from http_sfv.item import Item

    if header is None:
        return None
    item = Item()
    try:
        item.parse(header.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    value = item.value
    if type(value) is not str or item.params or not is_canonical_uuid(value):
        return None
    return value


def _timestamp(text: str) -> bool:
    """An RFC 3339 date-time with a time zone (`2026-11-29T17:52:11Z`)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", text):
        return False
    try:
        dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def wire_errors(data: Any) -> list[dict[str, str]]:
    """What makes `data` something other than the protocol's `RequestDocument` (docs/protocol.yaml): its shape
    only; whether the request itself is valid is the verdict's business."""

    def error(field_id: str, message: str) -> dict[str, str]:
        return {"field": field_id, "code": "not_a_request", "message": message}

    if not isinstance(data, dict):
        return [error("request", "The body must be a JSON object (a request document).")]
    errors = [error(k, f"'{k}' is required.") for k in ("id", "form", "edition", "answers") if k not in data]
    unknown = sorted(set(data) - {"id", "form", "edition", "answers", "created", "updated", "state"})
    errors += [error(k[:40], f"Unknown member {k[:40]!r}.") for k in unknown]
    for k in ("form", "edition", "created", "updated", "state"):
        value = data.get(k)
        if k in data and (not isinstance(value, str) or not value or len(value) > MAX_TEXT):
            errors.append(error(k, f"'{k}' must be text of 1 to {MAX_TEXT} characters."))
        elif k in ("created", "updated") and isinstance(value, str) and not _timestamp(value):
            errors.append(error(k, f"'{k}' must be an RFC 3339 date-time, e.g. 2026-11-29T17:52:11Z."))
    if "id" in data and not is_canonical_uuid(data["id"]):
        errors.append(error("id", "'id' must be a lower-case UUID with hyphens (8-4-4-4-12)."))
    answers = data.get("answers")
    if "answers" in data and not isinstance(answers, dict):
        errors.append(error("answers", "'answers' must be an object keyed by field id."))
    elif isinstance(answers, dict):
        errors += [
            error(str(k)[:80], "An answer must be text, true/false, or a list of rows.")
            for k, v in answers.items()
            if not isinstance(v, ANSWER_TYPES)
        ][:50]
    return errors


def _wire(issue: Issue) -> dict[str, str]:
    return {"field": issue.field, "code": issue.code, "message": issue.message}


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate member {k[:40]!r}")
        out[k] = v
    return out


def period_of(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    """The period a request asks a certificate for (assignment dates, or self-employment dates)."""
    answers = doc.get("answers") or {}
    for prefix in ("assignment", "self"):
        start, end = answers.get(f"{prefix}.start_date"), answers.get(f"{prefix}.end_date")
        if isinstance(start, str) and start:
            return start, end if isinstance(end, str) and end else None
    return None, None


class IntakeService:
    def __init__(self, data_dir: Path, tokens: Iterable[str], catalog: Catalog | None = None) -> None:
        self.data_dir = data_dir
        self.db = IntakeDB(data_dir)
        self._tokens = [t for t in tokens if t]
        if not self._tokens:
            raise ValueError("the intake service needs at least one token")
        self._catalog = catalog
        self.updates = UpdateFiles(data_dir)  # the form-update repository it serves (intake/tuf_repo.py)

    @property
    def catalog(self) -> Catalog:
        """The definitions it checks against: the shipped ones with every edition it published."""
        return self._catalog or installed_catalog(shipped_catalog(), self.updates.repository.published)

    def close(self) -> None:
        self.db.close()

    # --- authentication ------------------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> str | None:
        """The client id for a valid `Authorization: Bearer <token>`, else None."""
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        token = token.strip()
        found = None
        for known in self._tokens:  # compare with every token, in constant time each
            if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
                found = known
        return client_id(found) if found is not None else None

    # --- POST /v1/requests ---------------------------------------------------------------------------------------

    def submit(self, client: str, key: str, body: bytes) -> Answer:
        """A request document received with its Idempotency-Key (`key`, already parsed: see `parse_key`)."""
        data, refusal = read_json(body)  # the verdict's size, depth and JSON limits before anything else
        if refusal is not None:
            code = "not_json" if refusal.code == "not_json" else "not_a_request"
            return problem(
                400, code, f"The body is not a request document: {refusal.message}", [_wire(refusal)]
            )
        errors = wire_errors(data)
        if errors:
            return problem(
                400, "not_a_request", f"The body is not a request document: {errors[0]['message']}", errors
            )
        data.pop("state", None)  # the sender's local state: ignored (and not part of the fingerprint)
        judged = verdict(data, self.catalog)
        doc = judged.doc
        if doc is None:
            first = judged.first_refusal()
            errors = [_wire(first)] if first is not None else []
            return problem(
                400, "not_a_request", f"The body is not a request document: {judged.summary()}", errors
            )
        print_ = fingerprint(data)
        with self.db.lock:
            known = self.db.by_key(client, key)
            if known is not None:
                if hmac.compare_digest(known.fingerprint, print_):
                    return Answer(200, known.receipt(), {"Idempotent-Replayed": "true"})
                return problem(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different request document.",
                    [
                        {
                            "field": "request",
                            "code": "idempotency_key_reused",
                            "message": "A request with this id "
                            "was already received with different answers; it cannot be changed after sending.",
                        }
                    ],
                )
            if key != doc.id:
                return problem(
                    422,
                    "key_mismatch",
                    "The Idempotency-Key must be the request's id.",
                    [
                        {
                            "field": "id",
                            "code": "key_mismatch",
                            "message": "The Idempotency-Key is not the request id.",
                        }
                    ],
                )
            errors = [_wire(i) for i in judged.errors]
            if errors:
                if any(e["code"] == OUTDATED for e in errors):  # the application offers the update
                    return problem(
                        422, OUTDATED, "The request is in an edition of the form no longer accepted.", errors
                    )
                return problem(422, "invalid_request", f"The request has {len(errors)} error(s).", errors)
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            with self.db.transaction() as conn:
                row = self.db.insert(conn, client, key, doc.id, print_, payload, doc.form)
        return Answer(201, row.receipt(), {"Location": f"/v1/requests/{row.request_id}"})

    # --- GET -----------------------------------------------------------------------------------------------------

    def status(self, client: str, request_id: str) -> Answer:
        row = self.db.for_client(client, request_id)
        if row is None:
            return problem(404, "not_found", "No request with this id was received from you.")
        return Answer(200, row.status())

    def forms(self) -> Answer:
        forms = [
            {"form": spec.id, "edition": spec.edition, "title": spec.title}
            for spec in sorted(self.catalog.forms.values(), key=lambda s: s.id)
        ]
        return Answer(200, {"forms": forms})


# --- the agency's decision (python -m intake decide) ---------------------------------------------------------------


class DecisionError(Exception):
    pass


@dataclass(frozen=True)
class Decision:
    row: Received
    mail: Path | None


DEFAULT_REASON = "The request does not meet the conditions of the agreement."


def decide(
    db: IntakeDB,
    data_dir: Path,
    id_or_confirmation: str,
    decision: str,
    *,
    reason: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Decision:
    """Record the agency's decision (approve, reject, review) on a received request; on approval, write the
    confirmation e-mail where the request asked for one (`request.email_confirmation`)."""
    rows = db.find(id_or_confirmation)
    if not rows:
        raise DecisionError(f"no request {id_or_confirmation!r} was received")
    if len(rows) > 1:
        raise DecisionError(f"{id_or_confirmation!r} matches {len(rows)} requests; give the full id")
    row = rows[0]
    if row.state in ("approved", "rejected"):
        raise DecisionError(f"request {row.request_id} was already {row.state}")
    doc = row.document()
    if decision == "approve":
        asked_start, asked_end = period_of(doc)
        row = db.decide(row.seq, "approved", None, start or asked_start, end or asked_end)
    elif decision == "reject":
        row = db.decide(row.seq, "rejected", reason or DEFAULT_REASON, None, None)
    elif decision == "review":
        row = db.decide(row.seq, "in_review", None, None, None)
    else:
        raise DecisionError(f"unknown decision {decision!r} (approve, reject or review)")
    mail = write_confirmation(data_dir, row, doc) if row.state == "approved" else None
    return Decision(row, mail)

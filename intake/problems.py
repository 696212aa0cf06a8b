"""Answers of the intake service, and its errors as RFC 9457 problem details.

Every error is `application/problem+json`: `type` (a tag URI naming the problem, stable), `title` (the same for
every occurrence of that type), `status` (the HTTP status), `detail` (this occurrence, one line for a person), and
the extension members that clients of earlier versions read: `code` (the type's short name), `message` (the same
text as `detail`) and, where fields are concerned, `errors` ([{field, code, message}]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "tag:coc-request,2026:problem/"

TITLES: dict[str, str] = {
    "bad_request": "The request is not valid HTTP",
    "body_not_allowed": "This method takes no body",
    "headers_too_large": "The request headers are too large",
    "unauthorized": "Not authenticated",
    "not_found": "No such resource",
    "method_not_allowed": "Method not allowed",
    "unsupported_media_type": "The body is not JSON",
    "length_required": "The body's length is required",
    "too_large": "The body is too large",
    "missing_idempotency_key": "The Idempotency-Key header is missing",
    "bad_idempotency_key": "The Idempotency-Key header is malformed",
    "bad_request_id": "The request id is not a canonical UUID",
    "not_json": "The body is not JSON",
    "not_a_request": "The body is not a request document",
    "key_mismatch": "The Idempotency-Key is not the request's id",
    "idempotency_key_reused": "The Idempotency-Key was used for another request document",
    "invalid_request": "The request does not pass validation",
    "edition_outdated": "The request is in an edition of its form that is no longer accepted",
    "overloaded": "The service is overloaded",
    "injected_fault": "Injected fault (test)",
    "version_not_supported": "HTTP version not supported",
    "internal_error": "The service failed",
}


@dataclass(frozen=True)
class Answer:
    """What the HTTP layer writes: status, JSON body, extra headers (and the body's media type)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON


def problem(
    status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None, **headers: str
) -> Answer:
    """An RFC 9457 problem details answer; keyword arguments are headers (`Retry_After` -> `Retry-After`)."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": TITLES.get(code, code.replace("_", " ").capitalize()),
        "status": status,
        "detail": detail,
        "code": code,
        "message": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Answer(status, body, {k.replace("_", "-"): v for k, v in headers.items()}, PROBLEM_JSON)

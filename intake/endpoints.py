"""The intake service's resources (docs/protocol.yaml) and what each method does over HTTP.

`ROUTER` is the table the server routes by: add a `Resource` to serve something new. An endpoint gets the request
handler (`handler.client` is the authenticated client id, `handler.headers` the request headers,
`handler.read_body()` the body) and the path parameters; it returns the `Answer` to write, or None when it has
dealt with the connection itself.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from intake.problems import Answer, problem
from intake.routes import Resource, Router
from intake.service import is_canonical_uuid, parse_key

if TYPE_CHECKING:
    from intake.server import Handler

JSON_TYPES = ("application/json",)


def _json_media_type(content_type: str | None) -> bool:
    """`application/json`, with no parameter but `charset=utf-8` (the only encoding the protocol allows)."""
    if not content_type:
        return False
    media, *params = (p.strip() for p in content_type.split(";"))
    if media.lower() not in JSON_TYPES:
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def post_request(h: Handler, params: dict[str, str]) -> Answer | None:
    """POST /v1/requests: checked in order of cost; the body is read only when everything else is right."""
    from intake.server import MAX_BODY

    server = h.server
    if not _json_media_type(h.headers.get("Content-Type")):
        return problem(415, "unsupported_media_type", "The body must be application/json (UTF-8).")
    if h.headers.get("Content-Length") is None:
        return problem(411, "length_required", "Send the body with a Content-Length.")
    if h.body_left > MAX_BODY:
        return problem(413, "too_large", f"The body must be at most {MAX_BODY} bytes.")
    keys = h.headers.get_all("Idempotency-Key") or []
    if not keys:
        return problem(400, "missing_idempotency_key", "The Idempotency-Key header is required.")
    key = parse_key(keys[0]) if len(keys) == 1 else None
    if key is None:
        return problem(
            400,
            "bad_idempotency_key",
            "The Idempotency-Key must be one structured-field String holding the request id, a lower-case "
            'UUID with hyphens, e.g. "4f9c1a3e-2b7d-4c56-9a0e-6f1d2c3b4a59".',
        )
    server.stats.saw_key(key)
    faults = server.faults
    if faults.hang:
        h.read_body()
        server.stats.add("hung")
        server.stopping.wait()
        h.close_connection = True
        return None
    if faults.error_rate and faults.roll() < faults.error_rate:
        h.read_body()  # as a failing service would: the body arrived, the answer is an error
        server.stats.add("faults")
        status = int(faults.choice(faults.error_statuses))
        headers: dict[str, str] = {}
        if status in (429, 503):
            retry_after = faults.choice(faults.retry_after)
            if retry_after is not None:
                headers["Retry_After"] = str(retry_after)
        return problem(status, "injected_fault", "Injected fault (test).", None, **headers)
    if not server.try_enter():
        server.stats.add("faults")
        return problem(503, "overloaded", "Too many requests at once; try again shortly.", Retry_After="1")
    try:
        body = h.read_body()
        if faults.delay:
            time.sleep(faults.delay)
        assert h.client is not None
        result = server.service.submit(h.client, key, body)
        if faults.delay:
            time.sleep(faults.delay)
    finally:
        server.leave()
    if result.status == 201:
        server.stats.add("created")
    elif result.status == 200:
        server.stats.add("replayed")
    else:
        server.stats.add("refused")
    if faults.drop_after_processing and faults.roll() < faults.drop_after_processing:
        server.stats.add("dropped")
        h.close_connection = True
        return None
    return result


def get_status(h: Handler, params: dict[str, str]) -> Answer:
    request_id = params["id"]
    if not is_canonical_uuid(request_id):
        return problem(
            400, "bad_request_id", "The request id must be a lower-case UUID with hyphens (8-4-4-4-12)."
        )
    assert h.client is not None
    return h.server.service.status(h.client, request_id)


def get_forms(h: Handler, params: dict[str, str]) -> Answer:
    return h.server.service.forms()


def get_update_file(h: Handler, params: dict[str, str]) -> Answer | None:
    """A file of the form-update repository (intake/tuf_repo.py), byte for byte as signed."""
    if h.server.service.updates.respond(h, urlsplit(h.path).path):
        return None
    return problem(404, "not_found", "No such resource.")


ROUTER = Router(
    [
        Resource("/v1/requests", {"POST": post_request}),
        Resource("/v1/requests/{id}", {"GET": get_status}),
        Resource("/v1/forms", {"GET": get_forms}),
        Resource("/v1/updates/metadata/{file}", {"GET": get_update_file}),
        Resource("/v1/updates/targets/{file:path}", {"GET": get_update_file}),
    ]
)

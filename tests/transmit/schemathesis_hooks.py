"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py).

A fuzzer cannot invent a request that passes the receiver's validation (57 forms, each with its own rules), so
without help every generated POST ends in 400 or 422 and the stateful links (POST -> GET status) are never
walked. For half of the *positive* cases of `POST /v1/requests` this swaps the generated body for a valid
request document of a form drawn from the catalog (its example answers, a fresh id) and sets the
Idempotency-Key to that id. Negative cases are never touched, and every check still runs on every case.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

from app.forms import default_catalog, new_document
from app.forms.example import example_answers


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return bool(getattr(mode, "is_positive", False))


def _valid(case: Any, form: str, request_id: str) -> Any:
    spec = default_catalog().form(form)
    doc = new_document(spec, example_answers(spec))
    doc.id = request_id
    body = doc.to_dict()
    del body["state"]
    case.body = body
    case.headers = {**(case.headers or {}), "Idempotency-Key": f'"{request_id}"'}
    return case


@schemathesis.hook
def flatmap_case(context: Any, case: Any) -> Any:
    if case.method.upper() != "POST" or case.path != "/v1/requests" or not _positive(case):
        return st.just(case)
    forms = sorted(default_catalog().forms)
    return st.tuples(st.booleans(), st.sampled_from(forms), st.uuids(version=4)).map(
        lambda t: _valid(case, t[1], str(t[2])) if t[0] else case
    )

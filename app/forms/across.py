"""Rules across requests: a request against the other requests of the same worker.

The rules themselves are in the definitions (the `[[rules]]` of each kind that read `others`: overlapping periods,
an extension that does not follow the certificate it extends, a certificate still running). This module turns the
other requests into what those rules read, one record each: its id, agreement (and its name), country, kind, state and the
period of work abroad as its own kind's `[period]` computes it (an extension covers the days after the
certificate it extends). A record carries no answer of the worker: only ids, dates and codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.forms.session import FormSession, Issue, reads_others
from app.request import RequestDoc

if TYPE_CHECKING:
    from app.forms.loader import Catalog
    from app.forms.model import FormSpec

MAX_OTHERS = 200  # a worker with more requests than this is compared with the latest ones only


def record(doc: RequestDoc, catalog: Catalog) -> dict[str, Any] | None:
    """What the rules across requests know of another request, or None when its form is not known here."""
    spec = catalog.forms.get(doc.form)
    if spec is None:
        return None
    start, end = FormSession(spec, doc.answers).period()
    return {
        "id": doc.id,
        "form": doc.form,
        "agreement": spec.agreement.id,
        "agreement_name": spec.agreement.name,
        "country": spec.agreement.country,
        "kind": spec.kind,
        "state": doc.state.value,
        "start": start,
        "end": end,
    }


def records(docs: Sequence[RequestDoc], catalog: Catalog, exclude: str = "") -> list[dict[str, Any]]:
    out = []
    for doc in docs[:MAX_OTHERS]:
        if doc.id == exclude:
            continue
        found = record(doc, catalog)
        if found is not None:
            out.append(found)
    return out


def codes(spec: FormSpec) -> frozenset[str]:
    """The codes of `spec`'s rules across requests (`overlapping_request`, ...)."""
    return frozenset(r.code for r in spec.rules if reads_others(r))


def issues(doc: RequestDoc, spec: FormSpec, others: Sequence[RequestDoc], catalog: Catalog) -> list[Issue]:
    """The issues of `doc`'s rules across requests, against `others` (the worker's other requests)."""
    rules = [r for r in spec.rules if reads_others(r)]
    if not rules:
        return []
    session = FormSession(spec, doc.answers, others=records(others, catalog, exclude=doc.id))
    return [i for r in rules for i in session.issues_for(r.field) if i.rule == r.id]

"""Opening a request after its form changed: carried over first when it is behind the edition in use, with the
reports not shown yet; or, when no installed edition can show it, read-only with the reason.

A request is behind after an update installed while it was open elsewhere, after an upgrade of the application,
or when it comes from a backup: opening it carries it over exactly as `coc forms update` would (one transaction,
with its report). A request written in an edition newer than any installed here (a backup from a workstation
that updated its forms), or on a form no longer offered at all, cannot be shown by a definition here: it opens
read-only, with the reason and the way forward.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.forms import Catalog, verdict
from app.forms.migration import MigrationReport
from app.request import RequestDoc
from app.store import Store
from app.updates.drafts import CARRIED, carry_over, is_behind, unseen_reports


@dataclass(frozen=True)
class Opening:
    doc: RequestDoc
    reports: list[MigrationReport]  # not shown yet: the wizard shows them now (they are marked seen)
    read_only: str = ""  # why it opens read-only, or "" when the wizard can edit it
    kept: tuple[tuple[str, Any], ...] = ()  # (label as it was, answer) of every answer kept as a note


def read_only_reason(doc: RequestDoc, catalog: Catalog) -> str:
    judged = verdict(doc, catalog)
    if judged.spec is None:
        first = judged.first_refusal()
        why = first.message.split("; did you mean", 1)[0].rstrip(".") if first else "it cannot be read"
        # a suggestion helps someone typing, not a stored request
        return (
            f"This request's form is not offered here: {why[:1].lower() + why[1:]}. It opens read-only, with its "
            "answers as they are; start a new request on a current form to send them."
        )
    if any(i.code == "edition_unknown" for i in judged.issues):
        return (
            f"This request was written in edition {doc.edition} of its form, newer than the one installed here "
            f"({judged.spec.edition}). Update the forms (Tools, Update forms) to edit it; until then it opens "
            "read-only."
        )
    return ""


def prepare(store: Store, catalog: Catalog, request_id: str) -> Opening:
    """Runs on the database thread before the wizard opens."""
    doc = store.get(request_id)
    if doc.state in CARRIED and is_behind(doc.form, doc.edition, catalog):
        carry_over(store, catalog, [request_id])
        doc = store.get(request_id)
    reports = unseen_reports(store, request_id)
    if reports:
        store.mark_reports_seen(request_id)
    kept: dict[str, tuple[str, Any]] = {}
    for row in store.edition_reports(request_id):
        report = MigrationReport.from_dict(json.loads(row.report))
        kept.update({fid: (report.labels.get(fid, fid), value) for fid, value in report.kept.items()})
    return Opening(doc, reports, read_only_reason(doc, catalog), tuple(kept.values()))

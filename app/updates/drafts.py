"""Carrying the store's requests over to the editions in use, each with its report.

After new editions are installed (or whenever a request is found in an older edition than the one in use), every
Draft, Ready and Queued request of those forms is carried over in ONE store transaction (`Store.carry_over`): its
answers follow the definition's migrations (`app.forms.migration`), it is re-checked by the verdict, and it gets a
report: what was renamed or mapped, what was kept as a note, what is new, what is now missing. A queued request
leaves the outbox (check it, then transmit it again); a sent one is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from app.forms import Catalog, verdict
from app.forms.editions import is_older
from app.forms.migration import MigrationReport, labels, migrate_report
from app.request import RequestDoc, State
from app.store import Store

CARRIED = (State.DRAFT, State.READY, State.QUEUED)
QUEUED_NOTE = (
    "It was waiting in the outbox and was taken out: it is no longer sent by itself. Check it, then transmit it "
    "again."
)


@dataclass(frozen=True)
class CarriedOver:
    request_id: str
    worker: str  # the worker's name as the request list shows it (personal: printed only to the coordinator)
    was: State
    report: MigrationReport

    @property
    def title(self) -> str:
        who = f"{self.worker}, " if self.worker else ""
        return f"{self.request_id[:8]} ({who}{self.report.form}, {self.was.label.lower()})"

    def lines(self) -> list[str]:
        return self.report.lines()

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "worker": self.worker,
            "was": self.was.value,
            **self.report.to_dict(),
        }


def is_behind(form: str, edition: str, catalog: Catalog) -> bool:
    """True when a request in `edition` of `form` is in an older edition than the one in use."""
    spec = catalog.forms.get(form)
    return spec is not None and is_older(edition, spec.edition)


def convert(
    doc: RequestDoc, catalog: Catalog, previous: Catalog | None = None
) -> tuple[RequestDoc, int, int, MigrationReport] | None:
    """`doc` carried over to the edition in use, its error and warning counts, and its report (None: not behind).
    `previous`, the definitions in use before an update, still knows the edition the request was written in."""
    if not is_behind(doc.form, doc.edition, catalog):
        return None
    written_in = (previous or catalog).edition(doc.form, doc.edition)
    migrated, report = migrate_report(catalog.forms[doc.form], doc, written_in)
    judged = verdict(migrated, catalog)  # the re-check of the carried-over request
    errors = judged.errors
    missing = tuple(dict.fromkeys(i.field for i in errors if i.code == "required"))
    notes = report.notes + ((QUEUED_NOTE,) if doc.state is State.QUEUED else ())
    names = labels(missing, catalog.forms[doc.form])
    report = replace(
        report, missing=missing, notes=notes, labels=MappingProxyType({**names, **report.labels})
    )
    return migrated, judged.error_count, judged.warning_count, report


def carry_over(
    store: Store,
    catalog: Catalog,
    request_ids: Iterable[str] | None = None,
    *,
    previous: Catalog | None = None,
) -> list[CarriedOver]:
    """Carry every request behind its form's edition in use (or only `request_ids`) over, in one transaction;
    `previous`: the definitions in use before an update (they name the fields that are gone)."""
    if request_ids is None:
        rows = store.list(state=CARRIED)
        workers = {r.id: r.worker_name for r in rows}
        request_ids = [r.id for r in rows if is_behind(r.form, r.edition, catalog)]
    else:
        request_ids = list(request_ids)
        workers = {i: store.summary(i).worker_name for i in request_ids}
    if not request_ids:
        return []
    done: dict[str, CarriedOver] = {}

    def one(doc: RequestDoc) -> tuple[RequestDoc, int, int, str] | None:
        converted = convert(doc, catalog, previous)
        if converted is None:
            return None
        migrated, errors, warnings, report = converted
        done[doc.id] = CarriedOver(doc.id, workers.get(doc.id, ""), doc.state, report)
        return migrated, errors, warnings, json.dumps(report.to_dict(), ensure_ascii=False)

    carried = store.carry_over(request_ids, one)
    return [done[i] for i in carried]


def unseen_reports(store: Store, request_id: str) -> list[MigrationReport]:
    """The reports of a request not shown yet (the wizard shows them when it opens the request)."""
    from app.store import stored

    reports = []
    for r in store.edition_reports(request_id, unseen_only=True):
        try:
            reports.append(MigrationReport.from_dict(stored.loads(r.report, "a migration report", dict)))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise stored.damaged("a migration report") from None
    return reports

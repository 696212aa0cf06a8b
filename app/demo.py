"""A handful of fictional requests in different states, across agreements, for a first look at the application.

Every person, company and number here is invented; the SSNs are in ranges SSA does issue, so the checks pass,
but they belong to nobody we know of. The receipts of "sent" requests are marked DEMO: no receiver ever saw them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.forms import default_catalog
from app.forms.example import BY_ID, example_answers
from app.request import State
from app.store import Store
from app.store.service import save_validated

EMPLOYER = {k: v for k, v in BY_ID.items() if k.startswith("employer.")}


@dataclass(frozen=True)
class DemoRequest:
    form: str
    answers: dict[str, Any]
    state: State
    drop: tuple[str, ...] = ()  # answers removed, to leave a draft with errors
    extra: dict[str, Any] = field(default_factory=dict)


def _requests(today: dt.date) -> list[DemoRequest]:
    soon = (today + dt.timedelta(days=21)).isoformat()
    return [
        DemoRequest(
            "de-employee",
            {
                "worker.first_name": "Erika",
                "worker.last_name": "Mustermann-Example",
                "worker.ssn": "123-45-6701",
            },
            State.APPROVED,
        ),
        DemoRequest(
            "fr-employee",
            {"worker.first_name": "Jean", "worker.last_name": "Dupont-Exemple", "worker.ssn": "123-45-6702"},
            State.DRAFT,
            drop=("health.worker_covered", "health.family_covered", "host.street"),
        ),
        DemoRequest(
            "jp-employee",
            {"worker.first_name": "Taro", "worker.last_name": "Yamada-Example", "worker.ssn": "123-45-6703"},
            State.READY,
        ),
        DemoRequest(
            "dk-employee",
            {
                "worker.first_name": "Mette",
                "worker.last_name": "Eksempel",
                "worker.ssn": "123-45-6704",
                "assignment.start_date": "2024-01-08",
                "assignment.end_date": soon,
            },
            State.SENT,
        ),
        DemoRequest(
            "es-self_employed",
            {
                "worker.first_name": "José",
                "worker.last_name": "Núñez-Ejemplo",
                "worker.citizenship": "ES",
                "worker.second_last_name": "García",
                "worker.ssn": "123-45-6705",
            },
            State.DRAFT,
            drop=("self.business_nature", "self.foreign_address"),
        ),
        DemoRequest(
            "gb-employee",
            {"worker.first_name": "Olivia", "worker.last_name": "Sample", "worker.ssn": "123-45-6706"},
            State.QUEUED,
        ),
        DemoRequest(
            "it-employee",
            {"worker.first_name": "Łukasz", "worker.last_name": "Przykład", "worker.ssn": "123-45-6707"},
            State.REJECTED,
        ),
    ]


def fill(
    store: Store, today: dt.date | None = None, *, queue: Callable[[Store, str], Any] | None = None
) -> list[str]:
    """Save the demo requests into `store`; returns their ids. Sent ones get a DEMO receipt."""
    if queue is None:
        from app.transmit.outbox import queue as transmit_queue

        queue = transmit_queue
    today = today or dt.date.today()
    catalog = default_catalog()
    store.set_employer_profile(EMPLOYER)
    ids: list[str] = []
    for n, item in enumerate(_requests(today), start=1):
        spec = catalog.form(item.form)
        answers = {**example_answers(spec), **item.answers}
        for key in item.drop:
            answers.pop(key, None)
        doc = store.new_request(spec.id, spec.edition)
        doc.answers = answers
        save_validated(store, doc, catalog)
        if item.state in (State.QUEUED, State.SENT, State.APPROVED, State.REJECTED):
            queue(store, doc.id)
        if item.state in (State.SENT, State.APPROVED, State.REJECTED):
            stamp = dt.datetime.combine(today, dt.time(9, n), dt.UTC).isoformat().replace("+00:00", "Z")
            store.mark_sent(
                doc.id, {"confirmation": f"DEMO-{n:04d}", "received_at": stamp, "request_id": doc.id}
            )
        if item.state in (State.APPROVED, State.REJECTED):
            store.set_outcome(doc.id, item.state)
        ids.append(doc.id)
    return ids

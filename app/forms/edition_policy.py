"""The edition policy: which definition a request is checked against, and what its edition itself is worth.

A request in the current edition is checked as it is. One in an older edition is still accepted until the
cutoff that a newer edition declares (`cutoff` in its `[[migrations]]` step), checked against the edition it was
written in when that edition is still known here, else carried over (in memory) to the current one; from the
cutoff on it is refused with `edition_outdated`, and the application offers to update and carry it over. A
request in an edition newer than any known here is refused with `edition_unknown`. The same policy runs in the
application and at the receiver, inside the one verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.forms.editions import is_newer, is_older
from app.forms.migration import cutoff_for, migrate
from app.forms.model import FormSpec, Severity
from app.forms.session import Issue
from app.request import RequestDoc

if TYPE_CHECKING:
    from app.forms.loader import Catalog

OUTDATED = "edition_outdated"
UNKNOWN = "edition_unknown"
OLD = "old_edition"
UPDATE_HINT = "Update the forms (Update forms in the request list, or coc forms update)"


@dataclass(frozen=True)
class EditionCheck:
    spec: FormSpec  # the definition to check the answers against
    doc: RequestDoc  # the document to check: carried over in memory when checked against a later edition
    issues: tuple[Issue, ...]  # what the request's edition itself is worth


def check_edition(catalog: Catalog, doc: RequestDoc, today: dt.date | None = None) -> EditionCheck:
    """Raises `UnknownForm` when the request's form is not offered at all."""
    current = catalog.form(doc.form)
    if not doc.edition or doc.edition == current.edition:
        return EditionCheck(current, migrate(current, doc), ())
    where = f"edition {doc.edition} of the form"
    if is_newer(doc.edition, current.edition):
        return EditionCheck(
            current,
            doc,
            (
                _issue(
                    UNKNOWN,
                    Severity.ERROR,
                    f"This request was written in {where}, newer than the newest edition known here "
                    f"({current.edition}). {UPDATE_HINT}, then send it again.",
                ),
            ),
        )
    if is_older(doc.edition, current.edition):
        cutoff = cutoff_for(current, doc.edition)
        if cutoff is not None and (today or dt.date.today()) >= cutoff:
            return EditionCheck(
                current,
                migrate(current, doc),
                (
                    _issue(
                        OUTDATED,
                        Severity.ERROR,
                        f"This request was written in {where}, which is no longer accepted since "
                        f"{cutoff.isoformat()}; the current edition is {current.edition}. {UPDATE_HINT}, open the "
                        "request to carry it over to the current edition, check it and send it again.",
                    ),
                ),
            )
        until = (
            f" Requests in it are accepted until {(cutoff - dt.timedelta(days=1)).isoformat()}."
            if cutoff
            else ""
        )
        warning = _issue(
            OLD,
            Severity.WARNING,
            f"This request was written against {where}; the current edition is {current.edition}.{until} "
            "Review the answers before sending.",
        )
        older = catalog.edition(doc.form, doc.edition)
        if older is not None:
            return EditionCheck(older, doc, (warning,))
        return EditionCheck(current, migrate(current, doc), (warning,))
    return EditionCheck(
        current,
        migrate(current, doc),
        (
            _issue(
                OLD,
                Severity.WARNING,
                f"This request was written against {where}; the current edition is {current.edition}. "
                "Review the answers before sending.",
            ),
        ),
    )


def _issue(code: str, severity: Severity, message: str) -> Issue:
    return Issue("request", code, severity, message)

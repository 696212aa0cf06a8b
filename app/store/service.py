"""Store operations that need the form engine: saving with the error count from the verdict, duplicating.

The store itself never validates (the caller passes `error_count`), so it stays usable by the intake service, the
tests and the benchmarks without the definitions; the front ends save through here so that the list's error
column and the Draft/Ready state always come from the one verdict (`app.forms.verdict`), against the catalog the
caller works with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.request import RequestDoc
from app.store.audit import AuditEvent
from app.store.errors import InvalidValue
from app.store.models import DuplicateMode
from app.store.store import Store

if TYPE_CHECKING:
    from app.forms.loader import Catalog

Validator = Callable[[RequestDoc], tuple[int, int]]


def issue_counts(doc: RequestDoc, catalog: Catalog) -> tuple[int, int]:
    """(errors, warnings) of `doc` by the verdict against `catalog`.

    Raises `InvalidValue` (a UserError) for a document the verdict refuses as a whole: one that is not a request
    document, of a form that is not offered, or with answers of the wrong JSON type. The store keeps none of those.
    """
    from app.forms.verdict import verdict

    result = verdict(doc, catalog)
    refusal = result.first_refusal()
    if refusal is not None:
        raise InvalidValue(f"Not saved: {refusal.message}", "Correct the document and save it again.")
    return result.error_count, result.warning_count


def counter(catalog: Catalog) -> Validator:
    """`issue_counts` against `catalog`, as a validator for `save_validated` and `duplicate`."""
    return lambda doc: issue_counts(doc, catalog)


def save_validated(store: Store, doc: RequestDoc, catalog: Catalog) -> int:
    """Judge `doc` with the verdict, then save it with the counts; returns the revision."""
    errors, warnings = issue_counts(doc, catalog)
    return store.save(doc, error_count=errors, warning_count=warnings)


def duplicate(
    store: Store,
    request_id: str,
    mode: DuplicateMode | str = DuplicateMode.NEW_ASSIGNMENT,
    *,
    validator: Validator,
) -> RequestDoc:
    """Copy a request for a new assignment or an extension, judge and save the copy, and log where it came
    from; returns the new (saved) request."""
    copy = store.duplicate(request_id, mode)
    errors, warnings = validator(copy)
    store.save(copy, error_count=errors, warning_count=warnings)
    store.log_event(copy.id, AuditEvent.DUPLICATED, {"from": request_id, "mode": DuplicateMode(mode)})
    return copy

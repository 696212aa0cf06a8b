"""Store operations that need the form engine: saving with the error count from validation, duplicating.

The store itself never validates (the caller passes `error_count`), so it stays usable by the intake service, the
tests and the benchmarks without the definitions; the front ends save through here so that the list's error
column and the Draft/Ready state always come from the same validation as everything else.
"""

from __future__ import annotations

from collections.abc import Callable

from app.request import RequestDoc
from app.store.audit import AuditEvent
from app.store.models import DuplicateMode
from app.store.store import Store

Validator = Callable[[RequestDoc], tuple[int, int]]


def issue_counts(doc: RequestDoc) -> tuple[int, int]:
    """(errors, warnings) of `doc` against its current definition (`app.forms.validate_document`).

    Raises the form engine's `UnknownForm` for a form that is not offered and `RequestFormatError` for answers of
    the wrong JSON type.
    """
    from app.forms import validate_document

    issues = validate_document(doc)
    errors = sum(1 for issue in issues if issue.is_error)
    return errors, len(issues) - errors


def save_validated(store: Store, doc: RequestDoc, *, validator: Validator = issue_counts) -> int:
    """Validate, then save with the counts; returns the revision."""
    errors, warnings = validator(doc)
    return store.save(doc, error_count=errors, warning_count=warnings)


def duplicate(
    store: Store,
    request_id: str,
    mode: DuplicateMode | str = DuplicateMode.NEW_ASSIGNMENT,
    *,
    validator: Validator = issue_counts,
) -> RequestDoc:
    """Copy a request for a new assignment or an extension, validate and save the copy, and log where it came
    from; returns the new (saved) request."""
    copy = store.duplicate(request_id, mode)
    save_validated(store, copy, validator=validator)
    store.log_event(copy.id, AuditEvent.DUPLICATED, {"from": request_id, "mode": DuplicateMode(mode)})
    return copy

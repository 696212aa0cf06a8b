"""Validation of a whole request document: the one gate the CLI, the store, the send gate and the intake use."""

from __future__ import annotations

from typing import Any

from app.forms.edition_policy import check_edition
from app.forms.loader import Catalog, default_catalog
from app.forms.model import FieldSpec, FieldType, FormSpec, Severity
from app.forms.session import FormSession, Issue
from app.request import RequestDoc, RequestFormatError

_TEXT_TYPES = frozenset(FieldType) - {FieldType.YESNO, FieldType.GROUP}


def check_answer_types(spec: FormSpec, answers: dict[str, Any]) -> None:
    """Raise RequestFormatError when an answer has the wrong JSON type for its field (a malformed document)."""
    for key, value in answers.items():
        if not spec.has_field(key) or value is None:
            continue
        f = spec.field(key)
        expected = _expected(f)
        if not _type_ok(f, value):
            raise RequestFormatError(f"answers[{key!r}] must be {expected}, not {_json_kind(value)}")
        if f.is_group:
            for i, row in enumerate(value):
                for col_id, cell in row.items():
                    col = f.column(col_id)
                    if col is None:
                        raise RequestFormatError(f"answers[{key!r}][{i}] has an unknown column {col_id!r}")
                    if cell is not None and not _type_ok(col, cell):
                        raise RequestFormatError(
                            f"answers[{key!r}][{i}][{col_id!r}] must be {_expected(col)}, not {_json_kind(cell)}"
                        )


def _type_ok(f: FieldSpec, value: Any) -> bool:
    if f.type is FieldType.YESNO:
        return isinstance(value, bool)
    if f.type is FieldType.GROUP:
        return isinstance(value, list) and all(isinstance(r, dict) for r in value)
    return isinstance(value, str)


def _expected(f: FieldSpec) -> str:
    if f.type is FieldType.YESNO:
        return "true or false"
    if f.type is FieldType.GROUP:
        return "a list of objects"
    return "text"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "text"


def validate_document(doc: RequestDoc, catalog: Catalog | None = None) -> list[Issue]:
    """Every problem of a request document, against the current definition of its form.

    Raises `UnknownForm` for a form that is not offered (with the reason) and `RequestFormatError` for
    answers of the wrong JSON type.
    """
    catalog = catalog or default_catalog()
    edition = check_edition(catalog, doc)  # which definition, and what the request's edition is worth
    spec, doc = edition.spec, edition.doc
    check_answer_types(spec, doc.answers)
    issues: list[Issue] = []
    for key in doc.answers:
        if not spec.has_field(key):
            issues.append(
                Issue(
                    key, "unknown_field", Severity.ERROR, f"Form {spec.id} has no field {key!r}; remove it."
                )
            )
    issues.extend(FormSession(spec, doc.answers).issues())
    issues.extend(edition.issues)
    return issues


def new_document(spec: FormSpec, answers: dict[str, Any] | None = None) -> RequestDoc:
    return RequestDoc(form=spec.id, edition=spec.edition, answers=dict(answers or {}))

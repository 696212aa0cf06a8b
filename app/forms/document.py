"""Validation of a whole request document: the one gate the CLI, the store, the send gate and the intake use."""

from __future__ import annotations

from typing import Any

from app.forms.loader import Catalog, default_catalog
from app.forms.model import FieldSpec, FieldType, FormSpec, Severity
from app.forms.session import FormSession, Issue
from app.request import RequestDoc, RequestFormatError

_TEXT_TYPES = frozenset(FieldType) - {FieldType.YESNO, FieldType.GROUP}


def migrate(spec: FormSpec, doc: RequestDoc) -> RequestDoc:
    """Carry answers of renamed fields over to their new ids (declared in the definition's `renamed`)."""
    if not any(old in doc.answers for old in spec.renamed):
        return doc
    answers = dict(doc.answers)
    for old, new in spec.renamed.items():
        if old in answers and new not in answers:
            answers[new] = answers.pop(old)
    return RequestDoc(doc.form, doc.edition, answers, doc.id, doc.created, doc.updated, doc.state)


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
    spec = catalog.form(doc.form)
    doc = migrate(spec, doc)
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
    if doc.edition and doc.edition != spec.edition:
        issues.append(
            Issue(
                "request",
                "old_edition",
                Severity.WARNING,
                f"This request was written against edition {doc.edition} of the form; the current edition is "
                f"{spec.edition}. Review the answers before sending.",
            )
        )
    return issues


def new_document(spec: FormSpec, answers: dict[str, Any] | None = None) -> RequestDoc:
    return RequestDoc(form=spec.id, edition=spec.edition, answers=dict(answers or {}))

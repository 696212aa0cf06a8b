"""JSON Schema (draft 2020-12) for request documents, generated from the definitions so that it never drifts.

`form_schema(spec)` is the schema of one form's documents (`coc forms schema FORM` prints it): every field with
its type, format, choices and maximum size (the same limits the verdict applies: `app.forms.validate`), the
fields that are always required, the columns of repeat groups and their maximum rows. `generic_schema(catalog)`
is the envelope every document shares (docs/request.schema.json).

A schema can say much but not everything: whether a field is required or shown can depend on other answers,
dates must be in order, an SSN must be one SSA issues, a period must fit the agreement. Those conditions are left
to the verdict, and each schema says so in its description: a document valid against its schema may still have
errors; one that is not valid against it certainly has.
"""

from __future__ import annotations

from typing import Any

from app.forms.limits import row_limit, text_limit
from app.forms.model import FieldSpec, FieldType, FormSpec
from app.forms.validate import country_codes, us_state_codes
from app.request import State

DIALECT = "https://json-schema.org/draft/2020-12/schema"
UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NOT_BLANK = "\\S"  # unanchored: at least one character that is not white space
LEFT_TO_THE_VERDICT = (
    "Conditions this schema cannot express are left to the application's verdict (coc validate, and the "
    "receiver's 422 answer): fields required or shown only when other answers say so, dates in order, periods "
    "within the agreement's limits, identifiers that are issued (SSN, EIN, foreign numbers), names made of "
    "letters, telephone numbers that exist. A document valid against this schema may still have errors; one "
    "that is not valid against it has at least one. Text is checked as written here: the canonical form has no "
    "white space around it."
)


def _envelope(form: dict[str, Any], edition: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "form", "edition", "answers"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "format": "uuid", "pattern": UUID, "description": "The request's id."},
            "form": form,
            "edition": edition,
            "answers": answers,
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
            "state": {
                "enum": [s.value for s in State],
                "description": "The sender's local state; ignored by the receiver.",
            },
        },
    }


def _max_length(field: FieldSpec) -> int:
    return text_limit(field.max_length, field.type is FieldType.TEXTAREA)


def value_schema(field: FieldSpec, *, required: bool = False) -> dict[str, Any]:
    """The schema of one answer (a column's, for the cells of a repeat group)."""
    out: dict[str, Any] = {"title": field.label}
    if field.help:
        out["description"] = " ".join(field.help.split())
    kind = field.type
    if kind is FieldType.YESNO:
        return {**out, "type": "boolean"}
    if kind is FieldType.GROUP:
        columns = {
            c.id: value_schema(c, required=c.required is True and c.show is None) for c in field.columns
        }
        row: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": columns}
        always = [c.id for c in field.columns if c.required is True and c.show is None]
        if always:
            row["required"] = always
        out.update({"type": "array", "items": row})
        if required:
            out["minItems"] = 1  # an empty list is no answer
        out["maxItems"] = row_limit(field.max_rows)
        return out
    out.update({"type": "string", "maxLength": _max_length(field)})
    if required:
        out["pattern"] = NOT_BLANK
    if kind is FieldType.DATE:
        out.update({"format": "date", "pattern": DATE})
    elif kind is FieldType.EMAIL:
        out["format"] = "email"
    elif kind is FieldType.COUNTRY:
        out["enum"] = sorted(country_codes())
    elif kind is FieldType.US_STATE:
        out["enum"] = sorted(us_state_codes())
    elif kind is FieldType.CHOICE:
        out["enum"] = [c.value for c in field.choices]
    elif kind is FieldType.SSN:
        out["pattern"] = "^[0-9]{3}-[0-9]{2}-[0-9]{4}$"
    elif kind is FieldType.EIN:
        out["pattern"] = "^[0-9]{2}-[0-9]{7}$"
    return out


def form_schema(spec: FormSpec) -> dict[str, Any]:
    """The JSON Schema of the request documents of `spec` (its current edition)."""
    fields = spec.fields()
    required = [f.id for f in fields if f.required is True and f.show is None]
    answers: dict[str, Any] = {
        "type": "object",
        "description": "Answers keyed by field id. Empty answers are left out.",
        "additionalProperties": False,
        "properties": {f.id: value_schema(f, required=f.id in required) for f in fields},
    }
    if required:
        answers["required"] = required
    schema = {
        "$schema": DIALECT,
        "$id": f"urn:coc-request:request:{spec.id}:{spec.edition}",
        "title": f"Request for a Certificate of Coverage: {spec.title} ({spec.id}, edition {spec.edition})",
        "description": LEFT_TO_THE_VERDICT,
        **_envelope(
            {"const": spec.id},
            {
                "const": spec.edition,
                "description": "This schema describes this edition; a request in an earlier edition that is "
                "still accepted is checked against that edition.",
            },
            answers,
        ),
    }
    return schema


FORM_ID = "^[a-z]{2}-[a-z_]+$"


def generic_schema() -> dict[str, Any]:
    """The envelope every request document shares, whatever its form (docs/request.schema.json)."""
    answer = {
        "oneOf": [
            {"type": "string"},
            {"type": "boolean"},
            {
                "type": "array",
                "description": "The rows of a repeat group, each keyed by column.",
                "items": {"type": "object", "additionalProperties": {"type": ["string", "boolean"]}},
            },
        ]
    }
    return {
        "$schema": DIALECT,
        "$id": "urn:coc-request:request",
        "title": "Request for a U.S. Certificate of Coverage (any form)",
        "description": "What every request document has. Each form's own schema (coc forms schema FORM) names "
        "its fields, their types, formats, choices and sizes. " + LEFT_TO_THE_VERDICT,
        **_envelope(
            {"type": "string", "pattern": FORM_ID, "description": "`<agreement>-<kind>` (coc forms list)."},
            {"type": "string", "minLength": 1, "maxLength": 100},
            {
                "type": "object",
                "description": "Answers keyed by field id (text, true/false, or the rows of a repeat group).",
                "additionalProperties": answer,
            },
        ),
    }

"""The form engine: definitions in `forms/` read into frozen models, the condition language, validation."""

from app.forms.document import new_document
from app.forms.errors import DefinitionError, DefinitionsInvalid
from app.forms.loader import Catalog, UnknownForm, check, default_catalog, load
from app.forms.model import Agreement, FieldSpec, FieldType, FormSpec, Rule, Section, Severity
from app.forms.session import FormSession, Issue
from app.forms.verdict import Context, Verdict, verdict

__all__ = [
    "Agreement",
    "Catalog",
    "Context",
    "DefinitionError",
    "DefinitionsInvalid",
    "FieldSpec",
    "FieldType",
    "FormSession",
    "FormSpec",
    "Issue",
    "Rule",
    "Section",
    "Severity",
    "UnknownForm",
    "Verdict",
    "check",
    "default_catalog",
    "load",
    "new_document",
    "verdict",
]

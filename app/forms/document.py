"""A new request document for a form.

Whether a document is valid is the verdict's to say (`app.forms.verdict`), nobody else's; answers move between
editions in `app.forms.migration`.
"""

from __future__ import annotations

from typing import Any

from app.forms.model import FormSpec
from app.request import RequestDoc


def new_document(spec: FormSpec, answers: dict[str, Any] | None = None) -> RequestDoc:
    return RequestDoc(form=spec.id, edition=spec.edition, answers=dict(answers or {}))

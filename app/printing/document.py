"""Render a request to its fax copy: PDF bytes in memory, or a file written atomically."""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from app.fileio import write_private
from app.forms.model import FormSpec
from app.printing.content import FaxCopy, build
from app.printing.layout.body import request_pages
from app.printing.layout.cover import cover_sheet
from app.printing.layout.issues import error_page
from app.printing.layout.page import Decor, canvas_class, decorate
from app.printing.layout.styles import FOOTER_H, FRAME_W, MARGIN_X, PAGE_H, PAGE_W
from app.request import RequestDoc

_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    """A rendered fax copy: the PDF and what the audit log and the caller want to know about it."""

    pdf: bytes
    pages: int
    ready: bool  # False: printed with the NOT READY TO SEND mark and the error page
    errors: int
    masked: bool


def render(
    doc: RequestDoc, spec: FormSpec, *, mask_ssn: bool = False, printed_at: dt.datetime | None = None
) -> Rendered:
    """The fax copy of `doc` written on `spec`.

    Raises `GlyphMissing` (a `PrintError`) when an answer holds a character no embedded font can draw, and
    `PrintError` when the form does not match or names no paper office.
    """
    return render_copy(build(doc, spec, mask=mask_ssn, printed_at=printed_at))


def render_request_pdf(
    doc: RequestDoc, spec: FormSpec, *, mask_ssn: bool = False, printed_at: dt.datetime | None = None
) -> bytes:
    """The fax copy of `doc` as PDF bytes (see `render`)."""
    return render(doc, spec, mask_ssn=mask_ssn, printed_at=printed_at).pdf


def render_copy(copy: FaxCopy) -> Rendered:
    decor = Decor(
        agreement_title=copy.agreement_title,
        kind_label=copy.kind_label,
        product=copy.product,
        form_line=f"Form {copy.form_id} · edition {copy.edition}",
        request_id=copy.request_id,
        printed=copy.printed_text,
        ready=copy.ready,
        masked=copy.masked,
    )
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_W, PAGE_H),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        title=f"Request for a {copy.product}: {copy.agreement_title} {copy.instrument}",
        subject=f"Request {copy.request_id}",
        author="coc-request",
        creator="coc-request",
        producer="coc-request (reportlab)",
    )
    bottom = FOOTER_H + 12
    frame = Frame(
        MARGIN_X,
        bottom,
        FRAME_W,
        decor.frame_top - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    template.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=lambda c, _d: decorate(c, decor))]
    )
    story = [] if copy.ready else error_page(copy)
    story += cover_sheet(copy)
    story += request_pages(copy)
    holder: list[object] = []

    def make_canvas(*args: object, **kwargs: object) -> object:
        canvas = canvas_class(decor)(*args, **kwargs)
        holder.append(canvas)
        return canvas

    with _BUILD_LOCK:  # reportlab keeps per-document font subsets in shared font objects: one build at a time
        template.build(story, canvasmaker=make_canvas)
    pages = int(getattr(holder[-1], "total_pages", 0)) if holder else 0
    return Rendered(buffer.getvalue(), pages, copy.ready, len(copy.errors), copy.masked)


def write_pdf(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically, readable by its owner only (it holds personal data)."""
    return write_private(path, data)


def write_request_pdf(
    doc: RequestDoc,
    spec: FormSpec,
    path: str | os.PathLike[str],
    *,
    mask_ssn: bool = False,
    printed_at: dt.datetime | None = None,
) -> Rendered:
    """Render the fax copy of `doc` and write it to `path` atomically."""
    rendered = render(doc, spec, mask_ssn=mask_ssn, printed_at=printed_at)
    write_pdf(path, rendered.pdf)
    return rendered

"""Property test (reliability §6 #15): any text in every text field prints, or stops with `GlyphMissing`.

To stay fast, each example renders a small form (one section holding a field of every text type and a repeat
group) through the real path: `render` builds the model, checks the glyphs, lays out the error page, the cover
sheet and the request, and writes the PDF. The text of the request pages is read back and must hold the input.
"""

from __future__ import annotations

import dataclasses
import io
import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from app.forms import FormSpec, default_catalog, new_document
from app.forms.limits import text_limit
from app.forms.model import FieldSpec, FieldType, Section
from app.forms.validate import is_empty
from app.printing import GlyphMissing, PrintError, Rendered, render
from app.printing.fonts import clean, face_for
from app.request import RequestDoc

CORPUS = (
    "<",
    ">",
    "&",
    "&amp;",
    "<b>",
    "</b>",
    '<img src="/etc/hostname"/>',
    '<font color="[[[1+1]]]">',
    "]]>",
    "<a href='x'>",
    "\x00",
    "\u200f",
    "\u202e",
    "\u0301",
    "😀",
    "王",
    "ặ",
    "Ω",
    "\n",
    "\t",
    " ",
    "O'Brien",
)
TEXT_TYPES = (
    FieldType.TEXT,
    FieldType.TEXTAREA,
    FieldType.NAME,
    FieldType.EMAIL,
    FieldType.PHONE,
    FieldType.FOREIGN_ID,
    FieldType.COUNTRY,
    FieldType.US_STATE,
    FieldType.SSN,
    FieldType.EIN,
    FieldType.DATE,
    FieldType.CHOICE,
)


@cache
def fuzz_form() -> FormSpec:
    base = default_catalog().form("dk-employee")
    choices = base.field("family").columns[1].choices
    fields = [
        FieldSpec(id=f"fuzz.{t.value}", type=t, label=f"Field {t.value}", help="", choices=choices)
        for t in TEXT_TYPES
    ]
    group = FieldSpec(
        id="fuzz.rows",
        type=FieldType.GROUP,
        label="Rows",
        help="",
        columns=(
            FieldSpec(id="name", type=FieldType.NAME, label="Row name", help=""),
            FieldSpec(id="kind", type=FieldType.CHOICE, label="Row kind", help="", choices=choices),
        ),
    )
    section = Section(id="fuzz", title="Fuzz", help="", fields=(*fields, group))
    agreement = dataclasses.replace(base.agreement, facts=())
    return dataclasses.replace(base, id="fuzz-employee", sections=(section,), rules=(), agreement=agreement)


texts = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs", "Cc", "Co", "Cn")), max_size=300),
    st.lists(st.sampled_from(CORPUS), max_size=30).map("".join),
)


FIELDS = (*(f"fuzz.{t.value}" for t in TEXT_TYPES), "fuzz.rows.name", "fuzz.rows.kind")


def _doc_with(field: str, text: str) -> tuple[RequestDoc, FormSpec]:
    spec = fuzz_form()
    if field.startswith("fuzz.rows."):
        answers: dict[str, object] = {"fuzz.rows": [{field.rsplit(".", 1)[1]: text}]}
    else:
        answers = {field: text}
    return new_document(spec, answers), spec


def _render_or_glyph_missing(field: str, text: str) -> Rendered | None:
    doc, spec = _doc_with(field, text)
    printable = clean(text)
    try:
        rendered = render(doc, spec)
    except GlyphMissing as exc:
        assert exc.char in printable and face_for(exc.char) is None
        assert exc.where.startswith(("Field ", "Rows, row 1: "))
        return None
    except PrintError as exc:  # over the field's size limit: refused before anything is laid out
        assert len(text) > text_limit(None, field == "fuzz.textarea"), exc
        assert "cannot be laid out" in exc.user_text
        return None
    assert rendered.pdf.startswith(b"%PDF-") and rendered.pdf.rstrip().endswith(b"%%EOF")
    assert rendered.pages >= 2
    if not is_empty(text):  # white space only (as Python counts it) is an empty answer, not printed
        assert all(face_for(ch) is not None for ch in printable)
    return rendered


@pytest.mark.slow  # 2,000 PDFs
@settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, field=st.sampled_from(FIELDS))
def test_any_text_in_every_text_field_prints_or_stops_with_glyph_missing(text: str, field: str) -> None:
    _render_or_glyph_missing(field, text)


@pytest.mark.slow  # 300 PDFs read back
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, field=st.sampled_from(FIELDS))
def test_printed_text_reads_back_and_adds_no_link_or_image(text: str, field: str) -> None:
    rendered = _render_or_glyph_missing(field, text)
    if rendered is None or is_empty(text):
        return
    reader = PdfReader(io.BytesIO(rendered.pdf))
    for page in reader.pages:
        assert "/Annots" not in page
        assert all(x.get_object()["/Subtype"] == "/Form" for x in page["/Resources"]["/XObject"].values())
    if field.endswith((".country", ".us_state", ".choice", ".kind")) and rendered.ready:
        return  # a valid code prints by its name: "DE" as "Germany (DE)"
    first_request_page = 1 if rendered.ready else 2
    body = "".join((p.extract_text() or "") for p in reader.pages[first_request_page:])
    assert re.sub(r"\s+", "", clean(text)) in re.sub(r"\s+", "", body)

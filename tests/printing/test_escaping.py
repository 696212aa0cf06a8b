"""No markup from a field ever takes effect: hostile text prints literally, and adds no link or image."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.printing import render
from tests.printing.helpers import all_text, example

HOSTILE = (
    "O'Brien & Sons <Jr>",
    "<b>bold</b> and <i>italic</i>",
    '<img src="/etc/hostname" width="40" height="40"/>',
    "<font color=\"[[[getattr(pow, Word('__globals__'))]]]\">x</font>",
    '<font size="40" color="red">BIG</font>',
    '<a href="https://evil.example">click</a>',
    '<link href="https://evil.example">here</link>',
    "]]> <![CDATA[x]]>",
    "&amp; &lt; &#65; &nbsp;",
    "AT&T; R&D",
    "<br/> <para> <seq id='x'/> <onDraw name='x'/> <!-- c --> <?pi?>",
    "x < y > z",
)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_prints_literally(value: str) -> None:
    doc, spec = example("de-employee", employer__name=value, request__remarks=f"{value}\n{value}")
    pdf = render(doc, spec).pdf
    text = all_text(pdf)
    assert text.count(value) >= 4  # employer name on the cover and in the request, remarks twice
    _no_links_or_images(pdf)


def test_the_example_from_the_issue() -> None:
    doc, spec = example("dk-employee", employer__name="O'Brien & Sons <Jr>")
    assert "Employer name O'Brien & Sons <Jr>" in all_text(render(doc, spec).pdf)


def _no_links_or_images(pdf: bytes) -> None:
    assert b"/URI" not in pdf and b"/Annots" not in pdf and b"/Subtype /Image" not in pdf
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert "/Annots" not in page
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            assert ref.get_object()["/Subtype"] == "/Form"  # only our QR code

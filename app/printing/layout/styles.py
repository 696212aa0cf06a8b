"""Page size, colours and type styles of the fax copy: one place to tune how it looks.

Chosen for a fax machine: black on white, no tints that dither into noise, grey only for small labels, rules
of half a point, sizes that survive 200 dpi.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch

from app.printing.fonts import BOLD, REGULAR, register

PAGE_W, PAGE_H = LETTER
MARGIN_X = 0.7 * inch
HEADER_H = 1.05 * inch  # from the top edge to the rule under the header
FOOTER_H = 0.6 * inch  # from the bottom edge to the rule over the footer
FRAME_W = PAGE_W - 2 * MARGIN_X
QR_SIZE = 0.78 * inch

INK = Color(0, 0, 0)
LABEL = Color(0.33, 0.33, 0.33)
RULE = Color(0.2, 0.2, 0.2)
HAIRLINE = Color(0.55, 0.55, 0.55)
BAND = Color(0.1, 0.1, 0.1)
MARK = Color(0.75, 0.05, 0.05)
WATERMARK = Color(0.96, 0.82, 0.82)
SHADE = Color(0.94, 0.94, 0.94)
WHITE = Color(1, 1, 1)

RULE_W = 0.6
PAD = 4.0  # inner padding of a ruled box


@cache
def styles() -> dict[str, ParagraphStyle]:
    register()

    def style(name: str, size: float, leading: float, **kw: object) -> ParagraphStyle:
        kw.setdefault("fontName", REGULAR)
        kw.setdefault("textColor", INK)
        return ParagraphStyle(name, fontSize=size, leading=leading, splitLongWords=1, **kw)

    return {
        "label": style("label", 6.8, 8.2, textColor=LABEL),
        "value": style("value", 10, 12.6),
        "strong": style("strong", 12.5, 15, fontName=BOLD),
        "empty": style("empty", 10, 12.6, textColor=LABEL),
        "cell": style("cell", 9, 11.2),
        "head": style("head", 6.8, 8.2, textColor=LABEL),
        "body": style("body", 9, 12),
        "small": style("small", 7.8, 10),
        "fact": style("fact", 8.2, 10.4),
        "title": style("title", 17, 21, fontName=BOLD),
        "subtitle": style("subtitle", 9.5, 12.5, textColor=LABEL),
        "band": style("band", 8.5, 10, fontName=BOLD, textColor=WHITE),
        "fax": style("fax", 34, 38, fontName=BOLD),
        "mark": style("mark", 15, 19, fontName=BOLD, textColor=MARK),
        "notice": style("notice", 7.8, 10, textColor=INK),
        "center": style("center", 9, 12, alignment=TA_CENTER),
    }

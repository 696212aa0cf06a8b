"""The page that opens a copy of a request that is not ready: what must be corrected before it is sent."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from app.printing.content import FaxCopy
from app.printing.fonts import markup
from app.printing.layout.boxes import table
from app.printing.layout.page import MARK_TEXT
from app.printing.layout.styles import FRAME_W, styles


def error_page(copy: FaxCopy) -> list[Flowable]:
    st = styles()
    count = len(copy.errors)
    text = (
        f"This copy was printed from a request that still has {count} error{'s' if count != 1 else ''}. "
        "Do not fax or mail it to SSA. Correct the request in the program, check it again, and print a new copy."
    )
    return [
        Paragraph(MARK_TEXT, st["mark"]),
        Spacer(1, 4),
        Paragraph(markup(text), st["body"]),
        Spacer(1, 10),
        table(
            "Errors to correct before sending",
            ["Where", "What is wrong"],
            [(e.where, e.message) for e in copy.errors],
            [22.0, FRAME_W * 0.3, FRAME_W * 0.7 - 22.0],
        ),
        PageBreak(),
    ]

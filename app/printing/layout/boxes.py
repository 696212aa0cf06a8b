"""The building blocks of the form pages: ruled answer boxes, part bands and tables.

A `BoxRow` is a row of ruled boxes, each with a small grey label over the answer, like a paper government form;
consecutive rows share their rules. A row of one box splits across pages, so an answer of any length lays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from app.printing.fonts import BOLD, REGULAR, markup
from app.printing.layout.styles import BAND, HAIRLINE, LABEL, PAD, RULE, RULE_W, WHITE, styles

LABEL_GAP = 1.5  # between a label and its answer
CONTINUED = " (continued)"


@dataclass
class Cell:
    label: Paragraph
    value: Flowable | None  # None: an empty box to fill in by hand
    span: float  # share of the row's width


def cell(label: str, value: str, span: float = 1.0, *, empty: str = "—", style: str = "value") -> Cell:
    """A box for `label` (plain text) holding `value` (plain text); both escaped here."""
    st = styles()
    if value:
        para = Paragraph(markup(value), st[style])
    else:
        para = Paragraph(markup(empty), st["empty"]) if empty else None
    return Cell(Paragraph(markup(label), st["label"]), para, span)


class BoxRow(Flowable):  # type: ignore[misc]
    """Ruled boxes side by side, as tall as the tallest; `min_height` leaves room to write by hand."""

    def __init__(self, cells: Sequence[Cell], min_height: float = 0.0) -> None:
        super().__init__()
        self.cells = list(cells)
        self.min_height = min_height
        self._laid: list[tuple[float, float, float]] = []  # per cell: width, label height, value height

    def _chrome(self, label_h: float) -> float:
        return PAD * 0.8 + label_h + LABEL_GAP + PAD

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        total = sum(c.span for c in self.cells) or 1.0
        self._laid = []
        height = self.min_height
        for c in self.cells:
            w = avail_w * c.span / total
            inner = max(w - 2 * PAD, 1.0)
            label_h = c.label.wrap(inner, 1e9)[1]
            value_h = c.value.wrap(inner, 1e9)[1] if c.value is not None else 0.0
            self._laid.append((w, label_h, value_h))
            height = max(height, self._chrome(label_h) + value_h)
        self.width, self.height = avail_w, height
        return avail_w, height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(RULE_W)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        x = 0.0
        for c, (w, label_h, value_h) in zip(self.cells, self._laid, strict=True):
            if x > 0:
                canv.line(x, 0, x, self.height)
            top = self.height - PAD * 0.8
            c.label.drawOn(canv, x + PAD, top - label_h)
            if c.value is not None:
                c.value.drawOn(canv, x + PAD, top - label_h - LABEL_GAP - value_h)
            x += w
        canv.restoreState()

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        c = self.cells[0]
        if len(self.cells) != 1 or c.value is None:
            return []
        inner = max(avail_w - 2 * PAD, 1.0)
        label_h = c.label.wrap(inner, 1e9)[1]
        parts = c.value.split(inner, avail_h - self._chrome(label_h))
        if len(parts) < 2:
            return []
        text = c.label.text if c.label.text.endswith(CONTINUED) else c.label.text + CONTINUED
        more = Paragraph(text, c.label.style)
        return [BoxRow([Cell(c.label, parts[0], 1.0)]), BoxRow([Cell(more, parts[1], 1.0)])]


def _table_cell(value: str | Flowable) -> Flowable:
    if not isinstance(value, str):
        return value
    st = styles()
    return Paragraph(markup(value), st["cell"]) if value else Paragraph("—", st["empty"])


class Band(Flowable):  # type: ignore[misc]
    """A black band with a part's number and title in white capitals; never left alone at a page's foot."""

    def __init__(self, left: str, title: str, *, space_before: float = 12.0) -> None:
        super().__init__()
        self.left = left
        self.title = Paragraph(markup(title.upper()), styles()["band"])
        self.spaceBefore = space_before
        self.keepWithNext = True
        self._title_h = 0.0

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        offset = 58.0 if self.left else 6.0
        self._title_h = self.title.wrap(max(avail_w - offset - 6, 1.0), 1e9)[1]
        self.width, self.height = avail_w, self._title_h + 7
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFillColor(BAND)
        canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        if self.left:
            canv.setFillColor(WHITE)
            canv.setFont(BOLD, 8.5)
            canv.drawString(6, self.height - 3.5 - 8.5 + 1.5, self.left.upper())
            canv.setStrokeColor(WHITE)
            canv.setLineWidth(0.5)
            canv.line(52, 2.5, 52, self.height - 2.5)
        self.title.drawOn(canv, 58 if self.left else 6, 3.5)
        canv.restoreState()


def table(
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    *,
    number_rows: bool = True,
    empty: str = "None listed.",
) -> Table:
    """A ruled table: a caption row, a header row of grey labels, rows of answers; cells may split over pages."""
    st = styles()
    head = [Paragraph(markup(c), st["head"]) for c in columns]
    body: list[list[Any]] = []
    for i, row in enumerate(rows):
        cells = [_table_cell(v) for v in row]
        body.append([Paragraph(str(i + 1), st["cell"]), *cells] if number_rows else cells)
    if number_rows:
        head = [Paragraph("#", st["head"]), *head]
    if not body:
        body = [[Paragraph(markup(empty), st["empty"])] + [""] * (len(head) - 1)]
    cap = [Paragraph(markup(caption), st["label"])] + [""] * (len(head) - 1)
    t = Table([cap, head, *body], colWidths=list(widths), repeatRows=2, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("SPAN", (0, 0), (-1, 0)),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # for empty cells; else reportlab's Helvetica is listed
        ("BOX", (0, 0), (-1, -1), RULE_W, RULE),
        ("LINEBELOW", (0, 1), (-1, 1), RULE_W, RULE),
        ("LINEBELOW", (0, 2), (-1, -2), 0.35, HAIRLINE),
        ("LINEAFTER", (0, 1), (-2, -1), 0.35, HAIRLINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("TEXTCOLOR", (0, 0), (-1, 1), LABEL),
    ]
    if len(body) == 1 and not rows:
        commands.append(("SPAN", (0, 2), (-1, 2)))
    t.setStyle(TableStyle(commands))
    return t

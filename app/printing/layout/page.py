"""What every page carries: the agreement, the request id with its QR code, the print time, "Page N of M",
and, on a request that is not ready, the NOT READY TO SEND mark.

"Page N of M" needs M before the first page is finished, so the canvas keeps every page until the end and
numbers them all on `save` (the usual reportlab recipe). A `TotalPages` flowable leaves a spot that is filled in
at that moment with the number of pages from its own page to the end (the cover sheet's page count).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app.printing.fonts import BOLD, REGULAR
from app.printing.layout.styles import (
    FOOTER_H,
    HEADER_H,
    INK,
    LABEL,
    MARGIN_X,
    MARK,
    PAGE_H,
    PAGE_W,
    QR_SIZE,
    RULE,
    WATERMARK,
    WHITE,
)

MARK_BAND_H = 20.0
QR_FORM = "RequestIdQR"
QR_QUIET = 2  # modules of white around the code
MARK_TEXT = "NOT READY TO SEND"


@dataclass(frozen=True)
class Decor:
    """The texts of every page's header and footer."""

    agreement_title: str  # "United States – Germany"
    kind_label: str  # "Employee sent abroad"
    product: str  # "U.S. Certificate of Coverage"
    form_line: str  # "Form de-employee · edition 2026-11-29"
    request_id: str
    printed: str
    ready: bool
    masked: bool

    @property
    def frame_top(self) -> float:
        """The top of the text frame: below the header, and below the mark band when not ready."""
        top: float = PAGE_H - HEADER_H - 12
        return top if self.ready else top - MARK_BAND_H - 6


class TotalPages(Flowable):  # type: ignore[misc]
    """The number of pages from this one to the end, written where this flowable stands once it is known."""

    def __init__(self, size: float = 10.0, font: str = REGULAR) -> None:
        super().__init__()
        self.size = size
        self.font = font

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width, self.height = min(avail_w, 40.0), self.size * 1.26
        return self.width, self.height

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, self.height - self.size)
        self.canv.page_count_spots.append((self.canv.getPageNumber(), x, y, self.font, self.size))


def canvas_class(decor: Decor) -> type[Canvas]:
    """A canvas that holds its pages until `save`, then numbers them and fills in the page count."""

    class FaxCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = REGULAR  # else Helvetica, unembedded, is listed on every page
            kwargs["lang"] = "en-US"
            super().__init__(*args, **kwargs)
            self.held_pages: list[dict[str, Any]] = []
            self.page_count_spots: list[tuple[int, float, float, str, float]] = []
            self.total_pages = 0

        def showPage(self) -> None:
            self.held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self.held_pages)
            for state in self.held_pages:
                self.__dict__.update(state)
                number = self.getPageNumber()
                self.setFont(BOLD, 8.5)
                self.setFillColor(INK)
                self.drawRightString(PAGE_W - MARGIN_X, FOOTER_H - 13, f"Page {number} of {total}")
                for page, x, y, font, size in self.page_count_spots:
                    # the pages from this one on: the error pages before a cover are not sent
                    if page == number:
                        self.setFont(font, size)
                        self.drawString(x, y, str(total - number + 1))
                Canvas.showPage(self)
            self.total_pages = total
            Canvas.save(self)

    return FaxCanvas


def decorate(canv: Canvas, decor: Decor) -> None:
    """Draw the header, footer and (when not ready) the mark of the current page, before its content."""
    canv.saveState()
    if not decor.ready:
        _watermark(canv)
    _header(canv, decor)
    _footer(canv, decor)
    canv.restoreState()


@lru_cache(maxsize=32)
def qr_modules(value: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `value` (error correction M) as rows of dark (True) and light modules."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    return tuple(tuple(bool(m) for m in row) for row in code.modules)


def _qr(canv: Canvas, request_id: str) -> None:
    """The request id's QR code, drawn once per document as a form and placed on every page."""
    if not canv.hasForm(QR_FORM):
        modules = qr_modules(request_id)
        size = QR_SIZE / (len(modules) + 2 * QR_QUIET)
        canv.beginForm(QR_FORM)
        path = canv.beginPath()
        for r, row in enumerate(modules):
            y = QR_SIZE - (r + QR_QUIET + 1) * size
            c = 0
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    path.rect((c + QR_QUIET) * size, y, count * size, size)
                c += count
        canv.setFillColor(INK)
        canv.drawPath(path, stroke=0, fill=1)
        canv.endForm()
    canv.saveState()
    canv.translate(*qr_origin())
    canv.doForm(QR_FORM)
    canv.restoreState()


def qr_origin() -> tuple[float, float]:
    """Lower-left corner of the QR code on every page (its quiet zone included), in points."""
    return PAGE_W - MARGIN_X - QR_SIZE + QR_QUIET * 1.0, PAGE_H - HEADER_H + 5


def _header(canv: Canvas, decor: Decor) -> None:
    top = PAGE_H - 0.42 * 72
    canv.setFillColor(LABEL)
    canv.setFont(REGULAR, 6.8)
    canv.drawString(MARGIN_X, top, "SOCIAL SECURITY TOTALIZATION AGREEMENT")
    canv.setFillColor(INK)
    canv.setFont(BOLD, 13)
    canv.drawString(MARGIN_X, top - 16, decor.agreement_title)
    canv.setFont(REGULAR, 8.5)
    what = "INTERNAL COPY, not for SSA" if decor.masked else f"Request for a {decor.product}"
    canv.drawString(MARGIN_X, top - 29, f"{what} · {decor.kind_label}")
    canv.setFillColor(LABEL)
    canv.setFont(REGULAR, 7.5)
    canv.drawString(MARGIN_X, top - 40, decor.form_line)

    right = PAGE_W - MARGIN_X - QR_SIZE - 6
    canv.setFillColor(LABEL)
    canv.setFont(REGULAR, 6.8)
    canv.drawRightString(right, top, "REQUEST ID")
    canv.setFillColor(INK)
    canv.setFont(REGULAR, 8.5)
    canv.drawRightString(right, top - 12, decor.request_id)
    canv.setFillColor(LABEL)
    canv.setFont(REGULAR, 6.8)
    canv.drawRightString(right, top - 29, "PRINTED")
    canv.setFillColor(INK)
    canv.setFont(REGULAR, 8.5)
    canv.drawRightString(right, top - 40, decor.printed)
    _qr(canv, decor.request_id)

    canv.setStrokeColor(RULE)
    canv.setLineWidth(1.2)
    rule_y = PAGE_H - HEADER_H
    canv.line(MARGIN_X, rule_y, PAGE_W - MARGIN_X, rule_y)
    if not decor.ready:
        y = rule_y - 6 - MARK_BAND_H
        canv.setFillColor(MARK)
        canv.rect(MARGIN_X, y, PAGE_W - 2 * MARGIN_X, MARK_BAND_H, stroke=0, fill=1)
        canv.setFillColor(WHITE)
        canv.setFont(BOLD, 10.5)
        canv.drawCentredString(
            PAGE_W / 2, y + 6.5, f"{MARK_TEXT}  ·  this request has errors: do not fax or mail this copy"
        )


def _footer(canv: Canvas, decor: Decor) -> None:
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.6)
    canv.line(MARGIN_X, FOOTER_H, PAGE_W - MARGIN_X, FOOTER_H)
    canv.setFillColor(INK)
    canv.setFont(REGULAR, 7.5)
    canv.drawString(MARGIN_X, FOOTER_H - 13, f"{decor.agreement_title} · Request {decor.request_id}")
    canv.setFillColor(LABEL)
    canv.setFont(REGULAR, 6.8)
    note = "Confidential: this document holds personal information protected by the Privacy Act."
    if decor.masked:
        note = "INTERNAL COPY: the Social Security number is masked; do not send this copy to SSA."
    canv.drawString(MARGIN_X, FOOTER_H - 24, note)


def _watermark(canv: Canvas) -> None:
    canv.saveState()
    canv.translate(PAGE_W / 2, PAGE_H / 2)
    canv.rotate(52)
    canv.setFillColor(WATERMARK)
    canv.setFont(BOLD, 62)
    canv.drawCentredString(0, -20, MARK_TEXT)
    canv.restoreState()

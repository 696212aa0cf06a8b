"""The first page. The copy to fax opens with a cover sheet to SSA's paper office, from the sender the request
kind names, with the date, the number of pages, the request id and the subject. The internal copy (SSN masked) is
not addressed to SSA: it opens with a page that says it is an internal copy, not to be faxed."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from app.printing.content import FaxCopy
from app.printing.fonts import BOLD, REGULAR, markup
from app.printing.layout.boxes import BoxRow, Cell, cell
from app.printing.layout.page import TotalPages
from app.printing.layout.styles import RULE, RULE_W, styles
from app.printing.values import format_date

SHORT = 160  # characters of one answer on the cover sheet


def cover_sheet(copy: FaxCopy) -> list[Flowable]:
    return internal_cover(copy) if copy.masked else _fax_cover(copy)


def internal_cover(copy: FaxCopy) -> list[Flowable]:
    """The internal copy's first page: what it is, for whom, and that it is not to be faxed."""
    st = styles()
    sender = copy.sender
    heading = _heading(
        "INTERNAL COPY", f"Internal copy: do not fax\n{copy.agreement_title} {copy.instrument}", 62
    )
    count = len(copy.errors)
    state = "Complete: no error" if copy.ready else f"{count} error{'s' if count != 1 else ''} to correct"
    pages = Cell(Paragraph(markup("Pages, including this one"), st["label"]), TotalPages(12.5, BOLD), 1)
    return [
        heading,
        Spacer(1, 16),
        BoxRow(
            [
                cell(
                    "What this copy is",
                    f"A copy of a request for a {copy.product} for the employer's files. The Social Security number "
                    "is masked, and the last pages hold this application's notes on the agreement. It is not "
                    "addressed to SSA: do not fax or mail it. To send the request, print the fax copy without the "
                    "mask.",
                    4,
                )
            ]
        ),
        BoxRow(
            [
                cell("Request", f"{copy.form_title} (edition {copy.edition})", 3),
                cell("Checked", state, 1),
            ]
        ),
        BoxRow(
            [cell("Printed", format_date(copy.printed_at), 1), pages, cell("Request ID", copy.request_id, 2)]
        ),
        BoxRow(
            [
                cell(
                    f"{sender.role}", "\n".join(_short(x) for x in (sender.name, sender.organisation) if x), 2
                ),
                cell(
                    "Telephone and e-mail",
                    "\n".join(_short(x, 80) for x in (sender.phone, sender.email) if x),
                    2,
                ),
            ]
        ),
        PageBreak(),
    ]


def _fax_cover(copy: FaxCopy) -> list[Flowable]:
    st = styles()
    to, sender = copy.recipient, copy.sender
    date = format_date(copy.printed_at)
    heading = _heading("FAX", f"Request for a {copy.product}\n{copy.agreement_title} {copy.instrument}", 28)
    sender_lines = "\n".join(_short(x) for x in (sender.name, sender.organisation, sender.address) if x)
    pages = Cell(Paragraph(markup("Pages, including this cover"), st["label"]), TotalPages(12.5, BOLD), 1)
    flow: list[Flowable] = [
        heading,
        Spacer(1, 16),
        BoxRow(
            [
                cell("To", "\n".join((to.office, *to.address)), 2),
                cell(f"From: {sender.role.lower()}", sender_lines, 2),
            ]
        ),
        BoxRow(
            [
                cell(
                    f"Fax number ({to.fax_purpose})" if to.fax_purpose else "Fax number",
                    to.fax,
                    2,
                    style="strong",
                ),
                cell(
                    "Telephone and e-mail" if sender.phone else "E-mail",
                    "\n".join(_short(x, 80) for x in (sender.phone, sender.email) if x),
                    2,
                ),
            ]
        ),
        BoxRow([cell("Date", date, 1), pages, cell("Request ID", copy.request_id, 2)]),
        BoxRow([cell("Subject", copy.subject, 4)]),
        BoxRow(
            [
                cell(
                    "Message",
                    f"Please find enclosed a request for a {copy.product} for {copy.for_whom}, "
                    f"on form {copy.form_title} (edition {copy.edition}). The request id above is printed, "
                    f"with a QR code, on every page. Please send questions, and the {copy.product}, to the "
                    "sender named above.",
                    4,
                )
            ]
        ),
        BoxRow([cell("Notes", "", 4, empty="")], min_height=150),
        Spacer(1, 14),
        _notice(),
        PageBreak(),
    ]
    return flow


def _heading(big: str, subtitle: str, big_share: int) -> Flowable:
    """The first page's heading: a big word ("FAX") beside a two-line subtitle, ruled below."""
    st = styles()
    return Table(
        [[Paragraph(big, st["fax"]), Paragraph(markup(subtitle), st["subtitle"])]],
        colWidths=[f"{big_share}%", f"{100 - big_share}%"],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LINEBELOW", (0, 0), (-1, 0), 2.5, RULE),
            ]
        ),
    )


def _short(text: str, limit: int = SHORT) -> str:
    """A cover-sheet line: an answer too long for the cover is cut there (the request pages show it whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "… (in full in the request)"


def _notice() -> Flowable:
    st = styles()
    text = (
        "CONFIDENTIALITY NOTICE. The pages that follow hold personal information, including a Social Security "
        "number, about the person named in the request. They are meant only for the Social Security "
        "Administration. If you received this fax by mistake, please tell the sender at the telephone number "
        "above and destroy every page; do not copy or pass it on."
    )
    t = Table([[Paragraph(markup(text), st["notice"])]], colWidths=["100%"])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BOX", (0, 0), (-1, -1), RULE_W, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return t

"""The request pages: a title, the rule the request relies on in plain words, each part of the form as rows of
ruled boxes, family members as a table, and the signature block. The internal copy adds the agreement's facts as
the application records them (sources and flags), which never go on the copy addressed to SSA."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.forms.model import FieldType
from app.printing.content import Entry, FactNote, FaxCopy, Grid
from app.printing.fonts import BOLD, markup
from app.printing.layout.boxes import Band, BoxRow, cell, table
from app.printing.layout.styles import FRAME_W, styles

ROW_UNITS = 4
_COLUMN_WEIGHT = {FieldType.DATE: 1.1, FieldType.YESNO: 1.2, FieldType.CHOICE: 1.3, FieldType.SSN: 1.1}


def request_pages(copy: FaxCopy) -> list[Flowable]:
    st = styles()
    subtitle = (
        f"{copy.form_title} · form {copy.form_id}, edition {copy.edition} · request created {copy.created}"
    )
    flow: list[Flowable] = [
        Paragraph(markup(f"Request for a {copy.product}"), st["title"]),
        Paragraph(markup(subtitle), st["subtitle"]),
    ]
    if copy.masked:
        flow.append(
            Paragraph(
                markup("Internal copy: the Social Security number is masked. Do not send this copy to SSA."),
                st["subtitle"],
            )
        )
    flow.append(Spacer(1, 4))
    if copy.basis:
        flow.append(BoxRow([cell("The rule this request relies on", copy.basis, 4)]))
    number = 0
    for part in copy.parts:
        number += 1
        flow.append(KeepTogether([Band(f"Part {number}", part.title), *_rows(part.items)]))
    if copy.facts:  # the internal copy only
        flow.append(Band("", f"For the employer's files: the {copy.instrument} with {copy.agreement}"))
        flow.append(_facts(copy.facts))
    flow.append(_signature(copy, number + 1))
    return flow


def _rows(items: Sequence[Entry | Grid]) -> list[Flowable]:
    """Entries packed into rows of four quarters, in the form's order; tables take a row of their own."""
    out: list[Flowable] = []
    row: list[Entry] = []

    def close() -> None:
        if row:
            out.append(BoxRow([cell(e.label, e.value, e.size) for e in row]))
            row.clear()

    for item in items:
        if isinstance(item, Grid):
            close()
            out.append(_grid(item))
            continue
        if sum(e.size for e in row) + item.size > ROW_UNITS:
            close()
        row.append(item)
    close()
    return out


def _grid(grid: Grid) -> Flowable:
    weights = [_COLUMN_WEIGHT.get(kind, 2.4) for kind in grid.kinds]
    number_w = 22.0
    unit = (FRAME_W - number_w) / (sum(weights) or 1.0)
    return table(grid.label, grid.columns, grid.rows, [number_w, *(w * unit for w in weights)])


def _facts(facts: Sequence[FactNote]) -> Flowable:
    st = styles()
    rows: list[list[Flowable]] = []
    for f in facts:
        body = markup(f.text)
        if f.flag:
            body += f'<br/><font face="{BOLD}">Flagged:</font> {markup(f.flag)}'
        if f.sources:
            body += "<br/>Sources: " + markup(" ".join(f.sources))
        rows.append([Paragraph(markup(f.title), st["fact"]), Paragraph(body, st["fact"])])
    return table(
        "Not part of the request: the agreement's rules as this application records them, with their sources. "
        "A flagged fact could not be confirmed on an SSA page.",
        ["Fact", "What the research says"],
        rows,
        [FRAME_W * 0.24, FRAME_W * 0.76],
        number_rows=False,
    )


def _signature(copy: FaxCopy, number: int) -> Flowable:
    st = styles()
    statement = copy.certification
    who = f"Signature of {copy.signer}"
    return KeepTogether(
        [
            Band(f"Part {number}", "Certification and signature"),
            BoxRow([cell("Certification", statement, 4)]),
            BoxRow([cell(who, "", 3, empty=""), cell("Date (YYYY-MM-DD)", "", 1, empty="")], min_height=46),
            BoxRow(
                [
                    cell("Printed name", "", 2, empty=""),
                    cell("Title", "", 1, empty=""),
                    cell("Telephone", "", 1, empty=""),
                ],
                min_height=30,
            ),
            *(
                []
                if copy.masked  # the internal copy is not sent anywhere
                else [
                    Spacer(1, 2),
                    Paragraph(
                        markup(f"Signed copies go to: {copy.recipient.office}, fax {copy.recipient.fax}."),
                        st["small"],
                    ),
                ]
            ),
        ]
    )

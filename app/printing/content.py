"""What the fax copy says: a plain model of the printed pages, built from a request and its form.

Two audiences. The copy to fax (unmasked) is addressed to SSA: its cover sheet goes to SSA's paper office, and it
carries the request and, in plain words, the rule the request relies on (`FormSpec.basis`), nothing of the
application's research. The internal copy (SSN masked) is for the employer's files: no cover addressed to SSA,
and the agreement's facts as the application records them, with their sources and flags.

Every text that reaches the page is made here: answers formatted for a reader (Yes/No, countries by name with
code, choices by label), hidden fields left out, the SSN masked when asked, and every character checked against
the embedded fonts (`GlyphMissing` names the field). The layout only arranges what this module hands it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.forms.loader import Catalog
from app.forms.migration import migrate
from app.forms.model import Agreement, FieldSpec, FieldType, FormSpec, Kind
from app.forms.session import FormSession
from app.forms.verdict import OVERSIZE, REFUSALS, Verdict, verdict
from app.printing.errors import PrintError
from app.printing.fonts import check, scrub
from app.printing.values import display, format_time, mask_ssn, ssn_masker, where
from app.request import RequestDoc

WIDE_AFTER = 60  # characters; a longer answer gets a full-width box that may run over pages
_QUARTER = frozenset({FieldType.DATE, FieldType.SSN, FieldType.EIN, FieldType.US_STATE, FieldType.PHONE})


@dataclass(frozen=True)
class Entry:
    """One field in a ruled box: its label and the answer as printed ("" when not answered)."""

    field: str
    label: str
    value: str
    type: FieldType
    size: int  # how much of a row the box wants: 1, 2 or 4 quarters


@dataclass(frozen=True)
class Grid:
    """A repeat group (family members) as a table: column labels and one tuple of texts per row."""

    field: str
    label: str
    columns: tuple[str, ...]
    kinds: tuple[FieldType, ...]  # each column's type
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    items: tuple[Entry | Grid, ...]


@dataclass(frozen=True)
class FactNote:
    """A fact of the agreement as the application records it: for the internal copy only."""

    title: str
    text: str
    flag: str  # why the fact is not confirmed; "" when it is
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    where: str
    message: str


@dataclass(frozen=True)
class Recipient:
    """SSA's office for paper requests: only what the pages sent to it need (not SSA's own help line)."""

    office: str
    fax: str
    fax_purpose: str  # "certificate of coverage requests only"
    address: tuple[str, ...]


@dataclass(frozen=True)
class Sender:
    role: str  # "Employer contact" or "Self-employed person"
    name: str
    organisation: str
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class FaxCopy:
    request_id: str
    form_id: str
    form_title: str
    kind_label: str
    edition: str
    created: str
    agreement: str  # "Germany"
    instrument: str  # "agreement", or "understanding" (Quebec)
    printed_at: dt.datetime
    recipient: Recipient
    sender: Sender
    subject: str
    parts: tuple[Part, ...]
    basis: str  # the rule the request relies on, in plain words ("" when none is stated)
    facts: tuple[FactNote, ...]  # the internal copy's notes on the agreement; empty on the copy to fax
    errors: tuple[Problem, ...]
    signer: str  # whose signature the last page asks for ("the employer's representative")
    certification: str  # what the signer certifies
    product: str  # what is asked for: "U.S. Certificate of Coverage"
    for_whom: str  # "one worker"
    masked: bool

    @property
    def ready(self) -> bool:
        return not self.errors

    @property
    def agreement_title(self) -> str:
        return f"United States – {self.agreement}"

    @property
    def printed_text(self) -> str:
        return format_time(self.printed_at)


# ---------------------------------------------------------------------------------------------- the model


def build(
    doc: RequestDoc, spec: FormSpec, *, mask: bool = False, printed_at: dt.datetime | None = None
) -> FaxCopy:
    """The fax copy of `doc`, or `GlyphMissing` for an answer with a character that cannot be printed.

    The verdict comes first: a document it refuses, or with an answer over its size limit, is refused here with
    `PrintError` before anything is laid out (a fax copy is not the place to find out that a name is 1 MB long).
    """
    if doc.form != spec.id:
        raise PrintError(f"The request is written on form {doc.form!r}, not on {spec.id!r}.")
    judged = _judge(doc, spec)
    doc = migrate(spec, doc)
    answers = _Answers(spec, FormSession(spec, doc.answers), mask)
    parts = tuple(p for p in (answers.part(s.id) for s in spec.sections) if p.items)
    agreement = spec.agreement
    return FaxCopy(
        request_id=check(doc.id, "Request id", "id"),
        form_id=spec.id,
        form_title=_own(spec.title),
        kind_label=_own(spec.kind_label),
        edition=spec.edition,
        created=check(doc.created[:10], "Created", "created"),
        agreement=_own(agreement.name),
        instrument=_own(agreement.instrument),
        printed_at=printed_at
        if printed_at and printed_at.tzinfo
        else (printed_at or dt.datetime.now()).astimezone(),
        recipient=_recipient(agreement),
        sender=_sender(spec, answers.values, answers.codes),
        subject=_own(
            f"Request for a {spec.product} under the Social Security {agreement.instrument} between the "
            f"United States and {agreement.name} ({spec.kind_label.lower()})"
        ),
        parts=parts,
        basis=_own(spec.basis),
        facts=_facts(spec) if mask else (),
        errors=tuple(
            Problem(scrub(answers.masker(where(spec, i.field))), scrub(answers.masker(i.message)))
            for i in judged.errors
        ),
        signer=_own(_kind(spec).signer),
        certification=_own(_kind(spec).certification),
        product=_own(spec.product),
        for_whom=_own(_kind(spec).for_whom),
        masked=mask,
    )


def _same(text: str) -> str:
    return text


def _own(text: str) -> str:
    """Text of our own (definitions, fixed wording): checked like any other, named as the form's."""
    return check(text, "The form definition", "")


def _judge(doc: RequestDoc, spec: FormSpec) -> Verdict:
    catalog = Catalog(agreements={spec.agreement.id: spec.agreement}, forms={spec.id: spec}, root=Path())
    judged = verdict(doc, catalog)
    if judged.oversize:
        first = next(i for i in judged.errors if i.code in OVERSIZE or i.code in REFUSALS)
        raise PrintError(f"This request cannot be laid out: {first.message} Correct it, then print again.")
    return judged


class _Answers:
    """The visible answers of one request, formatted, masked and checked; `values` keeps each printed text."""

    def __init__(self, spec: FormSpec, session: FormSession, mask: bool) -> None:
        self.spec = spec
        self.session = session
        self.mask = mask
        self.masker = ssn_masker(spec, session.answers) if mask else _same
        self.values: dict[str, str] = {}
        self.codes: dict[
            str, str
        ] = {}  # a state's code where an address line wants it ("NY", not "New York (NY)")

    def text(self, f: FieldSpec, value: Any, where: str, field_id: str) -> str:
        if self.mask and f.type is FieldType.SSN and isinstance(value, str) and value.strip():
            shown = mask_ssn(value)
        else:
            shown = self.masker(display(f, value))
        return check(shown, where, field_id)

    def part(self, section_id: str) -> Part:
        section = next(s for s in self.spec.sections if s.id == section_id)
        items: list[Entry | Grid] = []
        for f in self.session.visible_fields(section_id):
            raw = self.session.answers.get(f.id)
            if f.is_group and isinstance(raw, list):
                items.append(self.grid(f, raw))
                continue
            label = _own(f.label)
            value = self.text(f, raw, label, f.id)
            self.values[f.id] = value
            if f.type is FieldType.US_STATE and isinstance(raw, str) and value:
                self.codes[f.id] = check(raw.strip().upper(), label, f.id)
            items.append(Entry(f.id, label, value, f.type, _size(f, value)))
        return Part(section.id, _own(section.title), tuple(items))

    def grid(self, group: FieldSpec, rows: list[Any]) -> Grid:
        out: list[tuple[str, ...]] = []
        for i, row in enumerate(rows):
            where_row = f"{group.label}, row {i + 1}"
            if not isinstance(row, Mapping):
                first = check(self.masker(json.dumps(row, ensure_ascii=False)), where_row, group.id)
                out.append((first,) + ("",) * (len(group.columns) - 1))
                continue
            out.append(
                tuple(
                    self.text(
                        col,
                        row.get(col.id) if self.session.column_visible(group.id, row, col.id) else None,
                        f"{where_row}: {col.label}",
                        f"{group.id}[{i}].{col.id}",
                    )
                    for col in group.columns
                )
            )
        columns = group.columns
        return Grid(
            group.id,
            _own(group.label),
            tuple(_own(c.label) for c in columns),
            tuple(c.type for c in columns),
            tuple(out),
        )


def _size(f: FieldSpec, value: str) -> int:
    if f.type is FieldType.TEXTAREA or len(value) > WIDE_AFTER or "\n" in value:
        return 4
    if f.type in _QUARTER or (f.type is FieldType.TEXT and (f.max_length or 99) <= 12):
        return 1 if len(value) <= 20 else 2
    return 2


def _recipient(agreement: Agreement) -> Recipient:
    paper = agreement.paper
    if paper is None:
        raise PrintError(
            f"The definition of the agreement with {agreement.name} names no office for paper requests, so "
            "there is nowhere to fax this request."
        )
    return Recipient(
        _own(paper.office), _own(paper.fax), _own(paper.fax_purpose), tuple(_own(a) for a in paper.address)
    )


def _kind(spec: FormSpec) -> Kind:
    if spec.kind_info is None:
        raise PrintError(
            f"The definition of form {spec.id} names no kind of request, so it cannot be printed."
        )
    return spec.kind_info


def _sender(spec: FormSpec, values: Mapping[str, str], codes: Mapping[str, str]) -> Sender:
    """Who the copy is from, as the kind's definition names the fields (`[sender]` in forms/kinds/)."""
    who = _kind(spec).sender

    def v(ids: tuple[str, ...], short: Mapping[str, str] = values) -> str:
        return " ".join(short.get(i) or values[i] for i in ids if values.get(i))

    return Sender(
        role=_own(who.role),
        name=v(who.name),
        organisation=v(who.organisation),
        phone=v(who.phone),
        email=v(who.email),
        address=", ".join(x for x in (v(line, codes) for line in who.address) if x),
    )


def _facts(spec: FormSpec) -> tuple[FactNote, ...]:
    """The agreement's facts the employer's files want beside the request: in force, the limit, and what the
    request touches, each with its sources and its flag (only the internal copy prints them)."""
    a = spec.agreement
    out: list[FactNote] = []
    for key in _kind(spec).facts:
        fact = a.fact(key)
        if fact is None:
            if key == "in_force" and a.in_force is not None:
                out.append(FactNote("In force", f"In force since {a.in_force.isoformat()}.", ""))
            continue
        text = fact.text
        if key == "detachment" and a.detachment_limit_months:
            text = f"Limit: {a.detachment_limit_months} months. {text}"
        flag = _own(fact.status.flag) if fact.flagged else ""
        out.append(FactNote(_own(fact.title), _own(text), flag, tuple(_own(s) for s in fact.sources)))
    return tuple(out)

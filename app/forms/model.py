"""The immutable model a definition is read into: agreements, forms, sections, fields and rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from app.forms.expr import Expr, Value
from app.forms.template import Template


class FieldType(StrEnum):
    """The closed set of field types. Each has one editor in the wizard and one check in validation."""

    TEXT = "text"  # one line of free text
    TEXTAREA = "textarea"  # several lines
    NAME = "name"  # a person's name: letters and a few punctuation marks
    DATE = "date"  # ISO date, YYYY-MM-DD
    COUNTRY = "country"  # ISO 3166-1 alpha-2 code
    US_STATE = "us_state"  # USPS code of a state, D.C. or territory
    SSN = "ssn"  # U.S. Social Security number
    EIN = "ein"  # U.S. Employer Identification Number
    EMAIL = "email"
    PHONE = "phone"
    YESNO = "yesno"  # true / false
    CHOICE = "choice"  # one of `choices`
    FOREIGN_ID = "foreign_id"  # another country's insurance number, checked by `format` where one is known
    GROUP = "group"  # a repeat group: a list of rows with `columns`


class Severity(StrEnum):
    ERROR = "error"  # blocks transmission
    WARNING = "warning"  # informs


class FactStatus(StrEnum):
    """How sure the research is of a fact. Anything but CONFIRMED is flagged in the help."""

    CONFIRMED = "confirmed"  # read on an SSA or government page
    THIRD_PARTY = "third_party"  # only from a third-party copy
    UNCONFIRMED = "unconfirmed"  # could not be confirmed
    CONFLICT = "conflict"  # sources disagree

    @property
    def flag(self) -> str:
        return {
            FactStatus.CONFIRMED: "",
            FactStatus.THIRD_PARTY: "From a third-party copy of an SSA page; not read on SSA's own site.",
            FactStatus.UNCONFIRMED: "Unconfirmed: no official source was found for this.",
            FactStatus.CONFLICT: "Sources conflict on this point; check with SSA before relying on it.",
        }[self]


@dataclass(frozen=True)
class Fact:
    key: str  # e.g. "detachment", "extension", "self_employment", "family"
    title: str
    text: str
    status: FactStatus
    sources: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.status is not FactStatus.CONFIRMED


@dataclass(frozen=True)
class PaperChannel:
    """Where a paper (fax or mail) request goes, and what each number is for."""

    office: str
    address: tuple[str, ...]
    fax: str
    phone: str
    sources: tuple[str, ...]
    note: str = ""
    fax_purpose: str = ""  # "certificate of coverage requests only"
    phone_purpose: str = ""  # "help with SSA's online forms only"


@dataclass(frozen=True, eq=False)
class Agreement:
    id: str  # lower-case, e.g. "de"; Quebec is "qc"
    name: str  # "Germany"
    country: str  # ISO 3166-1 alpha-2 (Quebec: "CA")
    region: str  # ISO 3166-2 subdivision where the agreement is with a province ("CA-QC"), else ""
    in_force: dt.date | None  # None when signed but not in force
    status: str  # "in_force" or "signed"
    edition: str
    detachment_limit_months: int | None  # None where a nationality rule applies instead (Italy)
    kinds: tuple[str, ...]
    facts: tuple[Fact, ...]
    paper: PaperChannel | None
    values: Mapping[str, Any]  # what `agreement.X` means in expressions
    note: str = ""
    instrument: str = (
        "agreement"  # "understanding" for the U.S.-Quebec understanding (not counted as an agreement)
    )

    @property
    def in_force_now(self) -> bool:
        return self.status == "in_force"

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    id: str  # full id, `section.field`; a group's column ids are bare (`birth_date`)
    type: FieldType
    label: str
    help: str
    required: bool | Expr = False
    show: Expr | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    format: str = ""  # foreign_id: the identifier scheme (see validate.FOREIGN_FORMATS)
    columns: tuple[FieldSpec, ...] = ()
    max_rows: int | None = None
    placeholder: str = ""
    source: str = ""  # where the help's agreement-specific claim comes from
    flag: str = ""  # shown beside the help when a fact behind this field is not confirmed
    personal: bool = False  # personal data (its section says so): never shown inside a rule's message

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def is_group(self) -> bool:
        return self.type is FieldType.GROUP

    def column(self, name: str) -> FieldSpec | None:
        return next((c for c in self.columns if c.id == name), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    help: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class Rule:
    """A check across fields: when `when` is true, the request has a problem at `field`."""

    id: str
    code: str
    severity: Severity
    field: str
    when: Expr
    message: str  # as written, with the agreement's values filled in; computed placeholders stay `{...}`
    sources: tuple[str, ...] = ()
    flag: str = ""
    template: Template | None = None  # set when the message shows values computed from the answers

    def text(self, lookup: Callable[[str], Value]) -> str:
        """The message for one request: its computed values filled in from `lookup`."""
        return self.message if self.template is None else self.template.render(lookup)


@dataclass(frozen=True)
class Sender:
    """Who a paper copy of a request of this kind is from: the field ids whose answers make each line."""

    role: str  # "Employer contact"
    name: tuple[str, ...] = ()
    organisation: tuple[str, ...] = ()
    phone: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    address: tuple[tuple[str, ...], ...] = ()  # lines; the answers of one line are joined by spaces


@dataclass(frozen=True)
class Kind:
    """A kind of request as a coordinator and SSA read it: its names and the wording of its paper copy."""

    id: str  # "employee"
    title: str  # "Employee sent abroad"
    short: str  # "Employee": the request list's column
    product: str  # what is asked for: "U.S. Certificate of Coverage"
    summary: str  # one sentence on what the request is for (the first page and the review page)
    for_whom: str  # "one worker": the cover sheet's message
    signer: str  # "the employer's representative"
    certification: str  # the statement the signer certifies
    sender: Sender
    special: bool = False  # offered under few agreements: shown only where offered, its absence not noted
    # The agreement's facts the internal copy shows.
    facts: tuple[str, ...] = ("in_force", "detachment", "extension")
    # The days of work abroad a request of this kind covers, as expressions over its answers (`period.start`,
    # `period.end` in rules; the other requests' periods in rules across requests). None: no period.
    period: tuple[Expr, Expr] | None = None


@dataclass(frozen=True)
class EditionStep:
    """How a request written in an earlier edition carries over to `edition` (a `[[migrations]]` table).

    Steps apply in edition order to a request whose edition is older than the step's: renamed fields keep their
    answers, mapped values change, removed fields leave the answers but are kept in a note (nothing typed is
    lost), and the fields `added` are reported as new. From `cutoff` on, a request still in an earlier edition is
    refused (`edition_outdated`)."""

    edition: str
    renamed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # old id -> new id
    values: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    cutoff: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, eq=False)
class FormSpec:
    id: str  # "<agreement>-<kind>", e.g. "de-employee"
    kind: str  # "employee", "self_employed", "exemption_letter" (forms/kinds/)
    title: str
    edition: str
    agreement: Agreement
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    migrations: tuple[EditionStep, ...] = ()  # in edition order; see `app.forms.migration`
    kind_info: Kind | None = None
    basis: str = ""  # the rule the request relies on, in plain words (printed on the copy SSA receives)

    @property
    def kind_label(self) -> str:
        return self.kind_info.title if self.kind_info is not None else self.kind

    @property
    def product(self) -> str:
        """What the request asks SSA for ("U.S. Certificate of Coverage", "letter of exemption ...")."""
        return self.kind_info.product if self.kind_info is not None else "U.S. Certificate of Coverage"

    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, field_id: str) -> FieldSpec:
        return self._index()[field_id]

    def has_field(self, field_id: str) -> bool:
        return field_id in self._index()

    def section_of(self, field_id: str) -> Section:
        for s in self.sections:
            if any(f.id == field_id for f in s.fields):
                return s
        raise KeyError(field_id)

    def _index(self) -> dict[str, FieldSpec]:
        cached: dict[str, FieldSpec] | None = self.__dict__.get("_field_index")
        if cached is None:
            cached = {f.id: f for f in self.fields()}
            object.__setattr__(self, "_field_index", cached)
        return cached

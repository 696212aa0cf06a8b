"""The import plan: what each roster row becomes (a new draft, an update, nothing new, or skipped and why), with
its verdict; then applying it to the store in one transaction that can be undone as one step.

    table, mapping = read_roster(path, catalog, mapping_file=None)
    plan = make_plan(store, table, mapping, catalog, form=None)   # reads the store, writes nothing
    result = apply_plan(store, plan)                              # one transaction; result.batch_id
    store.undo_batch(result.batch_id)                             # undoes it as one step

A row is matched to an existing request by `request.external_ref` (the HR system's assignment id). A matched
Draft or Ready request is updated with the roster's non-empty values (a cell left empty never clears an
answer); a matched request that is queued, sent or decided is never changed (reported when the roster differs).
Each saved request's error and warning counts come from the one verdict.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.forms.model import FieldSpec, FormSpec
from app.request import RequestDoc, State
from app.roster import values
from app.roster.errors import MappingError
from app.roster.mapping import (
    AGREEMENT,
    EXTERNAL_REF,
    FALLBACKS,
    KIND,
    Mapping,
    MappingFile,
    load_file,
    resolve,
)
from app.roster.readers import Table, read

if TYPE_CHECKING:
    from app.forms import Catalog, Issue
    from app.store import Store
    from app.store.batches import RefMatch

Progress = Callable[[int, int], Any]
UPDATABLE = frozenset({State.DRAFT, State.READY})
DEFAULT_KIND = "employee"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


class ImportCancelled(Exception):
    """The coordinator cancelled the import before anything was saved."""


@dataclass(frozen=True)
class CellProblem:
    column: str
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"column": self.column, "field": self.field, "message": self.message}

    def text(self) -> str:
        return f"{self.column}: {self.message}"


@dataclass
class RowPlan:
    row: int
    action: Action
    reason: str = ""
    form: str = ""
    ref: str | None = None
    doc: RequestDoc | None = None
    base_revision: int | None = None
    issues: tuple[Issue, ...] = ()
    errors: int = 0
    warnings: int = 0
    problems: list[CellProblem] = field(default_factory=list)

    @property
    def request_id(self) -> str | None:
        return self.doc.id if self.doc is not None else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "id": self.request_id,
            "action": self.action.value,
            "form": self.form,
            "errors": self.errors,
            "warnings": self.warnings,
        }
        if self.problems:
            out["problems"] = [p.to_dict() for p in self.problems]
        return out


@dataclass
class ImportPlan:
    table: Table
    mapping: Mapping
    rows: list[RowPlan]
    notes: list[str] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action is action)

    @property
    def skipped(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action is Action.SKIP]

    @property
    def changes(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action in (Action.CREATE, Action.UPDATE)]

    def to_dict(self, *, with_mapping: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "created": self.count(Action.CREATE),
            "updated": self.count(Action.UPDATE),
            "unchanged": self.count(Action.UNCHANGED),
            "skipped": [{"row": r.row, "reason": r.reason} for r in self.skipped],
            "rows": [r.to_dict() for r in self.rows if r.action is not Action.SKIP],
        }
        if with_mapping:
            out["file"] = self.table.describe()
            out["mapping"] = self.mapping.describe(self.table)
            out["constants"] = {k: values.as_text(v) for k, v in self.mapping.constants.items()}
            out["notes"] = self.notes
        return out


@dataclass
class ImportResult:
    plan: ImportPlan
    batch_id: str | None

    @property
    def ids(self) -> list[str]:
        return [r.request_id for r in self.plan.rows if r.request_id and r.action is not Action.SKIP]

    def to_dict(self) -> dict[str, Any]:
        return {**self.plan.to_dict(), "batch": self.batch_id}


# --- reading -------------------------------------------------------------------------------------------------------


def read_roster(
    path: str | Path,
    catalog: Catalog,
    *,
    mapping_file: str | Path | MappingFile | None = None,
    encoding: str | None = None,
) -> tuple[Table, Mapping]:
    """Read the file and find its mapping (`RosterError`, `MappingError` with one clear line)."""
    file = load_file(mapping_file, catalog) if isinstance(mapping_file, str | Path) else mapping_file
    table = read(
        path,
        sheet=file.sheet if file else None,
        header_row=file.header_row if file else None,
        encoding=encoding,
    )
    return table, resolve(table, catalog, file)


# --- planning ------------------------------------------------------------------------------------------------------


def _verdict(doc: RequestDoc, catalog: Catalog) -> tuple[Issue, ...]:
    from app.forms import verdict

    return verdict(doc, catalog).issues


@dataclass
class _Context:
    catalog: Catalog
    table: Table
    mapping: Mapping
    default_form: FormSpec | None
    profile: dict[str, str]
    matches: dict[str, RefMatch]
    store: Store | None
    constants: dict[str, Any]
    # (column, field) -> the forms without that field; form -> how a row of it is read; cells read, per field
    absent: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    layouts: dict[str, _Layout] = field(default_factory=dict)
    parsed: dict[int, dict[tuple[type, Any], values.Parsed]] = field(default_factory=dict)
    given_columns: dict[str, int | None] = field(default_factory=dict)  # AGREEMENT, KIND -> its column

    def column_of(self, target: str) -> int | None:
        if target not in self.given_columns:
            self.given_columns[target] = self.mapping.column_of(target)
        return self.given_columns[target]

    def layout(self, spec: FormSpec) -> _Layout:
        """How a row for `spec` is read, worked out once per form and import: the constants as read for its
        fields, each mapped column's field (None where the form has none), and the profile's answers."""
        found = self.layouts.get(spec.id)
        if found is not None:
            return found
        constants: dict[str, Any] = {}
        for target, constant in self.constants.items():
            f = _field(spec, target) if target not in (AGREEMENT, KIND) else None
            if f is not None:
                parsed = self.parse(f, constant)
                if parsed.value is not None:
                    constants[f.id] = parsed.value
        columns = []
        for column, target in self.mapping.columns.items():
            if target not in (AGREEMENT, KIND):
                f = _field(spec, target)
                memo = self.parsed_by(f) if f is not None else None
                columns.append((column, self.table.column_name(column), target, f, memo))
        base = {k: v for k, v in self.profile.items() if spec.has_field(k)}
        if spec.has_field("host.country"):
            base["host.country"] = spec.agreement.country
        found = self.layouts[spec.id] = _Layout(spec.id, constants, columns, base)
        return found

    def parsed_by(self, f: FieldSpec) -> dict[tuple[type, Any], values.Parsed]:
        memo = self.parsed.get(id(f))
        if memo is None:
            memo = self.parsed[id(f)] = {}
        return memo

    def parse(self, f: FieldSpec, cell: Any) -> values.Parsed:
        """`values.parse`, remembered for this import (rosters repeat countries, dates, yes/no...)."""
        memo = self.parsed_by(f)
        key = (type(cell), cell)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = values.parse(f, cell, date_order=self.mapping.date_order)
        return hit


@dataclass(frozen=True)
class _Layout:
    form: str
    constants: dict[str, Any]  # field id -> the constant's value, as read for this form
    # (column, its name, target, the form's field and the cells read for it; None where the form has none)
    columns: list[tuple[int, str, str, FieldSpec | None, dict[tuple[type, Any], values.Parsed] | None]]
    base: dict[str, Any]  # the employer profile's answers the form has, and the host country


def _form_for(ctx: _Context, cells: list[Any]) -> tuple[FormSpec | None, str]:
    """The row's form, or None and the reason it has none."""
    catalog = ctx.catalog

    def given(target: str) -> str:
        column = ctx.column_of(target)
        text = values.as_text(cells[column]) if column is not None else ""
        return text or values.as_text(ctx.constants.get(target))

    agreement_text, kind_text = given(AGREEMENT), given(KIND)
    if agreement_text:
        agreement = values.agreement_id(agreement_text, catalog)
        if agreement is None:
            return None, f"{agreement_text!r} is not a country with which the U.S. has an agreement"
    elif ctx.default_form is not None:
        agreement = ctx.default_form.agreement.id
    else:
        return None, "no agreement: the host country is empty"
    if kind_text:
        kind = values.kind_id(kind_text, catalog)
        if kind is None:
            return None, f"{kind_text!r} is not a kind of request (employee or self-employed)"
    else:
        kind = ctx.default_form.kind if ctx.default_form is not None else DEFAULT_KIND
    spec = catalog.forms.get(f"{agreement}-{kind}")
    if spec is not None:
        return spec, ""
    named = catalog.agreements[agreement]
    if not named.in_force_now:
        return None, f"the agreement with {named.name} is not in force, so SSA issues no certificate under it"
    label = next((f.kind_label for f in catalog.forms.values() if f.kind == kind), kind).lower()
    return None, f"the agreement with {named.name} has no request for: {label}"


def _field(spec: FormSpec, target: str) -> FieldSpec | None:
    if spec.has_field(target):
        return spec.field(target)
    other = FALLBACKS.get(target)
    return spec.field(other) if other and spec.has_field(other) else None


def _answers(ctx: _Context, layout: _Layout, cells: list[Any], problems: list[CellProblem]) -> dict[str, Any]:
    """The roster's answers for one row (constants, then non-empty cells), each read for its field."""
    answers = dict(layout.constants)
    for column, name, target, f, memo in layout.columns:
        cell = cells[column]
        if cell is None:
            continue
        # a column for some forms only (Germany's previous postings): noted once, not per row
        if f is None or memo is None:
            ctx.absent.setdefault((name, target), set()).add(layout.form)
            continue
        parsed = memo.get((type(cell), cell)) or ctx.parse(f, cell)  # `ctx.parse`, its memo read here
        if parsed.problem:
            problems.append(CellProblem(name, f.id, parsed.problem))
        if parsed.value is not None and parsed.value != "":
            answers[f.id] = parsed.value
    return answers


def _plan_row(ctx: _Context, number: int, cells: list[Any], seen: dict[str, int]) -> RowPlan:
    spec, reason = _form_for(ctx, cells)
    if spec is None:
        return RowPlan(number, Action.SKIP, reason)
    problems: list[CellProblem] = []
    layout = ctx.layout(spec)
    answers = _answers(ctx, layout, cells, problems)
    ref = answers.get(EXTERNAL_REF) if isinstance(answers.get(EXTERNAL_REF), str) else None
    if ref:
        if ref in seen:
            return RowPlan(
                number, Action.SKIP, f"the same assignment reference as row {seen[ref]}", spec.id, ref
            )
        seen[ref] = number
    match = ctx.matches.get(ref) if ref else None
    if match is None:
        doc = RequestDoc(form=spec.id, edition=spec.edition, answers={**layout.base, **answers})
        issues = _verdict(doc, ctx.catalog)
        return _with_verdict(
            RowPlan(number, Action.CREATE, "", spec.id, ref, doc, None, problems=problems), issues
        )
    assert ctx.store is not None
    existing = ctx.store.get(match.request_id)
    merged = {**existing.answers, **answers}
    if match.form != spec.id:
        return RowPlan(
            number,
            Action.SKIP,
            f"request {match.request_id[:8]} with this reference is for form {match.form}, the roster now says "
            f"{spec.id}; change or delete that request by hand",
            spec.id,
            ref,
            problems=problems,
        )
    if merged == existing.answers:
        return RowPlan(
            number,
            Action.UNCHANGED,
            "",
            spec.id,
            ref,
            existing,
            match.revision,
            errors=match.error_count,
            warnings=match.warning_count,
            problems=problems,
        )
    if match.state not in UPDATABLE:
        return RowPlan(
            number,
            Action.SKIP,
            f"request {match.request_id[:8]} is {match.state.label.lower()}; a request that has left the drafts "
            "is never changed by an import",
            spec.id,
            ref,
            problems=problems,
        )
    doc = RequestDoc(existing.form, existing.edition, merged, existing.id, existing.created, existing.updated)
    doc.state = existing.state
    issues = _verdict(doc, ctx.catalog)
    return _with_verdict(
        RowPlan(number, Action.UPDATE, "", spec.id, ref, doc, match.revision, problems=problems), issues
    )


def _with_verdict(row: RowPlan, issues: tuple[Issue, ...]) -> RowPlan:
    row.issues = issues
    row.errors = sum(1 for i in issues if i.is_error)
    row.warnings = len(issues) - row.errors
    return row


def _check_constants(mapping: Mapping, catalog: Catalog) -> dict[str, Any]:
    from app.roster.mapping import targets

    known = targets(catalog)
    for target, value in mapping.constants.items():
        f = known.get(target)
        if f is not None and values.parse(f, value, date_order=mapping.date_order).problem:
            raise MappingError(f"The constant for {target} {values.parse(f, value).problem}.")
    return mapping.constants


def make_plan(
    store: Store | None,
    table: Table,
    mapping: Mapping,
    catalog: Catalog,
    *,
    form: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportPlan:
    """What importing `table` would do, row by row, with each draft's verdict; nothing is written.

    `store` None plans without matching (every row new): the dialog's preview before the store is asked.
    `limit` plans only the first rows (the preview). `cancel` stops between rows (`ImportCancelled`)."""
    default_form = catalog.form(form) if form else None
    if default_form is None and not mapping.maps(AGREEMENT):
        raise MappingError(
            "No column gives the host country (the agreement), and no form was chosen.",
            "Name the form with --form (e.g. de-employee), or map a column to request.agreement.",
        )
    notes = [*table.notes, *mapping.notes]
    if not mapping.maps(EXTERNAL_REF):
        notes.append(
            "No column gives the assignment reference (request.external_ref): importing this roster again "
            "would make every request again."
        )
    if default_form is None and not mapping.maps(KIND):
        notes.append("No column gives the kind of request: every row is an employee sent abroad.")
    rows = table.rows[:limit] if limit is not None else table.rows
    mapped_ref = mapping.column_of(EXTERNAL_REF)
    refs = [values.as_text(cells[mapped_ref]) for _n, cells in rows] if mapped_ref is not None else []
    ctx = _Context(
        catalog,
        table,
        mapping,
        default_form,
        store.employer_profile() if store is not None else {},
        store.find_external_refs([r for r in refs if r]) if store is not None and refs else {},
        store,
        _check_constants(mapping, catalog),
    )
    planned: list[RowPlan] = []
    seen: dict[str, int] = {}
    for done, (number, cells) in enumerate(rows, 1):
        if cancel is not None and cancel.is_set():
            raise ImportCancelled()
        planned.append(_plan_row(ctx, number, cells, seen))
        if progress is not None:
            progress(done, len(rows))
    for (column, target), forms in ctx.absent.items():
        notes.append(
            f"Column {column!r} fills {target}, which form(s) {', '.join(sorted(forms))} do not have: its values "
            "were not imported on those rows."
        )
    return ImportPlan(table, mapping, planned, notes)


def apply_plan(store: Store, plan: ImportPlan) -> ImportResult:
    """Save every new and changed draft in ONE transaction (all or nothing), as one undoable batch."""
    from app.store.batches import BatchItem

    items = [
        BatchItem(r.doc, r.errors, r.warnings, r.base_revision) for r in plan.changes if r.doc is not None
    ]
    if not items:
        return ImportResult(plan, None)
    batch_id, _revisions = store.save_batch(items)
    return ImportResult(plan, batch_id)

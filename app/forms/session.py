"""The form session: the one place that answers what the rules say about a request being filled in.

The wizard, the command line, the send gate and the intake service all ask it the same questions: what is this
answer worth, which fields show, is this page complete, what is wrong with the whole request. It never imports
Qt. A change to one answer re-evaluates only what depends on it (the dependency graph is built once per form).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.forms.expr import Expr, as_date
from app.forms.model import FieldSpec, FieldType, FormSpec, Rule, Severity
from app.forms.validate import check_value, is_empty

OTHERS = "others"  # the name the rules read the worker's other requests by
PERIOD = ("period.start", "period.end")  # the kind's period of work abroad, as its definition computes it


def reads_others(rule: Rule) -> bool:
    """True for a rule across requests: it reads `others`, and runs only when they are known."""
    return OTHERS in rule.when.refs


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: where (`field`, e.g. `worker.ssn` or `family[1].birth_date`), what (`code`), how bad."""

    field: str
    code: str
    severity: Severity
    message: str
    source: str = ""  # for agreement rules: where the rule comes from
    flag: str = ""  # set when the rule rests on a fact that is not confirmed
    rule: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def base_field(self) -> str:
        """The top-level field the issue belongs to (`family` for `family[1].birth_date`)."""
        return self.field.split("[", 1)[0]

    def to_dict(self) -> dict[str, str]:
        out = {
            "field": self.field,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.source:
            out["source"] = self.source
        if self.flag:
            out["flag"] = self.flag
        return out


def required_message(f: FieldSpec) -> str:
    """What to do about a required field left empty, in a sentence that reads whatever the label is."""
    if f.type is FieldType.YESNO:
        return f"Answer Yes or No to “{f.label}”."
    if f.type is FieldType.GROUP:
        return f"{f.label}: add at least one row."
    return f"{f.label} is required."


@dataclass(frozen=True)
class _Graph:
    order: dict[str, int]  # field id -> position in the form
    cond_dependents: dict[str, frozenset[str]]  # field -> fields whose show/required read it
    rule_dependents: dict[str, tuple[Rule, ...]]  # field -> rules that read it
    rule_order: dict[str, int]


@cache
def _graph(spec: FormSpec) -> _Graph:
    fields = spec.fields()
    cond: dict[str, set[str]] = {}
    for f in fields:
        for e in _conditions(f):
            for name in e.refs:
                if not name.startswith(("agreement.", "row.")):
                    cond.setdefault(name, set()).add(f.id)
    rules: dict[str, list[Rule]] = {}
    period = spec.kind_info.period if spec.kind_info is not None else None
    period_refs = tuple(n for e in period or () for n in e.refs)
    for rule in spec.rules:
        computed = rule.template.refs if rule.template is not None else ()
        for name in dict.fromkeys((*rule.when.refs, *computed)):
            names = period_refs if name in PERIOD else (name,)  # a rule on the period reads what it reads
            for read in names:
                if not read.startswith("agreement."):
                    rules.setdefault(read, []).append(rule)
    return _Graph(
        order={f.id: i for i, f in enumerate(fields)},
        cond_dependents={k: frozenset(v) for k, v in cond.items()},
        rule_dependents={k: tuple(v) for k, v in rules.items()},
        rule_order={r.id: i for i, r in enumerate(spec.rules)},
    )


def _conditions(f: FieldSpec) -> Iterable[Expr]:
    for holder in (f, *f.columns):
        if isinstance(holder.required, Expr):
            yield holder.required
        if holder.show is not None:
            yield holder.show


class FormSession:
    """Answers about one request's answers against one form."""

    def __init__(
        self,
        spec: FormSpec,
        answers: Mapping[str, Any] | None = None,
        others: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        self.spec = spec
        self.answers: dict[str, Any] = dict(answers or {})
        # The other requests of the same worker (records, see `app.forms.others`), for the rules that read
        # `others`; None when they are not known: those rules then stay quiet.
        self.others = list(others) if others is not None else None
        self._graph = _graph(spec)
        self._visible: dict[str, bool] = {}
        self._field_issues: dict[str, list[Issue]] = {}
        self._rule_issues: dict[str, Issue | None] = {}
        self.revalidate()

    # ------------------------------------------------------------------------------------------ questions

    def value(self, field_id: str) -> Any:
        """The answer as the rules see it: None when the field is hidden or empty."""
        if not self.visible(field_id):
            return None
        v = self.answers.get(field_id)
        return None if is_empty(v) else v

    def visible(self, field_id: str) -> bool:
        cached = self._visible.get(field_id)
        if cached is None:
            f = self.spec.field(field_id)
            cached = f.show is None or f.show.truth(self._lookup)
            self._visible[field_id] = cached
        return cached

    def required(self, field_id: str) -> bool:
        f = self.spec.field(field_id)
        return self.visible(field_id) and self._is_required(f, None)

    def column_visible(self, group_id: str, row: Mapping[str, Any], column: str) -> bool:
        col = self.spec.field(group_id).column(column)
        return col is not None and (col.show is None or col.show.truth(self._row_lookup(row)))

    def column_required(self, group_id: str, row: Mapping[str, Any], column: str) -> bool:
        col = self.spec.field(group_id).column(column)
        return col is not None and self._is_required(col, row)

    def issues_for(self, field_id: str) -> list[Issue]:
        """Problems shown at one field: its own checks and the rules attached to it."""
        own = list(self._field_issues.get(field_id, ()))
        own.extend(i for i in self._rule_issues.values() if i is not None and i.field == field_id)
        return own

    def issues(self) -> list[Issue]:
        """Every problem of the request, in the order of the form."""
        order = self._graph.order
        out = [i for fid in order for i in self._field_issues.get(fid, ())]
        rule_issues = [i for i in self._rule_issues.values() if i is not None]
        rule_issues.sort(
            key=lambda i: (order.get(i.field, len(order)), self._graph.rule_order.get(i.rule, 0))
        )
        merged = sorted(out + rule_issues, key=lambda i: order.get(i.base_field, len(order)))
        return merged

    def errors(self) -> list[Issue]:
        return [i for i in self.issues() if i.is_error]

    def page_complete(self, section_id: str) -> bool:
        """True when no visible field of the page has an error (its own or a rule's)."""
        section = next(s for s in self.spec.sections if s.id == section_id)
        return not any(i.is_error for f in section.fields for i in self.issues_for(f.id))

    def period(self) -> tuple[Any, Any]:
        """The first and the last day of work abroad the request covers (its kind's `[period]`), or Nones."""
        kind = self.spec.kind_info
        if kind is None or kind.period is None:
            return None, None
        start, end = kind.period
        return as_date(start.evaluate(self._lookup)), as_date(end.evaluate(self._lookup))

    def visible_fields(self, section_id: str) -> list[FieldSpec]:
        section = next(s for s in self.spec.sections if s.id == section_id)
        return [f for f in section.fields if self.visible(f.id)]

    def submission_answers(self) -> dict[str, Any]:
        """The answers that count: visible fields only, empty ones left out."""
        out: dict[str, Any] = {}
        for f in self.spec.fields():
            v = self.value(f.id)
            if v is None:
                continue
            if f.is_group and isinstance(v, list):
                v = [
                    {
                        c.id: row[c.id]
                        for c in f.columns
                        if isinstance(row, Mapping)
                        and not is_empty(row.get(c.id))
                        and self.column_visible(f.id, row, c.id)
                    }
                    for row in v
                ]
            out[f.id] = v
        return out

    # ------------------------------------------------------------------------------------------ changes

    def answer(self, field_id: str, value: Any) -> set[str]:
        """Change one answer; returns the ids of fields whose visibility or problems may have changed."""
        if is_empty(value):
            self.answers.pop(field_id, None)
        else:
            self.answers[field_id] = value
        affected = self._closure(field_id)
        for fid in affected:
            self._visible.pop(fid, None)
        for fid in affected:
            self._check_field(fid)
        touched_rules: dict[str, Rule] = {}
        for fid in affected:
            for rule in self._graph.rule_dependents.get(fid, ()):
                touched_rules[rule.id] = rule
        for rule in touched_rules.values():
            self._run_rule(rule)
            affected.add(rule.field)
        return affected

    def revalidate(self) -> None:
        self._visible.clear()
        for f in self.spec.fields():
            self._check_field(f.id)
        for rule in self.spec.rules:
            self._run_rule(rule)

    # ------------------------------------------------------------------------------------------ internals

    def _closure(self, field_id: str) -> set[str]:
        out = {field_id}
        todo = [field_id]
        while todo:
            for dep in self._graph.cond_dependents.get(todo.pop(), ()):
                if dep not in out:
                    out.add(dep)
                    todo.append(dep)
        return out

    def _lookup(self, name: str) -> Any:
        if name.startswith("agreement."):
            return self.spec.agreement.values.get(name[10:])
        if name == OTHERS:
            return self.others
        if name in PERIOD:
            return self.period()[PERIOD.index(name)]
        return self.value(name)

    def _row_lookup(self, row: Mapping[str, Any]) -> Any:
        def lookup(name: str) -> Any:
            if name.startswith("row."):
                v = row.get(name[4:])
                return None if is_empty(v) else v
            return self._lookup(name)

        return lookup

    def _is_required(self, f: FieldSpec, row: Mapping[str, Any] | None) -> bool:
        if isinstance(f.required, bool):
            return f.required
        return f.required.truth(self._lookup if row is None else self._row_lookup(row))

    def _check_field(self, field_id: str) -> None:
        f = self.spec.field(field_id)
        issues: list[Issue] = []
        if self.visible(field_id):
            raw = self.answers.get(field_id)
            if is_empty(raw):
                if self._is_required(f, None):
                    issues.append(Issue(field_id, "required", Severity.ERROR, required_message(f)))
            else:
                problem = check_value(f, raw)
                if problem is not None:
                    issues.append(Issue(field_id, problem.code, problem.severity, problem.message))
                elif f.type is FieldType.GROUP and isinstance(raw, list):
                    issues.extend(self._check_rows(f, raw))
        if issues:
            self._field_issues[field_id] = issues
        else:
            self._field_issues.pop(field_id, None)

    def _check_rows(self, group: FieldSpec, rows: list[dict[str, Any]]) -> list[Issue]:
        out: list[Issue] = []
        for i, row in enumerate(rows):
            lookup = self._row_lookup(row)
            for col in group.columns:
                if col.show is not None and not col.show.truth(lookup):
                    continue
                where = f"{group.id}[{i}].{col.id}"
                value = row.get(col.id)
                if is_empty(value):
                    if self._is_required(col, row):
                        msg = f"{group.label}, row {i + 1}: {required_message(col)}"
                        out.append(Issue(where, "required", Severity.ERROR, msg))
                    continue
                problem = check_value(col, value)
                if problem is not None:
                    msg = f"{group.label}, row {i + 1}: {problem.message}"
                    out.append(Issue(where, problem.code, problem.severity, msg))
        return out

    def _run_rule(self, rule: Rule) -> None:
        fired = (self.others is not None or OTHERS not in rule.when.refs) and rule.when.truth(self._lookup)
        self._rule_issues[rule.id] = (
            Issue(
                rule.field,
                rule.code,
                rule.severity,
                rule.text(self._lookup),
                source=rule.sources[0] if rule.sources else "",
                flag=rule.flag,
                rule=rule.id,
            )
            if fired
            else None
        )

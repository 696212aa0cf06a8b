"""Checking a built form's references and conditions: every name in every expression must be a field of the form,
`agreement.X`, or `row.X` inside a group; the show/required conditions must not depend on each other in a
circle (the dependency graph is checked for cycles)."""

from __future__ import annotations

from collections.abc import Mapping

from app.forms import expr
from app.forms.errors import DefCode, did_you_mean
from app.forms.model import FieldSpec, FormSpec
from app.forms.reader import FileReader, Table


def check_references(
    spec: FormSpec,
    r: FileReader,
    sections: Mapping[str, tuple[Table, FileReader]],
    kind_reader: FileReader,
    kind_rule_ids: frozenset[str],
) -> None:
    """Every name in every expression must be a field of this form, `agreement.X`, or `row.X` in a group."""
    fields = {f.id: f for f in spec.fields()}
    values = spec.agreement.values
    period = spec.kind_info.period if spec.kind_info is not None else None

    def known(name: str, group: FieldSpec | None) -> str | None:
        if name == "others":  # the worker's other requests (rules across requests; see app.forms.others)
            return None
        if name in ("period.start", "period.end"):  # the kind's period of work abroad
            return None if period is not None else "this kind of request declares no [period]"
        if name.startswith("agreement."):
            key = name.removeprefix("agreement.")
            return None if key in values else did_you_mean(key, values) or "no such agreement value"
        if name.startswith("row."):
            if group is None:
                return "'row.' names a column and can only be used inside a group"
            col = name.removeprefix("row.")
            return (
                None
                if group.column(col)
                else did_you_mean(col, [c.id for c in group.columns]) or "no such column"
            )
        return None if name in fields else did_you_mean(name, fields) or "no such field in this form"

    def where(field_id: str) -> FileReader:
        try:
            return sections[spec.section_of(field_id).id][1]
        except KeyError:
            return r

    graph: dict[str, set[str]] = {}
    for f in spec.fields():
        holders = [(f, None)] + [(c, f) for c in f.columns]
        for holder, group in holders:
            for what in ("required", "show"):
                e = getattr(holder, what)
                if not isinstance(e, expr.Expr):
                    continue
                for name in e.refs:
                    problem = known(name, group)
                    if problem is not None:
                        label = f"{f.id}.{holder.id}" if group else f.id
                        where(f.id).error(
                            DefCode.UNKNOWN_REFERENCE,
                            f"field {label}: {what}",
                            f"{name!r} in {e.source!r} is unknown to form {spec.id}",
                            problem,
                            near=(name, f'"{holder.id}"'),
                        )
                    elif name in fields and group is None:
                        graph.setdefault(f.id, set()).add(name)
    for which, e in zip(("start", "end"), period or (), strict=False):
        for name in e.refs:
            problem = None if name.startswith("agreement.") else known(name, None)
            if problem is not None or name.startswith("period.") or name == "others":
                kind_reader.error(
                    DefCode.UNKNOWN_REFERENCE,
                    f"period.{which}",
                    f"{name!r} is unknown to form {spec.id}",
                    problem or "a period reads the request's own answers",
                    near=(name,),
                )
    for rule in spec.rules:
        for name in rule.when.refs:
            problem = known(name, None)
            if problem is not None:
                reader = kind_reader if rule.id in kind_rule_ids else r
                reader.error(
                    DefCode.UNKNOWN_REFERENCE,
                    f"rule {rule.id}: when",
                    f"{name!r} is unknown to form {spec.id}",
                    problem,
                    near=(name, f'"{rule.id}"'),
                )
    cycle = _find_cycle(graph)
    if cycle:
        first = cycle[0]
        where(first).error(
            DefCode.CYCLE,
            f"field {first}",
            "the conditions of these fields depend on each other in a circle: " + " -> ".join(cycle),
            "break the circle: a field's show/required condition cannot depend on itself",
            near=(f'"{first}"',),
        )


def _find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    white, grey, black = 0, 1, 2
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        color[node] = grey
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            c = color.get(nxt, white)
            if c == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if c == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = black
        return []

    for node in sorted(graph):
        if color.get(node, white) == white:
            found = visit(node)
            if found:
                return found
    return []

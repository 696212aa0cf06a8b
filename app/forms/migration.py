"""Edition migrations: how a request written in an earlier edition of a form carries over to the current one.

A definition declares its steps in `[[migrations]]` tables: a shared section for its own fields, an agreement
for one of its forms (`[[forms.employee.migrations]]`); see docs/definitions.md. `migrate` applies, in edition
order, every step newer than the request's edition and says what it did in a `MigrationReport`. This module is
the one place where answers move between editions: the verdict migrates in memory before checking an older
request, and `app.updates` migrates the stored drafts (and keeps the report) when new editions are installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from app.forms.editions import edition_date, is_newer
from app.forms.errors import DefCode, did_you_mean
from app.forms.model import EditionStep, FieldSpec, FieldType, FormSpec
from app.forms.reader import FileReader, Table, join
from app.request import RequestDoc

STEP_KEYS = ("edition", "cutoff", "renamed", "values", "removed", "added", "note")


# --- reading ------------------------------------------------------------------------------------------------------


def read_steps(
    r: FileReader, table: Table, path: str, fields: Mapping[str, FieldSpec], file_edition: str
) -> list[EditionStep]:
    """The `migrations` array of `table`, checked against the fields of the form being built."""
    steps: list[EditionStep] = []
    for i, t in enumerate(r.get_tables(table, "migrations", path)):
        step = _read_step(r, t, join(join(path, "migrations"), i), fields, file_edition)
        if step is not None:
            steps.append(step)
    return steps


def _read_step(
    r: FileReader, t: Table, path: str, fields: Mapping[str, FieldSpec], file_edition: str
) -> EditionStep | None:
    if not r.keys(t, path, STEP_KEYS, ("edition",)):
        return None
    raw = t.get("edition")
    edition = raw.isoformat() if isinstance(raw, dt.date) else r.get_str(t, "edition", path)
    if edition_date(edition) is None:
        r.error(DefCode.BAD_VALUE, join(path, "edition"), f"must be a date like 2027-01-15, not {edition!r}")
        return None
    if file_edition and is_newer(edition, file_edition):
        r.error(
            DefCode.BAD_VALUE,
            join(path, "edition"),
            f"a migration to edition {edition}, but this file is edition {file_edition}",
            "raise the file's edition to the step's",
        )

    def must_be_field(fid: str, where: str) -> bool:
        if fid in fields:
            return True
        r.error(
            DefCode.UNKNOWN_REFERENCE,
            where,
            f"no field {fid!r} in this form",
            did_you_mean(fid, fields),
            near=(f'"{fid}"',),
        )
        return False

    def must_be_gone(fid: str, where: str) -> bool:
        if fid not in fields:
            return True
        r.error(
            DefCode.BAD_VALUE,
            where,
            f"{fid!r} is still a field of this form",
            "only a field that is no longer on the form can be renamed or removed",
        )
        return False

    renamed: dict[str, str] = {}
    for old, new in r.get_table(t, "renamed", path).items():
        where = join(join(path, "renamed"), old)
        if not isinstance(new, str):
            r.error(DefCode.BAD_VALUE, where, "must be the new field id (text)")
        elif must_be_gone(old, where) and must_be_field(new, where):
            renamed[old] = new
    values: dict[str, Mapping[str, str]] = {}
    for fid, mapping in r.get_table(t, "values", path).items():
        where = join(join(path, "values"), fid)
        if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for v in mapping.values()):
            r.error(DefCode.BAD_VALUE, where, 'must be a table of "old value" = "new value"')
            continue
        if not must_be_field(fid, where):
            continue
        spec = fields[fid]
        if spec.type is FieldType.CHOICE:
            allowed = [c.value for c in spec.choices]
            for old, new in mapping.items():
                if new not in allowed:
                    r.error(
                        DefCode.BAD_VALUE,
                        join(where, old),
                        f"{new!r} is not a choice of {fid}",
                        did_you_mean(new, allowed) or f"choices: {', '.join(allowed)}",
                    )
        values[fid] = MappingProxyType(dict(mapping))
    removed = [
        fid
        for i, fid in enumerate(r.get_str_list(t, "removed", path))
        if must_be_gone(fid, join(join(path, "removed"), i))
    ]
    added = [
        fid
        for i, fid in enumerate(r.get_str_list(t, "added", path))
        if must_be_field(fid, join(join(path, "added"), i))
    ]
    return EditionStep(
        edition=edition,
        renamed=MappingProxyType(renamed),
        values=MappingProxyType(values),
        removed=tuple(removed),
        added=tuple(added),
        cutoff=r.get_date(t, "cutoff", path),
        note=r.get_str(t, "note", path),
    )


def ordered(steps: list[EditionStep]) -> tuple[EditionStep, ...]:
    return tuple(sorted(steps, key=lambda s: s.edition))


# --- applying -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationReport:
    """What carrying a request over to a new edition did. `kept` holds the answers of fields no longer on the form
    (shown read-only, so nothing typed is lost); `missing` is filled in by the re-check after migration."""

    form: str
    from_edition: str
    to_edition: str
    renamed: tuple[tuple[str, str], ...] = ()  # (old field, new field) whose answer moved
    mapped: tuple[tuple[str, str, str], ...] = ()  # (field, old value, new value)
    kept: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # field -> answer as it was
    added: tuple[str, ...] = ()  # fields new in these editions
    missing: tuple[str, ...] = ()  # fields that must now be filled in
    notes: tuple[str, ...] = ()  # what the editions say about themselves, and what happened to the request
    labels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )  # field -> label, as it was

    @property
    def changed(self) -> bool:
        return bool(self.renamed or self.mapped or self.kept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "from_edition": self.from_edition,
            "to_edition": self.to_edition,
            "renamed": [{"from": a, "to": b} for a, b in self.renamed],
            "mapped": [{"field": f, "from": a, "to": b} for f, a, b in self.mapped],
            "kept": dict(self.kept),
            "added": list(self.added),
            "missing": list(self.missing),
            "notes": list(self.notes),
            "labels": dict(self.labels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MigrationReport:
        return cls(
            form=str(data.get("form", "")),
            from_edition=str(data.get("from_edition", "")),
            to_edition=str(data.get("to_edition", "")),
            renamed=tuple((str(x["from"]), str(x["to"])) for x in data.get("renamed", ())),
            mapped=tuple((str(x["field"]), str(x["from"]), str(x["to"])) for x in data.get("mapped", ())),
            kept=MappingProxyType(dict(data.get("kept", {}))),
            added=tuple(str(x) for x in data.get("added", ())),
            missing=tuple(str(x) for x in data.get("missing", ())),
            notes=tuple(str(x) for x in data.get("notes", ())),
            labels=MappingProxyType({str(k): str(v) for k, v in dict(data.get("labels", {})).items()}),
        )

    def lines(self) -> list[str]:
        """The report as sentences for a coordinator, naming fields by their labels."""

        def name(fid: str) -> str:
            label = self.labels.get(fid)
            return f"“{label}”" if label else fid

        out = [f"Carried over from edition {self.from_edition or '(none)'} to edition {self.to_edition}."]
        out += [f"Renamed: {name(a)} is now {name(b)} (the answer moved with it)." for a, b in self.renamed]
        out += [f"Changed value: {name(f)} '{a}' is now '{b}'." for f, a, b in self.mapped]
        out += [
            f"Kept as a note (no longer on the form): {name(fid)}: {_text(v)}" for fid, v in self.kept.items()
        ]
        out += [f"New in this edition: {name(fid)}." for fid in self.added]
        out += [f"Now missing: {name(fid)}." for fid in self.missing]
        out += list(self.notes)
        return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return f"{len(value)} row(s)"
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def steps_for(spec: FormSpec, edition: str) -> tuple[EditionStep, ...]:
    """The steps that lead a request in `edition` to the spec's edition (all of them when the edition is not a
    date: renames only move answers that are there, so applying them again does no harm)."""
    if edition_date(edition) is None:
        return spec.migrations
    return tuple(s for s in spec.migrations if is_newer(s.edition, edition))


def labels(fields: Iterable[str], *specs: FormSpec | None) -> MappingProxyType[str, str]:
    """The label of each field, from the first spec that has it (the new edition, then the one written in)."""
    out: dict[str, str] = {}
    for fid in fields:
        for spec in specs:
            if spec is not None and spec.has_field(fid):
                out[fid] = spec.field(fid).label
                break
    return MappingProxyType(out)


def migrate_report(
    spec: FormSpec, doc: RequestDoc, written_in: FormSpec | None = None
) -> tuple[RequestDoc, MigrationReport]:
    """`doc` carried over to `spec`'s edition (a new document, in that edition), and what was done; `written_in`,
    the edition it was written in when still known, names the fields that are gone."""
    answers = dict(doc.answers)
    renamed: list[tuple[str, str]] = []
    mapped: list[tuple[str, str, str]] = []
    kept: dict[str, Any] = {}
    added: list[str] = []
    notes: list[str] = []
    for step in steps_for(spec, doc.edition):
        for old, new in step.renamed.items():
            if old not in answers:
                continue
            value = answers.pop(old)
            if _empty(answers.get(new)):
                answers[new] = value
                renamed.append((old, new))
            elif not _empty(value):
                kept[old] = value  # both filled in: the new field's answer stays, the old one is kept
        for fid, mapping in step.values.items():
            value = answers.get(fid)
            if isinstance(value, str) and value in mapping:
                answers[fid] = mapping[value]
                mapped.append((fid, value, mapping[value]))
        for fid in step.removed:
            if fid in answers:
                value = answers.pop(fid)
                if not _empty(value):
                    kept[fid] = value
        added += [fid for fid in step.added if fid not in added]
        if step.note:
            notes.append(step.note)
    migrated = replace(doc, edition=spec.edition, answers=answers)
    report = MigrationReport(
        form=spec.id,
        from_edition=doc.edition,
        to_edition=spec.edition,
        renamed=tuple(renamed),
        mapped=tuple(mapped),
        kept=MappingProxyType(kept),
        added=tuple(added),
        notes=tuple(notes),
        labels=labels([*doc.answers, *answers, *added], spec, written_in),
    )
    return migrated, report


def migrate(spec: FormSpec, doc: RequestDoc) -> RequestDoc:
    """`doc`'s answers carried over to `spec`'s edition; the document keeps the edition it was written in."""
    if not spec.migrations or doc.edition == spec.edition:
        return doc
    migrated, _report = migrate_report(spec, doc)
    return replace(migrated, edition=doc.edition)


def cutoff_for(spec: FormSpec, edition: str) -> dt.date | None:
    """The first day a request in `edition` is refused: the earliest cutoff of the steps it has not taken."""
    if edition_date(edition) is None:
        return None
    cutoffs = [s.cutoff for s in steps_for(spec, edition) if s.cutoff is not None]
    return min(cutoffs) if cutoffs else None

"""Loading `forms/`: shared sections, request kinds and agreements, combined into one FormSpec per form.

Reading is apart from checking: every file is read, every problem is collected, and only a clean set of
definitions becomes a `Catalog`. Layout of the folder (see docs/definitions.md):

    forms/sections/<section>.toml     one page of fields, shared by every agreement
    forms/kinds/<kind>.toml           a request kind: its pages and the rules common to every agreement
    forms/agreements/<id>.toml        an agreement: facts, sources, paper channel, and per-kind additions
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.forms import expr
from app.forms.errors import DefCode, DefinitionError, DefinitionsInvalid, did_you_mean
from app.forms.model import (
    Agreement,
    Choice,
    Fact,
    FactStatus,
    FieldSpec,
    FieldType,
    FormSpec,
    PaperChannel,
    Rule,
    Section,
    Severity,
)
from app.forms.reader import FileReader, Table, join

FIELD_KEYS = (
    "id",
    "type",
    "label",
    "help",
    "required",
    "show",
    "max_length",
    "choices",
    "format",
    "columns",
    "max_rows",
    "placeholder",
)
OVERRIDE_KEYS = ("label", "help", "required", "show", "max_length", "format", "max_rows", "source", "fact")
RULE_KEYS = ("id", "code", "severity", "field", "when", "message", "sources", "fact")
AGREEMENT_KEYS = (
    "id",
    "name",
    "country",
    "region",
    "status",
    "in_force",
    "edition",
    "detachment_limit_months",
    "note",
    "name_in_text",
    "kinds",
    "values",
    "facts",
    "paper",
    "forms",
)
FORM_KEYS = ("sections_add", "sections_remove", "fields", "rules", "drop_rules", "renamed", "title")
FACT_KEYS = ("title", "text", "status", "sources")
PAPER_KEYS = ("office", "address", "fax", "phone", "sources", "note")
# What `agreement.X` means in every form; an agreement's `[values]` may add more.
BASE_VALUES = (
    "id",
    "name",
    "country",
    "in_force",
    "detachment_limit_months",
    "extension_limit_months",
    "se_transfer_limit_months",
    "successive_postings_since",
    "se_rule",
)
_FACT_ID = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATE = re.compile(r"\{agreement\.([A-Za-z_][A-Za-z0-9_]*)\}")


class UnknownForm(LookupError):
    """A form id that is not offered; the message says why in a coordinator's words."""


@dataclass(frozen=True)
class Catalog:
    agreements: Mapping[str, Agreement]  # every agreement file, in force or not
    forms: Mapping[str, FormSpec]  # only the forms of agreements in force
    root: Path

    def form(self, form_id: str) -> FormSpec:
        spec = self.forms.get(form_id)
        if spec is not None:
            return spec
        agreement = self.agreements.get(form_id.split("-", 1)[0])
        if agreement is not None and not agreement.in_force_now:
            raise UnknownForm(
                f"the agreement with {agreement.name} is signed but not in force, so SSA issues no "
                f"certificate under it ({form_id!r} is not offered)"
            )
        hint = did_you_mean(form_id, self.forms)
        raise UnknownForm(f"unknown form {form_id!r}" + (f"; {hint}" if hint else ""))

    def in_force(self) -> list[Agreement]:
        return sorted((a for a in self.agreements.values() if a.in_force_now), key=lambda a: a.name)


@dataclass
class _KindDef:
    id: str
    title: str
    edition: str
    sections: tuple[str, ...]
    rules: list[tuple[Table, str]]  # raw rule tables with their key path
    reader: FileReader


def load(root: Path | None = None) -> Catalog:
    """Every definition under `root`, or DefinitionsInvalid with every problem found."""
    catalog, errors = _load(root)
    if errors or catalog is None:
        raise DefinitionsInvalid(errors)
    return catalog


def check(root: Path | None = None) -> list[DefinitionError]:
    return _load(root)[1]


@cache
def default_catalog() -> Catalog:
    """The shipped definitions, loaded once per process."""
    return load()


def _load(root: Path | None) -> tuple[Catalog | None, list[DefinitionError]]:
    from app.paths import forms_dir

    root = Path(root) if root is not None else forms_dir()
    errors: list[DefinitionError] = []
    if not root.is_dir():
        errors.append(DefinitionError(DefCode.UNREADABLE, str(root), "", "no such folder of definitions"))
        return None, errors
    sections = _read_sections(root, errors)
    kinds = _read_kinds(root, sections, errors)
    default_paper = _read_default_paper(root, errors)
    # Forms are built only from sound shared files: otherwise every form would repeat their problems.
    shared_ok = not errors
    agreements: dict[str, Agreement] = {}
    forms: dict[str, FormSpec] = {}
    for path in sorted((root / "agreements").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            continue
        result = _read_agreement(r, sections if shared_ok else {}, kinds if shared_ok else {}, default_paper)
        if result is None:
            continue
        agreement, agreement_forms = result
        if agreement.id in agreements:
            r.error(DefCode.DUPLICATE_ID, "id", f"agreement {agreement.id!r} is defined twice")
            continue
        agreements[agreement.id] = agreement
        for spec in agreement_forms:
            forms[spec.id] = spec
    if not agreements and not errors:
        errors.append(
            DefinitionError(DefCode.MISSING_KEY, "agreements/", "", "no agreement definitions found")
        )
    catalog = Catalog(MappingProxyType(agreements), MappingProxyType(forms), root)
    # A shared file's problem is found once per form built from it: report it once.
    return catalog, list(dict.fromkeys(errors))


# ------------------------------------------------------------------------------------------------ sections


def _read_sections(root: Path, errors: list[DefinitionError]) -> dict[str, tuple[Table, FileReader]]:
    out: dict[str, tuple[Table, FileReader]] = {}
    for path in sorted((root / "sections").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            out[path.stem] = ({}, r)  # unreadable: known by its file name, so nothing else reports it missing
            continue
        data = r.data
        if not r.keys(
            data, "", ("id", "title", "help", "edition", "fields"), ("id", "title", "help", "fields")
        ):
            continue
        sid = r.get_str(data, "id", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", sid):
            r.error(DefCode.BAD_ID, "id", f"section id {sid!r} must be lower-case letters, digits and _")
            continue
        if sid in out:
            r.error(DefCode.DUPLICATE_ID, "id", f"section {sid!r} is defined twice")
            continue
        out[sid] = (data, r)
    return out


def _read_kinds(
    root: Path, sections: Mapping[str, tuple[Table, FileReader]], errors: list[DefinitionError]
) -> dict[str, _KindDef]:
    out: dict[str, _KindDef] = {}
    for path in sorted((root / "kinds").glob("*.toml")):
        r = FileReader(path, root, errors)
        if r.data is None:
            continue
        data = r.data
        if not r.keys(data, "", ("id", "title", "edition", "sections", "rules"), ("id", "title", "sections")):
            continue
        kid = r.get_str(data, "id", "")
        names = r.get_str_list(data, "sections", "")
        for i, name in enumerate(names):
            if name not in sections:
                r.error(
                    DefCode.UNKNOWN_SECTION,
                    join("sections", i),
                    f"no section {name!r}",
                    did_you_mean(name, sections),
                    near=(f'"{name}"',),
                )
        rules = [(t, join("rules", i)) for i, t in enumerate(r.get_tables(data, "rules", ""))]
        out[kid] = _KindDef(kid, r.get_str(data, "title", ""), _edition(data), names, rules, r)
    return out


def _edition(data: Table) -> str:
    value = data.get("edition", "")
    return str(value)


# ------------------------------------------------------------------------------------------------ agreements


def _read_default_paper(root: Path, errors: list[DefinitionError]) -> PaperChannel | None:
    """`forms/paper.toml`: where paper requests go unless an agreement names another channel."""
    path = root / "paper.toml"
    if not path.exists():
        return None
    r = FileReader(path, root, errors)
    return _read_paper(r, r.data, "") if r.data is not None else None


def _read_paper(r: FileReader, table: Table, path: str) -> PaperChannel:
    r.keys(table, path, PAPER_KEYS, ("office", "address", "fax", "sources"))
    return PaperChannel(
        office=r.get_str(table, "office", path),
        address=r.get_str_list(table, "address", path),
        fax=r.get_str(table, "fax", path),
        phone=r.get_str(table, "phone", path),
        sources=r.get_str_list(table, "sources", path),
        note=r.get_str(table, "note", path),
    )


def _read_agreement(
    r: FileReader,
    sections: Mapping[str, tuple[Table, FileReader]],
    kinds: Mapping[str, _KindDef],
    default_paper: PaperChannel | None,
) -> tuple[Agreement, list[FormSpec]] | None:
    data = r.data or {}
    if not r.keys(data, "", AGREEMENT_KEYS, ("id", "name", "country", "status", "edition", "kinds")):
        return None
    aid = r.get_str(data, "id", "")
    if not re.fullmatch(r"[a-z]{2}", aid):
        r.error(DefCode.BAD_ID, "id", f"agreement id {aid!r} must be two lower-case letters")
        return None
    if r.path.stem != aid:
        r.error(DefCode.BAD_ID, "id", f"agreement id {aid!r} does not match the file name {r.path.name!r}")
    status = r.get_str(data, "status", "")
    if status not in ("in_force", "signed"):
        r.error(DefCode.BAD_VALUE, "status", f"status must be 'in_force' or 'signed', not {status!r}")
    in_force = r.get_date(data, "in_force", "")
    if status == "in_force" and "in_force" not in data:
        r.error(DefCode.MISSING_KEY, "in_force", "an agreement in force needs its date in force")
    kind_ids = r.get_str_list(data, "kinds", "")
    for i, k in enumerate(kind_ids):
        if kinds and k not in kinds:
            r.error(DefCode.UNKNOWN_KIND, join("kinds", i), f"no request kind {k!r}", did_you_mean(k, kinds))
    facts = _read_facts(r, r.get_table(data, "facts", ""))
    values: dict[str, Any] = dict.fromkeys(BASE_VALUES)
    extra = r.get_table(data, "values", "")
    for key, value in extra.items():
        if not isinstance(value, str | int | float) and not hasattr(value, "isoformat"):
            r.error(DefCode.BAD_VALUE, join("values", key), "must be a text, a number or a date")
        values[key] = value
    values.update(
        id=aid,
        name=r.get_str(data, "name", ""),
        country=r.get_str(data, "country", ""),
        in_force=in_force,
        detachment_limit_months=r.get_int(data, "detachment_limit_months", ""),
        name_in_text=r.get_str(data, "name_in_text", ""),
    )
    paper_table = r.get_table(data, "paper", "")
    paper = _read_paper(r, paper_table, "paper") if paper_table else default_paper
    if paper is None and status == "in_force":
        r.error(
            DefCode.MISSING_KEY,
            "paper",
            "an agreement in force needs a paper channel ([paper] or forms/paper.toml)",
        )
    agreement = Agreement(
        id=aid,
        name=values["name"],
        country=values["country"],
        region=r.get_str(data, "region", ""),
        in_force=in_force,
        status=status,
        edition=_edition(data),
        detachment_limit_months=values["detachment_limit_months"],
        kinds=kind_ids if status == "in_force" else (),
        facts=tuple(facts),
        paper=paper,
        values=MappingProxyType(values),
        note=r.get_str(data, "note", ""),
    )
    form_tables = r.get_table(data, "forms", "")
    for key in form_tables:
        if key not in kind_ids and key in kinds:
            r.error(DefCode.UNKNOWN_KIND, join("forms", key), f"{key!r} is not in this agreement's kinds")
    specs: list[FormSpec] = []
    if status != "in_force":
        return agreement, specs
    for kind_id in kind_ids:
        kind = kinds.get(kind_id)
        if kind is None:
            continue
        table = form_tables.get(kind_id, {})
        if not isinstance(table, Mapping):
            r.error(DefCode.BAD_VALUE, join("forms", kind_id), "must be a table")
            table = {}
        spec = _build_form(r, agreement, kind, table, join("forms", kind_id), sections)
        if spec is not None:
            specs.append(spec)
    return agreement, specs


def _read_facts(r: FileReader, table: Table) -> list[Fact]:
    facts: list[Fact] = []
    for key, value in table.items():
        path = join("facts", key)
        if not _FACT_ID.fullmatch(key):
            r.error(DefCode.BAD_ID, path, f"fact key {key!r} must be lower-case letters, digits and _")
            continue
        if not isinstance(value, Mapping):
            r.error(DefCode.BAD_VALUE, path, "a fact must be a table with title, text, status and sources")
            continue
        r.keys(value, path, FACT_KEYS, ("title", "text", "status", "sources"))
        status_text = r.get_str(value, "status", path, "confirmed")
        try:
            status = FactStatus(status_text)
        except ValueError:
            r.error(
                DefCode.BAD_VALUE,
                join(path, "status"),
                f"unknown status {status_text!r}",
                did_you_mean(status_text, [s.value for s in FactStatus])
                or "one of: " + ", ".join(s.value for s in FactStatus),
            )
            status = FactStatus.UNCONFIRMED
        sources = r.get_str_list(value, "sources", path)
        if not sources:
            r.error(DefCode.MISSING_KEY, join(path, "sources"), "every fact names at least one source")
        facts.append(
            Fact(key, r.get_str(value, "title", path), r.get_str(value, "text", path), status, sources)
        )
    return facts


# ------------------------------------------------------------------------------------------------ forms


def _build_form(
    r: FileReader,
    agreement: Agreement,
    kind: _KindDef,
    table: Table,
    path: str,
    sections: Mapping[str, tuple[Table, FileReader]],
) -> FormSpec | None:
    r.keys(table, path, FORM_KEYS)
    names = list(kind.sections)
    for i, name in enumerate(r.get_str_list(table, "sections_remove", path)):
        if name in names:
            names.remove(name)
        else:
            r.error(
                DefCode.UNKNOWN_SECTION, join(join(path, "sections_remove"), i), f"no section {name!r} here"
            )
    for i, name in enumerate(r.get_str_list(table, "sections_add", path)):
        if name not in sections:
            r.error(
                DefCode.UNKNOWN_SECTION,
                join(join(path, "sections_add"), i),
                f"no section {name!r}",
                did_you_mean(name, sections),
            )
        elif name not in names:
            # Added sections go before the last page (the request's own page stays last).
            names.insert(max(len(names) - 1, 0), name)
    values = agreement.values
    errors_before = len(r.errors)
    built_sections: list[Section] = []
    editions = [agreement.edition, kind.edition]
    for name in names:
        if name not in sections:
            continue
        sdata, sr = sections[name]
        editions.append(_edition(sdata))
        fields = tuple(
            f
            for i, ftable in enumerate(sr.get_tables(sdata, "fields", ""))
            if (f := _read_field(sr, ftable, join("fields", i), name, values)) is not None
        )
        built_sections.append(
            Section(
                name,
                _fill(sr, sr.get_str(sdata, "title", ""), "title", values),
                _fill(sr, sr.get_str(sdata, "help", ""), "help", values),
                fields,
            )
        )
    field_index = {f.id: f for s in built_sections for f in s.fields}
    seen: set[str] = set()
    for s in built_sections:
        for i, f in enumerate(s.fields):
            if f.id in seen:
                _, sr = sections[s.id]
                sr.error(
                    DefCode.DUPLICATE_ID, join(join("fields", i), "id"), f"field {f.id!r} is defined twice"
                )
            seen.add(f.id)
    if len(r.errors) > errors_before:
        return None  # the shared sections are broken: checking rules against them would only echo that
    # Agreement overrides of shared fields.
    overrides = r.get_table(table, "fields", path)
    for fid, otable in overrides.items():
        opath = join(join(path, "fields"), fid)
        if fid not in field_index:
            r.error(
                DefCode.UNKNOWN_REFERENCE,
                opath,
                f"no field {fid!r} in this form",
                did_you_mean(fid, field_index),
                near=(f'"{fid}"',),
            )
            continue
        if not isinstance(otable, Mapping):
            r.error(DefCode.BAD_VALUE, opath, "a field override must be a table")
            continue
        field_index[fid] = _override(r, field_index[fid], otable, opath, agreement)
    built_sections = [replace(s, fields=tuple(field_index[f.id] for f in s.fields)) for s in built_sections]
    # Rules: the kind's, less the dropped ones, plus the agreement's.
    dropped = set(r.get_str_list(table, "drop_rules", path))
    kind_rule_ids = {t.get("id") for t, _ in kind.rules}
    for i, rid in enumerate(sorted(dropped - kind_rule_ids)):
        r.error(
            DefCode.UNKNOWN_REFERENCE, join(join(path, "drop_rules"), i), f"no shared rule {rid!r} to drop"
        )
    rules: list[Rule] = []
    for rtable, rpath in kind.rules:
        if rtable.get("id") in dropped:
            continue
        rule = _read_rule(kind.reader, rtable, rpath, field_index, agreement)
        if rule is not None:
            rules.append(rule)
    for i, rtable in enumerate(r.get_tables(table, "rules", path)):
        rule = _read_rule(r, rtable, join(join(path, "rules"), i), field_index, agreement)
        if rule is not None:
            rules.append(rule)
    ids = [x.id for x in rules]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        r.error(DefCode.DUPLICATE_ID, join(path, "rules"), f"rule {dup!r} is defined twice")
    renamed_table = r.get_table(table, "renamed", path)
    renamed = {str(k): str(v) for k, v in renamed_table.items()}
    for old, new in renamed.items():
        if new not in field_index:
            r.error(
                DefCode.UNKNOWN_REFERENCE, join(join(path, "renamed"), old), f"no field {new!r} to rename to"
            )
    spec = FormSpec(
        id=f"{agreement.id}-{kind.id}",
        kind=kind.id,
        title=r.get_str(table, "title", path) or f"{kind.title}: {agreement.name}",
        edition=max(e for e in editions if e) if any(editions) else "",
        agreement=agreement,
        sections=tuple(built_sections),
        rules=tuple(rules),
        renamed=MappingProxyType(renamed),
    )
    _check_references(spec, r, sections, kind)
    return spec


def _read_field(
    r: FileReader, t: Table, path: str, section: str, values: Mapping[str, Any], column: bool = False
) -> FieldSpec | None:
    if not r.keys(t, path, FIELD_KEYS, ("id", "type", "label", "help")):
        return None
    fid = r.get_str(t, "id", path)
    near = (f'"{fid}"',)
    pattern = r"[a-z][a-z0-9_]*" if column else rf"{section}(\.[a-z][a-z0-9_]*)?"
    if not re.fullmatch(pattern, fid):
        what = "a lower-case name" if column else f"'{section}.<name>'"
        r.error(DefCode.BAD_ID, join(path, "id"), f"field id {fid!r} must be {what}", near=near)
        return None
    type_name = r.get_str(t, "type", path)
    try:
        ftype = FieldType(type_name)
    except ValueError:
        r.error(
            DefCode.UNKNOWN_TYPE,
            join(path, "type"),
            f"{type_name!r} is not a field type",
            did_you_mean(type_name, [x.value for x in FieldType])
            or "types: " + ", ".join(x.value for x in FieldType),
            near=(f'"{type_name}"', *near),
        )
        return None
    if column and ftype is FieldType.GROUP:
        r.error(DefCode.BAD_VALUE, join(path, "type"), "a group cannot hold another group", near=near)
        return None
    if not column and ftype is not FieldType.GROUP and "." not in fid:
        r.error(DefCode.BAD_ID, join(path, "id"), f"field id {fid!r} must be '{section}.<name>'", near=near)
        return None
    choices: list[Choice] = []
    raw_choices = t.get("choices", [])
    if not isinstance(raw_choices, list):
        raw_choices = []
        r.error(DefCode.BAD_VALUE, join(path, "choices"), "must be a list", near=near)
    for i, c in enumerate(raw_choices):
        if isinstance(c, str):
            choices.append(Choice(c, c))
        elif isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c):
            choices.append(Choice(c[0], c[1]))
        else:
            r.error(
                DefCode.BAD_VALUE, join(join(path, "choices"), i), 'a choice is "value" or ["value", "label"]'
            )
    if ftype is FieldType.CHOICE and not choices:
        r.error(DefCode.MISSING_KEY, join(path, "choices"), "a choice field needs choices", near=near)
    columns: tuple[FieldSpec, ...] = ()
    if ftype is FieldType.GROUP:
        columns = tuple(
            c
            for i, ct in enumerate(r.get_tables(t, "columns", path))
            if (c := _read_field(r, ct, join(join(path, "columns"), i), section, values, column=True))
            is not None
        )
        if not columns:
            r.error(DefCode.MISSING_KEY, join(path, "columns"), "a group needs columns", near=near)
    fmt = r.get_str(t, "format", path)
    if fmt:
        from app.forms.validate import FOREIGN_FORMATS

        if fmt not in FOREIGN_FORMATS:
            r.error(
                DefCode.BAD_VALUE,
                join(path, "format"),
                f"unknown identifier format {fmt!r}",
                did_you_mean(fmt, FOREIGN_FORMATS),
                near=near,
            )
            fmt = ""
    return FieldSpec(
        id=fid,
        type=ftype,
        label=_fill(r, r.get_str(t, "label", path), join(path, "label"), values),
        help=_fill(r, r.get_str(t, "help", path), join(path, "help"), values),
        required=_condition(r, t.get("required", False), join(path, "required"), near),
        show=_expression(r, t.get("show"), join(path, "show"), near),
        max_length=r.get_int(t, "max_length", path),
        choices=tuple(choices),
        format=fmt,
        columns=columns,
        max_rows=r.get_int(t, "max_rows", path),
        placeholder=r.get_str(t, "placeholder", path),
    )


def _override(r: FileReader, base: FieldSpec, t: Table, path: str, agreement: Agreement) -> FieldSpec:
    r.keys(t, path, OVERRIDE_KEYS)
    changes: dict[str, Any] = {}
    near = (path.rsplit(".", 1)[-1],)
    if "label" in t:
        changes["label"] = _fill(r, r.get_str(t, "label", path), join(path, "label"), agreement.values)
    if "help" in t:
        extra = _fill(r, r.get_str(t, "help", path), join(path, "help"), agreement.values)
        in_text = agreement.values.get("name_in_text") or agreement.name
        changes["help"] = f"{base.help}\n\nUnder the agreement with {in_text}: {extra}"
    if "required" in t:
        changes["required"] = _condition(r, t["required"], join(path, "required"), near)
    if "show" in t:
        changes["show"] = _expression(r, t["show"], join(path, "show"), near)
    if "max_length" in t:
        changes["max_length"] = r.get_int(t, "max_length", path)
    if "max_rows" in t:
        changes["max_rows"] = r.get_int(t, "max_rows", path)
    if "format" in t:
        from app.forms.validate import FOREIGN_FORMATS

        fmt = r.get_str(t, "format", path)
        if fmt and fmt not in FOREIGN_FORMATS:
            r.error(
                DefCode.BAD_VALUE,
                join(path, "format"),
                f"unknown identifier format {fmt!r}",
                did_you_mean(fmt, FOREIGN_FORMATS),
            )
        else:
            changes["format"] = fmt
    if "source" in t:
        changes["source"] = r.get_str(t, "source", path)
    if "fact" in t:
        key = r.get_str(t, "fact", path)
        fact = agreement.fact(key)
        if fact is None:
            r.error(
                DefCode.UNKNOWN_FACT,
                join(path, "fact"),
                f"no fact {key!r} in this agreement",
                did_you_mean(key, [f.key for f in agreement.facts]),
            )
        else:
            changes["flag"] = fact.status.flag
            changes.setdefault("source", fact.sources[0] if fact.sources else "")
    return replace(base, **changes)


def _read_rule(
    r: FileReader, t: Table, path: str, fields: Mapping[str, FieldSpec], agreement: Agreement
) -> Rule | None:
    if not r.keys(t, path, RULE_KEYS, ("id", "code", "field", "when", "message")):
        return None
    rid = r.get_str(t, "id", path)
    near = (f'"{rid}"',)
    severity_text = r.get_str(t, "severity", path, "error")
    try:
        severity = Severity(severity_text)
    except ValueError:
        r.error(DefCode.BAD_VALUE, join(path, "severity"), "severity must be 'error' or 'warning'", near=near)
        return None
    fid = r.get_str(t, "field", path)
    if fid not in fields:
        r.error(
            DefCode.UNKNOWN_REFERENCE,
            join(path, "field"),
            f"no field {fid!r} in form {agreement.id}",
            did_you_mean(fid, fields),
            near=near,
        )
        return None
    when = _expression(r, t.get("when"), join(path, "when"), near)
    if when is None:
        return None
    sources = list(r.get_str_list(t, "sources", path))
    flag = ""
    if "fact" in t:
        key = r.get_str(t, "fact", path)
        fact = agreement.fact(key)
        if fact is None:
            r.error(
                DefCode.UNKNOWN_FACT,
                join(path, "fact"),
                f"no fact {key!r} in the agreement with {agreement.name}",
                did_you_mean(key, [f.key for f in agreement.facts]),
                near=near,
            )
        else:
            sources.extend(s for s in fact.sources if s not in sources)
            flag = fact.status.flag
    code = r.get_str(t, "code", path)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        r.error(
            DefCode.BAD_ID,
            join(path, "code"),
            f"code {code!r} must be lower-case letters, digits and _",
            near=near,
        )
    return Rule(
        id=rid,
        code=code,
        severity=severity,
        field=fid,
        when=when,
        message=_fill(r, r.get_str(t, "message", path), join(path, "message"), agreement.values),
        sources=tuple(sources),
        flag=flag,
    )


def _fill(r: FileReader, text: str, path: str, values: Mapping[str, Any]) -> str:
    """Replace `{agreement.X}` in a text with the agreement's value."""

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            r.error(DefCode.UNKNOWN_REFERENCE, path, f"no agreement value {key!r}", did_you_mean(key, values))
            return m.group(0)
        value = values[key]
        if key == "name":  # in a sentence: "the United Kingdom" (see `name_in_text`)
            value = values.get("name_in_text") or value
        return "" if value is None else str(value)

    return _TEMPLATE.sub(sub, text)


def _expression(r: FileReader, source: object, path: str, near: tuple[str, ...]) -> expr.Expr | None:
    if source is None:
        return None
    if not isinstance(source, str):
        r.error(DefCode.BAD_VALUE, path, "an expression must be text", near=near)
        return None
    try:
        return _parse_cached(source)
    except expr.ExprError as exc:
        pointer = f"{source}\n{' ' * exc.offset}^"
        r.error(
            DefCode.EXPRESSION_SYNTAX,
            path,
            f"{exc.message} at character {exc.offset + 1}: {pointer}",
            near=near,
        )
        return None


def _condition(r: FileReader, value: object, path: str, near: tuple[str, ...]) -> bool | expr.Expr:
    if isinstance(value, bool):
        return value
    return _expression(r, value, path, near) or False


@cache
def _parse_cached(source: str) -> expr.Expr:
    return expr.parse(source)


# ------------------------------------------------------------------------------------------------ references


def _check_references(
    spec: FormSpec, r: FileReader, sections: Mapping[str, tuple[Table, FileReader]], kind: _KindDef
) -> None:
    """Every name in every expression must be a field of this form, `agreement.X`, or `row.X` in a group."""
    fields = {f.id: f for f in spec.fields()}
    values = spec.agreement.values

    def known(name: str, group: FieldSpec | None) -> str | None:
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
    for rule in spec.rules:
        for name in rule.when.refs:
            problem = known(name, None)
            if problem is not None:
                reader = kind.reader if any(t.get("id") == rule.id for t, _ in kind.rules) else r
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

"""Reading the parts of a form: its fields (and an agreement's overrides of them), its rules, and the texts and
expressions inside them. Every problem is reported through the file's `FileReader`, located by key path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from app.forms import expr, template
from app.forms.errors import DefCode, did_you_mean
from app.forms.model import Agreement, Choice, FactStatus, FieldSpec, FieldType, Rule, Severity
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
RULE_KEYS = ("id", "code", "severity", "field", "when", "message", "sources", "fact", "status")
_TEMPLATE = re.compile(r"\{agreement\.([A-Za-z_][A-Za-z0-9_]*)\}")


def read_field(r: FileReader, t: Table, path: str, section: str, column: bool = False) -> FieldSpec | None:
    """A shared field as written: its texts may still hold `{agreement.X}` (see `localize`)."""
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
    ftype = r.get_enum(
        t,
        "type",
        path,
        FieldType,
        "",
        code=DefCode.UNKNOWN_TYPE,
        what="field type",
        near=(f'"{type_name}"', *near),
    )
    if ftype is None:
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
            if (c := read_field(r, ct, join(join(path, "columns"), i), section, column=True)) is not None
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
        label=r.get_str(t, "label", path),
        help=r.get_str(t, "help", path),
        required=condition(r, t.get("required", False), join(path, "required"), near),
        show=expression(r, t.get("show"), join(path, "show"), near),
        max_length=r.get_int(t, "max_length", path),
        choices=tuple(choices),
        format=fmt,
        columns=columns,
        max_rows=r.get_int(t, "max_rows", path),
        placeholder=r.get_str(t, "placeholder", path),
    )


def override(r: FileReader, base: FieldSpec, t: Table, path: str, agreement: Agreement) -> FieldSpec:
    r.keys(t, path, OVERRIDE_KEYS)
    changes: dict[str, Any] = {}
    near = (path.rsplit(".", 1)[-1],)
    if "label" in t:
        changes["label"] = fill(r, r.get_str(t, "label", path), join(path, "label"), agreement.values)
    if "help" in t:
        extra = fill(r, r.get_str(t, "help", path), join(path, "help"), agreement.values)
        in_text = agreement.values.get("name_in_text") or agreement.name
        changes["help"] = f"{base.help}\n\nUnder the agreement with {in_text}: {extra}"
    if "required" in t:
        changes["required"] = condition(r, t["required"], join(path, "required"), near)
    if "show" in t:
        changes["show"] = expression(r, t["show"], join(path, "show"), near)
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


def read_rule(
    r: FileReader, t: Table, path: str, fields: Mapping[str, FieldSpec], agreement: Agreement
) -> Rule | None:
    if not r.keys(t, path, RULE_KEYS, ("id", "code", "field", "when", "message")):
        return None
    rid = r.get_str(t, "id", path)
    near = (f'"{rid}"',)
    severity = r.get_enum(t, "severity", path, Severity, "error", what="severity", near=near)
    if severity is None:
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
    when = expression(r, t.get("when"), join(path, "when"), near)
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
    if "status" in t:  # a rule that cites no fact says itself how sure its source is
        if "fact" in t:
            r.error(
                DefCode.BAD_VALUE,
                join(path, "status"),
                "a rule citing a fact takes the fact's status",
                near=near,
            )
        status = r.get_enum(t, "status", path, FactStatus, "confirmed", what="fact status", near=near)
        if status is not None:
            flag = status.flag
    code = r.get_str(t, "code", path)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        r.error(
            DefCode.BAD_ID,
            join(path, "code"),
            f"code {code!r} must be lower-case letters, digits and _",
            near=near,
        )
    message, computed = message_template(
        r, r.get_str(t, "message", path), join(path, "message"), fields, agreement
    )
    return Rule(
        id=rid,
        code=code,
        severity=severity,
        field=fid,
        when=when,
        message=message,
        sources=tuple(sources),
        flag=flag,
        template=computed,
    )


def message_template(
    r: FileReader, text: str, path: str, fields: Mapping[str, FieldSpec], agreement: Agreement
) -> tuple[str, template.Template | None]:
    """A rule's message: its placeholders checked, those reading only agreement values filled in now.

    A placeholder may read agreement values and the dates of the request outside personal data (the period of
    work, the date of hire, a certificate's end), never a name, a number or a birth date: messages are shown in
    lists, exported and sent back by the receiver. Returns the text (computed placeholders as written) and the
    template, or None when nothing is left to compute.
    """
    try:
        parsed = template.parse(text)
    except expr.ExprError as exc:
        r.error(DefCode.EXPRESSION_SYNTAX, path, f"{exc.message} at character {exc.offset + 1}")
        return text, None
    values = agreement.values
    ok = True
    for name in parsed.refs:
        if name in ("others", "period.start", "period.end"):  # other requests' ids and periods; the period
            continue
        if name.startswith("agreement."):
            key = name.removeprefix("agreement.")
            if key not in values:
                r.error(
                    DefCode.UNKNOWN_REFERENCE, path, f"no agreement value {key!r}", did_you_mean(key, values)
                )
                ok = False
            continue
        f = fields.get(name)
        if f is None:
            r.error(
                DefCode.UNKNOWN_REFERENCE,
                path,
                f"{name!r} is not a field of form {agreement.id}",
                did_you_mean(name, fields),
            )
            ok = False
        elif f.type is not FieldType.DATE or f.personal:
            r.error(
                DefCode.BAD_VALUE,
                path,
                f"a message may show dates of the request and agreement values, not {name!r}",
                "personal data and free text never go into a message",
            )
            ok = False
    if not ok:
        return text, None

    def lookup(name: str) -> Any:
        key = name.removeprefix("agreement.")
        if key == "name":  # in a sentence: "the United Kingdom" (see `name_in_text`)
            return values.get("name_in_text") or values.get("name")
        return values.get(key)

    folded = parsed.fold(lookup, lambda e: all(n.startswith("agreement.") for n in e.refs))
    if not folded.computed:
        return folded.render(lookup), None
    return folded.source, folded


def constant_text(r: FileReader, text: str, path: str, agreement: Agreement) -> str:
    """A text with placeholders over agreement values only (`{duration(agreement.detachment_limit_months)}`),
    filled in now; a placeholder that reads an answer is an error here."""
    message, computed = message_template(r, text, path, {}, agreement)
    if computed is not None:
        r.error(
            DefCode.BAD_VALUE,
            path,
            "this text is the same for every request: it may read agreement values only",
        )
    return message


def localize(r: FileReader, f: FieldSpec, path: str, values: Mapping[str, Any]) -> FieldSpec:
    """A shared field for one agreement: `{agreement.X}` in its label and help (and its columns') filled in."""
    changes: dict[str, Any] = {}
    for attr in ("label", "help"):
        text = getattr(f, attr)
        if "{agreement." in text:
            changes[attr] = fill(r, text, join(path, attr), values)
    if f.columns:
        columns = tuple(
            localize(r, c, join(join(path, "columns"), i), values) for i, c in enumerate(f.columns)
        )
        if any(a is not b for a, b in zip(columns, f.columns, strict=True)):
            changes["columns"] = columns
    return replace(f, **changes) if changes else f


def fill(r: FileReader, text: str, path: str, values: Mapping[str, Any]) -> str:
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


def expression(r: FileReader, source: object, path: str, near: tuple[str, ...]) -> expr.Expr | None:
    if source is None:
        return None
    if not isinstance(source, str):
        r.error(DefCode.BAD_VALUE, path, "an expression must be text", near=near)
        return None
    try:
        return parse_cached(source)
    except expr.ExprError as exc:
        pointer = f"{source}\n{' ' * exc.offset}^"
        r.error(
            DefCode.EXPRESSION_SYNTAX,
            path,
            f"{exc.message} at character {exc.offset + 1}: {pointer}",
            near=near,
        )
        return None


def condition(r: FileReader, value: object, path: str, near: tuple[str, ...]) -> bool | expr.Expr:
    if isinstance(value, bool):
        return value
    return expression(r, value, path, near) or False


@cache
def parse_cached(source: str) -> expr.Expr:
    return expr.parse(source)

"""The agreements and their rules as a Markdown page (docs/agreements.md), generated from the definitions.

Everything here is read from the loaded catalog (and, for what the request kinds share, from the kind files),
so the page cannot drift from what the application offers: `coc forms docs -o docs/agreements.md` writes it and
a test checks that the committed page equals the generated one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.forms.expr import Expr
from app.forms.loader import Catalog
from app.forms.model import Agreement, Fact, FactStatus, FieldSpec, FormSpec, PaperChannel, Rule

# How a flagged fact is marked, as in the research (../shared/research/agreements.md).
MARKS = {
    FactStatus.CONFIRMED: "",
    FactStatus.THIRD_PARTY: "[3P]",
    FactStatus.UNCONFIRMED: "[UNCONFIRMED]",
    FactStatus.CONFLICT: "[CONFLICT]",
}

HEADER = """\
# The agreements and their rules

Generated from the definitions in `forms/` by `coc forms docs -o docs/agreements.md`. Do not edit this page by
hand: change the definitions and generate it again (a test checks that it matches them).

Marks, as in the research: **[3P]** known only from a third-party copy of an SSA page; **[UNCONFIRMED]** no
official source was found; **[CONFLICT]** the sources disagree. A marked fact is flagged wherever the application
shows it (field help, rule messages), never presented as certain. Every fact names its sources below.
"""

SE_RULES = {
    "residence": "country of residence",
    "transfer": "where the work is done; a business moved from the U.S. stays U.S.-covered up to {limit}",
    "residence_or_transfer": "U.S. residence, or a business moved from the U.S. for up to {limit}",
    "nationality": "nationality (U.S. nationals stay U.S.-covered), residence and election",
}


@dataclass(frozen=True)
class _Kind:
    id: str
    sections: tuple[str, ...]
    rule_ids: frozenset[str]


def agreements_markdown(catalog: Catalog) -> str:
    """The whole page, deterministic for a given set of definitions."""
    kinds = _read_kinds(catalog)
    in_force = sorted(
        (a for a in catalog.agreements.values() if a.in_force_now),
        key=lambda a: (a.in_force.isoformat() if a.in_force else "", a.name),
    )
    signed = sorted((a for a in catalog.agreements.values() if not a.in_force_now), key=lambda a: a.name)
    forms_of = {a.id: [catalog.forms[f"{a.id}-{k}"] for k in a.kinds] for a in in_force}
    out: list[str] = [HEADER]
    out += _summary(in_force, forms_of, catalog.in_force_text())
    if signed:
        out += _signed(signed)
    out += _paper(in_force)
    out += _shared_rules(catalog, kinds)
    for a in in_force:
        out += _agreement(a, forms_of[a.id], kinds)
    return "\n".join(out).rstrip("\n") + "\n"


# ------------------------------------------------------------------------------------------------ parts


def _summary(agreements: list[Agreement], forms_of: Mapping[str, list[FormSpec]], count: str) -> list[str]:
    rows = [
        (
            f"[{a.name}](#{_anchor(a)})",
            _country(a),
            _date(a.in_force),
            _limit(a),
            _extension(a),
            _self_employment(a),
            _family(a, short=True),
            ", ".join(f"`{s.id}`" for s in forms_of[a.id]),
        )
        for a in agreements
    ]
    return [
        "## Agreements in force",
        "",
        f"{count[0].upper()}{count[1:]}, as SSA counts them.",
        "",
        *_table(
            (
                "Agreement",
                "Country",
                "In force",
                "Detachment limit",
                "Extension",
                "Self-employment",
                "Family",
                "Forms offered",
            ),
            rows,
        ),
        "",
    ]


def _signed(agreements: list[Agreement]) -> list[str]:
    rows = []
    for a in agreements:
        fact = a.fact("signed") or (a.facts[0] if a.facts else None)
        rows.append(
            (
                a.name,
                _country(a),
                _date(a.values.get("signed")),
                _fact_text(fact) if fact else "",
            )
        )
    return [
        "## Signed, not in force",
        "",
        "Listed so that a request naming them gets a clear answer; no form is offered under them.",
        "",
        *_table(("Agreement", "Country", "Signed", "Status"), rows),
        "",
    ]


def _paper(agreements: list[Agreement]) -> list[str]:
    """Where paper requests go: one section per distinct channel (every agreement uses forms/paper.toml today)."""
    channels: dict[PaperChannel, list[Agreement]] = {}
    for a in agreements:
        if a.paper is not None:
            channels.setdefault(a.paper, []).append(a)
    out = ["## Paper requests (fax or mail)", ""]
    for paper, users in channels.items():
        if len(channels) > 1:
            out += [f"For {', '.join(a.name for a in users)}:", ""]
        out += [
            f"- **Office:** {paper.office}, {', '.join(paper.address)}",
            f"- **Fax:** {paper.fax}" + (f" ({paper.fax_purpose})" if paper.fax_purpose else ""),
        ]
        if paper.phone:
            out.append(
                f"- **Telephone:** {paper.phone}"
                + (f" ({paper.phone_purpose})" if paper.phone_purpose else "")
            )
        if paper.note:
            out.append(f"- **Note:** {_cell(paper.note)}")
        out += [f"- **Sources:** {' '.join(f'<{s}>' for s in paper.sources)}", ""]
    return out


def _shared_rules(catalog: Catalog, kinds: Mapping[str, _Kind]) -> list[str]:
    out = [
        "## Rules every form of a kind has",
        "",
        "An agreement may drop one of these (listed under the agreement); its own rules come on top.",
        "",
    ]
    for kind in kinds.values():
        spec = next((s for s in catalog.forms.values() if s.kind == kind.id), None)
        if spec is None:
            continue
        rules = [r for r in spec.rules if r.id in kind.rule_ids]
        info = catalog.kinds.get(kind.id)
        out += [f"### {info.title if info else kind.id} (`{kind.id}`)", ""]
        out += _rule_table(rules, with_flag=False)
        out.append("")
    return out


def _agreement(a: Agreement, forms: list[FormSpec], kinds: Mapping[str, _Kind]) -> list[str]:
    out = [f"## {a.name} (`{a.id}`)", ""]
    flagged = [f for f in a.facts if f.flagged]
    items = [
        ("Country", _country(a)),
        ("In force", _date(a.in_force)),
        ("Detachment limit", _limit(a) + _with_fact(a.fact("detachment"))),
        ("Extension", _extension(a) + _with_fact(a.fact("extension"))),
        ("Self-employment", _self_employment(a) + _with_fact(a.fact("self_employment"))),
        ("Family", _family(a, short=False)),
        ("Forms offered", ", ".join(f"`{s.id}` ({s.kind_label})" for s in forms)),
        (
            "Flagged facts",
            "; ".join(f"{f.title} {MARKS[f.status]}" for f in flagged) if flagged else "none",
        ),
    ]
    out += [f"- **{k}:** {v}" for k, v in items]
    out.append("")
    for spec in forms:
        kind = kinds.get(spec.kind)
        out += [f"### `{spec.id}`: {spec.kind_label}", ""]
        extra = [s.title for s in spec.sections if kind is not None and s.id not in kind.sections]
        if extra:
            out += [f"Pages this agreement adds: {', '.join(extra)}.", ""]
        fields = [f for f in spec.fields() if f.source or f.flag]
        if fields:
            out += ["Agreement-specific items:", ""]
            out += _table(
                ("Field", "Label", "Shown", "Required", "Format", "Flag"),
                [_field_row(f) for f in fields],
            )
            out.append("")
        own = [r for r in spec.rules if kind is None or r.id not in kind.rule_ids]
        if kind is not None:
            dropped = sorted(kind.rule_ids - {r.id for r in spec.rules})
            if dropped:
                out += [f"Shared rules dropped: {', '.join(f'`{d}`' for d in dropped)}.", ""]
        if own:
            out += ["Rules of this agreement:", ""]
            out += _rule_table(own, with_flag=True)
        else:
            out.append("Rules of this agreement: none beyond the shared rules.")
        out.append("")
    out += ["Facts and sources:", ""]
    out += _table(
        ("Fact", "Status", "What the research says", "Sources"),
        [
            (
                f"{f.title} (`{f.key}`)",
                f.status.value + (f" {MARKS[f.status]}" if f.flagged else ""),
                f.text,
                " ".join(f"<{s}>" for s in f.sources),
            )
            for f in a.facts
        ],
    )
    out.append("")
    return out


# ------------------------------------------------------------------------------------------------ cells


def _anchor(a: Agreement) -> str:
    text = f"{a.name} ({a.id})".lower()
    return "".join(ch if ch.isalnum() or ch == "-" else "-" if ch == " " else "" for ch in text)


def _country(a: Agreement) -> str:
    return f"{a.country} ({a.region})" if a.region else a.country


def _date(value: Any) -> str:
    if value is None:
        return "—"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _months(n: Any) -> str:
    return f"{n} months"


def _mark(fact: Fact | None) -> str:
    return f" {MARKS[fact.status]}" if fact is not None and fact.flagged else ""


def _limit(a: Agreement) -> str:
    if a.detachment_limit_months is None:
        return "none (nationality rule)" + _mark(a.fact("detachment"))
    since = a.values.get("detachment_limit_since")
    text = _months(a.detachment_limit_months) + (f" (transfers since {_date(since)})" if since else "")
    return text + _mark(a.fact("detachment"))


def _extension(a: Agreement) -> str:
    more = a.values.get("extension_limit_months")
    text = f"up to {_months(more)} more, both countries agreeing" if more else "only if both countries agree"
    return text + _mark(a.fact("extension"))


def _self_employment(a: Agreement) -> str:
    if "self_employed" not in a.kinds:
        return "not offered" + _mark(a.fact("self_employment"))
    rule = a.values.get("se_rule")
    text = SE_RULES.get(str(rule), str(rule)).format(limit=_months(a.values.get("se_transfer_limit_months")))
    return text + _mark(a.fact("self_employment"))


def _family(a: Agreement, short: bool) -> str:
    facts = [f for f in (a.fact("family"), a.fact("health_insurance"), a.fact("health_statement")) if f]
    if not facts:
        return "—" if short else "no rule found in the research"
    if short:
        return "; ".join(f.title + _mark(f) for f in facts)
    return " ".join(_fact_text(f) for f in facts)


def _with_fact(fact: Fact | None) -> str:
    return f". {fact.text}" if fact is not None else ""


def _fact_text(fact: Fact) -> str:
    return fact.text + _mark(fact)


def _condition(value: bool | Expr | None, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, Expr):
        return {"true": "yes", "false": "no"}.get(value.source.strip(), f"when `{value.source}`")
    return "yes" if value else "no"


def _field_row(f: FieldSpec) -> tuple[str, ...]:
    return (
        f"`{f.id}`",
        f.label,
        _condition(f.show, "yes"),
        _condition(f.required, "no"),
        f"`{f.format}`" if f.format else "",
        _flag_mark(f.flag),
    )


def _flag_mark(flag: str) -> str:
    for status in FactStatus:
        if flag and flag == status.flag:
            return MARKS[status]
    return ""


def _rule_table(rules: Iterable[Rule], with_flag: bool) -> list[str]:
    header: tuple[str, ...] = ("Code", "Severity", "Field", "Rule")
    if with_flag:
        header = (*header, "Flag")
    rows = []
    for r in rules:
        row: tuple[str, ...] = (f"`{r.code}`", r.severity.value, f"`{r.field}`", f"`{r.id}`")
        if with_flag:
            row = (*row, _flag_mark(r.flag))
        rows.append(row)
    return _table(header, rows)


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# ------------------------------------------------------------------------------------------------ kinds


def _read_kinds(catalog: Catalog) -> dict[str, _Kind]:
    """What each request kind shares: its pages and its rule ids (from forms/kinds/*.toml)."""
    out: dict[str, _Kind] = {}
    for path in sorted((catalog.root / "kinds").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        kid = str(data.get("id", path.stem))
        rules = data.get("rules", [])
        out[kid] = _Kind(
            kid,
            tuple(str(s) for s in data.get("sections", [])),
            frozenset(str(r.get("id")) for r in rules if isinstance(r, Mapping)),
        )
    return out

"""`coc forms list|check|show`: what the shipped definitions offer, and whether they are sound.

Like every command module, this one imports the form engine inside the handlers that use it (`coc --help` loads
none of it; `tests/test_cli_imports.py`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, print_json

if TYPE_CHECKING:
    from app.forms import Catalog, FormSpec
    from app.forms.expr import Expr


def register(subparsers: Any) -> None:
    forms = subparsers.add_parser("forms", help="list, check and show the form definitions")
    sub = forms.add_subparsers(dest="forms_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="every form offered, with its agreement's key facts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("check", help="check definitions; exit 1 with every located error")
    p.add_argument("dir", nargs="?", help="folder of definitions (default: the shipped forms/)")
    p.add_argument("--json", action="store_true", help="print the errors as JSON")
    p.set_defaults(handler=cmd_check)
    p = sub.add_parser(
        "update",
        help="install the receiver's newer form editions (signed, verified) and carry the requests over",
    )
    p.add_argument("--json", action="store_true", help="print what was installed and every request's report")
    p.set_defaults(handler=cmd_update)
    p = sub.add_parser(
        "schema", help="the JSON Schema (2020-12) of a form's request documents (without FORM: any form's)"
    )
    p.add_argument("form", nargs="?", help="form id, e.g. de-employee")
    p.set_defaults(handler=cmd_schema)
    p = sub.add_parser("show", help="pages and fields of one form")
    p.add_argument("form", help="form id, e.g. de-employee")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)


def cmd_update(args: argparse.Namespace) -> int:
    from app.cli.update_cmd import cmd_update as run

    return run(args)


def cmd_schema(args: argparse.Namespace) -> int:
    from app.forms.json_schema import form_schema, generic_schema

    if args.form is None:
        print_json(generic_schema())
        return 0
    print_json(form_schema(spec_or_fail(catalog_or_fail(), args.form)))
    return 0


def catalog_or_fail(root: str | None = None, *, installed: bool = True) -> Catalog:
    """The definitions of `root`; by default those in use (the bundled ones with any newer installed edition),
    or only the bundled ones (`installed=False`)."""
    from app.forms import DefinitionsInvalid, default_catalog, load

    try:
        if root:
            return load(Path(root))
        return default_catalog() if installed else load()
    except DefinitionsInvalid as exc:
        first = exc.errors[0]
        raise CliError(f"the form definitions have {len(exc.errors)} problem(s), first: {first}", 2)


def spec_or_fail(catalog: Catalog, form_id: str) -> FormSpec:
    from app.forms import UnknownForm

    try:
        return catalog.form(form_id)
    except UnknownForm as exc:
        raise CliError(str(exc), 2)


def form_row(spec: FormSpec, catalog: Catalog | None = None) -> dict[str, Any]:
    from app.forms.loader import ORIGIN_BUNDLED

    a = spec.agreement
    return {
        "form": spec.id,
        "agreement": a.name,
        "country": a.country,
        "region": a.region or None,
        "kind": spec.kind,
        "edition": spec.edition,
        "origin": catalog.origin(spec.id) if catalog is not None else ORIGIN_BUNDLED,
        "in_force": a.in_force.isoformat() if a.in_force else None,
        "detachment_limit_months": a.detachment_limit_months,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from app.forms.loader import ORIGIN_UPDATED

    catalog = catalog_or_fail()
    rows = [
        form_row(s, catalog) for s in sorted(catalog.forms.values(), key=lambda s: (s.agreement.name, s.kind))
    ]
    if args.json:
        print_json(rows)
        return 0
    header = ("FORM", "AGREEMENT", "CC", "KIND", "EDITION", "IN FORCE", "LIMIT")
    table = [header] + [
        (
            r["form"],
            r["agreement"],
            r["country"],
            r["kind"],
            r["edition"] + (" (updated)" if r["origin"] == ORIGIN_UPDATED else ""),
            r["in_force"] or "-",
            f"{r['detachment_limit_months']} months" if r["detachment_limit_months"] else "none",
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.forms import check, load

    root = Path(args.dir) if args.dir else None
    errors = check(root)
    if args.json:
        print_json([e.to_dict() for e in errors])
    else:
        for e in errors:
            print(e)
    if errors:
        if not args.json:
            print(f"{len(errors)} problem(s) found")
        return 1
    if not args.json:
        catalog = load(root)
        print(f"ok: {len(catalog.forms)} forms of the {catalog.in_force_text()} in force")
    return 0


def _cond(value: bool | Expr | None) -> Any:
    from app.forms.expr import Expr

    if isinstance(value, Expr):
        return value.source
    return value


def describe(spec: FormSpec, catalog: Catalog | None = None) -> dict[str, Any]:
    a = spec.agreement
    return {
        **form_row(spec, catalog),
        "title": spec.title,
        "facts": [
            {
                "key": f.key,
                "title": f.title,
                "text": f.text,
                "status": f.status.value,
                "sources": list(f.sources),
            }
            for f in a.facts
        ],
        "paper": None
        if a.paper is None
        else {"office": a.paper.office, "address": list(a.paper.address), "fax": a.paper.fax},
        "pages": [
            {
                "id": s.id,
                "title": s.title,
                "help": s.help,
                "fields": [_field(f) for f in s.fields],
            }
            for s in spec.sections
        ],
        "rules": [
            {
                "id": r.id,
                "code": r.code,
                "severity": r.severity.value,
                "field": r.field,
                "when": r.when.source,
                "message": r.message,
                "sources": list(r.sources),
                **({"flag": r.flag} if r.flag else {}),
            }
            for r in spec.rules
        ],
    }


def _field(f: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f.id,
        "type": f.type.value,
        "label": f.label,
        "required": _cond(f.required),
        "show": _cond(f.show),
        "help": f.help,
    }
    if f.max_length:
        out["max_length"] = f.max_length
    if f.choices:
        out["choices"] = [c.value for c in f.choices]
    if f.format:
        out["format"] = f.format
    if f.flag:
        out["flag"] = f.flag
    if f.columns:
        out["columns"] = [_field(c) for c in f.columns]
    return out


def cmd_show(args: argparse.Namespace) -> int:
    catalog = catalog_or_fail()
    spec = spec_or_fail(catalog, args.form)
    data = describe(spec, catalog)
    if args.json:
        print_json(data)
        return 0
    print(f"{spec.title}  [{spec.id}, edition {spec.edition}]")
    limit = data["detachment_limit_months"]
    print(f"In force {data['in_force']}; detachment limit: {f'{limit} months' if limit else 'none'}")
    for page in data["pages"]:
        print(f"\n== {page['title']} ({page['id']})")
        for f in page["fields"]:
            req = f["required"]
            req_text = "required" if req is True else ("optional" if not req else f"required when {req}")
            show = f"; shown when {f['show']}" if f["show"] else ""
            print(f"  {f['id']}  [{f['type']}]  {f['label']} ({req_text}{show})")
            print(f"      {f['help'].splitlines()[0]}")
            for c in f.get("columns", []):
                print(f"      - {c['id']} [{c['type']}] {c['label']}")
    print(f"\n== Rules ({len(data['rules'])})")
    for r in data["rules"]:
        print(f"  {r['code']} [{r['severity']}] at {r['field']}: when {r['when']}")
    return 0

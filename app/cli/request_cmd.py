"""`coc new` and `coc validate`: create request documents and check them with the same rules as everything else."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import CliError, print_json, read_text
from app.cli.forms_cmd import catalog_or_fail, spec_or_fail
from app.request import RequestDoc, RequestFormatError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("new", help="print a new request document for a form")
    p.add_argument("form", help="form id, e.g. de-employee (see `coc forms list`)")
    p.add_argument("--example", action="store_true", help="fill it with a complete, valid, fictional request")
    p.set_defaults(handler=cmd_new)
    p = subparsers.add_parser("validate", help="check a request document; exit 1 when it has errors")
    p.add_argument("file", help="request document (JSON), or - for standard input")
    p.add_argument(
        "--json", action="store_true", help="print a JSON list of {field, code, severity, message}"
    )
    p.set_defaults(handler=cmd_validate)


def cmd_new(args: argparse.Namespace) -> int:
    from app.forms import new_document
    from app.forms.example import example_answers

    spec = spec_or_fail(catalog_or_fail(), args.form)
    doc = new_document(spec, example_answers(spec) if args.example else {})
    print(doc.to_json())
    return 0


def load_document(path: str) -> RequestDoc:
    try:
        return RequestDoc.from_json(read_text(path))
    except RequestFormatError as exc:
        raise CliError(f"{path}: {exc}", 2)


def cmd_validate(args: argparse.Namespace) -> int:
    from app.forms import UnknownForm, validate_document

    doc = load_document(args.file)
    catalog = catalog_or_fail()
    try:
        issues = validate_document(doc, catalog)
    except UnknownForm as exc:
        raise CliError(f"{args.file}: {exc}", 2)
    except RequestFormatError as exc:
        raise CliError(f"{args.file}: {exc}", 2)
    errors = [i for i in issues if i.is_error]
    if args.json:
        print_json([i.to_dict() for i in issues])
    else:
        for i in issues:
            print(f"{i.severity.value:7}  {i.field}  {i.code}: {i.message}")
        warnings = len(issues) - len(errors)
        print(
            f"{len(errors)} error(s), {warnings} warning(s): " + ("not ready to send" if errors else "ready")
        )
    return 1 if errors else 0

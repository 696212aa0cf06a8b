"""`coc new` and `coc validate`: create request documents and check them with the same rules as everything else."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, print_json, read_limited
from app.cli.forms_cmd import catalog_or_fail, spec_or_fail
from app.request import RequestDoc

if TYPE_CHECKING:
    from app.forms import Catalog, Verdict


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("new", help="print a new request document for a form")
    p.add_argument("form", help="form id, e.g. de-employee (see `coc forms list`)")
    p.add_argument("--example", action="store_true", help="fill it with a complete, valid, fictional request")
    p.set_defaults(handler=cmd_new)
    p = subparsers.add_parser("validate", help="check a request document; exit 1 when it has errors")
    p.add_argument("file", help="request document (JSON), or - for standard input")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the verdict as JSON: {form, ready, refused, errors, warnings, issues: [{field, code, ...}]}",
    )
    p.set_defaults(handler=cmd_validate)


def cmd_new(args: argparse.Namespace) -> int:
    from app.forms import new_document
    from app.forms.example import example_answers

    spec = spec_or_fail(catalog_or_fail(), args.form)
    doc = new_document(spec, example_answers(spec) if args.example else {})
    print(doc.to_json())
    return 0


def judge_file(path: str, catalog: Catalog) -> Verdict:
    """The verdict on a request document file (or standard input for `-`), read no further than its size limit."""
    from app.forms import verdict
    from app.forms.limits import MAX_TEXT_BYTES

    return verdict(read_limited(path, MAX_TEXT_BYTES), catalog)


def load_document(path: str, catalog: Catalog) -> tuple[RequestDoc, Verdict]:
    """A request document file and its verdict; a document refused as a whole is one line, exit 2."""
    result = judge_file(path, catalog)
    refusal = result.first_refusal()
    if refusal is not None or result.doc is None:
        raise CliError(f"{path}: {result.summary()}", 2)
    return result.doc, result


def cmd_validate(args: argparse.Namespace) -> int:
    result = judge_file(args.file, catalog_or_fail())
    if result.refused and not args.json:
        raise CliError(f"{args.file}: {result.summary()}", 2)
    return print_verdict(result, args.json)


def print_verdict(result: Verdict, as_json: bool) -> int:
    """A verdict as `coc validate` prints it (one line an issue and the summary, or JSON); the exit status."""
    if as_json:
        print_json(result.to_dict())
    else:
        for i in result.issues:
            print(f"{i.severity.value:7}  {i.field}  {i.code}: {i.message}")
        print(result.summary())
    return 2 if result.refused else 1 if result.errors else 0

"""`coc forms docs`: write the table of agreements and their rules (docs/agreements.md) from the definitions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import CliError
from app.cli.forms_cmd import catalog_or_fail


def register(subparsers: Any) -> None:
    """Add `docs` to `coc forms` (registered before this module), or as `coc docs` if there is none."""
    target = _forms_actions(subparsers) or subparsers
    p = target.add_parser("docs", help="write the table of agreements and their rules (Markdown)")
    p.add_argument("-o", "--output", help="file to write (default: standard output), e.g. docs/agreements.md")
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the output file differs from what the definitions give",
    )
    p.set_defaults(handler=cmd_docs)


def _forms_actions(subparsers: Any) -> Any:
    forms = getattr(subparsers, "choices", {}).get("forms")
    if not isinstance(forms, argparse.ArgumentParser):
        return None
    for action in forms._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def cmd_docs(args: argparse.Namespace) -> int:
    from app.forms.doc_table import agreements_markdown

    text = agreements_markdown(catalog_or_fail(installed=False))
    if args.check:
        if not args.output:
            raise CliError("--check needs -o FILE: the file to compare with")
        path = Path(args.output)
        try:
            current = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{path}: cannot be read ({exc.strerror or exc})")
        if current != text:
            print(f"{path} is out of date: run `coc forms docs -o {path}`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if not args.output:
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot be written ({exc.strerror or exc})")
    print(f"wrote {path}")
    return 0

"""`coc forms update [--json]`: install the receiver's newer form editions (verified with TUF) and carry the
requests over to them. Exit 0 when done (also when nothing was newer), 5 when the receiver's update was refused
or could not be downloaded, 3 for the local disk or store, 2 for settings; in every failure the editions in use are
unchanged and the message says why."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import CliError, print_json
from app.cli.store_cmd import open_store
from app.errors import UserError


def cmd_update(args: argparse.Namespace) -> int:
    from app.updates.update import update_forms

    with open_store(args) as store:
        try:
            result = update_forms(store)
        except UserError as exc:
            raise CliError(exc.user_text, exc.exit_code)
    if args.json:
        print_json(result.to_dict())
        return 0
    _print(result)
    return 0


def _print(result: Any) -> None:
    installed = result.download.installed
    for entry in installed:
        name = (
            result.catalog.agreements[entry.agreement].name
            if entry.agreement in result.catalog.agreements
            else entry.agreement
        )
        editions = ", ".join(f"{form} {edition}" for form, edition in sorted(entry.forms.items()))
        print(f"installed {name}: {editions}")
    if not installed:
        print("every form is already in the receiver's newest edition")
    for form, edition in sorted(result.download.older_at_receiver.items()):
        print(f"kept {form} {result.catalog.forms[form].edition} (the receiver's {edition} is older)")
    for report in result.reports:
        print(f"\n{report.title}")
        for line in report.lines():
            print(f"    {line}")

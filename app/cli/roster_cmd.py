"""`coc import` (a roster from the HR system into checked drafts) and `coc export` (the register back to HR).

    coc import FILE [--form FORM] [--mapping MAP.toml] [--dry-run] [--json] [--encoding ENC]
    coc import --undo                       # undo the last import, as one step
    coc export FILE.xlsx|FILE.csv [--state S] [--agreement A] [--with-ssn] [--force]

`coc import` exits 0 when every row was imported (created, updated or unchanged), 1 when some were skipped, 2
when the file (or the mapping) cannot be used at all. The roster libraries and the form engine load only here,
inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, print_json

if TYPE_CHECKING:
    from app.roster.plan import ImportPlan


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "import",
        help="turn an HR roster (.xlsx or .csv) into checked drafts, one per row",
        description="Turn an HR roster (.xlsx or .csv) into drafts, one per row, each with its verdict. Rows "
        "with an assignment reference (request.external_ref) are matched on re-import: nothing is made twice, "
        "changed rows update their drafts, sent requests are never changed. One step, undone by --undo.",
    )
    p.add_argument("file", nargs="?", help="the roster file (.xlsx, or .csv in UTF-8 or Windows-1252)")
    p.add_argument("--form", help="the form of every row without a host country column (e.g. de-employee)")
    p.add_argument(
        "--mapping", metavar="MAP.toml", help="which column fills which field (see docs/roster.md)"
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be imported; change nothing")
    p.add_argument(
        "--json", action="store_true", help="print the result as JSON (with the mapping on --dry-run)"
    )
    p.add_argument("--encoding", help="the CSV's text encoding when it is neither UTF-8 nor Windows-1252")
    p.add_argument("--undo", action="store_true", help="undo the last import (what changed since is kept)")
    p.set_defaults(handler=cmd_import)

    p = subparsers.add_parser(
        "export",
        help="write the register of requests as .xlsx or .csv (recorded in the audit log)",
        description="Write the register: one row per request with worker, agreement, kind, dates, state, "
        "errors, confirmation number, certificate period and days left. SSNs only with --with-ssn.",
    )
    p.add_argument("file", help="the file to write: its extension (.xlsx or .csv) chooses the format")
    p.add_argument(
        "--state", help="only requests in this state (draft, ready, queued, sent, approved, rejected)"
    )
    p.add_argument("--agreement", help="only this agreement (its id, e.g. de)")
    p.add_argument(
        "--with-ssn", action="store_true", help="include the workers' SSNs (recorded in the audit log)"
    )
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(handler=cmd_export)


# --- import --------------------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from app.cli.store_cmd import open_store, store_errors
    from app.errors import UserError

    if args.undo:
        if args.file:
            raise CliError("--undo takes no file: it undoes the last import", 2)
        with open_store(args) as store, store_errors():
            return _undo(store, args.json)
    if not args.file:
        raise CliError("name the roster file to import (or use --undo)", 2)
    from app.cli.forms_cmd import catalog_or_fail
    from app.roster.plan import apply_plan, make_plan, read_roster

    catalog = catalog_or_fail()
    if args.form:
        from app.cli.forms_cmd import spec_or_fail

        spec_or_fail(catalog, args.form)
    try:
        table, mapping = read_roster(args.file, catalog, mapping_file=args.mapping, encoding=args.encoding)
    except UserError as exc:
        raise CliError(exc.user_text, exc.exit_code)
    with open_store(args) as store, store_errors():
        try:
            plan = make_plan(store, table, mapping, catalog, form=args.form)
        except UserError as exc:
            raise CliError(exc.user_text, exc.exit_code)
        batch = None if args.dry_run else apply_plan(store, plan).batch_id
    if args.json:
        data = plan.to_dict(with_mapping=args.dry_run)
        if not args.dry_run:
            data["batch"] = batch
        print_json(data)
    else:
        _print_plan(Path(args.file).name, plan, dry_run=args.dry_run, undoable=batch is not None)
    return 1 if plan.skipped else 0


def _print_plan(name: str, plan: ImportPlan, *, dry_run: bool, undoable: bool) -> None:
    from app.roster.plan import Action

    print(f"{name}: {plan.table.describe()}")
    if dry_run:
        for entry in plan.mapping.describe(plan.table):
            target = entry["field"] or "(ignored)"
            print(f"  {entry['column']} -> {target}" + (" (guessed)" if entry["how"] == "guessed" else ""))
        for target, value in plan.mapping.constants.items():
            print(f"  (every row) {target} = {value}")
    for note in plan.notes:
        print(f"note: {note}")
    would = "would be " if dry_run else ""
    for row in plan.rows:
        if row.action is Action.SKIP:
            print(f"row {row.row}: skipped: {row.reason}")
            continue
        short = row.request_id[:8] if row.request_id else "-"
        verdict = "ready" if row.errors == 0 else f"{row.errors} error(s)"
        if row.warnings:
            verdict += f", {row.warnings} warning(s)"
        done = {"create": "created", "update": "updated", "unchanged": "unchanged"}[row.action.value]
        print(f"row {row.row}: {would}{done} {short} ({row.form}, {verdict})")
        for problem in row.problems:
            print(f"  {problem.text()}")
    counts = (
        f"{plan.count(Action.CREATE)} {would}created, {plan.count(Action.UPDATE)} {would}updated, "
        f"{plan.count(Action.UNCHANGED)} unchanged, {len(plan.skipped)} skipped"
    )
    print(counts, file=sys.stderr)
    if undoable:
        print("undo this import with: coc import --undo", file=sys.stderr)


def _undo(store: Any, as_json: bool) -> int:
    batch = store.last_batch()
    if batch is None:
        raise CliError("there is no import to undo", 1)
    result = store.undo_batch(batch.id)
    data = {
        "batch": result.batch_id,
        "deleted": result.deleted,
        "restored": result.restored,
        "kept": result.kept,
    }
    if as_json:
        print_json(data)
    else:
        print(
            f"undid the import of {batch.at}: {result.deleted} request(s) deleted, {result.restored} put back "
            "as they were" + (f"; {result.kept} changed or sent since were kept" if result.kept else "")
        )
    return 0


# --- export --------------------------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from app.cli.store_cmd import open_store, store_errors
    from app.errors import UserError
    from app.roster import register

    out = Path(args.file)
    try:
        register.format_of(out)
    except UserError as exc:
        raise CliError(exc.user_text, exc.exit_code)
    if out.is_dir():
        raise CliError(f"{out}: is a folder; name the file to write", 2)
    if out.exists() and not args.force:
        raise CliError(f"{out} already exists; use --force to replace it", 2)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder", 2)
    state = _state(args.state)
    names, kinds = _labels()
    with open_store(args) as store, store_errors():
        try:
            count = register.export(
                store,
                out,
                state=state,
                agreement=args.agreement,
                with_ssn=args.with_ssn,
                names=names,
                kinds=kinds,
            )
        except OSError as exc:
            raise CliError(f"{out}: cannot be written ({exc.strerror or exc})", 2)
    ssn = " with SSNs" if args.with_ssn else ""
    print(f"wrote {count} request(s){ssn} to {out}", file=sys.stderr)
    return 0


def _state(text: str | None) -> str | None:
    from app.request import State

    if text is None:
        return None
    wanted = text.strip().lower()
    for s in State:
        if wanted in (s.value, s.label.lower()):
            return s.value
    raise CliError(f"unknown state {text!r} (one of: {', '.join(s.value for s in State)})", 2)


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Agreement names and kind labels for the register (the definitions; ids when they cannot be loaded)."""
    try:
        from app.forms import default_catalog

        catalog = default_catalog()
    except Exception:  # the register is still useful without the definitions' names
        return {}, {}
    names = {a.id: a.name for a in catalog.agreements.values()}
    kinds = {f.kind: f.kind_label for f in catalog.forms.values()}
    return names, kinds

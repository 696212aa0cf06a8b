"""`coc store ...` (create, rekey, back up, restore the encrypted store) and `coc drafts ...` (requests in it).

Every store problem becomes one line and a non-zero exit (3 for the store, 4 for a request not found, 2 for bad
input). Other command modules open the store with `open_store(args)`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.cli.common import CliError, print_json, read_text
from app.fileio import write_private
from app.paths import data_dir
from app.request import RequestDoc, RequestFormatError, State
from app.store import Store, StoreError, keychain, unlock
from app.store.audit import AuditEvent
from app.store.models import ListOrder, RequestSummary
from app.store.store import locate

ENV_NEW_PASSPHRASE = "COC_NEW_PASSPHRASE"
ENV_BACKUP_PASSPHRASE = "COC_BACKUP_PASSPHRASE"


# --- shared helpers (used by other command modules too) ---------------------------------------------------------


def prompt_or_none() -> Callable[[str], str] | None:
    """A hidden-input prompt when a person is at the terminal; None in scripts (they use the variables)."""
    if not sys.stdin.isatty():
        return None
    return lambda label: getpass.getpass(label)


def store_path(args: argparse.Namespace) -> Path:
    return locate(data_dir(getattr(args, "data_dir", None)))


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn `StoreError`s into the CLI's one-line errors."""
    try:
        yield
    except StoreError as exc:
        raise CliError(exc.user_text, exc.exit_code)


def open_store(args: argparse.Namespace) -> Store:
    """Unlock the store of `--data-dir` / `COC_DATA_DIR` / the user-data folder: `COC_PASSPHRASE`, the keychain,
    or a prompt. Errors become `CliError`s. The caller closes the store (use it in a `with` block)."""
    with store_errors():
        return unlock.unlock(store_path(args), prompt=prompt_or_none())


def _new_passphrase(env_name: str, label: str) -> str:
    with store_errors():
        return unlock.new_passphrase(prompt_or_none(), env_name, label)


# --- coc store ----------------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = store_path(args)
    with store_errors():
        if path.exists():
            raise CliError(f"a store already exists at {path}; it was left as it is", 3)
        passphrase = _new_passphrase(unlock.ENV_PASSPHRASE, "New passphrase")
        with Store.create(path, passphrase) as store:
            print(f"created the encrypted store at {path}")
            if args.remember:
                _remember(store)
    return 0


def _remember(store: Store) -> None:
    try:
        unlock.remember(store)
    except StoreError as exc:
        print(f"coc: {exc.user_text}", file=sys.stderr)
    else:
        print("this workstation now remembers the passphrase (in the system keychain)")


def cmd_passwd(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        new = _new_passphrase(ENV_NEW_PASSPHRASE, "New passphrase")
        unlock.change_passphrase(store, new)
    print("the passphrase was changed")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        passphrase = _new_passphrase(ENV_BACKUP_PASSPHRASE, "Backup passphrase")
        written = store.backup(args.file, passphrase, overwrite=args.force)
    print(f"wrote an encrypted backup to {written} (it opens only with the backup passphrase)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    path = store_path(args)
    backup_file = Path(args.file)
    with store_errors():
        if not backup_file.is_file():
            raise CliError(f"{backup_file}: no such file", 2)
        backup_pass = os.environ.get(ENV_BACKUP_PASSPHRASE) or None
        prompt = prompt_or_none()
        if backup_pass is None and prompt is not None:
            backup_pass = prompt("Backup passphrase: ")
        if not backup_pass:
            raise CliError(f"no backup passphrase: type it when asked, or set {ENV_BACKUP_PASSPHRASE}", 2)
        new = _new_passphrase(unlock.ENV_PASSPHRASE, "Passphrase for the restored store")
        store, kept = Store.restore(backup_file, backup_pass, path, new, replace=args.replace)
        with store:
            count = store.count()
    if kept is not None:
        print(f"the previous store was kept as {kept}")
    print(f"restored {count} request(s) into {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        result = store.check(source="cli")
    print(
        f"the store is sound: all {result.pages:,} pages ({result.size_bytes / 1e6:.1f} MB) read and authenticated"
    )
    if result.index_rebuilt:
        print("the search index did not match the requests and was rebuilt")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    path = store_path(args)
    state = keychain.status()
    info = {
        "store": str(path),
        "exists": path.is_file(),
        "size_bytes": path.stat().st_size if path.is_file() else None,
        "keychain": state.backend if state.available else None,
        "keychain_unavailable_reason": state.reason or None,
        "remembered": keychain.recall(path) is not None if state.available and path.is_file() else False,
    }
    if args.json:
        print_json(info)
    else:
        print(f"store: {path} ({'present' if info['exists'] else 'not created yet'})")
        if state.available:
            print(
                f"keychain: {state.backend} (passphrase remembered: {'yes' if info['remembered'] else 'no'})"
            )
        else:
            print(f"keychain: unavailable ({state.reason})")
    return 0


def cmd_remember(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        unlock.remember(store)
    print("this workstation now remembers the passphrase (in the system keychain)")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    forgotten = unlock.forget(store_path(args))
    print("the remembered passphrase was removed" if forgotten else "no passphrase was remembered")
    return 0


# --- coc drafts ---------------------------------------------------------------------------------------------------


def _validator(doc: RequestDoc) -> tuple[int, int]:
    from app.cli.forms_cmd import catalog_or_fail
    from app.forms import UnknownForm, validate_document

    try:
        issues = validate_document(doc, catalog_or_fail())
    except UnknownForm as exc:
        raise CliError(str(exc), 2)
    except RequestFormatError as exc:
        raise CliError(str(exc), 2)
    errors = sum(1 for issue in issues if issue.is_error)
    return errors, len(issues) - errors


def cmd_add(args: argparse.Namespace) -> int:
    try:
        doc = RequestDoc.from_json(read_text(args.file))
    except RequestFormatError as exc:
        raise CliError(f"{args.file}: {exc}", 2)
    errors, warnings = _validator(doc)
    with open_store(args) as store, store_errors():
        store.save(doc, error_count=errors, warning_count=warnings)
    print(doc.id)
    print(f"saved ({doc.state.label}: {errors} error(s), {warnings} warning(s))", file=sys.stderr)
    return 0


def _row(s: RequestSummary) -> tuple[str, ...]:
    return (
        s.id[:8],
        s.state.label,
        s.agreement,
        s.kind,
        s.worker_name or "(no name yet)",
        s.start_date or "-",
        s.end_date or "-",
        str(s.error_count),
        s.updated,
    )


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        rows = store.list(
            state=args.state,
            agreement=args.agreement,
            text=args.search,
            ending_within_days=args.ending_within,
            order_by=args.order,
            limit=args.limit,
        )
    if args.json:
        print_json([r.to_dict() for r in rows])
        return 0
    if not rows:
        print("no requests")
        return 0
    table = [("ID", "STATE", "AGR", "KIND", "WORKER", "START", "END", "ERRORS", "UPDATED"), *map(_row, rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _resolve(store: Store, text: str) -> str:
    with store_errors():
        return store.resolve_id(text)


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        doc = store.get(_resolve(store, args.id))
    print(doc.to_json())
    return 0


def _write_private(path: Path, text: str, force: bool) -> None:
    """Write a file readable only by its owner, atomically (temporary file, then rename)."""
    if path.exists() and not force:
        raise CliError(f"{path} already exists; use --force to replace it", 2)
    if not path.parent.is_dir():
        raise CliError(f"{path.parent}: no such folder", 2)
    try:
        write_private(path, text.encode("utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot be written ({exc.strerror})", 2)


def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args) as store, store_errors():
        request_id = _resolve(store, args.id)
        text = store.get(request_id).to_json() + "\n"
        if args.output:
            _write_private(Path(args.output), text, args.force)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        store.log_event(
            request_id, AuditEvent.EXPORTED, {"format": "json", "to": "file" if args.output else "stdout"}
        )
    if args.output:
        print(f"exported to {args.output}", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    store = subparsers.add_parser("store", help="create, re-key, back up and restore the encrypted store")
    sub = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    p = sub.add_parser("init", help="create the store and set its passphrase (COC_PASSPHRASE for scripts)")
    p.add_argument("--remember", action="store_true", help="remember the passphrase in the system keychain")
    p.set_defaults(handler=cmd_init)
    p = sub.add_parser(
        "passwd", help=f"change the passphrase (the new one from a prompt or {ENV_NEW_PASSPHRASE})"
    )
    p.set_defaults(handler=cmd_passwd)
    p = sub.add_parser(
        "backup", help=f"write an encrypted backup (own passphrase, or {ENV_BACKUP_PASSPHRASE})"
    )
    p.add_argument("file", help="the backup file to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup as the store of the data folder")
    p.add_argument("file", help="the backup file")
    p.add_argument("--replace", action="store_true", help="replace an existing store (it is kept aside)")
    p.set_defaults(handler=cmd_restore)
    p = sub.add_parser(
        "check", help="read the whole store file and check every page (exit 3 when it is damaged)"
    )
    p.set_defaults(handler=cmd_check)
    p = sub.add_parser("status", help="where the store is and whether a keychain can remember the passphrase")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
    p = sub.add_parser("remember", help="remember the passphrase on this workstation (system keychain)")
    p.set_defaults(handler=cmd_remember)
    p = sub.add_parser("forget", help="forget a remembered passphrase")
    p.set_defaults(handler=cmd_forget)

    drafts = subparsers.add_parser("drafts", help="requests in the encrypted store")
    sub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "add", help="store a request document (JSON file, or - for standard input); prints its id"
    )
    p.add_argument("file")
    p.set_defaults(handler=cmd_add)
    p = sub.add_parser("list", help="list the requests")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--state", choices=[s.value for s in State])
    p.add_argument("--agreement", help="agreement id, e.g. de")
    p.add_argument("--search", help="words in the worker's names")
    p.add_argument(
        "--ending-within", type=int, metavar="DAYS", help="assignments ending within DAYS from today"
    )
    p.add_argument("--order", choices=[o.value for o in ListOrder], default=ListOrder.RECENT.value)
    p.add_argument("--limit", type=int)
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("show", help="print a request document (JSON)")
    p.add_argument("id", help="request id (or its first characters)")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("export", help="export a request document (JSON); recorded in the audit log")
    p.add_argument("id", help="request id (or its first characters)")
    p.add_argument(
        "-o", "--output", help="write to this file (readable only by you) instead of standard output"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(handler=cmd_export)

"""`coc drafts ...`: the requests in the encrypted store (add, list, show, export).

`coc drafts add` takes one or more request documents, from files or standard input (`-`), or JSON Lines (one
document a line) with `--jsonl`, and saves them all in ONE store transaction: all of them or, at the first
document that cannot be read, none. Each gets its error and warning counts from the form engine. The documents
are read, checked and saved as a stream (a JSON Lines file of 100,000 requests is never held in memory at once).
The ids are printed on standard output, one a line, in input order, once everything is saved.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from app.cli.common import CliError, print_json, read_limited
from app.cli.store_cmd import open_store, store_errors
from app.request import RequestDoc, State
from app.store.models import ListOrder  # light: the store's records, not its database library

if TYPE_CHECKING:
    from app.forms import Catalog
    from app.store import RequestSummary, Store


# --- coc drafts add -------------------------------------------------------------------------------------------------


def _lines(stream: IO[bytes], name: str) -> Iterator[tuple[str, str | bytes]]:
    """(where, text) of each non-blank line of a JSON Lines stream. A line longer than the verdict reads is read
    no further than needed to say so (its first bytes, which the verdict refuses as too large): a stream without
    line breaks (`/dev/zero`, a damaged export) no longer fills the memory."""
    from app.forms.limits import MAX_TEXT_BYTES

    number = 0
    while raw := stream.readline(MAX_TEXT_BYTES + 2):  # the longest line allowed, and its line break
        number += 1
        raw = raw.rstrip(b"\r\n")
        if len(raw) > MAX_TEXT_BYTES:
            yield f"{name}, line {number}", raw
            return
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CliError(f"{name}, line {number}: not UTF-8 text")
        if line.strip():
            yield f"{name}, line {number}", line


def _jsonl(path: str) -> Iterator[tuple[str, str | bytes]]:
    if path == "-":
        yield from _lines(sys.stdin.buffer, "standard input")
        return
    try:
        with open(path, "rb") as stream:
            yield from _lines(stream, path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file")
    except IsADirectoryError:
        raise CliError(f"{path}: is a folder, not a file")
    except PermissionError:
        raise CliError(f"{path}: permission denied")


def _texts(args: argparse.Namespace) -> Iterator[tuple[str, str | bytes]]:
    """(where, JSON text) of every document given, in order (a file read no further than the verdict's limit)."""
    from app.forms.limits import MAX_TEXT_BYTES

    files = args.files or ["-"]
    for path in files:
        if args.jsonl:
            yield from _jsonl(path)
        else:
            yield ("standard input" if path == "-" else path), read_limited(path, MAX_TEXT_BYTES)


def _checked(
    args: argparse.Namespace, catalog: Catalog, store: Store, out: list[tuple[str, State]]
) -> Iterator[tuple[RequestDoc, int, int]]:
    """Each document read and checked, as `Store.save_many` takes it; `out` gets (id, state) of each.

    A document of a request already in the store is saved only from the revision it was exported at (`--base`),
    or over whatever is stored on explicit request (`--replace`); else the store refuses it (`RevisionConflict`)."""
    from app.forms import verdict

    texts = _texts(args)
    while True:
        try:
            where, text = next(texts)
        except StopIteration:
            return
        except CliError as exc:  # a file or a line that cannot be read
            raise CliError(f"{exc.message}; nothing was saved", exc.exit_code) from None
        judged = verdict(text, catalog)
        if judged.refused or judged.doc is None:
            raise CliError(f"{where}: {judged.summary()}; nothing was saved", 2)
        doc = judged.doc
        doc.revision = (
            args.base if args.base is not None else store.revision_of(doc.id) if args.replace else None
        )
        out.append((doc.id, State.READY if judged.ready else State.DRAFT))
        yield doc, judged.error_count, judged.warning_count


_CONFLICT_HINT = (
    "Export it again (coc drafts export ID), make the change there and add that file with --base REVISION "
    "(export says which); or add this file with --replace to keep it as the newest revision (the stored one stays "
    "in the request's history)."
)


def cmd_add(args: argparse.Namespace) -> int:
    from app.cli.forms_cmd import catalog_or_fail

    for path in args.files:  # before asking for the passphrase
        if path != "-" and not Path(path).exists():
            raise CliError(f"{path}: no such file; nothing was saved")
    if args.base is not None and (args.replace or args.jsonl or len(args.files) > 1):
        raise CliError(
            "--base is the revision one document was exported at: give one file, without --replace"
        )
    catalog = catalog_or_fail()
    saved: list[tuple[str, State]] = []
    counts = [0, 0]  # errors, warnings

    def counted() -> Iterator[tuple[RequestDoc, int, int]]:
        for doc, errors, warnings in _checked(args, catalog, store, saved):
            counts[0] += errors
            counts[1] += warnings
            yield doc, errors, warnings

    from app.store import RevisionConflict

    with open_store(args) as store, store_errors():
        try:
            store.save_many(counted())
        except RevisionConflict as exc:
            raise CliError(f"{exc.message} {_CONFLICT_HINT}", exc.exit_code) from None
    sys.stdout.write("".join(f"{request_id}\n" for request_id, _state in saved))
    ready = sum(1 for _id, state in saved if state is State.READY)
    errors, warnings = counts
    if len(saved) == 1:
        label = saved[0][1].label
        print(f"saved ({label}: {errors} error(s), {warnings} warning(s))", file=sys.stderr)
    else:
        print(
            f"saved {len(saved)} requests in one transaction: {ready} ready, {len(saved) - ready} draft(s) "
            f"({errors} error(s), {warnings} warning(s) in all)",
            file=sys.stderr,
        )
    return 0


# --- list, show, export ---------------------------------------------------------------------------------------------


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
    if args.json and not args.issues:
        raise CliError("--json goes with --issues (the document itself is JSON already)", 2)
    with open_store(args) as store, store_errors():
        doc = store.get(_resolve(store, args.id))
        others = store.worker_requests(doc) if args.issues else []
    if not args.issues:
        print(doc.to_json())
        return 0
    from app.cli.forms_cmd import catalog_or_fail
    from app.cli.request_cmd import print_verdict
    from app.forms import Context, verdict

    # The one verdict, with the worker's other requests in the store: checks across requests included.
    return print_verdict(verdict(doc, catalog_or_fail(), Context(others=others)), args.json)


def _write_private(path: Path, text: str, force: bool) -> None:
    """Write a file readable only by its owner, atomically (temporary file, then rename)."""
    from app.fileio import write_private

    if path.exists() and not force:
        raise CliError(f"{path} already exists; use --force to replace it", 2)
    if not path.parent.is_dir():
        raise CliError(f"{path.parent}: no such folder", 2)
    try:
        write_private(path, text.encode("utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot be written ({exc.strerror})", 2)


def cmd_export(args: argparse.Namespace) -> int:
    from app.store import AuditEvent

    with open_store(args) as store, store_errors():
        request_id = _resolve(store, args.id)
        doc = store.get(request_id)
        text = doc.to_json() + "\n"
        if args.output:
            _write_private(Path(args.output), text, args.force)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        store.log_event(
            request_id, AuditEvent.EXPORTED, {"format": "json", "to": "file" if args.output else "stdout"}
        )
    where = f" to {args.output}" if args.output else ""
    print(
        f"exported revision {doc.revision}{where} (add it back with --base {doc.revision})", file=sys.stderr
    )
    return 0


def register(subparsers: Any) -> None:
    drafts = subparsers.add_parser("drafts", help="requests in the encrypted store")
    sub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "add",
        help="store request documents (JSON files, - for standard input, or JSON Lines with --jsonl) in one "
        "transaction; prints their ids",
        description="Store request documents in ONE transaction: all of them, or none when one cannot be read. "
        "Each is checked by the form engine (its errors make it a Draft, none a Ready request).",
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="request documents (JSON); - or none: standard input"
    )
    p.add_argument(
        "--jsonl", action="store_true", help="the input is JSON Lines: one request document a line"
    )
    p.add_argument(
        "--base",
        type=int,
        metavar="REVISION",
        help="the revision the document was exported at (coc drafts export says it): refused if the request "
        "changed since",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="save over requests already in the store, whatever their revision (theirs stay in their history)",
    )
    p.set_defaults(handler=cmd_add)
    p = sub.add_parser("list", help="list the requests")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--state", choices=[s.value for s in State])
    p.add_argument("--agreement", help="agreement id, e.g. de")
    p.add_argument(
        "--search", help="words in the worker's name, a confirmation number or a request id (its start)"
    )
    p.add_argument(
        "--ending-within", type=int, metavar="DAYS", help="assignments ending within DAYS from today"
    )
    p.add_argument("--order", choices=[o.value for o in ListOrder], default=ListOrder.RECENT.value)
    p.add_argument("--limit", type=int)
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser(
        "show",
        help="print a request document (JSON), or with --issues its verdict",
        description="Print a stored request document. With --issues, print its issues instead, as coc validate "
        "does, including those across the worker's other requests in the store (overlapping periods, an "
        "extension that does not follow its certificate, a certificate still running); exit 1 when it has "
        "errors.",
    )
    p.add_argument("id", help="request id (or its first characters)")
    p.add_argument(
        "--issues", action="store_true", help="print the request's issues, across requests included"
    )
    p.add_argument("--json", action="store_true", help="with --issues: the fields of coc validate --json")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("export", help="export a request document (JSON); recorded in the audit log")
    p.add_argument("id", help="request id (or its first characters)")
    p.add_argument(
        "-o", "--output", help="write to this file (readable only by you) instead of standard output"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(handler=cmd_export)

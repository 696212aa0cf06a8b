"""`coc print ID|FILE -o OUT.pdf [--mask-ssn]`: the fax copy of a request, as a PDF.

FILE is a request document (JSON); ID is a request in the encrypted store (its id or an unambiguous prefix),
and printing it is recorded in the store's audit log (masked or not, how many pages). The PDF is written
atomically and readable by its owner only. A request with errors prints with the NOT READY TO SEND mark.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError
from app.cli.forms_cmd import catalog_or_fail, spec_or_fail
from app.cli.request_cmd import load_document
from app.request import RequestDoc

if TYPE_CHECKING:
    from app.printing import Rendered

_ID_LIKE = re.compile(r"[0-9a-fA-F][0-9a-fA-F-]{3,35}")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "print",
        help="write the fax copy of a request (cover sheet + request) as a PDF",
        description="Write the fax copy of a request as a PDF: a cover sheet addressed to SSA's office for paper "
        "requests, then the request. A request with errors prints marked NOT READY TO SEND.",
    )
    p.add_argument(
        "source", metavar="ID|FILE", help="a request id (or prefix) in the store, or a request JSON file"
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf", help="the PDF file to write")
    p.add_argument(
        "--mask-ssn", action="store_true", help="show only the last four digits of the SSN (internal copies)"
    )
    p.add_argument("--force", action="store_true", help="replace OUT.pdf if it exists")
    p.set_defaults(handler=cmd_print)


def cmd_print(args: argparse.Namespace) -> int:
    out = _output(args.output, args.force)
    source: str = args.source
    if source == "-" or Path(source).is_file():
        rendered = _render(load_document(source, catalog_or_fail())[0], args.mask_ssn)
        _write(out, rendered)
    elif _ID_LIKE.fullmatch(source):
        rendered = _print_stored(args, source, out)
    else:
        raise CliError(f"{source}: no such file, and not a request id", 2)
    if rendered.masked:  # not addressed to SSA, whatever its state
        state = "internal copy with the SSN masked: do not fax"
        if not rendered.ready:
            state += f"; {rendered.errors} error(s) to correct"
    else:
        state = "ready to send" if rendered.ready else f"NOT READY TO SEND ({rendered.errors} error(s))"
    print(f"wrote {out} ({rendered.pages} page(s), {state})", file=sys.stderr)
    return 0


def _print_stored(args: argparse.Namespace, id_or_prefix: str, out: Path) -> Rendered:
    from app.cli.store_cmd import open_store, store_errors
    from app.store import AuditEvent

    with open_store(args) as store, store_errors():
        request_id = store.resolve_id(id_or_prefix)
        rendered = _render(store.get(request_id), args.mask_ssn)
        _write(out, rendered)
        store.log_event(
            request_id,
            AuditEvent.PRINTED,
            {"masked": rendered.masked, "pages": rendered.pages, "to": "file", "source": "cli"},
        )
    return rendered


def _render(doc: RequestDoc, mask: bool) -> Rendered:
    from app.printing import PrintError, render

    spec = spec_or_fail(catalog_or_fail(), doc.form)
    try:
        return render(doc, spec, mask_ssn=mask)
    except PrintError as exc:
        raise CliError(f"cannot print request {doc.id}: {exc.user_text}", 1)


def _output(name: str, force: bool) -> Path:
    out = Path(name)
    if out.is_dir():
        raise CliError(f"{out}: is a folder; name the PDF file to write", 2)
    if out.exists() and not force:
        raise CliError(f"{out} already exists; use --force to replace it", 2)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder", 2)
    return out


def _write(out: Path, rendered: Rendered) -> None:
    from app.printing import write_pdf

    try:
        write_pdf(out, rendered.pdf)
    except OSError as exc:
        raise CliError(f"{out}: cannot be written ({exc.strerror or exc})", 2)

"""The `coc` command line. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from app import __version__
from app.cli.common import CliError, VisibleOutput
from app.fileio import tighten_dir
from app.paths import chosen_data_dir, data_dir
from app.process import harden

# Modules that add sub-commands: each has `register(subparsers)`; one may offer `default_handler(args)`, what
# `coc` does with no command (the desktop application).
COMMAND_MODULES = (
    "app.cli.forms_cmd",
    "app.cli.request_cmd",
    "app.cli.store_cmd",
    "app.cli.drafts_cmd",
    "app.cli.print_cmd",
    "app.cli.docs_cmd",
    "app.cli.transmit_cmd",
    "app.cli.gui_cmd",
    "app.cli.demo_cmd",
    "app.cli.roster_cmd",
    "app.cli.notices_cmd",
)

# The module(s) that register each command: `coc COMMAND ...` imports only those (`coc validate` need not load the
# store, the transmission or the roster code); `coc`, `coc --help` and anything else build the whole parser.
# `tests/test_cli_imports.py` holds this table to what the modules register.
COMMAND_OWNERS = {
    "forms": ("app.cli.forms_cmd", "app.cli.docs_cmd"),
    "new": ("app.cli.request_cmd",),
    "validate": ("app.cli.request_cmd",),
    "store": ("app.cli.store_cmd",),
    "drafts": ("app.cli.drafts_cmd",),
    "print": ("app.cli.print_cmd",),
    "settings": ("app.cli.transmit_cmd",),
    "outbox": ("app.cli.transmit_cmd",),
    "status": ("app.cli.transmit_cmd",),
    "editions": ("app.cli.transmit_cmd",),
    "gui": ("app.cli.gui_cmd",),
    "demo": ("app.cli.demo_cmd",),
    "import": ("app.cli.roster_cmd",),
    "export": ("app.cli.roster_cmd",),
    "notices": ("app.cli.notices_cmd",),
}


def command_of(argv: Sequence[str]) -> str | None:
    """The command `argv` names (its first word that is not an option of `coc` itself), or None."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word == "--data-dir":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, for a known `command`, of that command alone."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="coc",
        description="Request U.S. Certificates of Coverage under the totalization agreements.",
    )
    parser.add_argument("--version", action="version", version=f"coc {__version__}")
    parser.add_argument(
        "--data-dir", help="folder of the encrypted store (default: COC_DATA_DIR or the user-data folder)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_OWNERS.get(command or "", COMMAND_MODULES):
        module = importlib.import_module(name)
        module.register(subparsers)
        if hasattr(module, "default_handler"):
            parser.default_handler = module.default_handler  # type: ignore[attr-defined]
    return parser


def interrupted_restore(data: Path) -> str | None:
    """What an interrupted `coc store restore` left in `data`, tidied and said at the next start (`app.store.backup`).
    The store package is imported only when a leftover's name is there."""
    try:
        names = os.listdir(data)
    except OSError:
        return None
    if not any(name.startswith(".store.db.restor") for name in names):
        return None
    from app.store.backup import finish_interrupted_restore
    from app.store.store import locate

    return finish_interrupted_restore(locate(data))


def main(argv: Sequence[str] | None = None) -> int:
    harden()  # umask 077 and no core dumps, before any secret is read (app/process.py)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleOutput.around(sys.stdout), VisibleOutput.around(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    data = data_dir(args.data_dir)
    args.startup_notes = [note for note in (tighten_dir(data), interrupted_restore(data)) if note]
    for note in args.startup_notes:  # the desktop application shows them too (app.cli.gui_cmd)
        print(f"coc: {note}", file=sys.stderr)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        default = getattr(parser, "default_handler", None)
        if default is None:
            parser.print_help()
            return 0
        handler = default
    try:
        with chosen_data_dir(args.data_dir):
            return handler(args)
    except CliError as exc:
        print(f"coc: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("coc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, a report without personal data for us
        from app.crashlog import report_current

        path = report_current(data / "crash")
        where = f"; a report (without personal data) was written to {path}" if path else ""
        print(f"coc: internal error ({type(exc).__name__}){where}", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

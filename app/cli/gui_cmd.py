"""`coc gui` (and `coc` with no command): the desktop application; `--smoke` checks it on a throw-away store.

The user interface lives in `ui/` and is imported only here, inside the handler, so that importing `app` never
loads Qt (a test holds the core to that).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
from pathlib import Path
from typing import Any

from app.cli.common import CliError
from app.display import DisplayProblem, start_check
from app.paths import data_dir

# The core the window needs to show the list, imported before Qt: once loaded, PySide6 reads the source of every
# module imported after it, looking for its `__feature__` switches (shibokensupport's feature_imported). The form
# engine is not among them: a launch with a remembered key shows the list first (`app.catalog_index`); nor is the
# log file's code, which opens after the window (`ui.app.EarlyRecords`).
CORE_BEFORE_QT = ("app.store.store", "app.store.unlock", "app.store.service", "app.catalog_index")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("gui", help="open the desktop application (what `coc` alone does)")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="start on a throw-away store, open every screen and every form's wizard, then exit (0 when all is well)",
    )
    p.add_argument("--screenshots", metavar="DIR", help="with --smoke: save a PNG of each main screen in DIR")
    p.set_defaults(handler=cmd_gui)


def default_handler(args: argparse.Namespace) -> int:
    """What `coc` does with no command: open the application."""
    return cmd_gui(args)


def cmd_gui(args: argparse.Namespace) -> int:
    screenshots = getattr(args, "screenshots", None)
    smoke = bool(getattr(args, "smoke", False))
    if screenshots and not smoke:
        raise CliError("--screenshots goes with --smoke")
    # No cyclic garbage collection while the start-up imports and builds (it would walk the new modules' objects
    # again and again, some 10% of the launch): `ui.app.run` turns it back on a second after the event loop starts
    # (at once for the smoke run); here it is on again whatever ended the start or the session.
    gc.disable()
    try:
        return _start(args, smoke, screenshots)
    finally:
        gc.enable()


def _start(args: argparse.Namespace, smoke: bool, screenshots: str | None) -> int:
    try:  # before Qt loads: a missing system library is named, never Qt's abort
        judge = start_check()  # `ldd` runs on the other core while the core is imported
        for name in CORE_BEFORE_QT:
            importlib.import_module(name)
        platform = judge()
    except DisplayProblem as exc:
        raise CliError(exc.user_text, exc.exit_code)
    if platform is not None:
        os.environ["QT_QPA_PLATFORM"] = platform
    try:
        module = importlib.import_module("ui.app")
    except ImportError as exc:
        raise CliError(f"the desktop application cannot start: {exc} (reinstall the application)", 3)
    code: int = module.run(
        data_dir(getattr(args, "data_dir", None)),
        smoke=smoke,
        screenshots=Path(screenshots) if screenshots else None,
        notes=getattr(args, "startup_notes", ()),
    )
    return code

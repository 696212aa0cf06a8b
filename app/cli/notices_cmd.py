"""`coc notices`: the third-party software this program includes, each with its licence (`app.notices`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "notices",
        help="the third-party software this program includes, with their licences (as in Help > About)",
    )
    p.set_defaults(handler=cmd_notices)


def cmd_notices(args: argparse.Namespace) -> int:
    from app.notices import notices_text

    sys.stdout.write(notices_text())
    return 0

"""`coc demo`: a fresh store filled with fictional requests in different states, across agreements."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import CliError
from app.cli.store_cmd import _new_passphrase, open_store, store_errors, store_path


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("demo", help="fill a fresh store with fictional requests to look around")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import fill
    from app.store import Store, unlock

    path = store_path(args)
    with store_errors():
        if path.exists():
            with open_store(args) as store:
                if store.count():
                    raise CliError(
                        f"the store at {path} already holds requests; `coc demo` fills only a fresh store "
                        "(use --data-dir to make one elsewhere)",
                        3,
                    )
                ids = fill(store)
        else:
            passphrase = _new_passphrase(unlock.ENV_PASSPHRASE, "New passphrase")
            with Store.create(path, passphrase) as store:
                ids = fill(store)
    print(f"added {len(ids)} fictional requests to {path}")
    return 0

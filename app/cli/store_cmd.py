"""`coc store ...`: create, re-key, back up, restore and check the encrypted store.

Every store problem becomes one line and a non-zero exit (3 for the store, 4 for a request not found, 2 for bad
input). Other command modules open the store with `open_store(args)`. The database library loads only when a
handler opens the store (`coc --help` imports none of it).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, print_json
from app.paths import data_dir
from app.store.errors import StoreError

if TYPE_CHECKING:
    from app.store import Store

ENV_NEW_PASSPHRASE = "COC_NEW_PASSPHRASE"
ENV_BACKUP_PASSPHRASE = "COC_BACKUP_PASSPHRASE"


# --- shared helpers (used by other command modules too) ---------------------------------------------------------


def prompt_or_none() -> Callable[[str], str] | None:
    """A hidden-input prompt when a person is at the terminal; None in scripts (they use the variables)."""
    if not sys.stdin.isatty():
        return None
    return lambda label: getpass.getpass(label)


def store_path(args: argparse.Namespace) -> Path:
    from app.store import locate

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
    from app.store import unlock

    with store_errors():
        return unlock.unlock(store_path(args), prompt=prompt_or_none())


def _new_passphrase(env_name: str, label: str) -> str:
    from app.store import unlock

    with store_errors():
        return unlock.new_passphrase(prompt_or_none(), env_name, label)


# --- coc store ----------------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app.store import Store, unlock

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
    from app.store import unlock

    try:
        unlock.remember(store)
    except StoreError as exc:
        print(f"coc: {exc.user_text}", file=sys.stderr)
    else:
        print("this workstation now remembers the passphrase (in the system keychain)")


def cmd_passwd(args: argparse.Namespace) -> int:
    from app.store import unlock

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
    from app.store import Store, unlock

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
    from app.store import keychain

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
    from app.store import unlock

    with open_store(args) as store, store_errors():
        unlock.remember(store)
    print("this workstation now remembers the passphrase (in the system keychain)")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from app.store import unlock

    forgotten = unlock.forget(store_path(args))
    print("the remembered passphrase was removed" if forgotten else "no passphrase was remembered")
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

"""`coc settings ...` (where requests go), `coc outbox ...` (queue and send) and `coc status ID` (the receiver's
answer). Built on `app.transmit`; every problem is one line and a non-zero exit (2 input or settings, 1 a request
with errors or not everything sent, 3 the store, 4 a request not found or in the wrong state, 5 the receiver)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, print_json
from app.cli.store_cmd import open_store
from app.request import State
from app.store.errors import StoreError

if TYPE_CHECKING:
    from app.store import Store
    from app.transmit import SendResult

ENV_TOKEN = "COC_TOKEN"
SHOWN_ERRORS = 3


@contextmanager
def transmit_errors() -> Iterator[None]:
    """Turn store and transmission errors into the CLI's one-line errors."""
    from app.transmit import NotReady, TransmitError

    try:
        yield
    except NotReady as exc:
        errors = exc.errors
        # Each message is a sentence of its own: "First name is required. ..." (never "required.; ...").
        shown = " ".join(f"{e['field']}: {e['message']}" for e in errors[:SHOWN_ERRORS])
        more = f" (and {len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
        raise CliError(f"{exc.message} {shown}{more}".strip(), exc.exit_code)
    except TransmitError as exc:
        raise CliError(exc.user_text, exc.exit_code)
    except StoreError as exc:
        raise CliError(exc.user_text, exc.exit_code)


def _resolve(store: Store, text: str) -> str:
    with transmit_errors():
        return store.resolve_id(text)


# --- coc settings --------------------------------------------------------------------------------------------------


def _read_token() -> str:
    token = os.environ.get(ENV_TOKEN)
    if not token and sys.stdin.isatty():
        token = getpass.getpass("Access token: ").strip()
    if not token:
        raise CliError(f"no access token: type it when asked, or set {ENV_TOKEN}", 2)
    return token


def cmd_settings_set(args: argparse.Namespace) -> int:
    from app.transmit import TokenPlace, set_ca_bundle, set_endpoint, set_token

    name = args.name
    if name in ("endpoint", "ca-bundle", "forms-root") and not args.value:
        raise CliError(
            f"give the {name}: coc settings set {name} {'URL' if name == 'endpoint' else 'FILE'}", 2
        )
    if name == "forms-root":
        return _set_forms_root(args)
    if name == "token" and args.value:
        raise CliError(
            f"the token is never given on the command line: type it when asked, or set {ENV_TOKEN}", 2
        )
    token = _read_token() if name == "token" else None
    with open_store(args) as store, transmit_errors():
        if name == "endpoint":
            print(f"endpoint: {set_endpoint(store, args.value)}")
        elif name == "ca-bundle":
            print(f"trusted certificate authorities: {set_ca_bundle(store, args.value)}")
        else:
            assert token is not None
            place = set_token(store, token)
            where = "the system keychain" if place is TokenPlace.KEYCHAIN else "the encrypted store"
            print(f"access token saved in {where}")
    return 0


def _set_forms_root(args: argparse.Namespace) -> int:
    from app.updates.trust import InvalidRoot, set_forms_root

    with open_store(args) as store:
        try:
            root = set_forms_root(store, args.value)
        except InvalidRoot as exc:
            raise CliError(exc.user_text, exc.exit_code)
    print(f"form updates are verified with this root (version {root.version}, expires {root.expires})")
    return 0


def cmd_settings_unset(args: argparse.Namespace) -> int:
    from app.transmit import set_ca_bundle
    from app.transmit.settings import clear_token

    with open_store(args) as store, transmit_errors():
        if args.name == "forms-root":
            from app.updates.trust import clear_forms_root

            clear_forms_root(store)
        elif args.name == "endpoint":
            from app.transmit.settings import ENDPOINT

            store.delete_setting(ENDPOINT)
        elif args.name == "ca-bundle":
            set_ca_bundle(store, None)
        else:
            clear_token(store)
    print(f"{args.name}: not set")
    return 0


def cmd_settings_show(args: argparse.Namespace) -> int:
    from app.transmit import describe
    from app.updates.trust import FORMS_ROOT

    with open_store(args) as store, transmit_errors():
        info = describe(store)
        info["forms_root"] = (
            "set (coc settings set forms-root)"
            if store.get_setting(FORMS_ROOT)
            else "(the receiver's root shipped with the application)"
        )
    if args.json:
        print_json(info)
        return 0
    print(f"endpoint:   {info['endpoint'] or '(not set)'}")
    print(f"ca-bundle:  {info['ca_bundle'] or '(the system default authorities)'}")
    print(f"token:      {info['token'] or '(not set)'}")
    print(f"forms-root: {info['forms_root']}")
    print(f"timeouts:   connect {info['connect_timeout']:g} s, read {info['read_timeout']:g} s")
    return 0


# --- coc outbox ----------------------------------------------------------------------------------------------------


def cmd_queue(args: argparse.Namespace) -> int:
    from app.transmit import queue

    with open_store(args) as store, transmit_errors():
        request_id = _resolve(store, args.id)
        item = queue(store, request_id)
    print(f"{item.request_id}: queued (it goes out with coc outbox send)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with open_store(args) as store, transmit_errors():
        request_id = _resolve(store, args.id)
        if store.outbox_item(request_id) is None:
            raise CliError(f"{request_id}: not in the outbox", 4)
        store.dequeue(request_id)
    print(f"{request_id}: taken out of the outbox (back to Draft)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.transmit.text import clean

    with open_store(args) as store, transmit_errors():
        items = store.outbox()
    rows = [
        {
            "request_id": i.request_id,
            "queued": i.queued,
            "attempts": i.attempts,
            "next_try": i.next_try,
            "last_attempt": i.last_attempt,
            "last_error": i.last_error,
        }
        for i in items
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("the outbox is empty")
        return 0
    for r in rows:
        print(f"{r['request_id']}  queued {r['queued']}  attempts {r['attempts']}  next try {r['next_try']}")
        if r["last_error"]:
            print(f"    last error: {clean(r['last_error'])}")  # the receiver's words: never terminal control
    return 0


def _progress(n: int, m: int, result: SendResult) -> None:
    from app.transmit.text import clean

    print(
        f"[{n}/{m}] {result.request_id}: {result.outcome.value}: {clean(result.message)}",
        file=sys.stderr,
        flush=True,
    )


def cmd_send(args: argparse.Namespace) -> int:
    from app.transmit import Outbox

    with open_store(args) as store, transmit_errors(), Outbox.from_store(store) as outbox:
        report = outbox.send_due(progress=_progress, force=not args.due)
        left = len(store.outbox())
    print(
        f"{report.sent} sent, {report.refused} refused (back to Draft), {left} still queued"
        + (f"; stopped: {report.stopped}" if report.stopped else "")
    )
    return 0 if report.refused == 0 and left == 0 else 1


def cmd_editions(args: argparse.Namespace) -> int:
    """Exit 0 when every form here is the receiver's current edition, 1 when some are not."""
    from app.transmit import Outbox

    with open_store(args) as store, transmit_errors(), Outbox.from_store(store) as outbox:
        newer = outbox.newer_editions()
    if args.json:
        print_json(newer)
    elif newer:
        for form, edition in sorted(newer.items()):
            print(f"{form}: the receiver has edition {edition}")
        print(f"{len(newer)} form(s) differ from the receiver's edition: update them with: coc forms update")
    else:
        print("every form is the receiver's current edition")
    return 1 if newer else 0


def cmd_status(args: argparse.Namespace) -> int:
    from app.transmit import Outbox
    from app.transmit.text import clean

    with open_store(args) as store, transmit_errors():
        request_id = _resolve(store, args.id)
        local = store.get(request_id).state
        if local not in (State.SENT, State.APPROVED, State.REJECTED):
            errors = store.receiver_errors(request_id)
            if args.json:
                print_json({"request_id": request_id, "local_state": local.value, "receiver_errors": errors})
                return 0
            print(f"{request_id}: {local.label} (not sent yet)")
            for e in errors:
                print(f"    receiver: {clean(e.get('field'))}: {clean(e.get('message'))}")
            return 0
        with Outbox.from_store(store) as outbox:
            status = outbox.check_status(request_id)
        local = store.get(request_id).state
        receipt = store.receipt(request_id) or {}
    if args.json:
        print_json({"local_state": local.value, "receipt": receipt, "receiver": status.to_dict()})
        return 0
    print(f"{request_id}: {local.label}")
    print(
        f"    confirmation {status.confirmation or receipt.get('confirmation')}, received {status.received_at}"
    )
    print(f"    at the receiver: {status.state.replace('_', ' ')}")
    if status.state == "approved":
        print(f"    certificate period: {status.certificate_start} to {status.certificate_end or '(open)'}")
    if status.state == "rejected":
        print(f"    reason: {status.reason}")
    return 0


# --- registration --------------------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:

    settings = subparsers.add_parser("settings", help="where requests are sent: endpoint, CA bundle, token")
    sub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "set",
        help=f"set endpoint URL | ca-bundle FILE | forms-root FILE | token (token from a prompt or {ENV_TOKEN}, "
        "never an argument)",
    )
    p.add_argument("name", choices=["endpoint", "ca-bundle", "token", "forms-root"])
    p.add_argument(
        "value",
        nargs="?",
        help="the URL (https://...), the CA file (PEM) or the receiver's forms root (JSON)",
    )
    p.set_defaults(handler=cmd_settings_set)
    p = sub.add_parser(
        "unset",
        help="forget a setting (ca-bundle: back to the system's authorities; forms-root: back to the shipped root)",
    )
    p.add_argument("name", choices=["endpoint", "ca-bundle", "token", "forms-root"])
    p.set_defaults(handler=cmd_settings_unset)
    p = sub.add_parser("show", help="the transmission settings (never the token itself)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_settings_show)

    outbox = subparsers.add_parser("outbox", help="queue requests and send them to the receiving service")
    sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    p = sub.add_parser("queue", help="check a request again and put it in the outbox (frozen until sent)")
    p.add_argument("id", help="request id (or its first characters)")
    p.set_defaults(handler=cmd_queue)
    p = sub.add_parser("remove", help="take a request out of the outbox, back to Draft")
    p.add_argument("id", help="request id (or its first characters)")
    p.set_defaults(handler=cmd_remove)
    p = sub.add_parser("list", help="the queued requests, with attempts, next try and last error")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("send", help="send the queued requests now; exit 1 unless all were sent")
    p.add_argument("--due", action="store_true", help="only those whose next try time has come")
    p.set_defaults(handler=cmd_send)

    p = subparsers.add_parser(
        "status", help="a sent request's state at the receiver (records approval/rejection)"
    )
    p.add_argument("id", help="request id (or its first characters)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)

    p = subparsers.add_parser(
        "editions", help="compare the installed form editions with the receiving service's current ones"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_editions)

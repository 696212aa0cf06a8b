"""`python -m intake serve|decide|list`: run the reference intake service, and stand in for the agency."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from intake.db import IntakeDB
from intake.service import DecisionError, decide

ENV_TOKEN = "INTAKE_TOKEN"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m intake",
        description="The reference receiving service of the Certificate of Coverage transmission protocol "
        "(docs/protocol.yaml), for local runs, demos and tests.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("serve", help="serve HTTPS on 127.0.0.1 until interrupted")
    p.add_argument("--data", required=True, type=Path, help="data folder (database, certificates, e-mails)")
    p.add_argument(
        "--port", type=int, default=8443, help="port on 127.0.0.1 (0: any free port; default 8443)"
    )
    p.add_argument(
        "--token",
        action="append",
        default=[],
        help=f"an accepted access token (repeatable; or {ENV_TOKEN})",
    )
    p.add_argument("--verbose", action="store_true", help="log each request (method, path, status)")
    p.set_defaults(handler=cmd_serve)
    p = sub.add_parser("decide", help="record the agency's decision on a received request")
    p.add_argument("id", help="request id, its first characters, or the confirmation number")
    p.add_argument("decision", choices=["approve", "reject", "review"])
    p.add_argument("--reason", help="why the request is rejected")
    p.add_argument("--start", help="first day the certificate covers (default: the requested start)")
    p.add_argument("--end", help="last day the certificate covers (default: the requested end)")
    p.add_argument("--data", required=True, type=Path, help="the service's data folder")
    p.set_defaults(handler=cmd_decide)
    p = sub.add_parser(
        "app", help="run the application with this service on loopback (stops when the application closes)"
    )
    p.add_argument(
        "--data", type=Path, help="the service's data folder (default: local-intake in the data folder)"
    )
    p.add_argument("coc_args", nargs=argparse.REMAINDER, help="arguments for coc (default: gui)")
    p.set_defaults(handler=cmd_app)
    p = sub.add_parser("list", help="the requests received")
    p.add_argument("--data", required=True, type=Path, help="the service's data folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    from intake.server import make_server

    tokens = list(args.token)
    if not tokens and os.environ.get(ENV_TOKEN):
        tokens.append(os.environ[ENV_TOKEN])
    if not tokens:
        print(f"intake: give at least one --token (or set {ENV_TOKEN})", file=sys.stderr)
        return 2
    try:
        server, ca_path = make_server(args.data, tokens, port=args.port, verbose=args.verbose)
    except OSError as exc:
        print(f"intake: cannot listen on 127.0.0.1:{args.port} ({exc.strerror})", file=sys.stderr)
        return 1
    url = f"https://127.0.0.1:{server.server_address[1]}"
    print(f"intake service listening on {url}", flush=True)
    print(f"certificate authority: {ca_path}", flush=True)
    print(f"trust it with: coc settings set ca-bundle {ca_path}", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("intake service stopped", flush=True)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from intake.launcher import run_app

    coc_args = [a for a in args.coc_args if a != "--"]
    return run_app(coc_args, args.data)


def cmd_decide(args: argparse.Namespace) -> int:
    if not (args.data / "intake.sqlite3").is_file():
        print(f"intake: no intake data in {args.data}", file=sys.stderr)
        return 2
    with IntakeDB(args.data) as db:
        try:
            result = decide(
                db, args.data, args.id, args.decision, reason=args.reason, start=args.start, end=args.end
            )
        except DecisionError as exc:
            print(f"intake: {exc}", file=sys.stderr)
            return 1
    row = result.row
    print(f"{row.request_id} ({row.confirmation}): {row.state}")
    if row.state == "approved":
        print(f"certificate period: {row.cert_start} to {row.cert_end}")
    if row.state == "rejected":
        print(f"reason: {row.reason}")
    if result.mail is not None:
        print(f"confirmation e-mail written to {result.mail}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if not (args.data / "intake.sqlite3").is_file():
        print(f"intake: no intake data in {args.data}", file=sys.stderr)
        return 2
    with IntakeDB(args.data) as db:
        rows = db.all()
    if args.json:
        print(json.dumps([r.status() | {"form": r.form} for r in rows], indent=2))
        return 0
    for r in rows:
        print(f"{r.confirmation}  {r.request_id}  {r.form:18}  {r.received_at}  {r.state}")
    print(f"{len(rows)} request(s)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

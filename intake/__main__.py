"""`python -m intake serve|decide|list|app`: run the reference intake service, and stand in for the agency.

Every command runs with a umask of 077 and without core dumps (`app.process.harden`). Access tokens come from the
`INTAKE_TOKEN` variable or a token file readable by its owner only, never from the command line, which every local
user can read (`/proc/PID/cmdline`, `ps`).
"""

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

from app.process import harden
from intake.db import IntakeDataError, IntakeDB, has_data
from intake.service import DecisionError, decide

ENV_TOKEN = "INTAKE_TOKEN"


class TokenError(Exception):
    pass


def read_tokens(token_files: Sequence[Path], env: dict[str, str] | None = None) -> list[str]:
    """The accepted tokens: `INTAKE_TOKEN`, and one per non-empty line of each token file. A token file that other
    users can read is refused (its token would be theirs too)."""
    environ = os.environ if env is None else env
    tokens = [environ[ENV_TOKEN].strip()] if environ.get(ENV_TOKEN, "").strip() else []
    for path in token_files:
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenError(
                f"the token file {path} cannot be read ({getattr(exc, 'strerror', None) or exc})"
            )
        if os.name != "nt" and mode & 0o077:
            raise TokenError(
                f"the token file {path} can be read by other users (mode {mode & 0o777:04o}); "
                f"make it private first: chmod 600 {path}"
            )
        tokens.extend(line.strip() for line in text.splitlines() if line.strip())
    return tokens


class _RefuseTokenArgument(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        parser.error(
            "--token would show the token to every local user (ps, /proc/PID/cmdline); "
            f"set {ENV_TOKEN} or use --token-file FILE (mode 0600) instead"
        )


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
        "--token-file",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help=f"a file (mode 0600) with the accepted access tokens, one per line (repeatable); or set {ENV_TOKEN}",
    )
    p.add_argument("--token", nargs="?", action=_RefuseTokenArgument, help=argparse.SUPPRESS)
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
    from intake.publish import register as register_publish

    register_publish(sub)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    from intake.server import make_server

    try:
        tokens = read_tokens(args.token_file)
    except TokenError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return 2
    if not tokens:
        print(
            f"intake: no access token: set {ENV_TOKEN}, or give --token-file FILE (mode 0600)",
            file=sys.stderr,
        )
        return 2
    try:
        server, ca_path = make_server(args.data, tokens, port=args.port, verbose=args.verbose)
    except IntakeDataError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"intake: cannot listen on 127.0.0.1:{args.port} ({exc.strerror})", file=sys.stderr)
        return 1
    _say_upgraded(server.service.db)
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


def _say_upgraded(db: IntakeDB) -> None:
    if db.upgraded is not None:
        print(
            f"intake: the requests of {db.upgraded} (plain SQLite, from an older version) are now in the encrypted "
            f"database {db.path}; the plain file was deleted",
            file=sys.stderr,
        )


def _open_db(folder: Path) -> IntakeDB | None:
    if not has_data(folder):
        print(f"intake: no intake data in {folder}", file=sys.stderr)
        return None
    try:
        db = IntakeDB(folder)
    except IntakeDataError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return None
    _say_upgraded(db)
    return db


def cmd_decide(args: argparse.Namespace) -> int:
    opened = _open_db(args.data)
    if opened is None:
        return 2
    with opened as db:
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
    opened = _open_db(args.data)
    if opened is None:
        return 2
    with opened as db:
        rows = db.all()
    if args.json:
        print(json.dumps([r.status() | {"form": r.form} for r in rows], indent=2))
        return 0
    for r in rows:
        print(f"{r.confirmation}  {r.request_id}  {r.form:18}  {r.received_at}  {r.state}")
    print(f"{len(rows)} request(s)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    harden()
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

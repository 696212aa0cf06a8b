"""`python -m intake app`: the application with the reference intake service beside it, for a newcomer.

The service runs on loopback in this process; the application runs as a child process and learns the service's
address, certificate authority, token and root for form updates from `COC_SESSION_*` variables (never from its command line, which every
local user can read in /proc). It uses them only while its own store names no endpoint, and never writes them
anywhere. When the application exits, the service stops.

The process runs with a umask of 077 (`app.process.harden`, called by `python -m intake`), and the data folder and
the service's folder inside it are made private (0700) before anything is written in them.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from app.fileio import private_dir, tighten_file, write_private
from app.paths import data_dir
from app.transmit.settings import ENV_SESSION_CA_BUNDLE, ENV_SESSION_ENDPOINT, ENV_SESSION_TOKEN
from app.updates.trust import ENV_SESSION_FORMS_ROOT
from intake.server import serve_in_thread

TOKEN_FILE = "local-token"


def local_token(folder: Path) -> str:
    """The token of the local service, kept in its folder (0600) so that a request sent today can be looked up
    tomorrow (the service answers status questions only to the token that sent the request)."""
    path = folder / TOKEN_FILE
    tighten_file(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    private_dir(folder)
    token = secrets.token_urlsafe(24)
    write_private(path, token.encode("ascii"))
    return token


def local_forms_root(folder: Path) -> Path:
    """The local service's root for form updates: on first start it publishes the shipped definitions (later,
    `python -m intake publish --data FOLDER --forms DIR` publishes newer editions for the application to fetch)."""
    from intake.publish import publish
    from intake.tuf_repo import ROOT_FILE, ReceiverRepository

    if not ReceiverRepository(folder).exists:
        publish(folder)
    return folder / ROOT_FILE


def _say(note: str | None) -> None:
    if note:
        print(f"intake: {note}", file=sys.stderr)


def run_app(app_args: list[str], folder: Path | None = None) -> int:
    if folder is None:
        _say(private_dir(data_dir()))
        folder = data_dir() / "local-intake"
    _say(private_dir(folder))
    token = local_token(folder)
    forms_root = local_forms_root(folder)
    running = serve_in_thread(folder, [token])
    try:
        print(f"reference intake service on {running.url} (data in {folder})", flush=True)
        print(f"stand in for the agency: python -m intake decide ID approve --data {folder}", flush=True)
        env = {
            **os.environ,
            ENV_SESSION_ENDPOINT: running.url,
            ENV_SESSION_CA_BUNDLE: str(running.ca_path or ""),
            ENV_SESSION_TOKEN: token,
            ENV_SESSION_FORMS_ROOT: str(forms_root),
        }
        return subprocess.call([sys.executable, "-m", "app", *(app_args or ["gui"])], env=env)
    finally:
        running.stop()
        print("reference intake service stopped", flush=True)

"""`python -m intake app`: the application with the reference intake service beside it, for a newcomer.

The service runs on loopback in this process; the application runs as a child process and learns the service's
address, certificate authority and token from `COC_SESSION_*` variables. It uses them only while its own store
names no endpoint, and never writes them anywhere. When the application exits, the service stops.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from app.paths import data_dir
from app.transmit.settings import ENV_SESSION_CA_BUNDLE, ENV_SESSION_ENDPOINT, ENV_SESSION_TOKEN
from intake.server import serve_in_thread

TOKEN_FILE = "local-token"


def local_token(folder: Path) -> str:
    """The token of the local service, kept in its folder so that a request sent today can be looked up
    tomorrow (the service answers status questions only to the token that sent the request)."""
    path = folder / TOKEN_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token)
    return token


def run_app(app_args: list[str], folder: Path | None = None) -> int:
    folder = folder or data_dir() / "local-intake"
    token = local_token(folder)
    running = serve_in_thread(folder, [token])
    try:
        print(f"reference intake service on {running.url} (data in {folder})", flush=True)
        print(f"stand in for the agency: python -m intake decide ID approve --data {folder}", flush=True)
        env = {
            **os.environ,
            ENV_SESSION_ENDPOINT: running.url,
            ENV_SESSION_CA_BUNDLE: str(running.ca_path or ""),
            ENV_SESSION_TOKEN: token,
        }
        return subprocess.call([sys.executable, "-m", "app", *(app_args or ["gui"])], env=env)
    finally:
        running.stop()
        print("reference intake service stopped", flush=True)

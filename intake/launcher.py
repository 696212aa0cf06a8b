"""`python -m intake app`: the application with the reference intake service beside it, for a newcomer.

The service runs on loopback in this process; the application runs as a child process and learns the service's
address, certificate authority, token and root for form updates from `COC_SESSION_*` variables (never from its command line, which every
local user can read in /proc). It uses them only while its own store names no endpoint, and never writes them
anywhere. When the application exits, the service stops; a SIGTERM (or Ctrl+C) stops the application first, then
the service.

The process runs with a umask of 077 (`app.process.harden`, called by `python -m intake`), and the data folder and
the service's folder inside it are made private (0700) before anything is written in them.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from app.fileio import private_dir, tighten_file, write_private
from app.paths import data_dir
from app.transmit.settings import ENV_SESSION_CA_BUNDLE, ENV_SESSION_ENDPOINT, ENV_SESSION_TOKEN
from app.updates.trust import ENV_SESSION_FORMS_ROOT
from intake.server import serve_in_thread

TOKEN_FILE = "local-token"
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
CHILD_GRACE_SECONDS = 30  # for the application to save and quit after SIGTERM, before it is killed


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
    """Serve on loopback, run the application until it exits, then stop the service.

    SIGTERM, SIGINT and SIGHUP to this process are passed on to the application as SIGTERM (it saves what is
    pending and quits), and the service stops once the application has exited: no process is left behind."""
    if folder is None:
        _say(private_dir(data_dir()))
        folder = data_dir() / "local-intake"
    _say(private_dir(folder))
    token = local_token(folder)
    forms_root = local_forms_root(folder)
    running = serve_in_thread(folder, [token])
    child: subprocess.Popen[bytes] | None = None
    stop_asked: float | None = None  # when a stop was asked (monotonic seconds)

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stop_asked
        if stop_asked is None:
            stop_asked = time.monotonic()
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in FORWARDED}
    try:
        env = {
            **os.environ,
            ENV_SESSION_ENDPOINT: running.url,
            ENV_SESSION_CA_BUNDLE: str(running.ca_path or ""),
            ENV_SESSION_TOKEN: token,
            ENV_SESSION_FORMS_ROOT: str(forms_root),
        }
        child = subprocess.Popen([sys.executable, "-m", "app", *(app_args or ["gui"])], env=env)
        if stop_asked is not None:  # a signal came before the child existed
            child.send_signal(signal.SIGTERM)
        gui = app_args in ([], ["gui"])
        what = "the application" if gui else f"coc {' '.join(app_args)}"
        how = "close the window or press Ctrl+C" if gui else "press Ctrl+C"
        print(
            f"Started {what} with the reference intake service on {running.url} (its data: {folder}); "
            f"{how} to stop both.",
            flush=True,
        )
        while True:  # until the application ends; after a stop was asked, for at most the grace period
            try:
                return child.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                if stop_asked is not None and time.monotonic() - stop_asked > CHILD_GRACE_SECONDS:
                    _say(
                        f"the application did not stop within {CHILD_GRACE_SECONDS} s of the signal: stopped it"
                    )
                    child.kill()
                    return child.wait()
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=CHILD_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("Stopped the application and the reference intake service.", flush=True)

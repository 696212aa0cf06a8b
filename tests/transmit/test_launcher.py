"""`python -m intake app` (what `make run` starts): the application with the reference service beside it, used
only while the store names no endpoint of its own, and stopped when the application exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.transmit.settings import session_endpoint
from intake import launcher
from tests.conftest import REPO

PASS = "launcher passphrase 42"


def _run(data: Path, *coc_args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COC_DATA_DIR": str(data), "COC_PASSPHRASE": PASS}
    return subprocess.run(
        [sys.executable, "-m", "intake", "app", "--", *coc_args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_newcomer_can_send_through_the_local_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _run(data, "demo")
    assert first.returncode == 0, first.stderr
    assert "with the reference intake service on https://127.0.0.1:" in first.stdout
    assert "Stopped the application and the reference intake service." in first.stdout
    sent = _run(data, "outbox", "send")
    assert sent.returncode == 0, sent.stderr + sent.stdout
    assert "1 sent" in sent.stdout
    token = (data / "local-intake" / "local-token").read_text(encoding="ascii")
    assert oct((data / "local-intake" / "local-token").stat().st_mode & 0o777) == "0o600"
    listed = subprocess.run(
        [sys.executable, "-m", "intake", "list", "--data", str(data / "local-intake")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 request(s)" in listed.stdout
    assert token not in first.stdout + sent.stdout + listed.stdout


def test_session_endpoint_needs_address_and_token() -> None:
    assert session_endpoint({}) is None
    assert session_endpoint({"COC_SESSION_ENDPOINT": "https://127.0.0.1:1"}) is None
    assert session_endpoint({"COC_SESSION_ENDPOINT": "https://127.0.0.1:1/", "COC_SESSION_TOKEN": "t"}) == (
        "https://127.0.0.1:1",
        None,
        "t",
    )


def test_an_application_that_ignores_the_stop_is_stopped_after_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Seen once in CI under load: SIGTERM to `make run` left make, the launcher and the application running; the
    # launcher waited without limit for the application to end. It now waits at most its grace period.
    ready = tmp_path / "ready"
    deaf = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(600)"
    )
    real = subprocess.Popen

    def popen(_args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real([sys.executable, "-c", deaf], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(launcher.subprocess, "Popen", popen)
    monkeypatch.setattr(launcher, "CHILD_GRACE_SECONDS", 0.5)

    def signal_when_ready() -> None:
        for _ in range(60_000):  # a state (the child is up and deaf), not a moment
            if ready.exists():
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.005)

    threading.Thread(target=signal_when_ready, daemon=True).start()
    assert launcher.run_app(["gui"], folder=tmp_path / "intake") == -signal.SIGKILL
    out, err = capsys.readouterr()
    assert "did not stop within 0.5 s of the signal: stopped it" in err
    assert "Stopped the application and the reference intake service." in out

"""Starting and stopping on a desktop: `make run` prints one line saying what it started and how to stop it, and
SIGTERM (to make, to the launcher, or to the application) stops the application and the local service with no
process left behind. These tests run the real processes on whatever platform the environment names (offscreen in
the suite, xcb on Xvfb in `make gui-x11`); they wait for states (a line printed, a signal handler installed, a
process gone), never for a moment."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.gui, pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")]
DEADLINE = 180.0  # generous: the machine's two cores may be busy with other suites


def wait_until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


OUTPUTS: dict[int, tuple[Path, Path]] = {}  # pid -> (its standard output, its standard error), as files


def output(process: subprocess.Popen[str], which: int = 0) -> str:
    return OUTPUTS[process.pid][which].read_text(encoding="utf-8", errors="replace")


def read_line(process: subprocess.Popen[str]) -> str:
    """The first line the process printed (its output goes to a file: no pipe to fill, or to be held open by a
    helper the application may start)."""
    wait_until(lambda: "\n" in output(process), "a line printed")
    return output(process).splitlines()[0]


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        found.append(child)
        found.extend(descendants(child))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def catches(pid: int, sig: signal.Signals) -> bool:
    """Has the process installed a handler for `sig` (the application's own, set before its window opens)?"""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return False
    mask = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.M).group(1), 16)  # type: ignore[union-attr]
    return bool(mask >> (sig - 1) & 1)


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def loaded(pid: int) -> str:
    """The files mapped into the process (its shared libraries and plugins)."""
    try:
        return (Path("/proc") / str(pid) / "maps").read_text()
    except OSError:
        return ""


def port_open(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def application_pid(parent: int) -> int:
    """The application process under `parent`, once it handles SIGTERM."""
    found: list[int] = []

    def ready() -> bool:
        found[:] = [p for p in descendants(parent) if " -m app gui" in command_line(p)]
        return bool(found) and catches(found[0], signal.SIGTERM)

    wait_until(ready, "the application to start")
    return found[0]


def stopped(process: subprocess.Popen[str], family: list[int]) -> int:
    """Wait for `process` to end; when it does not, say which of its family is still there and what it said."""
    try:
        return process.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        left = {pid: command_line(pid) for pid in [process.pid, *family] if alive(pid)}
        process.kill()
        said = output(process, 1)
        raise AssertionError(f"still running after SIGTERM: {left}; stderr: {said[-3000:]}") from None


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment["COC_DATA_DIR"] = str(tmp_path / "data")
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:  # a failed test leaves nothing running either
        for pid in descendants(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait()
        OUTPUTS.pop(process.pid, None)


def start(
    started: list[subprocess.Popen[str]], args: list[str], env: dict[str, str]
) -> subprocess.Popen[str]:
    folder = Path(env["COC_DATA_DIR"]).parent
    out, err = folder / f"out-{len(started)}.txt", folder / f"err-{len(started)}.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=stdout, stderr=stderr, text=True, start_new_session=True
        )
    OUTPUTS[process.pid] = (out, err)
    started.append(process)
    return process


def test_make_run_prints_one_line_and_sigterm_leaves_no_process(
    env: dict[str, str], started: list[subprocess.Popen[str]]
) -> None:
    # -o: never reinstall in the middle of a test (the suite runs from an installed .venv)
    make = start(started, ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "run"], env)
    line = read_line(make)
    assert line.startswith("Started the application with the reference intake service on https://127.0.0.1:")
    assert "close the window or press Ctrl+C to stop both." in line
    url = re.search(r"https://127\.0\.0\.1:\d+", line).group(0)  # type: ignore[union-attr]
    app = application_pid(make.pid)
    family = [*descendants(make.pid)]
    assert app in family and port_open(url)
    # The window opens on the platform the desktop names (xcb on Xvfb in make gui-x11), never offscreen behind
    # the user's back: the application loads that platform's plugin.
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] or "xcb"
    wait_until(lambda: f"libq{platform}.so" in loaded(app), f"the {platform} platform plugin to load")
    if platform != "offscreen":
        assert "libqoffscreen.so" not in loaded(app)

    make.send_signal(signal.SIGTERM)
    stopped(make, family)
    assert "Stopped the application and the reference intake service." in output(make)
    assert [pid for pid in family if alive(pid)] == []
    assert not port_open(url)


def test_sigterm_to_the_launcher_stops_the_application_then_the_service(
    env: dict[str, str], started: list[subprocess.Popen[str]]
) -> None:
    launcher = start(started, [sys.executable, "-m", "intake", "app"], env)
    line = read_line(launcher)
    url = re.search(r"https://127\.0\.0\.1:\d+", line).group(0)  # type: ignore[union-attr]
    app = application_pid(launcher.pid)

    launcher.send_signal(signal.SIGTERM)
    assert stopped(launcher, [app]) == 0  # the application quit by itself, with exit code 0
    assert not alive(app)
    assert not port_open(url)


def test_sigterm_to_the_application_quits_it_cleanly(
    env: dict[str, str], started: list[subprocess.Popen[str]]
) -> None:
    app = start(started, [sys.executable, "-m", "app", "gui"], env)
    wait_until(lambda: catches(app.pid, signal.SIGTERM), "the application's signal handler")
    app.send_signal(signal.SIGTERM)
    assert stopped(app, []) == 0, output(app, 1)

"""A crashing `coc` leaves no core file (issue 13, "Core dumps"). The attack: core dumps enabled (`ulimit -c
unlimited`, the kernel writing `core` in the working folder), a CLI command killed by SIGSEGV while it holds the
passphrase, the token and a request with an SSN. The control run proves the same crash without the protection
writes a core file holding all three, so an empty folder after the real run means something."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.security.helpers import CANARY, umask_022
from tests.store.helpers import make_doc

PASSPHRASE = "coredump canary passphrase 93"
TOKEN = "coredump-canary-token-5Wq"

# The real command line, with one change: when the command has done its work and the store is about to close (still
# open, the request just added in memory), the process is killed by SIGSEGV. With `--control` it first undoes the
# protection, as a CLI without it would be.
CRASHING_CLI = """
import ctypes, os, resource, signal, sys
from app.store.store import Store
def crash_before_closing(self, *args, **kwargs):
    if control:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)
    os.kill(os.getpid(), signal.SIGSEGV)
Store.close = crash_before_closing
control = sys.argv[1] == "--control"
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _cores_enabled() -> None:
    os.umask(0o022)
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _crash(tmp_path: Path, name: str, control: bool) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    cwd = tmp_path / name
    cwd.mkdir()
    data = tmp_path / f"{name}-data"
    request = tmp_path / f"{name}.json"
    request.write_text(make_doc(**CANARY).to_json(), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COC_PASSPHRASE": PASSPHRASE,
        "COC_SESSION_TOKEN": TOKEN,
        "COC_SESSION_ENDPOINT": "https://127.0.0.1:9",
    }
    subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "store", "init"],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
        preexec_fn=umask_022,
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_CLI,
            "--control" if control else "--real",
            "--data-dir",
            str(data),
            "drafts",
            "add",
            str(request),
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_cores_enabled,
    )
    return run, sorted(cwd.iterdir())


def _secrets_in(core: Path) -> list[str]:
    data = core.read_bytes()
    wanted = {"passphrase": PASSPHRASE, "token": TOKEN, "ssn": CANARY["worker.ssn"]}
    return sorted(name for name, value in wanted.items() if value.encode() in data)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core files as Linux writes them")
def test_a_crashing_cli_leaves_no_core_file(tmp_path: Path) -> None:
    pattern = Path("/proc/sys/kernel/core_pattern").read_text(encoding="ascii").strip()
    if pattern.startswith("|") or "/" in pattern:
        pytest.skip(f"core files do not go to the working folder here (core_pattern {pattern!r})")
    control, control_files = _crash(tmp_path, "control", control=True)
    assert control.returncode == -signal.SIGSEGV, control.stderr
    cores = [p for p in control_files if p.name.startswith("core")]
    if not cores:
        pytest.skip("this machine writes no core file even for an unprotected crash")
    assert _secrets_in(cores[0]) == [
        "passphrase",
        "ssn",
        "token",
    ]  # what the attacker gets without protection

    real, real_files = _crash(tmp_path, "real", control=False)
    assert real.returncode == -signal.SIGSEGV, real.stderr
    assert real_files == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux's")
def test_every_cli_and_intake_process_is_undumpable_with_a_private_umask(tmp_path: Path) -> None:
    """The same seen from inside, for each entry point (cheap, and meaningful where core files go to a pipe):
    after the command ran, the core limit is 0, the process is not dumpable and its umask is 077."""
    report = (
        "from app.process import dumpable\n"
        "status = open('/proc/self/status').read()\n"
        "umask = [l.split()[1] for l in status.splitlines() if l.startswith('Umask:')][0]\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE)[0], dumpable(), umask)\n"
    )
    for run in (
        "from app.cli import main; main(['store', 'status'])",
        "from intake.__main__ import main; main(['list', '--data', sys.argv[1]])",
    ):
        out = subprocess.run(
            [sys.executable, "-c", f"import resource, sys\n{run}\n{report}", str(tmp_path / "none")],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            preexec_fn=_cores_enabled,
        )
        assert out.stdout.split()[-3:] == ["0", "False", "0077"], (run, out.stdout, out.stderr)

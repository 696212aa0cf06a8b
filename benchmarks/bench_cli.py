"""The command line's start: `coc --help` and `coc validate FILE`, each a fresh process as a user runs it (the
installed `coc` script, with bytecode caches), against a bare `python -c pass` of the same interpreter, interleaved
so that both see the same machine load. Memory is the `coc validate` process's own peak resident size
(`wait4`), against the bare interpreter's.

Goals (issue 18): `coc --help` within 6x, `coc validate` within 8x, `coc validate` under 40 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, median

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 15


def _coc() -> list[str]:
    script = Path(sys.executable).parent / "coc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def _run(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv} exited with {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def run() -> list[Result]:
    coc = _coc()
    bare = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        request = Path(tmp) / "request.json"
        example = subprocess.run([*coc, "new", "de-employee", "--example"], capture_output=True, check=True)
        request.write_bytes(example.stdout)
        commands = {"bare": bare, "help": [*coc, "--help"], "validate": [*coc, "validate", str(request)]}
        for argv in commands.values():
            _run(argv)  # bytecode caches written, files in the page cache
        times: dict[str, list[float]] = {k: [] for k in commands}
        memory: dict[str, list[float]] = {k: [] for k in commands}
        for i in range(ROUNDS):
            order = list(commands) if i % 2 == 0 else list(reversed(commands))
            for name in order:
                seconds, rss = _run(commands[name])
                times[name].append(seconds)
                memory[name].append(rss)
    b = median(times["bare"])
    h, v = median(times["help"]), median(times["validate"])
    mem, bare_mem = max(memory["validate"]), median(memory["bare"])
    return [
        Result("cli", "coc --help (process)", h, b, "python -c pass", "within 6x", h <= 6 * b),
        Result("cli", "coc validate FILE (process, cold)", v, b, "python -c pass", "within 8x", v <= 8 * b),
        Result(
            "cli",
            "coc validate FILE, peak memory",
            mem,
            bare_mem,
            "python -c pass",
            "< 40 MB",
            mem < 40,
            unit="MB",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.__main__ import main

    raise SystemExit(main(["cli"]))

"""The shape every benchmark reports in, and small timing helpers.

Each `benchmarks/bench_*.py` module has `run() -> list[Result]`. `python -m benchmarks` runs them all and
prints one table. Times are wall-clock seconds from `time.perf_counter`; a ratio is ours / baseline, both
measured in the same run, so it means something on any machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    area: str  # e.g. "forms", "store"
    name: str  # what was measured
    ours: float  # seconds (or the unit given)
    baseline: float | None  # the same-run baseline, in the same unit
    baseline_name: str = ""
    goal: str = ""  # e.g. "< 150 ms"
    met: bool | None = None  # whether the goal is met
    unit: str = "s"
    paired: float | None = (
        None  # the median of ours / baseline over adjacent interleaved pairs, when measured so
    )

    @property
    def ratio(self) -> float | None:
        """ours / baseline; for pairs measured one right after the other, the median of each pair's ratio (the
        machine's speed drifts by a third from one second to the next here: a pair shares its moment)."""
        if self.paired is not None:
            return self.paired
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline


def samples(fn: Callable[[], object], n: int, warmup: int = 3) -> list[float]:
    """`n` timings of `fn()` in seconds, after a few untimed calls."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def private_copy(source: Path, target: Path) -> None:
    """A copy of a store file, private (0600) as the application keeps its own, whatever the umask."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
    os.chmod(target, 0o600)


def launch_marks(code: str, timeout: float = 120.0) -> tuple[dict[str, float], str]:
    """Run `python -c code` from the repository as an installed program would start (with bytecode caches, which
    pip writes; offscreen unless QT_QPA_PLATFORM says otherwise): the seconds from starting it to each line it
    printed, up to the line that starts with "ready", and that line."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    ready = ""
    for line in proc.stdout:
        marks[line.strip()] = time.perf_counter() - t0
        if line.startswith("ready"):
            ready = line.strip()
            break
    proc.wait(timeout=timeout)
    if not ready:
        raise RuntimeError(f"the launch did not finish: {proc.stderr.read() if proc.stderr else ''}")
    return marks, ready

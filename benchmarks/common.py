"""The shape every benchmark reports in, and small timing helpers.

Each `benchmarks/bench_*.py` module has `run() -> list[Result]`. `python -m benchmarks` runs them all and
prints one table. Times are wall-clock seconds from `time.perf_counter`; a ratio is ours / baseline, both
measured in the same run, so it means something on any machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


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

    @property
    def ratio(self) -> float | None:
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

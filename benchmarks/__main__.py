"""Run every benchmark and print one table: `python -m benchmarks [AREA ...]`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks.common import Result, fmt_time


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: list[Result] = []
    tables: list[str] = []
    for name in discover():
        if wanted and name.removeprefix("bench_") not in wanted:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        results.extend(module.run())
        if hasattr(module, "table"):
            tables.append(module.table())
    header = ("area", "measure", "ours", "baseline", "ratio", "goal", "met")
    rows = [header]
    for r in results:

        def show(v: float, unit: str = r.unit) -> str:
            return fmt_time(v) if unit == "s" else f"{v:.3g} {unit}"

        rows.append(
            (
                r.area,
                r.name,
                show(r.ours),
                f"{show(r.baseline)} ({r.baseline_name})" if r.baseline is not None else "-",
                f"{r.ratio:.3g}x" if r.ratio is not None else "-",
                r.goal or "-",
                {True: "yes", False: "NO", None: "-"}[r.met],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for text in tables:
        print()
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Roster import against its floor, in the same run:

- importing a 1,000-row `.xlsx` roster (read, map, parse every value, match references, the verdict of every
  draft, one transaction into a fresh encrypted store) against reading the same file with the chosen reader
  (python-calamine) and validating each of the same documents (goal: at most 2x). Runs are interleaved, each
  side first in turn, the ratio the median of each adjacent pair's, and the field checks' memo is emptied before
  each (a coordinator's import does not find its values checked);
- memory: how far the peak resident set of a new, warmed-up process rises while it imports a 10,000-row roster,
  against the rise while it reads the file with calamine and validates as many documents (Linux: the peak is
  reset through /proc/self/clear_refs after the warm-up, so module loading is not counted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, median

ROWS = 1_000
BIG = 10_000
RUNS = 11  # the machine's speed moves by a third within a run: medians of 11 interleaved pairs


def make_roster(path: Path, rows: int) -> Path:
    from tests.roster.helpers import WORKDAY, table, worker, write_xlsx

    countries = ["Germany", "France", "Japan", "United Kingdom", "Spain", "Canada"]
    return write_xlsx(
        path, table(WORKDAY, [worker(i, request__agreement=countries[i % 6]) for i in range(rows)])
    )


def _forget_checks() -> None:
    from app.forms import validate
    from app.roster import values

    validate._VERDICTS.clear()
    values.key.cache_clear()


def _import(path: Path, folder: Path) -> int:
    from app.forms import default_catalog
    from app.roster.plan import apply_plan, make_plan, read_roster
    from app.store import Store
    from app.store.keys import random_key
    from tests.roster.helpers import EMPLOYER

    catalog = default_catalog()
    with Store.create(folder, key=random_key()) as store:
        store.set_employer_profile(EMPLOYER)
        _forget_checks()
        t0 = time.perf_counter()
        table, mapping = read_roster(path, catalog)
        result = apply_plan(store, make_plan(store, table, mapping, catalog))
        elapsed = time.perf_counter() - t0
    assert len(result.ids) == len(table.rows)
    return int(elapsed * 1e9)


def _read_and_validate(path: Path, docs: list[object]) -> int:
    import python_calamine

    from app.forms import default_catalog
    from app.roster.plan import _verdict as verdict  # the one verdict, called as the import calls it

    catalog = default_catalog()
    _forget_checks()
    t0 = time.perf_counter()
    book = python_calamine.load_workbook(str(path))
    rows = book.get_sheet_by_index(0).to_python()
    book.close()
    for doc in docs:
        verdict(doc, catalog)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    assert len(rows) == len(docs) + 1
    return int(elapsed * 1e9)


def _documents(path: Path) -> list[object]:
    """The documents the import makes of the roster: planned against a store holding the same employer profile,
    so that the baseline validates exactly what the import validates (the employer's answers included)."""
    from app.forms import default_catalog
    from app.roster.plan import make_plan, read_roster
    from app.store import Store
    from app.store.keys import random_key
    from tests.roster.helpers import EMPLOYER

    catalog = default_catalog()
    with tempfile.TemporaryDirectory() as tmp, Store.create(Path(tmp) / "plan", key=random_key()) as store:
        store.set_employer_profile(EMPLOYER)
        table, mapping = read_roster(path, catalog)
        return [r.doc for r in make_plan(store, table, mapping, catalog).rows if r.doc is not None]


PEAK_CHILD = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from benchmarks import bench_roster as b
b.warm_up(Path({small!r}))
b.reset_peak()
before = b.peak_kb()
{body}
print(b.peak_kb() - before)
"""


def warm_up(small: Path) -> None:
    """Load what every import loads once per process (definitions, country tables, the reader), so that the
    peak measured next is the roster's own."""
    _import(small, Path(tempfile.mkdtemp()) / "warm")
    _read_and_validate(small, _documents_lean(small))


def reset_peak() -> None:
    """Start the process's peak resident memory again from now (Linux: `5` into /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))


def _peak_rss_mb(path: Path, small: Path, mode: str) -> float:
    """How far the resident memory of a new, warmed-up process rises while it imports the roster (or only reads
    and validates it), in MB."""
    if mode == "import":
        body = f"b._import(Path({str(path)!r}), Path(tempfile.mkdtemp()) / 'data')"
    else:
        body = f"p = Path({str(path)!r}); b._read_and_validate(p, b._documents_lean(p))"
    code = PEAK_CHILD.format(root=str(Path(__file__).parent.parent), small=str(small), body=body)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=os.environ
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def _documents_lean(path: Path) -> list[object]:
    """The documents of a roster as the baseline holds them: plain request documents, built from the example
    answers of each row's form (what any importer must at least hold), without the import's plan."""
    from app.forms import default_catalog
    from app.forms.example import example_answers
    from app.request import RequestDoc

    catalog = default_catalog()
    forms = ["de-employee", "fr-employee", "jp-employee", "gb-employee", "es-employee", "ca-employee"]
    import python_calamine

    book = python_calamine.load_workbook(str(path))
    count = book.get_sheet_by_index(0).height - 1
    book.close()
    examples = {f: example_answers(catalog.form(f)) for f in forms}
    return [
        RequestDoc(forms[i % 6], catalog.form(forms[i % 6]).edition, dict(examples[forms[i % 6]]))
        for i in range(count)
    ]


def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_roster(folder / "roster.xlsx", ROWS)
        docs = _documents(path)
        ours: list[int] = []
        base: list[int] = []
        _import(path, folder / "warm")  # imports and definitions loaded once, as in the running application
        _read_and_validate(path, docs)
        for i in range(RUNS):  # interleaved, each side first in turn
            if i % 2:
                ours.append(_import(path, folder / f"run{i}"))
                base.append(_read_and_validate(path, docs))
            else:
                base.append(_read_and_validate(path, docs))
                ours.append(_import(path, folder / f"run{i}"))
        ours_s, base_s = median(ours) / 1e9, median(base) / 1e9
        ratio = median(
            [o / b for o, b in zip(ours, base, strict=True)]
        )  # each pair: one moment of the machine
        results.append(
            Result(
                "roster",
                f"import a {ROWS:,}-row .xlsx roster into the store (ratio: median of {RUNS} adjacent pairs)",
                ours_s,
                base_s,
                "calamine read + validate each document",
                "<= 2x",
                ratio <= 2,
                paired=ratio,
            )
        )
        big = make_roster(folder / "big.xlsx", BIG)
        small = make_roster(folder / "small.xlsx", 12)
        ours_mb = _peak_rss_mb(big, small, "import")
        base_mb = _peak_rss_mb(big, small, "read")
        results.append(
            Result(
                "roster",
                f"memory: peak rise while importing a {BIG:,}-row roster",
                ours_mb,
                base_mb,
                "calamine read + validate each document",
                "< 300 MB",
                ours_mb < 300,
                unit="MB",
            )
        )
    return results


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(json.dumps({**r.__dict__, "ratio": r.ratio}))

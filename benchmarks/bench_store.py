"""The encrypted store at 100,000 requests against the standard library's unencrypted `sqlite3` holding the very
same database (a plaintext copy made with `sqlcipher_export`), running the same code, in the same run; and bulk
entry against one process per request.

- save of a full request (one transaction, WAL, synchronous=FULL), interleaved with the same save on sqlite3:
  p50 and p95 (goal: within 2x, p95 under 5 ms);
- the request list as the GUI asks for it (the first page of 50 rows, read as 51, then the count when it is
  full), for the filters and sorts the window offers, the reversed sorts included (goal: under 50 ms);
- bulk entry: `coc drafts add --jsonl` with 1,000 requests in one process and one transaction, against
  `coc drafts add FILE` run once per request, per request (goal: at least 20x faster).

The stores come from `benchmarks/stores.py` (bulk entry of generated requests); the largest is used here, copied,
so that the other benchmarks see it unchanged.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.request import RequestDoc, now_utc
from app.store import Store, drafts
from benchmarks.common import Result, median, percentile, private_copy
from benchmarks.population import Population
from benchmarks.stores import PASSPHRASE, REPO, bulk_entry, growth_stores

SAVES = 400
PAGE = 50  # ui.request_model.PAGE_SIZE (not imported: this runs without Qt; a test holds them equal)
BULK = 1000
ONE_BY_ONE = 12


def plaintext_copy(store: Store, target: Path) -> sqlite3.Connection:
    """The store's database exported without encryption, opened with the standard library's sqlite3 and the same
    pragmas: the baseline."""
    with store.connection() as conn:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    plain = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    plain.execute("PRAGMA temp_store = MEMORY")
    plain.execute("PRAGMA foreign_keys = ON")
    plain.execute("PRAGMA secure_delete = ON")
    return plain


_PLAIN_REVISIONS: dict[
    str, int
] = {}  # the baseline's own revisions (the documents carry the encrypted store's)


def _save_plain(conn: sqlite3.Connection, doc: RequestDoc, errors: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    base = _PLAIN_REVISIONS.get(doc.id)
    _PLAIN_REVISIONS[doc.id] = drafts.save(conn, doc, errors, 0, now_utc(), base_revision=base)[0]
    conn.execute("COMMIT")


def _saves(store: Store, plain: sqlite3.Connection, population: Population) -> list[Result]:
    pool = [RequestDoc.from_dict(json.loads(line)) for line in population.lines(50)]
    for doc in pool:
        store.save(doc, error_count=0)
        _save_plain(plain, doc, 0)
    ours: list[float] = []
    base: list[float] = []
    for i in range(SAVES):  # interleaved, alternating which goes first
        doc = pool[i % len(pool)]
        doc.answers["assignment.work_city"] = f"City {i}"
        errors = i % 2
        for side in ("ours", "base") if i % 2 else ("base", "ours"):
            t0 = time.perf_counter()
            if side == "ours":
                store.save(doc, error_count=errors)
            else:
                _save_plain(plain, doc, errors)
            (ours if side == "ours" else base).append(time.perf_counter() - t0)
    p50, b50 = percentile(ours, 50), percentile(base, 50)
    p95, b95 = percentile(ours, 95), percentile(base, 95)
    return [
        Result(
            "store", "save a full request, 100k store, p50", p50, b50, "sqlite3", "within 2x", p50 <= 2 * b50
        ),
        Result(
            "store",
            "save a full request, 100k store, p95",
            p95,
            b95,
            "sqlite3",
            "< 5 ms, within 2x",
            p95 < 5e-3 and p95 <= 2 * b95,
        ),
    ]


def _gui_page(conn: Any, filters: drafts.Filters, order: str, reverse: bool) -> None:
    """What the list asks for a new query (`ui.ops.list_page`, `ui.ops.count`): its first page read as one row more
    than it shows (from the end when reversed: the same index walked backwards), then, when that page is full, the
    count of the matches."""
    rows = drafts.list_requests(conn, filters, order, PAGE + 1, 0, reverse)
    if len(rows) > PAGE:
        drafts.count(conn, filters)


def _lists(store: Store, plain: sqlite3.Connection, size: int) -> list[Result]:
    cases: list[tuple[str, dict[str, Any], str, bool]] = [
        ("everything, newest first", {}, "-updated", False),
        ("everything, by worker", {}, "worker", False),
        ("everything, by worker, Z to A", {}, "worker", True),
        ("everything, ending soonest last", {}, "end_date", True),
        ("drafts of one agreement", {"state": "draft", "agreement": "de"}, "-updated", False),
        ("ending within 90 days, by end", {"ending_within_days": 90}, "end_date", False),
        ("name search, by worker", {"text": "smith"}, "worker", False),
    ]
    results = []
    for name, kwargs, order, reverse in cases:
        filters = drafts.make_filters(
            kwargs.get("state"),
            kwargs.get("agreement"),
            kwargs.get("text"),
            kwargs.get("ending_within_days"),
            None,
        )
        ours: list[float] = []
        base: list[float] = []
        for i in range(9):
            steps = [(ours, store), (base, plain)]
            for out, target in steps if i % 2 else reversed(steps):
                t0 = time.perf_counter()
                if isinstance(target, Store):
                    with target.connection() as conn:
                        _gui_page(conn, filters, order, reverse)
                else:
                    _gui_page(target, filters, order, reverse)
                out.append(time.perf_counter() - t0)
        o, b = median(ours), median(base)
        results.append(
            Result(
                "store", f"list {size // 1000}k as the GUI asks: {name}", o, b, "sqlite3", "< 50 ms", o < 0.05
            )
        )
    return results


def _bulk(population: Population) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        folder = Path(tmp) / "data"
        env = dict(os.environ, COC_DATA_DIR=str(folder), COC_PASSPHRASE=PASSPHRASE)
        subprocess.run(
            [sys.executable, "-m", "app.cli", "store", "init"],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        singles = []
        for i, line in enumerate(population.lines(ONE_BY_ONE)):
            path = Path(tmp) / f"r{i}.json"
            path.write_text(line, encoding="utf-8")
            singles.append(path)
        one_by_one = 0.0
        bulk_seconds = 0.0
        bulk_count = 0
        for half in range(2):  # interleaved in halves
            for path in singles[half::2]:
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "app.cli", "drafts", "add", str(path)],
                    env=env,
                    cwd=REPO,
                    check=True,
                    capture_output=True,
                )
                one_by_one += time.perf_counter() - t0
            count, seconds = bulk_entry(folder, population.lines(BULK // 2))
            bulk_count += count
            bulk_seconds += seconds
    ours, base = bulk_seconds / bulk_count, one_by_one / ONE_BY_ONE
    return [
        Result(
            "store",
            f"bulk entry, per request ({bulk_count:,} in one coc drafts add --jsonl, 2 runs)",
            ours,
            base,
            "coc drafts add FILE, one process each",
            "20x faster",
            base >= 20 * ours,
        ),
    ]


def run() -> list[Result]:
    biggest = growth_stores()[-1]
    population = Population(seed=99)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        (root / "enc").mkdir(mode=0o700)
        private_copy(biggest.path, root / "enc" / "store.db")
        with Store.open(root / "enc", key=biggest.key) as store:
            plain = plaintext_copy(store, root / "plain.db")
            try:
                results += _lists(store, plain, biggest.size)
                results += _saves(store, plain, population)
            finally:
                plain.close()
    results += _bulk(population)
    return results


if __name__ == "__main__":
    from benchmarks.__main__ import main

    raise SystemExit(main(["store"]))

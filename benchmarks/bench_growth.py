"""How the product behaves as the store grows: 1,000, 10,000 and 100,000 requests, made by bulk entry
(`benchmarks/stores.py`), measured in this run against baselines measured beside them.

For each size:
- unlock: passphrase to an open store (`Store.open`), interleaved with the key derivation alone (PBKDF2-HMAC-SHA512,
  256,000 iterations: the designed cost), one after the other, alternating which goes first; the ratio is the
  median of each adjacent pair's (the key derivation alone takes 130-230 ms from one second to the next here);
- search as you type: each keystroke of typing the search targets' names, confirmation numbers and request ids,
  asking the store exactly what the request list asks for a new query: its first page (`ui.ops.list_page`,
  `ui.request_model.PAGE_SIZE` rows read as one more, to know whether more match) with the confirmation numbers of
  its sent rows. When the page is full the list then counts the matches in a task of its own (`ui.ops.count`, the
  status bar says "More than 50 requests" until it arrives): that count is timed after the page, as the list
  asks it, and reported on a row of its own (per keystroke that asks it, and how many do), not in the keystroke's
  time. The sizes are interleaved keystroke by keystroke (their order alternating), each store open on its own
  connection, so that every size sees the same load;
- the full check (`Store.check`: every page's HMAC and the b-trees, then the search index), which no longer runs at
  unlock but on demand, after a restore and at idle: once per size;
- first paint: creating the main window to its first paint with the first page of rows (in this process),
  against the same window over an empty store;
- launch: `coc` in a fresh process (the command line, then the window) to the end of the unlocked main window's
  first paint of the rows of its list, with a remembered key and with a typed passphrase, interleaved with a bare
  QApplication showing an empty QMainWindow (its line comes after its first paint); the memory is the launched
  process's peak resident size (VmHWM). A session runs first, to its end, as the user's previous one did: it warms
  the file cache and keeps the index of the definitions' names (`app.catalog_index`), which a launch with a
  remembered key names its list from. The first launch after an installation or a form update has no such index
  (it loads the definitions first): it is measured too, in the same rounds, on a row of its own. The ratios are
  the medians of each round's (the launched process against the bare one of the same round; the time beyond
  the remembered-key launch against the key derivation of the same round): a bare launch takes 110-190 ms
  from one minute to the next here.

The goals are checked at the largest size.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.catalog_index import CACHE_DIR, INDEX_FILE
from app.store import Store
from app.store.keys import KDF_ITERATIONS
from benchmarks.common import Result, fmt_time, launch_marks, median
from benchmarks.population import TARGETS
from benchmarks.stores import PASSPHRASE, GrowthStore, growth_stores

REPO = Path(__file__).resolve().parent.parent
UNLOCK_ROUNDS = 15
SEARCH_ROUNDS = 3
PAINT_ROUNDS = 5
LAUNCH_ROUNDS = 9  # launches are noisy on a shared machine (a bare one varies 120-190 ms): the median of 9

BARE = """
import resource
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
app.processEvents()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
except OSError:
    pass
print("ready", peak, flush=True)
"""

# `coc --data-dir DATA` as a user starts it (the command line, then the window), until the unlocked window has
# painted the first rows of its list (as the bare window's line comes after its first paint). With a remembered key, the keychain's answer is the only stand-in (there is no system
# keychain here); with a typed passphrase, it is typed into the real dialog as soon as the dialog shows.
LAUNCH = """
import importlib.machinery, os, resource, sys, time
sys.path.insert(0, {repo!r})


def patch(uc):
    from PySide6.QtCore import QTimer
    from app.store import keychain
    from app.store.keychain import KeychainStatus

    remembered = {key!r}
    if remembered:
        from app.store.keys import RawKey
        key = RawKey.from_hex(remembered)
        keychain.recall = lambda path, backend=None: key
        keychain.status = lambda backend=None: KeychainStatus(True, "stand-in", "")
    else:
        keychain.status = lambda backend=None: KeychainStatus(False, "", "benchmark")
        show_unlock = uc.AppController.show_unlock

        def typed(self, *args, **kwargs):
            show_unlock(self, *args, **kwargs)
            self.dialog.passphrase.setText({passphrase!r})
            self.dialog.unlock_button.click()

        uc.AppController.show_unlock = typed
    opened = uc.AppController._opened

    def ready(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        def report():
            if reported:
                return
            reported.append(True)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:  # this process's own peak (ru_maxrss may carry the parent's across fork and exec)
                with open("/proc/self/status") as status:
                    peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
            except OSError:
                pass
            print("ready", peak, flush=True)
            if {stay!r}:  # a session that goes on until it has kept the index of the definitions' names
                from app.catalog_index import CACHE_DIR, INDEX_FILE

                index = os.path.join({data!r}, CACHE_DIR, INDEX_FILE)
                deadline = time.monotonic() + 60

                def kept():
                    if os.path.exists(index) or time.monotonic() > deadline:
                        os._exit(0)
                    QTimer.singleShot(20, kept)

                kept()
                return
            os._exit(0)

        reported = []

        class After(QObject):  # the first event anywhere after the list's paint began: that paint is done
            def eventFilter(self, watched, event):
                report()
                return False

        class Painted(QObject):  # the list painted with rows: what the user sees (reported once that paint is done)
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and window.isVisible() and window.model.rowCount():
                    QApplication.instance().installEventFilter(After(window))
                return False

        window = self.window
        self._bench_painted = Painted()
        window.table.viewport().installEventFilter(self._bench_painted)
        window.table.viewport().update()

    uc.AppController._opened = ready


class Patcher:  # a finder on sys.meta_path (not importlib.abc's class: importing that costs what no launch pays)
    # patches ui.controller when `coc` imports it, so that nothing is imported earlier than in a real launch
    def find_spec(self, name, path=None, target=None):
        if name != "ui.controller":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Patcher())
from app.cli import main
sys.exit(main(["--data-dir", {data!r}, "gui"]))
"""


def launch(code: str) -> tuple[float, float]:
    """(seconds from starting the process to its "ready" line, its peak resident size in MB)."""
    marks, ready = launch_marks(code)
    return marks[ready], int(ready.split()[1]) / 1024


def keystrokes(store: GrowthStore) -> list[str]:
    """Every prefix typed, word by word, of the targets' names, their confirmation numbers and their ids."""
    typed: list[str] = []
    for t in TARGETS:
        whole = f"{t.last} {t.first}"
        typed += [whole[:i] for i in range(1, len(whole) + 1) if not whole[:i].endswith(" ")]
    for number in store.confirmations[:3]:
        typed += [number[:i] for i in range(4, len(number) + 1)]
    for request_id in store.target_ids[:3]:
        typed += [request_id[:i] for i in range(4, 9)]
    return typed


@dataclass
class Row:
    store: GrowthStore
    unlock: float = 0.0
    kdf: float = 0.0
    unlock_ratio: float = 0.0  # the median of unlock / key derivation over adjacent pairs
    search: float = 0.0  # mean per keystroke: the first page
    slowest: tuple[float, str] = (0.0, "")
    count: float = 0.0  # mean per keystroke whose first page was full: the count that follows it
    counted: int = 0  # how many keystrokes asked for a count
    keystrokes: int = 0
    paint: float = 0.0
    check: float = 0.0
    paint_empty: float = 0.0
    remembered: float = 0.0
    remembered_ratio: float = 0.0  # the median of remembered / bare over the rounds (each round: one moment)
    typed: float = 0.0
    typed_ratio: float = 0.0  # the median of (typed - remembered) / key derivation over the rounds
    cold: float = 0.0  # key remembered, no index of the definitions' names yet
    bare: float = 0.0
    rss: float = 0.0
    bare_rss: float = 0.0
    kdf_launch: list[float] = field(default_factory=list)


def _unlock(row: Row) -> None:
    salt = row.store.path.read_bytes()[:16]
    unlocks: list[float] = []
    kdfs: list[float] = []

    def kdf() -> None:
        t0 = time.perf_counter()
        hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, KDF_ITERATIONS, 32)
        kdfs.append(time.perf_counter() - t0)

    def unlock() -> None:
        t0 = time.perf_counter()
        Store.open(row.store.folder, PASSPHRASE).close()
        unlocks.append(time.perf_counter() - t0)

    unlock()  # once untimed: the first open in this process builds the expected schema (a cached constant)
    unlocks.clear()
    for i in range(UNLOCK_ROUNDS):
        for step in (kdf, unlock) if i % 2 else (unlock, kdf):
            step()
    row.unlock, row.kdf = median(unlocks), median(kdfs)
    row.unlock_ratio = median([u / k for u, k in zip(unlocks, kdfs, strict=True)])  # each pair: one moment


def _check(row: Row) -> None:
    with Store.open(row.store.folder, key=row.store.key) as store:
        t0 = time.perf_counter()
        store.check(source="api")
        row.check = time.perf_counter() - t0


def _search(rows: list[Row]) -> None:
    from ui import ops
    from ui.request_model import PAGE_SIZE

    typed = [keystrokes(row.store) for row in rows]
    pages: list[dict[str, list[float]]] = [{t: [] for t in ts} for ts in typed]
    counts: list[dict[str, list[float]]] = [{} for _ in rows]
    stores = [Store.open(row.store.folder, key=row.store.key) for row in rows]
    try:
        for r in range(SEARCH_ROUNDS):
            for k in range(max(len(ts) for ts in typed)):
                order = list(range(len(rows)))
                if (r + k) % 2:
                    order.reverse()
                for i in order:
                    if k >= len(typed[i]):
                        continue
                    text, store = typed[i][k], stores[i]
                    query = ops.Query(text=text)
                    t0 = time.perf_counter()
                    page = ops.list_page(store, query, 0, PAGE_SIZE)
                    t1 = time.perf_counter()
                    pages[i][text].append(t1 - t0)
                    if page.total is None:  # what the list asks next, in a task of its own
                        t1 = time.perf_counter()
                        ops.count(store, query)
                        counts[i].setdefault(text, []).append(time.perf_counter() - t1)
    finally:
        for store in stores:
            store.close()
    for row, times, counted in zip(rows, pages, counts, strict=True):
        per = {t: median(v) for t, v in times.items()}
        row.search = statistics.fmean(per.values())
        worst = max(per, key=lambda t: per[t])
        row.slowest = (per[worst], worst)
        row.keystrokes = len(per)
        row.counted = len(counted)
        row.count = statistics.fmean(median(v) for v in counted.values()) if counted else 0.0


def _paint(rows: list[Row]) -> None:
    from app.store.keys import random_key
    from benchmarks.bench_gui import first_paint
    from ui.context import AppContext
    from ui.gui_settings import open_settings
    from ui.main_window import MainWindow
    from ui.tasks import TaskManager

    tasks = TaskManager()
    with tempfile.TemporaryDirectory(prefix="bench-paint-") as tmp:
        root = Path(tmp)
        empty = Store.create(root / "empty", key=random_key())
        try:
            for row in rows:
                with Store.open(row.store.folder, key=row.store.key) as store:
                    ours: list[float] = []
                    base: list[float] = []
                    for _ in range(PAINT_ROUNDS):
                        for s, out in ((store, ours), (empty, base)):
                            ctx = AppContext(root, None, tasks, open_settings(root / "ui"), s)
                            out.append(first_paint(ctx, MainWindow))
                    tasks.wait()
                row.paint, row.paint_empty = median(ours), median(base)
        finally:
            tasks.shutdown()
            empty.close()


def _launches(rows: list[Row]) -> None:
    for row in rows:
        data = str(row.store.folder)
        key = row.store.key.to_hex()
        remembered = LAUNCH.format(repo=str(REPO), data=data, key=key, passphrase="", stay=False)
        typed = LAUNCH.format(repo=str(REPO), data=data, key="", passphrase=PASSPHRASE, stay=False)
        session = LAUNCH.format(repo=str(REPO), data=data, key=key, passphrase="", stay=True)
        index = row.store.folder / CACHE_DIR / INDEX_FILE
        launch(BARE)
        # A session before: the file cache warm, and the index of the definitions' names kept, as after any
        # session (a launch that ends at its first paint, as these do, has not loaded the definitions yet).
        launch(session)
        bare: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        ours_typed: list[float] = []
        cold: list[float] = []
        kdf: list[float] = []
        salt = row.store.path.read_bytes()[:16]
        for _ in range(LAUNCH_ROUNDS):  # interleaved, so that all see the same load
            bare.append(launch(BARE))
            ours.append(launch(remembered))
            ours_typed.append(launch(typed)[0])
            t0 = time.perf_counter()
            hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, KDF_ITERATIONS, 32)
            kdf.append(time.perf_counter() - t0)
            index.unlink()  # the first launch after an installation or a form update: no index yet
            cold.append(launch(remembered)[0])
            launch(session)  # untimed: the index kept again
        row.bare = median([b[0] for b in bare])
        row.bare_rss = median([b[1] for b in bare])
        row.remembered = median([o[0] for o in ours])
        row.rss = median([o[1] for o in ours])
        row.typed = median(ours_typed)
        row.cold = median(cold)
        row.kdf_launch = kdf
        row.remembered_ratio = median([o[0] / b[0] for o, b in zip(ours, bare, strict=True)])
        row.typed_ratio = median([(t - o[0]) / k for t, o, k in zip(ours_typed, ours, kdf, strict=True)])


TABLE: list[Row] = []


def run() -> list[Result]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import ui  # noqa: F401 - the binding workaround first
    from ui.app import make_application

    make_application(["bench"])
    rows = [Row(s) for s in growth_stores()]
    for row in rows:
        print(f"  {row.store.size:,} requests: unlock, full check ...", file=sys.stderr, flush=True)
        _unlock(row)
        _check(row)
    print("  search as you type ...", file=sys.stderr, flush=True)
    _search(rows)
    print("  first paint ...", file=sys.stderr, flush=True)
    _paint(rows)
    print("  launches ...", file=sys.stderr, flush=True)
    _launches(rows)
    TABLE[:] = rows
    small, big = rows[0], rows[-1]
    n = f"{big.store.size:,} requests"
    kdf = median(big.kdf_launch)
    extra = big.typed - big.remembered
    bare_name = "QApplication + empty QMainWindow"
    return [
        Result(
            "growth",
            f"unlock, {n} ({big.store.path.stat().st_size / 1e6:.0f} MB; ratio: median of {UNLOCK_ROUNDS} adjacent pairs)",
            big.unlock,
            big.kdf,
            "key derivation alone",
            "within 1.2x",
            big.unlock_ratio <= 1.2,
            paired=big.unlock_ratio,
        ),
        Result(
            "growth",
            f"search as you type, {n} (per keystroke: the first page, its confirmation numbers)",
            big.search,
            small.search,
            f"the same keystrokes, {small.store.size:,} requests",
            "within 1.5x",
            big.search <= 1.5 * small.search,
        ),
        Result("growth", f"search, slowest keystroke at {n} ({big.slowest[1]!r})", big.slowest[0], None),
        Result(
            "growth",
            f"search, the count after a full first page, {n} ({big.counted} of {big.keystrokes} keystrokes)",
            big.count,
            small.count,
            f"{small.store.size:,} requests ({small.counted} of {small.keystrokes} keystrokes)",
        ),
        Result(
            "growth",
            f"first paint of the list, {n}",
            big.paint,
            big.paint_empty,
            "same window, empty store",
            "< 300 ms",
            big.paint < 0.3,
        ),
        Result(
            "growth",
            f"launch to the unlocked list, key remembered, {n} (process; ratio: median of {LAUNCH_ROUNDS} rounds)",
            big.remembered,
            big.bare,
            bare_name,
            "within 2.5x",
            big.remembered_ratio <= 2.5,
            paired=big.remembered_ratio,
        ),
        Result(
            "growth",
            f"launch, passphrase typed, {n}: time beyond the remembered-key launch (ratio: median of "
            f"{LAUNCH_ROUNDS} rounds)",
            extra,
            kdf,
            "key derivation alone",
            "within 1.2x",
            big.typed_ratio <= 1.2,
            paired=big.typed_ratio,
        ),
        Result("growth", f"launch, passphrase typed, {n} (process)", big.typed, big.bare, bare_name),
        Result(
            "growth",
            f"launch, key remembered, {n}, first after an installation or a form update (no index of the "
            "definitions' names yet: they load first)",
            big.cold,
            big.bare,
            bare_name,
        ),
    ]


def table() -> str:
    """The growth table, as Markdown (printed by `python -m benchmarks`)."""
    lines = [
        "| requests | file | bulk entry | unlock (key derivation alone) | full check | first paint | search, per "
        "keystroke (slowest) | count after a full page (keystrokes) | launch, key remembered (bare Qt) "
        "| memory (bare Qt) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in TABLE:
        s = r.store
        lines.append(
            f"| {s.size:,} | {s.path.stat().st_size / 1e6:.0f} MB | {s.added:,} in {s.entry_seconds:.1f} s "
            f"| {fmt_time(r.unlock)} ({fmt_time(r.kdf)}) | {fmt_time(r.check)} | {fmt_time(r.paint)} | {fmt_time(r.search)} "
            f"({fmt_time(r.slowest[0])}) | {fmt_time(r.count)} ({r.counted}) "
            f"| {fmt_time(r.remembered)} ({fmt_time(r.bare)}) | {r.rss:.0f} MB "
            f"({r.bare_rss:.0f} MB) |"
        )
    return "\n".join(lines)

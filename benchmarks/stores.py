"""Stores of 1,000, 10,000 and 100,000 requests for the growth table, made once per run by bulk entry.

Each store is filled the way a coordinator would fill it in bulk: `coc drafts add --jsonl` in a process of its own,
reading generated requests (`benchmarks/population.py`) on standard input, with the passphrase in
`COC_PASSPHRASE`. The 10,000 store starts as a copy of the 1,000 one and the 100,000 store as a copy of the
10,000 one; one request in a hundred is then sent (queued and given a receipt with a confirmation number), and so
are the first request of each search target. Nothing is checked in: the stores live in a temporary folder for the
run. `BENCH_SIZES=1000,10000` makes a shorter run.
"""

from __future__ import annotations

import atexit
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.store import Store
from app.store.keys import RawKey, derive, read_salt
from benchmarks.common import private_copy
from benchmarks.population import TARGETS, Population

REPO = Path(__file__).resolve().parent.parent
PASSPHRASE = "harbor lamp 7 violet"
SIZES = tuple(int(x) for x in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(","))
SENT_EVERY = 100
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TARGET_REQUESTS = sum(t.requests for t in TARGETS)


@dataclass
class GrowthStore:
    size: int
    folder: Path  # the data folder (store.db inside)
    key: RawKey
    added: int  # requests added by bulk entry for this size
    entry_seconds: float  # how long that bulk entry took (one process, one transaction)
    target_ids: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)  # of the targets' sent requests

    @property
    def path(self) -> Path:
        return self.folder / "store.db"


_built: list[GrowthStore] = []
_root: Path | None = None


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ, COC_DATA_DIR=str(folder), COC_PASSPHRASE=PASSPHRASE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bulk_entry(folder: Path, lines: Iterable[str]) -> tuple[int, float]:
    """How many requests, and in how many seconds `coc drafts add --jsonl` stores them (the process included)."""
    count = 0
    with tempfile.TemporaryFile() as jsonl:
        for line in lines:
            jsonl.write(line.encode("utf-8") + b"\n")
            count += 1
        jsonl.seek(0)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "app.cli", "drafts", "add", "--jsonl"],
            stdin=jsonl,
            env=_env(folder),
            cwd=REPO,
            capture_output=True,
            check=False,
        )
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"bulk entry failed: {proc.stderr.decode()[-500:]}")
    return count, seconds


def _send_some(store: Store, ids: list[str], rng: random.Random) -> list[str]:
    """Queue each request and store a receipt with a confirmation number, as the outbox does; the numbers."""
    numbers = []
    for request_id in ids:
        if store.summary(request_id).state.value != "ready":
            continue
        body = "".join(rng.choice(ALPHABET) for _ in range(8))
        number = f"COC-{body[:4]}-{body[4:]}"
        store.enqueue(request_id, "{}", f"bench-{request_id}")
        store.mark_sent(request_id, {"confirmation": number, "received_at": "2026-12-01T10:00:00Z"})
        numbers.append(number)
    return numbers


def growth_stores() -> list[GrowthStore]:
    """The stores, built on first use (a few minutes for 100,000 requests on a busy 2-core machine)."""
    global _root
    if _built:
        return _built
    _root = Path(tempfile.mkdtemp(prefix="bench-growth-"))
    atexit.register(shutil.rmtree, _root, True)
    population = Population()
    rng = random.Random(3)
    previous: GrowthStore | None = None
    for size in SIZES:
        folder = _root / f"store-{size}"
        if previous is None:
            subprocess.run(
                [sys.executable, "-m", "app.cli", "store", "init"],
                env=_env(folder),
                cwd=REPO,
                capture_output=True,
                check=True,
            )
            lines: Iterable[str] = itertools.chain(
                population.targets(), population.lines(size - TARGET_REQUESTS)
            )
        else:
            folder.mkdir(mode=0o700)
            private_copy(previous.path, folder / "store.db")
            lines = population.lines(size - previous.size)
        print(f"  bulk entry: a store of {size:,} requests ...", file=sys.stderr, flush=True)
        added, seconds = bulk_entry(folder, lines)
        key = derive(PASSPHRASE, read_salt(folder / "store.db"))
        grown = GrowthStore(size, folder, key, added, seconds)
        with Store.open(folder, key=key) as store:
            new_ids = [r.id for r in store.list(limit=added)]  # the newest: those just added
            if previous is None:
                grown.target_ids = [r.id for r in store.list(order_by="updated", limit=TARGET_REQUESTS)]
                grown.confirmations = _send_some(store, grown.target_ids[::2], rng)
            else:
                grown.target_ids, grown.confirmations = previous.target_ids, previous.confirmations
            _send_some(store, new_ids[::SENT_EVERY], rng)
        _built.append(grown)
        previous = grown
    return _built

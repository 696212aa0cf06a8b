"""Transmission: sending 1,000 queued requests to the local intake service through the outbox of a store already
holding 100,000 requests (a copy of the largest store of `benchmarks/stores.py`), against a bare
`requests.Session` loop posting the same payloads, in the same run (goal: within 1.3x).

The outbox does everything the product does per request: re-read the item from the encrypted store, re-run the full
validation (the send gate), POST over HTTPS with verification, check the receipt and store it (SQLCipher
transactions, several receipts to one). The bare loop only POSTs. Each side talks to its own fresh intake service (a
separate process, as in real use), so neither meets the other's requests as replays. Before each side's turn the
disk is synced (untimed), so that neither pays for the other's writes (or the set-up's) reaching the disk during its
turn. The outbox sends with its default two senders (one request's validation overlaps the other's network round
trip) and stores the receipts on a thread of its own; the bare loop is sequential. The requests go in six
chunks, each side first in turn; the ratio is the median of the six chunks' ratios (as unlock's is).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from app.forms import default_catalog, new_document
from app.forms.example import example_answers
from app.store import Store
from app.transmit import Client, Outbox, TransmitSettings, queue
from app.transmit.client import key_header
from benchmarks.common import Result, median, private_copy
from benchmarks.stores import growth_stores

N = int(os.environ.get("BENCH_TRANSMIT_N", "1000"))
TOKEN = "bench-token"
REPO = Path(__file__).resolve().parent.parent
GOAL = 1.3
CHUNKS = 6  # of N/6 requests each, each side first in turn


@contextmanager
def intake(data: Path) -> Iterator[tuple[str, str]]:
    """The intake service in its own process on a free port; yields (url, ca file)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake", "serve", "--data", str(data), "--port", "0"],
        cwd=REPO,
        env={**os.environ, "INTAKE_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        ca = proc.stdout.readline().split()[-1]
        yield url, ca
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def bare_loop(url: str, ca: str, payloads: list[tuple[str, str]]) -> float:
    with requests.Session() as session:
        t0 = time.perf_counter()
        for key, payload in payloads:
            r = session.post(
                f"{url}/v1/requests",
                data=payload.encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Idempotency-Key": key_header(key),  # a structured-field String, as the protocol says
                    "Content-Type": "application/json; charset=utf-8",
                },
                timeout=(6.05, 30),
                verify=ca,
            )
            assert r.status_code == 201, r.status_code
            r.json()
        return time.perf_counter() - t0


def run() -> list[Result]:
    spec = default_catalog().form("de-employee")
    ours: list[float] = []  # each chunk's time, side by side with the bare loop's
    baseline: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        biggest = growth_stores()[-1]
        (folder / "store").mkdir(mode=0o700)
        private_copy(biggest.path, folder / "store" / "store.db")
        with (
            Store.open(folder / "store", key=biggest.key) as store,
            intake(folder / "intake-bare") as (bare_url, bare_ca),
            intake(folder / "intake-ours") as (url, ca),
        ):
            ids = []
            for _ in range(N):
                doc = new_document(spec, example_answers(spec))
                store.save(doc, error_count=0)
                ids.append(doc.id)
            settings = TransmitSettings(endpoint=url, token=TOKEN, ca_bundle=ca)
            with Outbox(store, Client(settings)) as outbox:
                # in chunks, alternating which side goes first, so that a change in the machine's load hits both
                for chunk in range(CHUNKS):
                    part = ids[chunk * N // CHUNKS : (chunk + 1) * N // CHUNKS]
                    payloads = [(i, queue(store, i).payload) for i in part]  # queueing is not timed
                    for side in ("bare", "ours") if chunk % 2 == 0 else ("ours", "bare"):
                        os.sync()  # neither side pays for the other's (or the set-up's) writes reaching the disk
                        if side == "bare":
                            baseline.append(bare_loop(bare_url, bare_ca, payloads))
                        else:
                            t0 = time.perf_counter()
                            report = outbox.send_due(force=True)
                            ours.append(time.perf_counter() - t0)
                            assert report.sent == len(part), report
    # each chunk's two sides ran one right after the other: the ratio is the median of the chunks' ratios (this
    # machine's speed moves by a third from one second to the next, and a slow stretch over one side of one chunk
    # would otherwise weigh on the whole)
    ratio = median([o / b for o, b in zip(ours, baseline, strict=True)])
    return [
        Result(
            area="transmit",
            name=f"send {N} queued requests, {biggest.size // 1000}k store (outbox: gate + HTTPS + receipt stored; "
            f"ratio: median of {CHUNKS} adjacent pairs)",
            ours=sum(ours),
            baseline=sum(baseline),
            baseline_name="bare requests.Session loop, same payloads",
            goal=f"<= {GOAL}x",
            met=ratio <= GOAL,
            paired=ratio,
        ),
        Result(
            area="transmit",
            name="per request",
            ours=sum(ours) / N,
            baseline=sum(baseline) / N,
            baseline_name="bare loop",
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r, f"ratio {r.ratio:.2f}" if r.ratio else "")

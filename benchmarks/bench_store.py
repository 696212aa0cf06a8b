"""The encrypted store against plain `sqlite3` with the same schema and the same code, in the same run.

- save of a full request (one transaction, WAL, synchronous=FULL): p50 and p95, SQLCipher vs sqlite3
  (goal: within 2x, p95 under 5 ms);
- unlock: passphrase -> key derivation -> open -> page and b-tree checks, on an empty store and on 10,000
  requests, against the key derivation alone (its designed cost);
- the request list over 10,000 requests with filters (goal: under 50 ms), against the same query on sqlite3.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.request import RequestDoc, now_utc
from app.store import Store, drafts, schema
from app.store.keys import KDF_ITERATIONS
from benchmarks.common import Result, median, percentile, samples

PASSPHRASE = "harbor lamp 7 violet"
REQUESTS = 10_000
SAVES = 400

FIRST = [
    "Jane",
    "José",
    "Ana",
    "Zoë",
    "Ken",
    "Lee",
    "Ewa",
    "Łukasz",
    "Ngozi",
    "Priya",
    "Omar",
    "Mei",
    "Hans",
    "Sofia",
]
LAST = [
    "Example",
    "Núñez",
    "Smith",
    "Tanaka",
    "O'Brien",
    "Kowalski",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Kim",
    "Silva",
]
FORMS = ["de-employee", "fr-employee", "jp-employee", "es-employee", "dk-employee", "fr-self_employed"]


def full_request(rng: random.Random) -> RequestDoc:
    """A complete request of about 2 KB, with family members."""
    start = f"20{rng.randint(26, 28)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    end = f"20{rng.randint(29, 31)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    answers: dict[str, Any] = {
        "worker.first_name": rng.choice(FIRST),
        "worker.middle_name": rng.choice(["", "Q.", "Maria"]),
        "worker.last_name": rng.choice(LAST) + str(rng.randint(1, 500)),
        "worker.birth_date": f"19{rng.randint(55, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "worker.birth_city": "Springfield",
        "worker.birth_country": "US",
        "worker.citizenship": "US",
        "worker.residence_country": "US",
        "worker.ssn": f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}",
        "employer.name": "Example Widgets Inc.",
        "employer.ein": "12-3456789",
        "employer.street": "100 Sample Street",
        "employer.city": "Albany",
        "employer.state": "NY",
        "employer.zip": "12207",
        "employer.contact_name": "Pat Coordinator",
        "employer.phone": "(212) 555-0100",
        "employer.email": "coordinator@example.com",
        "host.name": "Example Widgets Subsidiary GmbH",
        "host.street": "1 Example Road",
        "host.city": "Exampletown",
        "host.postal_code": "12345",
        "host.country": "DE",
        "employment.hire_date": "2019-03-01",
        "employment.hire_city": "Albany",
        "employment.hire_country": "US",
        "employment.stays_with_us_employer": True,
        "assignment.start_date": start,
        "assignment.end_date": end,
        "assignment.work_city": "Exampletown",
        "assignment.is_extension": False,
        "history.previous_posting": False,
        "request.email_confirmation": True,
        "request.confirmation_email": "coordinator@example.com",
        "family": [
            {"name": f"Child {i}", "relationship": "child", "birth_date": "2015-01-01", "accompanying": True}
            for i in range(rng.randint(0, 3))
        ],
    }
    return RequestDoc(form=rng.choice(FORMS), edition="2026-11-29", answers=answers)


def plain_connection(path: Path) -> sqlite3.Connection:
    """The baseline: the standard library's sqlite3 with the same pragmas and the same schema."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    schema.migrate(conn)
    return conn


def plain_save(conn: sqlite3.Connection, doc: RequestDoc, errors: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    drafts.save(conn, doc, errors, 0, now_utc())
    conn.execute("COMMIT")


def fill(store: Store, conn: sqlite3.Connection, rng: random.Random) -> list[RequestDoc]:
    docs = [full_request(rng) for _ in range(REQUESTS)]
    counts = [(rng.choice([0, 0, 1, 3]), rng.choice([0, 1])) for _ in docs]
    store.save_many((d, e, w) for d, (e, w) in zip(docs, counts, strict=True))
    conn.execute("BEGIN")
    now = now_utc()
    for d, (e, w) in zip(docs, counts, strict=True):
        drafts.save(conn, d, e, w, now)
    conn.execute("COMMIT")
    return docs


def timed(fn: Callable[[], object], n: int) -> float:
    return median(samples(fn, n, warmup=2))


def run() -> list[Result]:
    rng = random.Random(7)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        # --- save of a full request -------------------------------------------------------------------------
        store = Store.create(root / "enc", PASSPHRASE)
        plain = plain_connection(root / "plain.db")
        try:
            pool = [full_request(rng) for _ in range(50)]
            for d in pool:
                store.save(d, error_count=0)
                plain_save(plain, d, 0)
            ours: list[float] = []
            base: list[float] = []
            for i in range(SAVES):  # interleaved, so both see the same machine load
                doc = pool[i % len(pool)]
                doc.answers["assignment.work_city"] = f"City {i}"
                t0 = time.perf_counter()
                store.save(doc, error_count=i % 2)
                t1 = time.perf_counter()
                plain_save(plain, doc, i % 2)
                t2 = time.perf_counter()
                ours.append(t1 - t0)
                base.append(t2 - t1)
            p50, b50 = percentile(ours, 50), percentile(base, 50)
            p95, b95 = percentile(ours, 95), percentile(base, 95)
            results.append(
                Result("store", "save full request p50", p50, b50, "sqlite3", "within 2x", p50 <= 2 * b50)
            )
            results.append(
                Result(
                    "store",
                    "save full request p95",
                    p95,
                    b95,
                    "sqlite3",
                    "< 5 ms, within 2x",
                    p95 < 5e-3 and p95 <= 2 * b95,
                )
            )
        finally:
            store.close()
            plain.close()

        # --- unlock ------------------------------------------------------------------------------------------
        salt = (root / "enc" / "store.db").read_bytes()[:16]
        kdf = timed(lambda: hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, KDF_ITERATIONS, 32), 5)
        unlock = timed(lambda: Store.open(root / "enc", PASSPHRASE).close(), 5)
        results.append(
            Result("store", "unlock (passphrase, 50 requests)", unlock, kdf, "PBKDF2 alone", "", None)
        )

        # --- 10,000 requests -----------------------------------------------------------------------------------
        big = Store.create(root / "big", PASSPHRASE)
        plain = plain_connection(root / "plain-big.db")
        try:
            fill(big, plain, rng)
            filters: list[tuple[str, dict[str, Any]]] = [
                ("list 10k: state+agreement+name", {"state": "draft", "agreement": "fr", "text": "smi"}),
                ("list 10k: name search, page of 100", {"text": "an", "limit": 100}),
                ("list 10k: ending within 3 years", {"ending_within_days": 1100, "order_by": "end_date"}),
                ("list 10k: everything, by worker", {"order_by": "worker"}),
            ]
            for name, kwargs in filters:
                f = drafts.make_filters(
                    kwargs.get("state"),
                    kwargs.get("agreement"),
                    kwargs.get("text"),
                    kwargs.get("ending_within_days"),
                    None,
                )
                order = kwargs.get("order_by", "-updated")
                limit = kwargs.get("limit")
                ours_t = timed(lambda kwargs=kwargs: big.list(**kwargs), 15)
                base_t = timed(
                    lambda f=f, order=order, limit=limit: drafts.list_requests(plain, f, order, limit, 0), 15
                )
                results.append(Result("store", name, ours_t, base_t, "sqlite3", "< 50 ms", ours_t < 0.05))
            ours_t = timed(lambda: big.count(state="ready", text="jo"), 15)
            base_t = timed(
                lambda: drafts.count(plain, drafts.make_filters("ready", None, "jo", None, None)), 15
            )
            results.append(
                Result("store", "count 10k: state+name", ours_t, base_t, "sqlite3", "< 50 ms", ours_t < 0.05)
            )
        finally:
            big.close()
            plain.close()
        size = (root / "big" / "store.db").stat().st_size
        unlock_big = timed(lambda: Store.open(root / "big", PASSPHRASE).close(), 3)
        results.append(
            Result(
                "store",
                f"unlock (10k requests, {size / 1e6:.0f} MB, all pages checked)",
                unlock_big,
                kdf,
                "PBKDF2 alone",
                "",
                None,
            )
        )
    return results


if __name__ == "__main__":
    from benchmarks.__main__ import main

    raise SystemExit(main(["store"]))

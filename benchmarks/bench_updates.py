"""Form updates: the catalog with every agreement's newer edition installed, carrying 1,000 drafts over, and one
verified update from the reference intake service over HTTPS (TUF) against fetching the same bytes unverified."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from app.forms import load
from app.forms.example import example_answers
from app.forms.loader import shipped_catalog
from app.request import RequestDoc
from app.store import Store
from app.store.keys import random_key
from app.transmit import TransmitSettings
from app.transmit.client import BearerAuth
from app.transmit.transport import Transport
from app.updates import catalog as updates_catalog
from app.updates.bundle import build_bundles, parse
from app.updates.drafts import carry_over
from app.updates.installed import Editions
from benchmarks.common import Result, median, samples

NEWER = "2027-06-01"
DRAFTS = 1000


def _newer_forms(dst: Path) -> Path:
    """The shipped definitions, every file one edition later (each agreement a newer bundle)."""
    from app.paths import forms_dir

    shutil.copytree(forms_dir(), dst)
    for path in dst.rglob("*.toml"):
        text = re.sub(
            r'^edition = "[0-9-]+"', f'edition = "{NEWER}"', path.read_text(encoding="utf-8"), flags=re.M
        )
        path.write_text(text, encoding="utf-8")
    return dst


def _install_all(root: Path, base: Path) -> Editions:
    editions = Editions(base)
    pairs = []
    for bundle in build_bundles(load(root)):
        data = bundle.to_bytes()
        pairs.append((parse(data), hashlib.sha256(data).hexdigest()))
    editions.install(pairs)
    return editions


def _cold(fn: object) -> float:
    from app.forms import loader, parts, reader, template

    def run() -> None:
        parts.parse_cached.cache_clear()
        reader._parse.cache_clear()
        template.parse.cache_clear()
        loader._shipped.cache_clear()
        updates_catalog._load.cache_clear()
        updates_catalog._CACHE.clear()
        fn()  # type: ignore[operator]

    return median(samples(run, 9, warmup=1))


def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        editions = _install_all(_newer_forms(work / "newer"), work / "updates")
        n = len(editions.entries())
        ours = _cold(lambda: updates_catalog.installed_catalog(shipped_catalog(), editions))
        # the bundled catalog with every form built, as the merge builds them (it builds each on first use)
        base = _cold(lambda: list(shipped_catalog().forms.values()))
        results.append(
            Result(
                "updates",
                f"load the catalog with {n} newer agreements installed (cold)",
                ours,
                base,
                "the bundled catalog alone",
            )
        )
        merged = updates_catalog.installed_catalog(shipped_catalog(), editions)
        ours = median(samples(lambda: updates_catalog.installed_catalog(shipped_catalog(), editions), 2000))
        base = median(samples(editions.pointer.stat, 2000))
        results.append(
            Result("updates", "ask for the catalog again (nothing changed)", ours, base, "one stat")
        )

        bundled = shipped_catalog()
        spec = bundled.forms["de-employee"]
        answers = example_answers(spec)

        def fresh_store(name: str) -> tuple[Store, list[str]]:
            store = Store.create(work / name, key=random_key())
            docs = [RequestDoc(spec.id, spec.edition, dict(answers)) for _ in range(DRAFTS)]
            store.save_many([(d, 0, 0) for d in docs])
            return store, [d.id for d in docs]

        timings_ours, timings_base = [], []
        for i in range(3):  # interleaved: carry-over, then the bulk save of the same number of documents
            import time

            store, _ids = fresh_store(f"carry{i}")
            t0 = time.perf_counter()
            done = carry_over(store, merged)
            timings_ours.append(time.perf_counter() - t0)
            assert len(done) == DRAFTS
            store.close()
            store, _ids = fresh_store(f"save{i}")
            docs = [RequestDoc(spec.id, NEWER, dict(answers)) for _ in range(DRAFTS)]
            t0 = time.perf_counter()
            store.save_many([(d, 0, 0) for d in docs])
            timings_base.append(time.perf_counter() - t0)
            store.close()
        results.append(
            Result(
                "updates",
                f"carry {DRAFTS} drafts over to a new edition (one transaction, re-checked, reports)",
                median(timings_ours),
                median(timings_base),
                f"save_many of {DRAFTS} documents",
            )
        )
        results.append(_verified_update(work))
    return results


def _verified_update(work: Path) -> Result:
    """One agreement's new edition: TUF refresh + index + bundle, verified and installed, against a plain GET of
    the same bundle's bytes through the same transport."""
    import time

    from app.updates.client import TARGETS_PATH, cache_dir, download
    from intake import serve_in_thread
    from intake.publish import publish
    from intake.tuf_repo import ReceiverRepository

    token = "bench-token-0123456789"
    folder = work / "intake"
    publish(folder)
    newer = _newer_forms(work / "newer-de")
    publish(folder, newer)
    repo = ReceiverRepository(folder)
    sha = repo.bundles()["de"].sha256
    root = (folder / "forms-root.json").read_bytes()
    ours: list[float] = []
    base: list[float] = []
    with serve_in_thread(folder, [token]) as running:
        settings = TransmitSettings(running.url, token, str(running.ca_path))
        transport = Transport(
            ca_bundle=settings.ca_bundle,
            timeout=settings.timeout,
            deadline=settings.deadline,
            max_answer=5_000_000,
            headers={},
            auth=BearerAuth(token),
        )
        only_de = shipped_catalog()
        for i in range(5):
            base_dir = work / f"client{i}"
            t0 = time.perf_counter()
            got = download(
                settings, root, _all_but_de_newer(only_de), Editions(base_dir), cache_dir(base_dir, root)
            )
            ours.append(time.perf_counter() - t0)
            assert [e.agreement for e in got.installed] == ["de"]
            t0 = time.perf_counter()
            transport.exchange("GET", f"{running.url}{TARGETS_PATH}agreements/{sha}.de.json")
            base.append(time.perf_counter() - t0)
        transport.close()
    return Result(
        "updates",
        "update one agreement over HTTPS, TUF-verified and installed (fresh trust each time)",
        median(ours),
        median(base),
        "GET of the same bundle, unverified",
    )


def _all_but_de_newer(catalog: object) -> object:
    """The bundled catalog as if every agreement but Germany were already in the newer edition."""
    import dataclasses

    forms = {
        f: (s if s.agreement.id == "de" else dataclasses.replace(s, edition=NEWER))
        for f, s in catalog.forms.items()  # type: ignore[attr-defined]
    }
    return dataclasses.replace(catalog, forms=forms)  # type: ignore[type-var]

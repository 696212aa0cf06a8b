"""100 single-byte tampers of a closed store: every one detected, never different data returned
(reliability.md §6 test #6).

Unlocking reads only the pages it needs, whatever the store's size; SQLCipher authenticates every page it reads
(HMAC-SHA512), so a damaged page is reported by the first read that meets it, and the whole-file check
(`Store.check`, `coc store check`) finds every damaged page, read or not.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.store import DamagedStore, Store, WrongPassphrase
from app.store.keys import RawKey, random_key
from tests.store.helpers import make_doc, sha256

SEED = 20261129
FLIPS = 100


def _pristine(folder: Path, key: RawKey) -> Path:
    with Store.create(folder, key=key) as store:
        for i in range(40):
            doc = make_doc(**{"worker.first_name": f"Worker{i}", "assignment.work_city": "Köln " * 40})
            store.save(doc, error_count=i % 3)
            store.save(doc, error_count=0)
        store.set_setting("token", "secret-token", secret=True)
    return folder / "store.db"


def _everything(store: Store) -> dict[str, Any]:
    """All that the application can read: every request, every revision, the list, the search, settings, audit."""
    ids = [r.id for r in store.list()]
    return {
        "list": store.list(),
        "search": [store.count(text=f"worker{i}") for i in range(40)],
        "docs": [store.get(i).to_dict() for i in ids],
        "revisions": [store.revision(i, r.rev).to_dict() for i in ids for r in store.history(i)],
        "audit": [store.audit(i) for i in ids] + [store.audit()],
        "settings": (store.settings(), store.get_setting("token")),
    }


def _tampered(original: Path, work: Path, rng: random.Random, flip: int) -> tuple[Path, int]:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    target = work / "store.db"
    shutil.copyfile(original, target)
    data = bytearray(target.read_bytes())
    # half anywhere in the file, half in a page other than the first (as the research's test)
    position = rng.randrange(len(data)) if flip % 2 else rng.randrange(4096, len(data))
    data[position] ^= rng.randrange(1, 256)
    target.write_bytes(bytes(data))
    return target, position


def test_every_single_byte_tamper_is_detected(tmp_path: Path) -> None:
    key = random_key()
    original = _pristine(tmp_path / "pristine", key)
    with Store.open(original, key=key) as store:
        truth = _everything(store)
    assert original.stat().st_size >= 4096 * 20
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    for flip in range(FLIPS):
        state = rng.getstate()
        target, position = _tampered(original, tmp_path / "read", rng, flip)
        where = f"flip {flip} at byte {position} (seed {SEED})"
        tampered_hash = sha256(target)
        try:
            store = Store.open(target, key=key)
        except (DamagedStore, WrongPassphrase):  # page 1 (or the salt) damaged: as a wrong key would be
            outcome = "at unlock"
        else:
            with store:
                try:
                    seen = _everything(store)
                except DamagedStore:
                    outcome = "at the first read of the damaged page"
                else:
                    assert seen == truth, f"{where}: different data was returned"
                    with pytest.raises(DamagedStore):
                        store.check()
                    outcome = "by the whole-file check (a page nothing reads)"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assert sha256(target) == tampered_hash, f"{where}: opening or reading changed the file"
        assert sorted(p.name for p in target.parent.iterdir()) == ["store.db"]

        # the same damage, checked on demand straight after unlocking: always found
        rng.setstate(state)
        target, _ = _tampered(original, tmp_path / "check", rng, flip)
        try:
            store = Store.open(target, key=key)
        except (DamagedStore, WrongPassphrase):
            continue
        with store, pytest.raises(DamagedStore) as info:
            store.check()
        assert "failed their integrity check" in info.value.user_text or "damaged" in info.value.user_text
    assert sum(outcomes.values()) == FLIPS
    assert outcomes.get("at the first read of the damaged page", 0) >= FLIPS // 4, outcomes

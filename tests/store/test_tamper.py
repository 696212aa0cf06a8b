"""100 single-byte tampers of a closed store: every one detected, never different data returned
(reliability.md §6 test #6)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

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


def test_every_single_byte_tamper_is_detected(tmp_path: Path) -> None:
    key = random_key()
    original = _pristine(tmp_path / "pristine", key)
    size = original.stat().st_size
    assert size >= 4096 * 20
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    work = tmp_path / "work"
    work.mkdir()
    for flip in range(FLIPS):
        target = work / "store.db"
        shutil.copyfile(original, target)
        data = bytearray(target.read_bytes())
        # half anywhere in the file, half in a page other than the first (as the research's test)
        position = rng.randrange(size) if flip % 2 else rng.randrange(4096, size)
        data[position] ^= rng.randrange(1, 256)
        target.write_bytes(bytes(data))
        tampered_hash = sha256(target)
        try:
            Store.open(work, key=key).close()
        except DamagedStore:
            outcomes["damaged"] = outcomes.get("damaged", 0) + 1
        except WrongPassphrase:  # page 1 (or the salt) damaged: indistinguishable from a wrong key
            outcomes["cannot unlock"] = outcomes.get("cannot unlock", 0) + 1
        else:
            raise AssertionError(f"flip {flip} at byte {position} (seed {SEED}) was not detected")
        assert sha256(target) == tampered_hash, f"flip {flip}: opening changed the file"
        assert sorted(p.name for p in work.iterdir()) == ["store.db"]
    assert sum(outcomes.values()) == FLIPS
    assert outcomes.get("damaged", 0) >= FLIPS // 2

"""Changing the passphrase (rekey); the crash-safety proof is in test_crash.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store import Store, WeakPassphrase, WrongPassphrase
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc, snapshot


def test_change_passphrase(tmp_path: Path) -> None:
    with Store.create(tmp_path, PASSPHRASE) as store:
        doc = make_doc()
        store.save(doc, error_count=0)
        salt = store.raw_key.salt
        store.change_passphrase(OTHER_PASSPHRASE)
        assert store.get(doc.id).answers == doc.answers  # still usable
        assert store.raw_key.salt == salt
        assert store.audit()[-1].event == "passphrase_changed"
    before = snapshot(tmp_path)
    with pytest.raises(WrongPassphrase):
        Store.open(tmp_path, PASSPHRASE)
    assert snapshot(tmp_path) == before
    with Store.open(tmp_path, OTHER_PASSPHRASE) as store:
        assert store.get(doc.id).answers == doc.answers


def test_a_weak_new_passphrase_changes_nothing(tmp_path: Path) -> None:
    with Store.create(tmp_path, PASSPHRASE) as store, pytest.raises(WeakPassphrase):
        store.change_passphrase("weak")
    Store.open(tmp_path, PASSPHRASE).close()


def test_rekey_rewrites_every_page(tmp_path: Path) -> None:
    with Store.create(tmp_path, PASSPHRASE) as store:
        for _ in range(20):
            store.save(make_doc(**{"assignment.work_city": "x" * 3000}), error_count=0)
    before = (tmp_path / "store.db").read_bytes()
    with Store.open(tmp_path, PASSPHRASE) as store:
        store.change_passphrase(OTHER_PASSPHRASE)
    after = (tmp_path / "store.db").read_bytes()
    assert before[:16] == after[:16]  # SQLCipher keeps the salt
    pages = len(before) // 4096
    changed = sum(
        before[i * 4096 + 16 : (i + 1) * 4096] != after[i * 4096 + 16 : (i + 1) * 4096] for i in range(pages)
    )
    assert changed == pages

"""Encrypted backups under their own passphrase, restored on "another machine" (another data folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from app.request import State
from app.store import (
    BackupError,
    NotAStoreFile,
    PlainDatabaseFile,
    Store,
    StoreExists,
    WeakPassphrase,
    WrongPassphrase,
)
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc, sha256, snapshot

BACKUP_PASSPHRASE = "blue spruce 88 canyon"


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    folder = tmp_path / "machine-a"
    with Store.create(folder, PASSPHRASE) as store:
        for i in range(5):
            doc = make_doc(**{"worker.first_name": f"Worker{i}"})
            store.save(doc, error_count=i % 2)
        ready = store.list(state="ready")[0]
        store.enqueue(ready.id, "{}", ready.id)
        store.mark_sent(ready.id, {"confirmation": "C-9"})
        store.set_employer_profile({"employer.name": "Acme"})
        store.set_setting("token", "tok-123", secret=True)
        store.log_event(ready.id, "printed", "masked=yes")
    return folder


def _content(store: Store) -> tuple[object, ...]:
    rows = store.list(order_by="worker")
    return (
        [r.to_dict() for r in rows],
        [store.get(r.id).to_dict() for r in rows],
        [[e.event for e in store.audit(r.id)] for r in rows],
        store.employer_profile(),
        store.get_setting("token"),
        {r.id: store.receipt(r.id) for r in rows},
    )


def test_backup_and_restore_on_another_machine(filled: Path, tmp_path: Path) -> None:
    backup = tmp_path / "usb" / "coc-backup.db"
    backup.parent.mkdir()
    with Store.open(filled, PASSPHRASE) as store:
        assert store.backup(backup, BACKUP_PASSPHRASE) == backup
        expected = _content(store)
        assert store.audit()[-1].event == "backup_made"
    backup_hash = sha256(backup)
    other = tmp_path / "machine-b"
    restored, kept = Store.restore(backup, BACKUP_PASSPHRASE, other, OTHER_PASSPHRASE)
    with restored:
        assert kept is None
        assert _content(restored) == expected
        assert restored.audit()[-1].event == "restored"
        assert restored.list(state=State.SENT)[0].id
    assert sha256(backup) == backup_hash  # restoring never writes to the backup
    with pytest.raises(WrongPassphrase):
        Store.open(other, PASSPHRASE)
    Store.open(other, OTHER_PASSPHRASE).close()


def test_the_backup_has_its_own_passphrase(filled: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    with Store.open(filled, PASSPHRASE) as store:
        store.backup(backup, BACKUP_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Store.open(backup, PASSPHRASE)
    assert backup.read_bytes()[:16] != (filled / "store.db").read_bytes()[:16]  # its own salt
    conn = sqlcipher3.connect(
        str(backup)
    )  # a standard SQLCipher 4 file: no -wal needed, keyed by its passphrase
    try:
        conn.execute(f"PRAGMA key = '{BACKUP_PASSPHRASE}'")
        assert conn.execute("SELECT count(*) FROM requests").fetchone()[0] == 5
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_restore_with_a_wrong_backup_passphrase(filled: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    with Store.open(filled, PASSPHRASE) as store:
        store.backup(backup, BACKUP_PASSPHRASE)
    before = snapshot(tmp_path)
    with pytest.raises(WrongPassphrase) as info:
        Store.restore(backup, "not the backup pass 1", tmp_path / "machine-b", OTHER_PASSPHRASE)
    assert "backup passphrase" in info.value.user_text
    after = snapshot(tmp_path)
    assert after == before


def test_restore_refuses_to_replace_a_store_unless_asked(filled: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    with Store.open(filled, PASSPHRASE) as store:
        store.backup(backup, BACKUP_PASSPHRASE)
        store.delete(store.list()[0].id)
    before = snapshot(filled)
    with pytest.raises(StoreExists):
        Store.restore(backup, BACKUP_PASSPHRASE, filled, OTHER_PASSPHRASE)
    assert snapshot(filled) == before
    restored, kept = Store.restore(backup, BACKUP_PASSPHRASE, filled, OTHER_PASSPHRASE, replace=True)
    with restored:
        assert restored.count() == 5
    assert kept is not None and kept.exists() and kept.parent == filled
    with Store.open(kept, PASSPHRASE) as old:  # the replaced store is kept, intact
        assert old.count() == 4


def test_backup_refuses_to_overwrite_and_weak_passphrases(filled: Path, tmp_path: Path) -> None:
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"keep me")
    with Store.open(filled, PASSPHRASE) as store:
        with pytest.raises(BackupError):
            store.backup(existing, BACKUP_PASSPHRASE)
        with pytest.raises(WeakPassphrase):
            store.backup(tmp_path / "new.db", "weak")
        with pytest.raises(BackupError):
            store.backup(tmp_path, BACKUP_PASSPHRASE)
        with pytest.raises(BackupError):
            store.backup(tmp_path / "no-such-folder" / "b.db", BACKUP_PASSPHRASE)
        store.backup(existing, BACKUP_PASSPHRASE, overwrite=True)
    assert existing.read_bytes() != b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.db", "machine-a"]  # no temporary files left


def test_restoring_something_that_is_not_a_backup(tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    plain.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)
    with pytest.raises(PlainDatabaseFile):
        Store.restore(plain, BACKUP_PASSPHRASE, tmp_path / "x", OTHER_PASSPHRASE)
    from app.store.connection import connect
    from app.store.keys import derive, new_salt

    key = derive(BACKUP_PASSPHRASE, new_salt())
    empty = tmp_path / "empty-encrypted.db"
    conn = connect(empty, key, create=True)
    try:
        conn.execute("PRAGMA user_version = 0")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    finally:
        conn.close()
    with pytest.raises(NotAStoreFile):
        Store.restore(empty, BACKUP_PASSPHRASE, tmp_path / "x", OTHER_PASSPHRASE)
    assert not (tmp_path / "x" / "store.db").exists()

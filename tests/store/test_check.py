"""The whole-file check moved off the unlock path: unlocking reads a few pages whatever the store's size, a damaged
page is still reported (at its first read, by `Store.check` / `coc store check` on demand, and by the full check of
a backup being restored), and the check leaves the store usable while it reads."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.store import DamagedStore, Store, StoreLocked
from app.store import store as store_module
from app.store.keys import RawKey, random_key
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc, snapshot

PAGE = 4096


def _filled(folder: Path, key: RawKey | None = None, passphrase: str | None = None, n: int = 60) -> list[str]:
    ids = []
    with Store.create(folder, passphrase, key=key) as store:
        for i in range(n):
            doc = make_doc(**{"worker.first_name": f"Worker{i}", "assignment.work_city": "Köln " * 60})
            store.save(doc, error_count=0)
            ids.append(doc.id)
    return ids


def _flip(path: Path, page: int, offset: int = 900) -> None:
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE + offset] ^= 0x20
    path.write_bytes(bytes(data))


def test_unlock_reads_only_what_it_needs_and_the_first_read_reports_the_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    key = random_key()
    ids = _filled(folder, key)
    path = folder / "store.db"
    pages = path.stat().st_size // PAGE
    assert pages > 50
    _flip(path, pages - 2)  # near the end: the last requests' documents, their index, the audit
    before = snapshot(folder)
    with Store.open(folder, key=key) as store:  # unlocking did not read that page
        with pytest.raises(DamagedStore) as info:
            for request_id in ids:  # reading everything meets it
                store.get(request_id)
                store.history(request_id)
                store.audit(request_id)
            store.count(text="worker")
            store.audit()
        assert "damaged" in info.value.user_text and info.value.hint
        with pytest.raises(DamagedStore) as checked:
            store.check()
        assert "failed their integrity check" in checked.value.user_text
    assert snapshot(folder) == before, "the damaged file was changed"


def test_check_on_demand_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    _filled(folder, passphrase=PASSPHRASE, n=20)
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(folder), "store", "check"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("the store is sound: all ") and "pages" in out and err == ""
    with Store.open(folder, PASSPHRASE) as store:
        entry = store.audit()[-1]
    assert (entry.event, entry.detail.split()[1:]) == ("store_checked", ["index=sound", "source=cli"])

    path = folder / "store.db"
    _flip(path, path.stat().st_size // PAGE - 1)
    before = snapshot(folder)
    assert main(["--data-dir", str(folder), "store", "check"]) == 3
    out, err = capsys.readouterr()
    assert (
        out == "" and err.startswith("coc: The store file is damaged or was altered") and err.count("\n") == 1
    )
    assert "coc store restore" in err
    assert snapshot(folder) == before


def test_restoring_a_damaged_backup_is_refused_by_the_full_check(tmp_path: Path) -> None:
    _filled(tmp_path / "a", passphrase=PASSPHRASE, n=20)
    with Store.open(tmp_path / "a", PASSPHRASE) as store:
        store.backup(tmp_path / "backup.db", OTHER_PASSPHRASE)
    backup = tmp_path / "backup.db"
    _flip(backup, backup.stat().st_size // PAGE - 1)
    with pytest.raises(DamagedStore):
        Store.restore(backup, OTHER_PASSPHRASE, tmp_path / "b", PASSPHRASE)
    assert not (tmp_path / "b" / "store.db").exists()
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []


def test_the_store_stays_usable_while_the_check_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages are read on the check's own connection, without the store's lock: the database thread's work
    (here a save, and a read) goes on meanwhile."""
    store.save(make_doc(), error_count=0)
    real_verify = store_module.verify
    during: list[Any] = []

    def verify_while_another_thread_works(conn: Any) -> None:
        def work() -> None:
            doc = make_doc(**{"worker.first_name": "During"})
            store.save(doc, error_count=0)
            during.append(store.count(text="during"))

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "the store was blocked by the check"
        real_verify(conn)

    monkeypatch.setattr(store_module, "verify", verify_while_another_thread_works)
    result = store.check()
    assert during == [1]
    assert result.pages > 0 and not result.index_rebuilt


def test_closing_the_store_stops_a_running_check(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The idle lock closes the store; a check still reading then ends with `StoreLocked`, records nothing, and
    its connection is closed."""
    store.save(make_doc(), error_count=0)
    real_verify = store_module.verify
    connections: list[Any] = []

    def verify_after_the_lock(conn: Any) -> None:
        connections.append(conn)
        store.close()  # the idle lock, from another thread in the GUI; the same effect here
        real_verify(conn)

    monkeypatch.setattr(store_module, "verify", verify_after_the_lock)
    with pytest.raises(StoreLocked):
        store.check()
    with pytest.raises(Exception, match="closed"):
        connections[0].execute("SELECT 1")
    with pytest.raises(StoreLocked):
        store.check()


def test_the_check_of_a_sound_store_changes_no_request(store: Store) -> None:
    store.save(make_doc(), error_count=0)
    before = [r.to_dict() for r in store.list()]
    result = store.check(source="idle")
    assert result.size_bytes == result.pages * PAGE == os.path.getsize(store.path)
    assert [r.to_dict() for r in store.list()] == before
    assert store.audit()[-1].detail.endswith("source=idle")

"""Files that must not unlock: each gets a clear message, stays byte-for-byte as it was, and nothing is created
over it (reliability.md §6 test #5: 6+ fixtures x 3 runs). A page damaged inside a store that otherwise unlocks is
reported at its first read and by the whole-file check (`test_check.py`, `test_tamper.py`)."""

from __future__ import annotations

import logging
import os
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3

from app.cli import main
from app.store import (
    DamagedStore,
    EmptyStoreFile,
    PlainDatabaseFile,
    Store,
    StoreError,
    StoreNotFound,
    WrongPassphrase,
)
from app.store.unlock import unlock
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc, snapshot


def _good_store(folder: Path) -> Path:
    with Store.create(folder, PASSPHRASE) as store:
        for i in range(30):
            doc = make_doc(**{"assignment.work_city": f"City {i}" * 50})
            store.save(doc, error_count=0)
    return folder / "store.db"


def _wrong_passphrase(folder: Path) -> tuple[Path, str]:
    return _good_store(folder), OTHER_PASSPHRASE


def _sqlcipher3_file(folder: Path) -> tuple[Path, str]:
    path = folder / "store.db"
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = '{PASSPHRASE}'")
        conn.execute("PRAGMA cipher_compatibility = 3")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES ('old')")
        conn.commit()
    finally:
        conn.close()
    return path, PASSPHRASE


def _plain_sqlite(folder: Path) -> tuple[Path, str]:
    path = folder / "store.db"
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE requests (id TEXT)")
        conn.commit()
    finally:
        conn.close()
    return path, PASSPHRASE


def _empty(folder: Path) -> tuple[Path, str]:
    path = folder / "store.db"
    path.write_bytes(b"")
    return path, PASSPHRASE


def _random_pages(folder: Path) -> tuple[Path, str]:
    path = folder / "store.db"
    path.write_bytes(random.Random(1).randbytes(4096 * 3))
    return path, PASSPHRASE


def _random_odd_size(folder: Path) -> tuple[Path, str]:
    path = folder / "store.db"
    path.write_bytes(random.Random(2).randbytes(5000))
    return path, PASSPHRASE


def _truncated_mid_page(folder: Path) -> tuple[Path, str]:
    path = _good_store(folder)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    return path, PASSPHRASE


def _truncated_at_page(folder: Path) -> tuple[Path, str]:
    path = _good_store(folder)
    data = path.read_bytes()
    path.write_bytes(data[: 4096 * 4])
    return path, PASSPHRASE


CASES: dict[
    str, tuple[Callable[[Path], tuple[Path, str]], type[StoreError] | tuple[type[StoreError], ...], str]
] = {
    "wrong passphrase": (_wrong_passphrase, WrongPassphrase, "passphrase does not unlock"),
    # 1,024-byte pages: refused by its size, or (when that is a multiple of 4,096) by the key
    "sqlcipher 3 file": (_sqlcipher3_file, (WrongPassphrase, DamagedStore), "not a store"),
    "plain sqlite": (_plain_sqlite, PlainDatabaseFile, "unencrypted SQLite database"),
    "empty file": (_empty, EmptyStoreFile, "empty (0 bytes)"),
    "random bytes": (_random_pages, WrongPassphrase, "not a store of this application"),
    "random bytes, odd size": (_random_odd_size, DamagedStore, "not a whole number"),
    "truncated mid-page": (_truncated_mid_page, DamagedStore, "incomplete"),
    "truncated at a page boundary": (_truncated_at_page, DamagedStore, "damaged"),
}


@pytest.mark.parametrize("run", range(3))
@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_is_refused_and_left_unchanged(
    case: str,
    run: int,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    make, error, words = CASES[case]
    folder = tmp_path / "data"
    folder.mkdir()
    _path, passphrase = make(folder)
    before = snapshot(folder)
    capfd.readouterr()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(error) as info:
        Store.open(folder, passphrase)
    assert words in info.value.user_text
    assert info.value.hint and "\n" not in info.value.user_text
    with pytest.raises(error):
        unlock(folder, passphrase=passphrase)
    assert snapshot(folder) == before, "the file changed, or something was created next to it"
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "SQLCipher or the store wrote to the console"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # the command line: one line, exit 3, no traceback
    os.environ["COC_PASSPHRASE"] = passphrase
    try:
        code = main(["--data-dir", str(folder), "drafts", "list"])
    finally:
        del os.environ["COC_PASSPHRASE"]
    out, err = capfd.readouterr()
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("coc: ") and "Traceback" not in err
    assert snapshot(folder) == before


def test_a_missing_store_is_reported_and_not_created(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    with pytest.raises(StoreNotFound) as info:
        Store.open(folder, PASSPHRASE)
    assert "coc store init" in info.value.user_text
    assert not folder.exists()


def test_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "store.db").mkdir()
    with pytest.raises(StoreNotFound):
        Store.open(tmp_path / "store.db" / "store.db", PASSPHRASE)


def test_init_never_writes_over_an_existing_file(tmp_path: Path) -> None:
    for make in (_empty, _random_pages, _plain_sqlite):
        folder = tmp_path / make.__name__
        folder.mkdir()
        make(folder)
        before = snapshot(folder)
        with pytest.raises(StoreError):
            Store.create(folder, PASSPHRASE)
        assert snapshot(folder) == before

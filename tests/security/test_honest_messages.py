"""What is actually wrong, said as it is (issue 13): a store whose folder cannot be written, and a store whose
`-wal` an attacker replaced with a symbolic link, each get a message naming the real problem, with the file left as
it was; neither ever suggests `coc store init` over the existing store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.store import Store
from tests.conftest import REPO
from tests.store.helpers import PASSPHRASE, sha256

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and links")


def _coc(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        env={**os.environ, "PYTHONPATH": str(REPO), "COC_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder holding a store, then made read-only: by its mode for an ordinary user; for root (who writes
    through any mode) by a small file system mounted read-only."""
    if os.geteuid() != 0:
        data = tmp_path / "data"
        Store.create(data, PASSPHRASE).close()
        data.chmod(0o500)
        try:
            yield data
        finally:
            data.chmod(0o700)
        return
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(disk)], check=False
    )
    if mounted.returncode != 0:
        pytest.skip("running as root, and no read-only file system can be mounted here")
    try:
        Store.create(disk / "data", PASSPHRASE).close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        yield disk / "data"
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_read_only_data_folder_says_so(tmp_path: Path) -> None:
    with read_only_folder(tmp_path) as data:
        before = sha256(data / "store.db")
        run = _coc(data, "drafts", "list")
        assert run.returncode == 3
        assert f"The data folder {data} cannot be written (a read-only folder or disk)" in run.stderr
        assert "store init" not in run.stderr and run.stderr.count("\n") == 1
        assert sha256(data / "store.db") == before and sorted(p.name for p in data.iterdir()) == ["store.db"]


@pytest.mark.parametrize("target_exists", [True, False], ids=["to-a-file", "to-nowhere"])
def test_a_planted_wal_link_is_named_and_not_followed(tmp_path: Path, target_exists: bool) -> None:
    data = tmp_path / "data"
    Store.create(data, PASSPHRASE).close()
    before = sha256(data / "store.db")
    elsewhere = tmp_path / "attacker" / "frames"
    elsewhere.parent.mkdir()
    if target_exists:
        elsewhere.write_bytes(b"")
    (data / "store.db-wal").symlink_to(elsewhere)
    run = _coc(data, "drafts", "list")
    assert run.returncode == 3
    assert f"{data / 'store.db-wal'} is a symbolic link (to {elsewhere})" in run.stderr
    assert "store init" not in run.stderr and run.stderr.count("\n") == 1
    assert sha256(data / "store.db") == before
    assert (elsewhere.read_bytes() == b"") if target_exists else not elsewhere.exists()

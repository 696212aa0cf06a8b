"""`coc store restore --replace` killed at every step (issue 13, "Restore is atomic"). The kill point is chosen by
state: the child kills itself (SIGKILL) when the restore reports the step done (`app.store.backup.step_hook`),
never after a sleep. At that instant `store.db` must be the old store or the new one; at the next start `coc` says
which, and leaves no partial file behind; the old store is never lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import Store
from app.store.backup import RESTORE_STEPS
from tests.conftest import REPO
from tests.store.helpers import PASSPHRASE, make_doc

BACKUP_PASSPHRASE = "blue spruce 88 canyon"
OLD, NEW = 2, 3  # requests in the store in place, and in the backup

KILLED_AT = """
import os, signal, sys
import app.store.backup as backup
def kill(step):
    if step == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGKILL)
backup.step_hook = kill
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The store in place (OLD requests) and a backup of another store (NEW requests), both made once."""
    root = tmp_path_factory.mktemp("swap")
    with Store.create(root / "old", PASSPHRASE) as store:
        for _ in range(OLD):
            store.save(make_doc(), error_count=0)
    with Store.create(root / "new", PASSPHRASE) as store:
        for _ in range(NEW):
            store.save(make_doc(), error_count=0)
        backup = store.backup(root / "backup.db", BACKUP_PASSPHRASE)
    return root / "old", backup


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COC_PASSPHRASE": PASSPHRASE,  # the restored store gets the same passphrase: either one opens with it
        "COC_BACKUP_PASSPHRASE": BACKUP_PASSPHRASE,
    }


def _count(folder: Path) -> int:
    with Store.open(folder, PASSPHRASE) as store:
        return store.count()


@pytest.mark.slow
@pytest.mark.parametrize("replace", [True, False], ids=["over-a-store", "into-an-empty-folder"])
@pytest.mark.parametrize("step", RESTORE_STEPS)
def test_a_restore_killed_at_each_step_leaves_a_usable_store(
    stores: tuple[Path, Path], tmp_path: Path, step: str, replace: bool
) -> None:
    old, backup = stores
    data = tmp_path / "data"
    if replace:
        shutil.copytree(old, data)
    else:
        data.mkdir(mode=0o700)
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_AT,
            step,
            "--data-dir",
            str(data),
            "store",
            "restore",
            "--replace",
            str(backup),
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # At the instant of the kill: the old store or the new one is in place (never neither, when there was one).
    in_place = _count(data) if (data / "store.db").exists() else None
    # Over a store, the rename puts the new one in place; into an empty folder, its hard link does.
    placed = RESTORE_STEPS.index(step) >= RESTORE_STEPS.index("placed" if replace else "kept")
    assert in_place == (NEW if placed else OLD if replace else None), step

    # The next start says what happened and tidies up.
    nxt = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "store", "status"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert nxt.returncode == 0, nxt.stderr
    if step in ("locked", "done"):
        assert nxt.stderr == ""  # nothing had started, or everything had finished
    elif step == "exported" or step == "checked":
        assert "interrupted while the backup was being copied" in nxt.stderr
        assert "was not changed" in nxt.stderr
    elif placed:
        assert (
            "just after the restored store was put in place" in nxt.stderr
            and "is the restored one" in nxt.stderr
        )
    else:
        assert "before the restored store was put in place" in nxt.stderr
        assert ("unchanged" if replace else "no store was put in place") in nxt.stderr
    assert "store init" not in nxt.stderr

    names = sorted(p.name for p in data.iterdir())
    kept = [n for n in names if "-before-restore-" in n]
    assert [n for n in names if n not in kept] == (["store.db"] if (replace or placed) else [])
    if placed and replace:
        assert len(kept) == 1 and _count(data / kept[0]) == OLD  # the old store, kept aside
    else:
        assert kept == []
    if replace or placed:
        assert _count(data) == (NEW if placed else OLD)


def test_the_steps_are_the_ones_the_restore_reports(stores: tuple[Path, Path], tmp_path: Path) -> None:
    """The kill test covers every step: an uninterrupted restore reports exactly `RESTORE_STEPS`, in order."""
    import app.store.backup as backup_module

    old, backup = stores
    shutil.copytree(old, tmp_path / "data")
    seen: list[str] = []
    backup_module.step_hook = seen.append
    try:
        restored, kept = Store.restore(backup, BACKUP_PASSPHRASE, tmp_path / "data", PASSPHRASE, replace=True)
    finally:
        backup_module.step_hook = None
    restored.close()
    assert seen == list(RESTORE_STEPS) and kept is not None

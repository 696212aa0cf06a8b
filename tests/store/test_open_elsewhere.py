"""A store open in another program (the window, or another `coc` command) while a terminal restores a backup over
it or changes its passphrase.

Found: `coc store restore --replace` went ahead while the window had the store open (only read so far, so its
WAL was empty); the window kept writing to the old file, now kept aside, so a request saved in the window after
the restore was missing from the store in use. `coc store passwd` re-encrypted the pages under the window, whose
every read then said "The passphrase does not unlock this store... restore a backup". Both are now refused while
another program holds the store open, with nothing changed; once it closes (or its idle lock closes it), both work.
The other program is a real child process (flock is between open files, so one process would prove little).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import Store, StoreBusy
from app.store.folder_lock import exclusive
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc, snapshot

BACKUP_PASSPHRASE = "blue spruce 88 canyon"
ROOT = Path(__file__).parents[2]

WINDOW = """
import sys
from app.store import Store
from tests.store.helpers import make_doc
store = Store.open(sys.argv[1], sys.argv[2])
print("open", store.count(), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "save":
        store.save(make_doc(**{"worker.first_name": "Saved"}), error_count=0)
        print("saved", flush=True)
    elif command == "count":
        print("count", store.count(), flush=True)
    elif command == "close":
        store.close()
        print("closed", flush=True)
"""


class Window:
    """Another program with the store open: a child process driven line by line."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WINDOW, str(folder), PASSPHRASE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.ask(None).startswith("open")

    def ask(self, command: str | None) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        if command is not None:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stop(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        self.process.wait(timeout=60)


@pytest.fixture
def window(tmp_path: Path) -> Iterator[tuple[Path, Path, Window]]:
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        store.save(make_doc(**{"worker.first_name": "First"}), error_count=0)
        store.backup(tmp_path / "backup.db", BACKUP_PASSPHRASE)
    other = Window(folder)
    try:
        yield folder, tmp_path / "backup.db", other
    finally:
        other.stop()


def coc(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COC_DATA_DIR": str(folder),
        "COC_PASSPHRASE": PASSPHRASE,
        "COC_BACKUP_PASSPHRASE": BACKUP_PASSPHRASE,
        "COC_NEW_PASSPHRASE": OTHER_PASSPHRASE,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(folder), *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_a_restore_is_refused_while_the_store_is_open_elsewhere(window: tuple[Path, Path, Window]) -> None:
    folder, backup, other = window
    before = snapshot(folder)
    result = coc(folder, "store", "restore", "--replace", str(backup))
    assert result.returncode == 3, result.stderr
    assert "open in another program" in result.stderr and "nothing was changed" in result.stderr
    assert snapshot(folder) == before and sorted(os.listdir(folder)) == [
        "store.db",
        "store.db-shm",
        "store.db-wal",
    ]
    assert other.ask("save") == "saved"
    other.stop()
    with Store.open(folder, PASSPHRASE) as store:
        assert store.count() == 2  # what the window saved is in the store in use
    result = coc(folder, "store", "restore", "--replace", str(backup))
    assert result.returncode == 0, result.stderr  # nobody has it open any more
    with Store.open(folder, PASSPHRASE) as store:  # the restored store takes COC_PASSPHRASE
        assert store.count() == 1


def test_a_passphrase_change_is_refused_while_the_store_is_open_elsewhere(
    window: tuple[Path, Path, Window],
) -> None:
    folder, _backup, other = window
    result = coc(folder, "store", "passwd")
    assert result.returncode == 3, result.stderr
    assert "open in another program" in result.stderr and "nothing was changed" in result.stderr
    assert other.ask("count") == "count 1"  # still readable there
    assert other.ask("close") == "closed"  # the idle lock, say
    result = coc(folder, "store", "passwd")
    assert result.returncode == 0, result.stderr
    with Store.open(folder, OTHER_PASSPHRASE) as store:
        assert store.count() == 1


def test_the_store_does_not_open_while_a_restore_holds_it(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Store.create(folder, PASSPHRASE).close()
    before = snapshot(folder)
    with exclusive(folder) as alone:
        assert alone
        with pytest.raises(StoreBusy, match="A restore or a passphrase change is running"):
            Store.open(folder, PASSPHRASE)
    assert snapshot(folder) == before
    Store.open(folder, PASSPHRASE).close()


def test_two_programs_may_still_have_the_store_open_together(window: tuple[Path, Path, Window]) -> None:
    folder, _backup, other = window
    with Store.open(folder, PASSPHRASE) as here:
        assert other.ask("save") == "saved"
        assert here.count() == 2

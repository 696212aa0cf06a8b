"""Folders 0700 and files 0600 on every path the application writes, whatever the umask it was started with
(issue 13, "Folder and file modes on every path"): a crash in the very first command, an existing folder left open
to other users, the log file and its rotated copies."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.logfile import LOG_FILE, log_handler
from tests.conftest import REPO
from tests.security.helpers import BUGGY_CLI, CANARY, loose_modes, umask, umask_022

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")


def _coc(*args: str, data: Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "app", *args]
    return subprocess.run(
        command,
        env={**os.environ, "PYTHONPATH": str(REPO), "COC_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=umask_022,
    )


def test_a_crash_in_the_first_command_leaves_a_private_folder_and_report(tmp_path: Path) -> None:
    data = tmp_path / "never-used" / "coc-data"
    run = _coc("new", "de-employee", data=data, code=BUGGY_CLI)
    assert run.returncode == 70 and "internal error (ValueError)" in run.stderr
    reports = list((data / "crash").glob("crash-*.txt"))
    assert len(reports) == 1
    assert CANARY["worker.ssn"] not in reports[0].read_text(encoding="utf-8")
    assert loose_modes(tmp_path / "never-used") == []


def test_a_crash_report_goes_to_the_chosen_data_folder(tmp_path: Path) -> None:
    chosen, default = tmp_path / "chosen", tmp_path / "default"
    run = _coc("--data-dir", str(chosen), "new", "de-employee", data=default, code=BUGGY_CLI)
    assert run.returncode == 70
    assert len(list((chosen / "crash").glob("crash-*.txt"))) == 1 and not default.exists()


def test_a_data_folder_open_to_others_is_made_private_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    first = _coc("store", "status", data=data)
    assert first.returncode == 0, first.stderr
    assert (
        f"coc: The folder {data} was open to other users (mode 0755); it is now private (0700)."
        in first.stderr
    )
    assert loose_modes(data) == []
    second = _coc("store", "status", data=data)
    assert second.returncode == 0 and second.stderr == ""


def test_the_log_file_and_its_rotated_copies_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True, mode=0o755)
    (data / "logs").chmod(0o755)
    (data / "logs" / LOG_FILE).write_text("an older version's log\n", encoding="utf-8")
    (data / "logs" / LOG_FILE).chmod(0o644)
    with umask(0o022):
        handler = log_handler(data, max_bytes=200, backups=2)
        logger = logging.getLogger("tests.security.modes")
        logger.addHandler(handler)
        try:
            for i in range(20):
                logger.warning("line %d of a log that rotates", i)
        finally:
            logger.removeHandler(handler)
            handler.close()
    names = sorted(p.name for p in (data / "logs").iterdir())
    assert names == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]
    assert loose_modes(data / "logs") == []


def test_only_folders_are_tightened(tmp_path: Path) -> None:
    """`--data-dir` may name a store file: it is never given a folder's mode (0700 would make it executable)."""
    from app.fileio import tighten_dir

    store_file = tmp_path / "elsewhere.db"
    store_file.write_bytes(b"")
    store_file.chmod(0o640)
    assert tighten_dir(store_file) is None
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o640

"""What the attacks of these tests look for: canary personal data, files other users can read, and the scanner
that proves a canary would be found."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# A worker whose personal data must never be found in clear. The SSN is valid for the form's rules.
CANARY = {
    "worker.first_name": "Qzvcanary",
    "worker.last_name": "Ypsilonwick",
    "worker.ssn": "531-77-2468",
    "worker.birth_date": "1967-03-29",
}

# The real command line with a bug inside a real command: `coc new` raises, quoting personal data in its message.
BUGGY_CLI = f"""
import sys
import app.cli.request_cmd as commands
def broken(args):
    raise ValueError("bad answer {CANARY["worker.ssn"]} for {CANARY["worker.last_name"]}")
commands.cmd_new = broken
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def needles(values: Iterable[str] = CANARY.values()) -> list[bytes]:
    """Each value as UTF-8 and UTF-16, with and without its dashes (an SSN stored as digits is still an SSN)."""
    out: list[bytes] = []
    for value in values:
        for text in {value, value.replace("-", "")}:
            out += [text.encode("utf-8"), text.encode("utf-16-le")]
    return out


def files_under(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                yield Path(root) / name


def canary_hits(*folders: Path, values: Iterable[str] = CANARY.values()) -> list[str]:
    """Every file under `folders` that holds a canary in clear (the file's path and the value found)."""
    wanted = needles(values)
    hits = []
    for path in files_under(*folders):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        hits += [f"{path}: {needle!r}" for needle in wanted if needle in data]
    return hits


def loose_modes(*folders: Path) -> list[str]:
    """Every folder (the given ones included) not 0700, every file not 0600, every link that leads outside."""
    loose = []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            mode = stat.S_IMODE(os.stat(root).st_mode)
            if mode != 0o700:
                loose.append(f"{root}/ {mode:04o}")
            for name in names:
                path = Path(root) / name
                # a link has no mode of its own: it must stay inside (its target is checked)
                if path.is_symlink():
                    if not path.resolve().is_relative_to(Path(folder).resolve()):
                        loose.append(f"{path} -> {path.resolve()} (outside)")
                    continue
                mode = stat.S_IMODE(path.lstat().st_mode)
                if mode != 0o600:
                    loose.append(f"{path} {mode:04o}")
    return sorted(loose)


@contextmanager
def umask(value: int) -> Iterator[None]:
    """Run a block with this process's umask set to `value` (the usual 022, so that only explicit modes count)."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def umask_022() -> None:
    """A `preexec_fn` for children that must not inherit a private umask from the test process."""
    os.umask(0o022)

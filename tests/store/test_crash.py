"""Crash safety with real SQLCipher files and real SIGKILLs (reliability.md §2.3 and §6 tests #1 and #4).

- 200 kills of a process autosaving in a loop: 0 files failing `integrity_check` or `cipher_integrity_check`,
  0 acknowledged saves lost, and the store reopens (without asking anything new) every time.
- 50 kills during passphrase changes: the file opens with the old or the new passphrase every time, with its
  content unchanged.

The child (`crash_child.py`) acknowledges a step only after the store call, and so its COMMIT, returned.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.request import State
from app.store import Store, WrongPassphrase
from app.store.drafts import REVISIONS_KEPT
from app.store.keys import derive, random_key, read_salt
from tests.conftest import REPO
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL (POSIX)"),
]

CHILD = Path(__file__).with_name("crash_child.py")
SEED = 4242
AUTOSAVE_KILLS = int(os.environ.get("COC_CRASH_KILLS", "200"))
REKEY_KILLS = int(os.environ.get("COC_REKEY_KILLS", "50"))


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after(proc: subprocess.Popen[str], secret: str, steps: int) -> tuple[str, list[str], str]:
    """Feed the child its secret, read its first line and then `steps` more (each a state it reports having
    reached), and SIGKILL it at once: the kill point is chosen by state, never by sleeping. Returns its first line,
    every complete line it printed after it, and its stderr."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(secret)
    proc.stdin.close()
    first = proc.stdout.readline()
    seen: list[str] = []
    while first.startswith("ready") and len(seen) < steps:
        line = proc.stdout.readline()
        if not line.endswith("\n"):
            break
        seen.append(line[:-1])
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait()
    lines = seen + rest.split("\n")[:-1]  # the last piece is empty or a line the kill cut short
    return first, lines, err


def _check_file(store: Store) -> None:
    with store.connection() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []


def test_sigkill_during_autosave_loses_no_acknowledged_save(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    key = random_key()
    Store.create(folder, key=key).close()
    rng = random.Random(SEED)
    acked: dict[str, tuple[int, int]] = {}  # request id -> (revision, counter) of its last acknowledged save
    total_acks = 0
    runs_with_acks = 0
    started = time.monotonic()
    for run in range(AUTOSAVE_KILLS):
        steps = rng.randrange(
            0, 40
        )  # killed right after its `steps`-th acknowledged step (0: after start-up)
        with _spawn("autosave", str(folder), str(run * 10_000_000)) as proc:
            first, lines, err = _kill_after(proc, key.to_hex() + "\n", steps)
        assert first == "ready\n", f"run {run} (seed {SEED}): the child did not start: {first!r} {err[-500:]}"
        saves = [line.split() for line in lines if line.startswith("save ")]
        for _, request_id, revision, counter in saves:
            acked[request_id] = (int(revision), int(counter))
        total_acks += len(saves)
        runs_with_acks += bool(saves)
        # reopen as the application would: with the same key, no prompt, every page checked
        with Store.open(folder, key=key) as store:
            _check_file(store)
            for request_id, (revision, counter) in acked.items():
                summary = store.summary(request_id)
                assert summary.revision >= revision, (
                    f"run {run}: an acknowledged save of {request_id} was lost"
                )
                current = int(store.get(request_id).answers["assignment.work_city"].split("-")[1])
                assert current >= counter, f"run {run}: {request_id} went back to an older save"
                if summary.revision - revision < REVISIONS_KEPT:
                    stored = store.revision(request_id, revision).answers["assignment.work_city"]
                    assert stored == f"step-{counter}", f"run {run}: revision {revision} holds other data"
            queued = {r.id for r in store.list(state=State.QUEUED)}
            assert {item.request_id for item in store.outbox()} == queued  # outbox and states agree
    elapsed = time.monotonic() - started
    print(
        f"\n{AUTOSAVE_KILLS} kills, {total_acks} acknowledged saves, {runs_with_acks} runs with saves, {elapsed:.1f} s"
    )
    assert runs_with_acks >= AUTOSAVE_KILLS * 0.8  # the kills landed while saving, not only at start-up


def _content_digest(store: Store) -> str:
    digest = hashlib.sha256()
    with store.connection() as conn:
        for table, order in (("requests", "id"), ("revisions", "request_id, rev"), ("audit", "seq")):
            rows: list[Any] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            if table == "audit":  # rekeys add "passphrase_changed" entries: compare the rest
                rows = [r for r in rows if r[3] != "passphrase_changed"]
            digest.update(repr(rows).encode())
    return digest.hexdigest()


def test_sigkill_during_passphrase_change_leaves_old_or_new(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        filler = "x" * 3800
        from tests.store.helpers import make_doc

        for i in range(1500):  # about 6 MB, as in the research's calibration
            store.save(make_doc(**{"worker.first_name": f"W{i}", "request.notes": filler}), error_count=0)
        expected = _content_digest(store)
        count = store.count()
    size = (folder / "store.db").stat().st_size
    assert size > 6_000_000
    salt = read_salt(folder / "store.db")
    keys = {PASSPHRASE: derive(PASSPHRASE, salt), OTHER_PASSPHRASE: derive(OTHER_PASSPHRASE, salt)}
    rng = random.Random(SEED)
    opened_with = {PASSPHRASE: 0, OTHER_PASSPHRASE: 0}
    rekeys = during = 0
    started = time.monotonic()
    for run in range(REKEY_KILLS):
        # The child reports "rekeying" before each change of passphrase and "rekeyed" after it: killed right
        # after its `steps`-th report, the kill lands before any rekey (0), just after one started (odd: during
        # it, however long it takes on a busy machine) or just after one finished (even).
        steps = rng.randrange(0, 5)
        with _spawn("rekey", str(folder)) as proc:
            first, lines, err = _kill_after(proc, f"{PASSPHRASE}\n{OTHER_PASSPHRASE}\n", steps)
        assert first.startswith("ready"), f"run {run} (seed {SEED}): {first!r} {err[-500:]}"
        rekeys += sum(line.startswith("rekeyed") for line in lines)
        during += steps % 2 == 1
        last = ([first.split()[1]] + [line.split()[1] for line in lines if line.startswith("rekeyed")])[-1]
        acknowledged = PASSPHRASE if last == "1" else OTHER_PASSPHRASE
        store = None
        for passphrase in (acknowledged, *(p for p in keys if p != acknowledged)):
            try:
                store = Store.open(folder, key=keys[passphrase])
            except WrongPassphrase:
                continue
            opened_with[passphrase] += 1
            break
        assert store is not None, f"run {run} (seed {SEED}): the store opens with neither passphrase"
        with store:
            _check_file(store)
            assert store.count() == count
            assert _content_digest(store) == expected, f"run {run}: content changed"
    elapsed = time.monotonic() - started
    print(
        f"\n{REKEY_KILLS} kills, {rekeys} completed rekeys, opened with {list(opened_with.values())}, {elapsed:.1f} s"
    )
    # kills landed before, during and after completed rekeys
    assert rekeys > 0 and during > 0 and all(opened_with.values())
    # and the passphrase itself still works (not only the raw keys)
    for passphrase in keys:
        try:
            Store.open(folder, passphrase).close()
        except WrongPassphrase:
            continue
        break
    else:
        raise AssertionError("neither passphrase opens the store")

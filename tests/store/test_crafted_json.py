"""A store (or a backup, restored) crafted elsewhere, sound in its pages and its schema, with JSON inside that this
application never writes: a revision nesting 990 arrays (under SQLite's own limit of 1,000, over what Python's
reader takes), a receipt that is a list, an employer profile that is a number.

Found: `coc drafts show` and `coc export` ended with an internal error (RecursionError, TypeError). Each is now
"the store holds ... that this application did not write" (DamagedStore, exit 3), with nothing changed, and what
else the store holds still reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.roster import register
from app.store import DamagedStore, Store
from tests.store.helpers import PASSPHRASE, make_doc, snapshot

DEEP = "[" * 990 + "]" * 990


@pytest.fixture
def crafted(tmp_path: Path) -> tuple[Path, list[str]]:
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        ids = []
        for i in range(3):
            doc = make_doc(**{"worker.first_name": f"Worker{i}"})
            store.save(doc, error_count=0)
            ids.append(doc.id)
        store.enqueue(ids[1], "{}", ids[1])
        store.mark_sent(ids[1], {"confirmation": "C-1", "request_id": ids[1]})
        store.set_employer_profile({"employer.name": "Acme"})
        with store.connection() as conn:  # what a crafted file holds; written behind the store's back
            conn.execute(
                "UPDATE revisions SET doc = ? WHERE request_id = ?",
                (
                    f'{{"id": "{ids[2]}", "form": "de-employee", "answers": {{"worker.first_name": {DEEP}}}}}',
                    ids[2],
                ),
            )
            conn.execute("UPDATE receipts SET receipt = ? WHERE request_id = ?", ('["C-1"]', ids[1]))
            conn.execute("UPDATE employer_profile SET data = '42'")
    return folder, ids


def test_crafted_json_is_damage_not_a_crash(crafted: tuple[Path, list[str]], tmp_path: Path) -> None:
    folder, ids = crafted
    with Store.open(folder, PASSPHRASE) as store:
        assert store.get(ids[0]).answers["worker.first_name"] == "Worker0"  # the rest still reads
        for read in (
            lambda: store.get(ids[2]),
            lambda: store.receipt(ids[1]),
            lambda: store.employer_profile(),
            lambda: register.export(store, tmp_path / "register.csv"),
        ):
            with pytest.raises(DamagedStore, match="did not write and cannot read"):
                read()


def test_the_command_line_says_so_in_one_line(crafted: tuple[Path, list[str]]) -> None:
    folder, ids = crafted
    before = snapshot(folder)
    env = {**os.environ, "COC_DATA_DIR": str(folder), "COC_PASSPHRASE": PASSPHRASE}
    for args in (["drafts", "show", ids[2]], ["export", str(folder.parent / "r.xlsx")]):
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[2],
            timeout=300,
        )
        assert result.returncode == 3, result.stderr
        assert "did not write and cannot read; it was left unchanged" in result.stderr
        assert "internal error" not in result.stderr
    assert snapshot(folder) == before

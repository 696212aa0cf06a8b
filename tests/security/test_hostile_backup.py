"""Restored files are not trusted (issue 13, "Restored files are not trusted"). The attacker hands over a backup
(whose passphrase they know, since they made it) carrying objects the application never creates: a trigger that
rewrites the endpoint after every change of the settings, a view, an extra table, an altered table. Each is refused
with a message naming it, before anything is written; so is a store file carrying one, and a backup whose rows break
the store's references (the full checks run before "restored" is said)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.store import Store, UnexpectedSchema
from app.store.connection import connect
from app.store.errors import DamagedStore
from app.store.keys import derive, read_salt
from tests.store.helpers import PASSPHRASE, make_doc, sha256, snapshot

BACKUP_PASSPHRASE = "blue spruce 88 canyon"
ATTACKER = "https://attacker.example"

TRIGGER = (
    "CREATE TRIGGER keep_endpoint AFTER UPDATE ON settings BEGIN "
    f"UPDATE settings SET value = '{ATTACKER}' WHERE key = 'endpoint'; END"
)
TRIGGER_ON_INSERT = (
    "CREATE TRIGGER keep_endpoint_new AFTER INSERT ON settings BEGIN "
    f"UPDATE settings SET value = '{ATTACKER}' WHERE key = 'endpoint'; END"
)
VIEW = "CREATE VIEW everything AS SELECT doc FROM revisions"
EXTRA_TABLE = "CREATE TABLE exfiltrate (doc TEXT)"


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A genuine backup, made by the application, of a store with one request and an endpoint."""
    with Store.create(tmp_path / "victim", PASSPHRASE) as store:
        store.save(make_doc(), error_count=0)
        store.set_setting("endpoint", ATTACKER)
        path = store.backup(tmp_path / "backup.db", BACKUP_PASSPHRASE)
    return path


def tamper(path: Path, passphrase: str, *statements: str) -> None:
    """What the attacker does to a file whose passphrase they know."""
    conn = connect(path, derive(passphrase, read_salt(path)))
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("COC_BACKUP_PASSPHRASE", BACKUP_PASSPHRASE)
    yield tmp_path / "new-machine"


def test_the_attack_without_the_check_would_have_worked(backup: Path, tmp_path: Path) -> None:
    """The control: SQLite does run a planted trigger, so refusing it is what protects the user."""
    tamper(backup, BACKUP_PASSPHRASE, TRIGGER)
    conn = connect(backup, derive(BACKUP_PASSPHRASE, read_salt(backup)))
    try:
        conn.execute("UPDATE settings SET value = 'https://good.example' WHERE key = 'endpoint'")
        assert conn.execute("SELECT value FROM settings WHERE key = 'endpoint'").fetchone()[0] == ATTACKER
    finally:
        conn.close()


def test_a_backup_with_a_trigger_a_view_and_an_extra_table_is_refused(
    backup: Path, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(backup, BACKUP_PASSPHRASE, TRIGGER, VIEW, EXTRA_TABLE)
    before = sha256(backup)
    code = main(["--data-dir", str(cli), "store", "restore", str(backup)])
    err = capsys.readouterr().err
    assert code == 3
    for named in ('trigger "keep_endpoint"', 'view "everything"', 'table "exfiltrate"'):
        assert named in err
    assert "nothing was restored" in err and err.count("\n") == 1
    assert sha256(backup) == before
    assert not (cli / "store.db").exists() and snapshot(cli) == {}


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        ((TRIGGER_ON_INSERT,), 'trigger "keep_endpoint_new"'),
        ((VIEW,), 'view "everything"'),
        ((EXTRA_TABLE,), 'table "exfiltrate"'),
        (("CREATE INDEX by_doc ON revisions (doc)",), 'index "by_doc"'),
        (  # the settings table made again without its CHECK
            (
                "CREATE TABLE settings2 (key TEXT PRIMARY KEY, value TEXT NOT NULL, secret INTEGER NOT NULL)",
                "INSERT INTO settings2 SELECT * FROM settings",
                "DROP TABLE settings",
                "ALTER TABLE settings2 RENAME TO settings",
            ),
            'table "settings" (altered)',
        ),
        (("DROP INDEX requests_by_ssn",), 'index "requests_by_ssn" (missing)'),
        (('CREATE TRIGGER "x\x1b[2J" AFTER INSERT ON audit BEGIN SELECT 1; END',), 'trigger "x?[2J"'),
    ],
)
def test_each_foreign_object_is_refused_and_named(
    backup: Path, tmp_path: Path, statements: tuple[str, ...], named: str
) -> None:
    tamper(backup, BACKUP_PASSPHRASE, *statements)
    with pytest.raises(UnexpectedSchema) as info:
        Store.restore(backup, BACKUP_PASSPHRASE, tmp_path / "other", PASSPHRASE)
    assert named in info.value.message and "\x1b" not in info.value.user_text
    assert not (tmp_path / "other" / "store.db").exists()


def test_a_store_file_with_a_planted_trigger_is_refused_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Store.create(folder, PASSPHRASE).close()
    tamper(folder / "store.db", PASSPHRASE, TRIGGER)
    before = snapshot(folder)
    with pytest.raises(UnexpectedSchema) as info:
        Store.open(folder, PASSPHRASE)
    assert 'trigger "keep_endpoint"' in info.value.message and "left unchanged" in info.value.message
    assert snapshot(folder) == before


def test_a_backup_holds_only_the_known_objects(tmp_path: Path) -> None:
    with Store.create(tmp_path / "data", PASSPHRASE) as store:
        with store.connection() as conn:  # planted while the store is open: still not carried into a backup
            conn.execute(EXTRA_TABLE)
        with pytest.raises(UnexpectedSchema):
            store.backup(tmp_path / "backup.db", BACKUP_PASSPHRASE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_rows_that_break_the_references_are_refused_before_restored_is_said(
    backup: Path, tmp_path: Path
) -> None:
    """Every page and the schema are fine, the rows are not: only the full checks (integrity_check and
    foreign_key_check on the copy, before it is put in place) see it."""
    tamper(
        backup,
        BACKUP_PASSPHRASE,
        "INSERT INTO receipts (request_id, idempotency_key, received, receipt) VALUES ('nobody', 'k', 't', '{}')",
    )
    target = tmp_path / "other"
    with pytest.raises(DamagedStore, match="broken references"):
        Store.restore(backup, BACKUP_PASSPHRASE, target, PASSPHRASE)
    assert sorted(p.name for p in target.iterdir()) == []

"""The local intake service at rest, attacked as another local user would: its database, e-mails, certificates
and token are read from disk; its token is looked for on command lines. (Issue 13, "At rest".)"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from intake import serve_in_thread
from intake.db import DB_FILE, KEY_FILE, LEGACY_FILE, SCHEMA, IntakeDataError, IntakeDB
from intake.service import decide
from tests.conftest import REPO
from tests.security.helpers import CANARY, canary_hits, loose_modes, umask, umask_022
from tests.transmit.helpers import TOKEN, valid_doc


def _send_canary(folder: Path) -> str:
    """Send the canary worker's request to a service on `folder`, approve it with an e-mail; the request id."""
    doc = valid_doc(**CANARY, **{"request.email_confirmation": True})
    with serve_in_thread(folder, [TOKEN]) as running:
        r = requests.post(
            f"{running.url}/v1/requests",
            data=doc.to_json().encode(),
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Idempotency-Key": f'"{doc.id}"',  # a structured-field String
                "Content-Type": "application/json",
            },
            verify=str(running.ca_path),
            timeout=30,
        )
        assert r.status_code == 201, r.text
        decision = decide(running.service.db, folder, doc.id, "approve")
        assert decision.mail is not None
    return doc.id


def test_intake_files_hold_no_canary_and_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "local-intake"
    with umask(0o022):  # only the service's own modes count, not a private umask inherited from elsewhere
        _send_canary(folder)
    names = sorted(p.name for p in folder.rglob("*"))
    assert {DB_FILE, KEY_FILE, "ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "outbox-mail"} <= set(
        names
    )
    assert any(n.endswith(".eml") for n in names)
    assert canary_hits(folder) == []
    assert loose_modes(folder) == []
    mail = next(folder.glob("outbox-mail/*.eml")).read_text(encoding="utf-8")
    assert "Q. Y." in mail  # the worker is named by initials only


def test_the_database_is_encrypted_and_opens_only_with_its_key(tmp_path: Path) -> None:
    folder = tmp_path / "intake"
    request_id = _send_canary(folder)
    head = (folder / DB_FILE).read_bytes()[:16]
    assert head != b"SQLite format 3\x00"
    with pytest.raises(sqlite3.DatabaseError):  # what another program, without the key, can do with it
        sqlite3.connect(folder / DB_FILE).execute("SELECT * FROM requests").fetchall()
    with IntakeDB(folder) as db:
        assert db.find(request_id)[0].document()["answers"]["worker.ssn"] == CANARY["worker.ssn"]
    (folder / KEY_FILE).rename(tmp_path / "elsewhere.key")
    with pytest.raises(IntakeDataError, match=r"key file .* is missing"):
        IntakeDB(folder)
    (tmp_path / "elsewhere.key").write_text("00" * 48, encoding="ascii")
    (tmp_path / "elsewhere.key").rename(folder / KEY_FILE)
    with pytest.raises(IntakeDataError, match="cannot be opened"):
        IntakeDB(folder)


def test_a_plain_database_of_an_older_version_is_encrypted_and_removed(tmp_path: Path) -> None:
    folder = tmp_path / "intake"
    folder.mkdir()
    plain = sqlite3.connect(folder / LEGACY_FILE)
    plain.executescript(SCHEMA)
    plain.execute(
        "INSERT INTO requests (client, idempotency_key, request_id, fingerprint, payload, form, confirmation, "
        "received_at) VALUES ('c', 'k', 'r-1', 'f', ?, 'de-employee', 'COC-2345-6789', 't')",
        (f'{{"answers": {{"worker.ssn": "{CANARY["worker.ssn"]}"}}}}',),
    )
    plain.commit()
    plain.close()
    listed = subprocess.run(
        [sys.executable, "-m", "intake", "list", "--data", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=umask_022,
    )
    assert listed.returncode == 0, listed.stderr
    assert "COC-2345-6789" in listed.stdout and "1 request(s)" in listed.stdout
    assert "now in the encrypted database" in listed.stderr and "plain file was deleted" in listed.stderr
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILE, KEY_FILE]
    assert canary_hits(folder) == []
    assert loose_modes(folder) == []


def _serve(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "intake", "serve", "--data", str(folder), "--port", "0", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=umask_022,
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_token_is_never_on_the_command_line_and_the_service_runs_private(tmp_path: Path) -> None:
    secret = "intake-token-on-no-command-line-7Qx"
    refused = subprocess.run(
        [sys.executable, "-m", "intake", "serve", "--data", str(tmp_path / "a"), "--token", secret],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (
        refused.returncode == 2 and "every local user" in refused.stderr and "INTAKE_TOKEN" in refused.stderr
    )
    assert not (tmp_path / "a").exists()

    token_file = tmp_path / "tokens"
    token_file.write_text(f"{secret}\n", encoding="utf-8")
    token_file.chmod(0o644)
    loose = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake",
            "serve",
            "--data",
            str(tmp_path / "b"),
            "--token-file",
            str(token_file),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert loose.returncode == 2 and "can be read by other users" in loose.stderr

    token_file.chmod(0o600)
    for args, env in ((("--token-file", str(token_file)), {}), ((), {"INTAKE_TOKEN": secret})):
        folder = tmp_path / f"serve-{len(args)}"
        proc = _serve(folder, *args, env=env)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[-1]
            ca = proc.stdout.readline().split()[-1]
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
            assert secret.encode() not in cmdline
            status = Path(f"/proc/{proc.pid}/status").read_text(encoding="ascii")
            assert "Umask:\t0077" in status
            r = requests.get(
                f"{url}/v1/forms", headers={"Authorization": f"Bearer {secret}"}, verify=ca, timeout=30
            )
            assert r.status_code == 200
        finally:
            _stop(proc)
        assert loose_modes(folder) == []

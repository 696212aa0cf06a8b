"""The command line from Draft to Sent and on to the agency's decision, against the running intake service:
coc settings set endpoint/ca-bundle/token, coc outbox queue/list/send, coc status. Errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

import keyring.backends.fail
import pytest

from app.cli import main
from intake import RunningIntake
from intake.service import decide
from tests.transmit.helpers import TOKEN

PASSPHRASE = "harbor lamp 7 violet"


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *argv: str, expect: int = 0, report: bool = False) -> tuple[str, str]:
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        assert code == expect, (argv, code, out, err)
        assert "Traceback" not in err
        if expect != 0 and not report:  # an error, not a report with an exit status
            assert len(err.strip().splitlines()) == 1, err  # one line
            assert err.startswith("coc: ")
        return out, err


@pytest.fixture
def coc(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    fail = keyring.backends.fail.Keyring()  # whatever this machine has, the tests never touch a real keychain
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail)
    return Cli(capsys)


def test_draft_to_sent_to_approved(
    coc: Cli, server: RunningIntake, intake_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    coc("store", "init")
    out, _ = coc("settings", "show")
    assert "(not set)" in out
    _, err = coc("outbox", "send", expect=2)
    assert "not set up" in err

    coc("settings", "set", "endpoint", "http://127.0.0.1:1", expect=2)
    coc("settings", "set", "endpoint", server.url)
    coc("settings", "set", "ca-bundle", str(tmp_path / "nothing.pem"), expect=2)
    coc("settings", "set", "ca-bundle", str(server.ca_path))
    coc("settings", "set", "token", "on-the-command-line", expect=2)
    coc("settings", "set", "token", expect=2)  # no prompt in tests, no COC_TOKEN
    monkeypatch.setenv("COC_TOKEN", TOKEN)
    out, _ = coc("settings", "set", "token")
    assert "encrypted store" in out
    out, _ = coc("settings", "show", "--json")
    shown = json.loads(out)
    assert shown["endpoint"] == server.url and shown["ca_bundle"] == str(server.ca_path.resolve())
    assert shown["token"] == "set (encrypted store)" and TOKEN not in out

    out, _ = coc("new", "de-employee", "--example")
    (tmp_path / "request.json").write_text(out)
    out, _ = coc("drafts", "add", str(tmp_path / "request.json"))
    request_id = out.strip()

    bad = json.loads((tmp_path / "request.json").read_text())
    bad["id"] = "11111111-2222-4333-8444-555555555555"
    del bad["answers"]["worker.ssn"]
    del bad["answers"]["worker.first_name"]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    coc("drafts", "add", str(tmp_path / "bad.json"))
    _, err = coc("outbox", "queue", bad["id"], expect=1)
    assert "error(s)" in err and "worker.ssn" in err
    assert "First name is required. worker.ssn:" in err and ".;" not in err  # one sentence after another

    out, _ = coc("outbox", "queue", request_id[:8])
    assert "queued" in out
    out, _ = coc("outbox", "list", "--json")
    listed = json.loads(out)
    assert [i["request_id"] for i in listed] == [request_id] and listed[0]["attempts"] == 0

    out, err = coc("outbox", "send")
    assert "1 sent, 0 refused" in out and "[1/1]" in err
    assert server.stats.created == 1
    out, _ = coc("outbox", "list")
    assert "empty" in out

    out, _ = coc("status", request_id)
    assert "Sent" in out and "at the receiver: received" in out
    decide(server.service.db, intake_dir, request_id, "approve")
    out, _ = coc("status", request_id, "--json")
    status = json.loads(out)
    assert status["local_state"] == "approved"
    assert status["receiver"]["certificate"] == {"start": "2027-01-04", "end": "2029-12-18"}
    assert status["receipt"]["confirmation"] == status["receiver"]["confirmation"]

    _, err = coc("outbox", "queue", request_id, expect=4)
    assert "already sent" in err
    out, _ = coc("status", bad["id"])
    assert "not sent yet" in out
    coc("status", "ffffffff", expect=4)


def test_send_reports_what_is_left(
    coc: Cli, server: RunningIntake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COC_TOKEN", "a-token-the-receiver-does-not-know")
    coc("store", "init")
    coc("settings", "set", "endpoint", server.url)
    coc("settings", "set", "ca-bundle", str(server.ca_path))
    coc("settings", "set", "token")
    out, _ = coc("new", "de-employee", "--example")
    (tmp_path / "request.json").write_text(out)
    request_id = coc("drafts", "add", str(tmp_path / "request.json"))[0].strip()
    coc("outbox", "queue", request_id)
    out, _ = coc("outbox", "send", expect=1, report=True)
    assert "0 sent, 1 refused" in out and "token" in out
    out, _ = coc("status", request_id)
    assert "not sent yet" in out and "refused the access token" in out
    coc("outbox", "remove", request_id, expect=4)  # it is back to Draft already
    coc("settings", "unset", "token")
    assert json.loads(coc("settings", "show", "--json")[0])["token"] is None


def test_editions_compares_with_the_receiver(
    coc: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coc editions`: exit 0 when every form here is current; 1, naming the forms, when the receiver has
    another edition of some (here Germany's definition edited at the receiver)."""
    import shutil

    from app.forms import load
    from app.paths import forms_dir
    from intake import serve_in_thread

    newer = tmp_path / "receiver-forms"
    shutil.copytree(forms_dir(), newer)
    de = newer / "agreements" / "de.toml"
    de.write_text(
        de.read_text(encoding="utf-8").replace('edition = "2026-12-01"', 'edition = "2027-02-01"'), "utf-8"
    )
    coc("store", "init")
    monkeypatch.setenv("COC_TOKEN", TOKEN)
    for catalog, expect in ((None, 0), (load(newer), 1)):
        with serve_in_thread(tmp_path / f"intake-{expect}", [TOKEN], catalog=catalog) as server:
            coc("settings", "set", "endpoint", server.url)
            coc("settings", "set", "ca-bundle", str(server.ca_path))
            coc("settings", "set", "token")
            out, _ = coc("editions", expect=expect, report=True)
            if expect:
                assert "de-employee: the receiver has edition 2027-02-01" in out
                assert "de-self_employed" in out and "fr-employee" not in out
            else:
                assert "every form is the receiver's current edition" in out

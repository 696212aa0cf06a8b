"""A whole `make run`-style session, then the attacker's search (issue 13, "Proof"): the canary worker's SSN, birth
date and names are looked for in every file of both data folders (the application's and the local intake's), and
every file and folder is checked for its mode.

The session: `python -m intake app` (the launcher: the reference service on loopback beside the application) runs
`coc store init`, `drafts add`, `outbox queue` and `outbox send` (HTTPS to the local intake), `status`, `forms
update`, `print` and `drafts export` (to a folder outside, where the user asked for a file), `store backup` into the
data folder; the agency's `python -m intake decide ... approve` writes the e-mail confirmation; a bug in a command
writes a crash report. Every process starts with a umask of 022, so only what the project sets counts. Then the
desktop application opens the same store (unlocked by typing the passphrase), logs to `coc.log`, shows the
request, meets an unexpected error (its report), and locks.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.forms import Catalog, default_catalog
from app.store.keychain import KeychainStatus
from tests.conftest import REPO
from tests.security.helpers import BUGGY_CLI, CANARY, canary_hits, loose_modes, umask, umask_022
from tests.store.helpers import make_doc

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.skipif(os.name == "nt", reason="POSIX modes")]

PASSPHRASE = "session canary passphrase 61"
BACKUP_PASSPHRASE = "blue spruce 88 canyon"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.MULTILINE)


class Session:
    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.data = self.home / "coc-data"
        self.outside = tmp_path / "exports"
        self.outside.mkdir()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "COC_DATA_DIR": str(self.data),
            "COC_PASSPHRASE": PASSPHRASE,
            "COC_BACKUP_PASSPHRASE": BACKUP_PASSPHRASE,
        }
        self.output: list[str] = []

    def run(self, *args: str, code: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            preexec_fn=umask_022,
        )
        self.output += [done.stdout, done.stderr]
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout

    def coc(self, *args: str, code: int = 0) -> str:
        """A `coc` command through the launcher, as `make run ARGS=...` users and the desktop get it."""
        return self.run("-m", "intake", "app", "--", *args, code=code)


def _command_line_session(s: Session) -> str:
    s.coc("store", "init")
    request = s.outside / "request.json"
    request.write_text(make_doc(**CANARY, **{"request.email_confirmation": True}).to_json(), encoding="utf-8")
    request_id = UUID.findall(s.coc("drafts", "add", str(request)))[0]
    request.unlink()  # the user's own file, outside: gone before the search
    s.coc("outbox", "queue", request_id)
    assert "1 sent" in s.coc("outbox", "send")
    decided = s.run("-m", "intake", "decide", request_id, "approve", "--data", str(s.data / "local-intake"))
    assert "e-mail written to" in decided
    assert "approved" in s.coc("status", request_id).lower()
    s.coc("forms", "update")
    s.coc("print", request_id, "-o", str(s.outside / "fax.pdf"))
    s.coc("drafts", "export", request_id, "-o", str(s.outside / "request.json"))
    s.coc("store", "backup", str(s.data / "backup.db"))
    s.run("-c", BUGGY_CLI, "new", "de-employee", code=70)
    return request_id


def _desktop_session(qtbot: Any, s: Session, catalog: Catalog, request_id: str) -> None:
    """The window on the same store, with the log file and the crash handler of `coc gui` (ui.app.run)."""
    import logging

    from ui.app import setup_logging
    from ui.controller import AppController
    from ui.crash import CrashHandler
    from ui.tasks import TaskManager
    from ui.unlock import UnlockDialog

    handler = setup_logging(s.data)
    crash = CrashHandler(s.data, show_dialog=False)
    controller = AppController(
        s.data,
        catalog=catalog,
        tasks=TaskManager(inline=True),
        keychain_status=KeychainStatus(False, "none", "no keychain in the tests"),
    )
    try:
        controller.start()
        dialog = controller.dialog
        assert isinstance(dialog, UnlockDialog)
        qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
        assert controller.ctx.store is not None and controller.window is not None
        qtbot.addWidget(controller.window)
        assert controller.ctx.store.get(request_id).answers["worker.ssn"] == CANARY["worker.ssn"]
        logging.getLogger("ui.session").warning("a warning while %s is on screen", CANARY["worker.last_name"])
        try:
            raise ValueError(f"unexpected {CANARY['worker.ssn']} {CANARY['worker.birth_date']}")
        except ValueError as exc:
            crash.handle(type(exc), exc, exc.__traceback__)
        assert crash.last_report is not None
        controller.lock()
    finally:
        controller.shutdown()
        if controller.window is not None:
            controller.window.close()
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_a_whole_session_leaves_no_canary_and_no_open_file(qtbot: Any, tmp_path: Path) -> None:
    catalog = default_catalog()
    s = Session(tmp_path)
    request_id = _command_line_session(s)
    with umask(0o077):  # what `coc gui` runs with: app.process.harden (tests/security/test_core_dumps.py)
        _desktop_session(qtbot, s, catalog, request_id)

    intake = s.data / "local-intake"
    made = {str(p.relative_to(s.data)) for p in s.data.rglob("*")}
    for expected in (
        "store.db",
        "backup.db",
        "logs/coc.log",
        "local-intake/intake.db",
        "local-intake/intake.key",
    ):
        assert expected in made
    assert any(p.startswith("local-intake/outbox-mail/") and p.endswith(".eml") for p in made)
    assert (
        len([p for p in made if re.fullmatch(r"crash/crash-\d+T\d+\.txt", p)]) == 2
    )  # the CLI's and the GUI's
    assert "local-intake" in made and intake.is_dir()

    hits = canary_hits(s.data, s.home)
    assert hits == [], hits[:5]
    assert loose_modes(s.data) == []
    for exported in ("fax.pdf", "request.json"):  # in clear where the user asked, but readable by them only
        assert stat.S_IMODE((s.outside / exported).stat().st_mode) == 0o600
    token = (intake / "local-token").read_text(encoding="ascii")
    assert all(token not in text for text in s.output)
    assert all(CANARY["worker.ssn"] not in text for text in s.output)


def test_the_search_would_find_a_canary_and_an_open_file(tmp_path: Path) -> None:
    """The control: the same search finds a canary in any of its forms, and a file or folder others may read."""
    folder = tmp_path / "f"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    (folder / "a").write_bytes(b"x" + CANARY["worker.ssn"].replace("-", "").encode() + b"y")
    (folder / "b").write_bytes(CANARY["worker.last_name"].encode("utf-16-le"))
    assert len(canary_hits(folder)) == 2
    (folder / "a").chmod(0o600)
    (folder / "b").chmod(0o644)
    (folder / "c").mkdir(mode=0o755)
    (folder / "c").chmod(0o755)
    assert loose_modes(folder) == sorted([f"{folder / 'b'} 0644", f"{folder / 'c'}/ 0755"])

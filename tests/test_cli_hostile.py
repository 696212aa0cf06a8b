"""What `coc` reads and prints may come from a hostile file: a roster's header, a name in a document, a draft a
roster made, a JSON Lines stream without line breaks.

Found: `coc drafts list` printed a name holding `ESC ] 0 ; ... BEL` and `ESC [ 2 J` as they were (the terminal's
title changed and the screen cleared), and `coc import --dry-run` printed a header's escape sequence the same way;
`coc drafts add` of a document whose name holds a lone surrogate (JSON `"\\ud83d"`, what a JavaScript export that
cut an emoji in two writes) exited 70: the store could not encode it. Now human output shows each unsafe character
as U+FFFD, JSON output escapes it (the same JSON value), and the store keeps the surrogate as its JSON escape.
`coc drafts add --jsonl` read each line whole, however long: a stream without a line break filled the memory.
`coc` runs as a child process here, its output read as bytes, as a terminal or a pipe would receive it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.forms.example import BY_ID

ROOT = Path(__file__).parents[1]
PASSPHRASE = "harbor lamp 7 violet"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\r")
HOSTILE_NAME = "Lee\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\rX"


@pytest.fixture
def coc(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "COC_DATA_DIR": str(tmp_path / "data"), "COC_PASSPHRASE": PASSPHRASE}

    def run(*args: str, expect: int = 0) -> tuple[str, str]:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, cwd=ROOT, timeout=300
        )
        out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")  # strict: valid UTF-8 only
        assert result.returncode == expect, err
        return out, err

    run("store", "init")
    return run


def document(tmp_path: Path, name: str, **answers: str) -> Path:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "new", "de-employee", "--example"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    doc = json.loads(out)
    doc["answers"].update(answers)
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")  # ASCII: a surrogate travels as its escape
    return path


def test_a_lone_surrogate_in_a_document_is_kept_as_a_draft_exactly(coc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = document(tmp_path, "cut.json", **{"worker.first_name": "Jane \ud83d"})
    out, err = coc("drafts", "add", str(path))
    assert "1 error" in err
    request_id = out.strip()
    shown, _ = coc("drafts", "show", request_id)
    assert json.loads(shown)["answers"]["worker.first_name"] == "Jane \ud83d"  # nothing lost
    listed, _ = coc("drafts", "list")
    assert "Example, Jane \ufffd" in listed
    assert json.loads(coc("drafts", "list", "--json")[0])[0]["worker_name"].startswith("Example, Jane \ufffd")


def test_names_with_escape_sequences_never_reach_the_terminal(coc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = document(tmp_path, "evil.json", **{"worker.last_name": HOSTILE_NAME})
    request_id = coc("drafts", "add", str(path))[0].strip()
    listed, _ = coc("drafts", "list")
    assert not [c for c in CONTROLS if c in listed] and "Lee\ufffd]0;owned\ufffd\ufffd[2J" in listed
    shown, _ = coc("drafts", "show", request_id)
    assert not [c for c in CONTROLS if c in shown]
    assert json.loads(shown)["answers"]["worker.last_name"] == HOSTILE_NAME  # JSON escapes, the same value
    exported = tmp_path / "export.json"
    coc("drafts", "export", request_id, "-o", str(exported))
    assert json.loads(exported.read_text(encoding="utf-8"))["answers"]["worker.last_name"] == HOSTILE_NAME


def test_a_roster_header_with_an_escape_sequence(coc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Given name", "Surname", "Host Country", "Note\x1b[31m\x1b]0;owned\x07"])
        writer.writerow(["Ann", HOSTILE_NAME, "Germany", "x"])
    out, err = coc("import", str(roster), "--dry-run")
    assert not [c for c in CONTROLS if c in out + err] and "Note\ufffd[31m" in out
    coc("import", str(roster))
    listed, _ = coc("drafts", "list")
    assert not [c for c in CONTROLS if c in listed]
    assert BY_ID["worker.first_name"] not in listed  # only the roster's row is there


def test_an_endless_json_lines_stream_is_read_no_further_than_its_limit(coc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Standard input that never ends a line: the command refuses the first line once it is over the limit,
    having read about 1 MiB of it, instead of reading until the memory is full."""
    from app.forms.limits import MAX_TEXT_BYTES

    env = {**os.environ, "COC_DATA_DIR": str(tmp_path / "data"), "COC_PASSPHRASE": PASSPHRASE}
    child = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "drafts", "add", "--jsonl"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    assert child.stdin is not None and child.stderr is not None
    written, chunk = 0, b"x" * 65536
    try:
        while written < 64 * MAX_TEXT_BYTES:  # far more than any line is read of
            child.stdin.write(chunk)
            written += len(chunk)
    except BrokenPipeError:  # the command stopped reading: what matters
        pass
    with contextlib.suppress(BrokenPipeError):
        child.stdin.close()
    err = child.stderr.read().decode("utf-8")
    child.stderr.close()
    assert child.wait(timeout=300) == 2
    assert "line 1" in err and "over 1,048,576 bytes" in err and "nothing was saved" in err
    assert written < 64 * MAX_TEXT_BYTES  # it stopped reading; the pipe pushed back


def test_a_program_without_a_console_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A windowed program on Windows has no standard output (None): the filter leaves it None, print does nothing."""
    from app.cli import main

    monkeypatch.setattr(sys, "stdout", None)
    assert main(["forms", "list"]) == 0
    assert sys.stdout is None

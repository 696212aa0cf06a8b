"""`coc print ID|FILE -o OUT.pdf [--mask-ssn]`: files and stored requests, atomic private output, one-line errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from app.cli import main
from app.store import unlock
from tests.printing.helpers import all_text, example

PASSPHRASE = "harbor lamp 7 violet"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> None:
    assert err.startswith("coc: ") and err.count("\n") == 1 and "Traceback" not in err


def request_file(folder: Path, **overrides: object) -> Path:
    doc, _ = example("de-employee", **overrides)
    path = folder / "request.json"
    path.write_text(doc.to_json(), encoding="utf-8")
    return path


def test_print_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = request_file(tmp_path)
    out = tmp_path / "fax.pdf"
    code, stdout, err = run(capsys, "print", str(source), "-o", str(out))
    assert code == 0 and stdout == ""
    assert err == f"wrote {out} (3 page(s), ready to send)\n"
    text = all_text(out.read_bytes())
    assert "123-45-6789" in text and "NOT READY" not in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds an SSN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fax.pdf", "request.json"]  # no temporary file left


def test_print_masked_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = request_file(tmp_path, employer__email="nope")
    out = tmp_path / "fax.pdf"
    code, _, err = run(capsys, "print", str(source), "-o", str(out), "--mask-ssn")
    assert code == 0 and "internal copy with the SSN masked: do not fax; 1 error(s) to correct" in err
    text = all_text(out.read_bytes())
    assert "XXX-XX-6789" in text and "123-45-6789" not in text and "NOT READY TO SEND" in text


def test_replacing_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = request_file(tmp_path)
    out = tmp_path / "fax.pdf"
    out.write_bytes(b"old")
    code, _, err = run(capsys, "print", str(source), "-o", str(out))
    assert code == 2 and "already exists; use --force" in err
    one_line_error(err)
    assert out.read_bytes() == b"old"
    code, _, _ = run(capsys, "print", str(source), "-o", str(out), "--force")
    assert code == 0 and out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "no such file, and not a request id"),
        ("not json", "Not JSON"),
        ("unknown form", "Unknown form 'zz-employee'"),
        ("glyph", "cannot print request"),
        ("no folder", "no such folder"),
        ("folder", "is a folder"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, expected: str
) -> None:
    source = request_file(tmp_path)
    out = tmp_path / "out.pdf"
    if case == "missing":
        source = tmp_path / "nope.json"
    elif case == "not json":
        source.write_text("{", encoding="utf-8")
    elif case == "unknown form":
        data = json.loads(source.read_text(encoding="utf-8"))
        data["form"] = "zz-employee"
        source.write_text(json.dumps(data), encoding="utf-8")
    elif case == "glyph":
        source = request_file(tmp_path, worker__first_name="Ann🦄")
    elif case == "no folder":
        out = tmp_path / "absent" / "out.pdf"
    elif case == "folder":
        out = tmp_path
    code, _, err = run(capsys, "print", str(source), "-o", str(out))
    assert code in (1, 2) and expected in err, err
    one_line_error(err)
    if case == "glyph":
        assert code == 1 and "First name: the character '🦄' (U+1F984 UNICORN FACE)" in err
    assert not (tmp_path / "out.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failed_write_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = request_file(tmp_path)

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    code, _, err = run(capsys, "print", str(source), "-o", str(tmp_path / "fax.pdf"))
    assert code == 2 and "cannot be written (No space left on device)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["request.json"]


def test_print_a_stored_request_and_audit_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("COC_DATA_DIR", str(data))
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "store", "init")[0] == 0
    code, stdout, _ = run(capsys, "drafts", "add", str(request_file(tmp_path)))
    assert code == 0
    request_id = stdout.strip().splitlines()[0]
    out = tmp_path / "fax.pdf"
    code, _, err = run(capsys, "print", request_id[:8], "-o", str(out), "--mask-ssn")
    assert code == 0 and "internal copy with the SSN masked: do not fax" in err
    assert request_id in all_text(out.read_bytes())
    code, _, _ = run(capsys, "--data-dir", str(data), "print", request_id, "-o", str(out), "--force")
    assert code == 0
    with unlock.unlock(data) as store:
        printed = [e.detail for e in store.audit(request_id) if e.event == "printed"]
    # The internal copy adds a page: the agreement's facts with their sources, for the employer's files.
    assert printed == ["masked=yes pages=4 to=file source=cli", "masked=no pages=3 to=file source=cli"]


def test_print_an_unknown_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "store", "init")[0] == 0
    code, _, err = run(capsys, "print", "0123abcd", "-o", str(tmp_path / "x.pdf"))
    assert code == 4
    one_line_error(err)
    assert not (tmp_path / "x.pdf").exists()

"""Crash reports hold where an error happened, never the personal data that was in play."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.crashlog import report_current, scrub

CANARY = {"ssn": "123-45-6789", "name": "Zebulon Canarysson", "birth": "1961-07-04"}


def _explode() -> None:
    secret = dict(CANARY)  # a local holding personal data
    raise ValueError(f"bad value for {secret['name']} {secret['ssn']} born {secret['birth']}")


def test_report_has_stack_but_no_message_or_locals(tmp_path: Path) -> None:
    try:
        _explode()
    except ValueError:
        path = report_current(tmp_path)
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "exception: builtins.ValueError" in text and "in _explode" in text
    for value in CANARY.values():
        assert value not in text


def test_scrub_removes_ssn_and_dates() -> None:
    assert (
        scrub("x 123-45-6789 y 123456789 z 2020-01-02 w 01/02/2020")
        == "x [removed] y [removed] z [removed] w [removed]"
    )


def test_cli_bug_is_one_line_and_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import app.cli.request_cmd as request_cmd

    monkeypatch.setenv("COC_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(request_cmd, "cmd_new", lambda args: _explode())  # a bug inside a command
    code = cli.main(["new", "de-employee"])
    err = capsys.readouterr().err
    assert code == 70 and err.count("\n") == 1 and "internal error (ValueError)" in err
    reports = list((tmp_path / "crash").glob("crash-*.txt"))
    assert len(reports) == 1
    assert all(v not in reports[0].read_text(encoding="utf-8") + err for v in CANARY.values())

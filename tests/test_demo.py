"""`coc demo`: a fresh store gets fictional requests in every state, across agreements; a used one is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.cli import main
from app.request import State
from app.store import Store

PASS = "demo passphrase 42"


def test_demo_fills_a_fresh_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COC_PASSPHRASE", PASS)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo"]) == 0
    assert "added 7 fictional requests" in capsys.readouterr().out
    with Store.open(data, PASS) as store:
        rows = store.list()
        states = sorted(r.state.value for r in rows)
        assert states == sorted(["approved", "draft", "ready", "sent", "draft", "queued", "rejected"])
        assert len({r.agreement for r in rows}) == 7
        assert all(r.error_count > 0 for r in rows if r.state is State.DRAFT)
        assert all(r.error_count == 0 for r in rows if r.state is not State.DRAFT)
        assert len(store.outbox()) == 1
        sent = next(r for r in rows if r.state is State.SENT)
        assert store.receipt(sent.id)["confirmation"].startswith("DEMO-")  # type: ignore[index]
        ending = store.list(ending_within_days=30, today=dt.date.today())
        assert [r.agreement for r in ending] == ["dk"]
        assert store.employer_profile()["employer.name"]
    assert main(["--data-dir", str(data), "demo"]) == 3
    assert "already holds requests" in capsys.readouterr().err

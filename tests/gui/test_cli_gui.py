"""`coc` with no command and `coc gui` open the application (`coc gui --smoke --screenshots DIR`, which checks every
window on a throw-away store, runs in test_window_fit.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("argv", [[], ["gui"], ["--data-dir", "{tmp}", "gui"]])
def test_coc_alone_and_coc_gui_open_the_application(
    argv: list[str], tmp_path: Path, monkeypatch: Any
) -> None:
    import ui.app

    calls: list[tuple[Path, bool, Path | None]] = []
    monkeypatch.setattr(
        ui.app,
        "run",
        lambda d, smoke=False, screenshots=None, notes=(): calls.append((d, smoke, screenshots)) or 0,
    )
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 0
    (data_dir, smoke, shots) = calls[0]
    assert not smoke and shots is None
    assert data_dir == (tmp_path if "--data-dir" in argv else Path(os.environ["COC_DATA_DIR"]))


def test_what_coc_found_at_start_is_shown_in_the_window_too(tmp_path: Path, monkeypatch: Any) -> None:
    """A data folder made private (or an interrupted restore tidied) is said on standard error and in the window."""
    import ui.app

    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    shown: list[str] = []
    monkeypatch.setattr(
        ui.app, "run", lambda d, smoke=False, screenshots=None, notes=(): shown.extend(notes) or 0
    )
    assert main(["--data-dir", str(data), "gui"]) == 0
    assert len(shown) == 1 and "it is now private (0700)" in shown[0]


def test_screenshots_need_the_smoke_run(capsys: Any) -> None:
    assert main(["gui", "--screenshots", "x"]) == 2
    assert "--screenshots goes with --smoke" in capsys.readouterr().err

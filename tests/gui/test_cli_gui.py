"""`coc` with no command and `coc gui` open the application; `coc gui --smoke --screenshots DIR` checks every screen
on a throw-away store and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("argv", [[], ["gui"], ["--data-dir", "{tmp}", "gui"]])
def test_coc_alone_and_coc_gui_open_the_application(
    argv: list[str], tmp_path: Path, monkeypatch: Any
) -> None:
    import ui.app

    calls: list[tuple[Path, bool, Path | None]] = []
    monkeypatch.setattr(
        ui.app, "run", lambda d, smoke=False, screenshots=None: calls.append((d, smoke, screenshots)) or 0
    )
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 0
    (data_dir, smoke, shots) = calls[0]
    assert not smoke and shots is None
    assert data_dir == (tmp_path if "--data-dir" in argv else Path(os.environ["COC_DATA_DIR"]))


def test_screenshots_need_the_smoke_run(capsys: Any) -> None:
    assert main(["gui", "--screenshots", "x"]) == 2
    assert "--screenshots goes with --smoke" in capsys.readouterr().err


def test_the_smoke_run_passes_and_saves_every_screen(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "app", "gui", "--smoke", "--screenshots", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "smoke run passed" in result.stdout
    shots = {p.stem for p in tmp_path.glob("*.png")}
    assert {"main-window", "unlock", "wizard-start", "wizard-section", "wizard-review"} <= shots
    assert all(p.stat().st_size > 5000 for p in tmp_path.glob("*.png"))

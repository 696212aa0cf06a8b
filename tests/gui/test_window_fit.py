"""Every window and dialog fits a 1024x640 screen, and a 1366x768 screen at 125% scaling, with its buttons shown:
the smoke run opens each one with its longest message and checks it against the screen (`ui.screen_checks`);
here it runs on offscreen screens of those sizes (the same run goes on Xvfb with the xcb platform in
`make gui-x11`). The checks themselves are tested on windows built to fail them."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout

from tests.conftest import REPO
from ui import screen_checks

pytestmark = pytest.mark.gui
SCREENS = Path(__file__).parent / "screens"
# name: (offscreen screen file, QT_SCALE_FACTOR, logical size of the screen)
SIZES = {
    "1024x640": ("small.json", "1", (1024, 640)),
    "1366x768 at 125%": ("laptop.json", "1.25", (1093, 614)),
}
EVERY_SCREEN = {
    "create-passphrase",
    "unlock",
    "main-window",
    "locked",
    "wizard-start",
    "wizard-worker",
    "wizard-family",
    "wizard-review",
    "print-preview",
    "settings",
    "transmit-not-set-up",
    "receipt",
    "wizard-new",
    "wizard-sent-review",
    "conflict",
    "about",
    "crash",
    "import-roster",
}


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.slow  # opens every window at each screen size
@pytest.mark.parametrize("screen", list(SIZES))
def test_every_window_and_dialog_fits_the_screen(screen: str, tmp_path: Path) -> None:
    config, scale, (width, height) = SIZES[screen]
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={SCREENS / config}",
        QT_SCALE_FACTOR=scale,
        PYTHONFAULTHANDLER="1",  # a hard crash shows where each thread was (code locations only)
    )
    result = subprocess.run(
        [sys.executable, "-m", "app", "gui", "--smoke", "--screenshots", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-1500:], result.stderr[-6000:])
    assert f"screen: {width}x{height}" in result.stdout
    shots = {p.stem: p for p in tmp_path.glob("*.png")}
    assert set(shots) >= EVERY_SCREEN, sorted(shots)
    for name, path in shots.items():  # pictures in device pixels: the screen's size times the scale
        w, h = png_size(path)
        assert w <= round(width * float(scale)) + 1 and h <= round(height * float(scale)) + 1, (name, w, h)


def test_a_window_larger_than_the_screen_is_reported(qtbot: Any) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    room = dialog.screen().availableGeometry()
    dialog.resize(room.width() + 200, room.height() + 200)
    dialog.show()
    (problem,) = screen_checks.problems(dialog)
    assert "does not fit" in problem


def test_cut_text_and_cut_buttons_are_reported(qtbot: Any) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.setWindowTitle("Squeezed")
    label = QLabel("A long message that wraps over many lines in a narrow dialog. " * 6)
    label.setWordWrap(True)
    button = QPushButton("Quit")
    layout = QVBoxLayout(dialog)
    layout.addWidget(label)
    layout.addWidget(button)
    dialog.setFixedSize(220, 70)
    dialog.show()
    stray = QPushButton("Outside", dialog)
    stray.move(200, 60)
    stray.show()
    found = "\n".join(screen_checks.problems(dialog))
    assert "QLabel" in found and "px of height" in found
    assert "'Outside' is cut off" in found


def test_a_window_that_fits_has_no_problem(qtbot: Any) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    label = QLabel("Short.")
    label.setWordWrap(True)
    layout.addWidget(label)
    layout.addWidget(QPushButton("OK"))
    dialog.show()
    assert screen_checks.problems(dialog) == []

"""Root test configuration: headless Qt, and every user folder pointed at a temporary one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Qt's offscreen platform, on a screen of the smallest size the application supports (1024x640), unless the run
# names another platform (`make gui-x11`: xcb on Xvfb) or another offscreen screen.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    SMALL_SCREEN = REPO / "tests" / "gui" / "screens" / "small.json"
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SMALL_SCREEN}"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("COC_DATA_DIR", str(home / "coc-data"))
    monkeypatch.delenv("COC_PASSPHRASE", raising=False)
    monkeypatch.delenv("COC_TOKEN", raising=False)

"""Where things live: the shipped definitions and resources, and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "coc-request"
APP_AUTHOR = "coc-request"


def install_root() -> Path:
    """The folder holding `forms/` and `resources/`: the checkout, or the packaged program's folder."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def forms_dir() -> Path:
    return Path(os.environ.get("COC_FORMS_DIR") or install_root() / "forms")


def resources_dir() -> Path:
    return install_root() / "resources"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's data folder: `override`, else `COC_DATA_DIR`, else the platform's user-data folder."""
    chosen = override or os.environ.get("COC_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    return path.expanduser()

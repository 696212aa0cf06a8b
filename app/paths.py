"""Where things live: the shipped definitions and resources, and the user's data folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


_chosen: str | os.PathLike[str] | None = None


@contextmanager
def chosen_data_dir(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Within the block, `data_dir()` is `path` when one is given (`coc --data-dir`): the store and the form
    editions installed beside it then come from the same folder."""
    global _chosen
    before, _chosen = _chosen, path or _chosen
    try:
        yield
    finally:
        _chosen = before


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's data folder: `override`, else the one chosen for this command (`--data-dir`), else
    `COC_DATA_DIR`, else the platform's user-data folder."""
    chosen = override or _chosen or os.environ.get("COC_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    return path.expanduser()

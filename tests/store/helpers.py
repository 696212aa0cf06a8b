"""Shared helpers for the store tests: documents, file fingerprints."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from app.request import RequestDoc

PASSPHRASE = "harbor lamp 7 violet"
OTHER_PASSPHRASE = "copper kettle 42 dawn"


def full_answers(**overrides: Any) -> dict[str, Any]:
    """A complete request of the German agreement (the form engine's example answers), plus `overrides`."""
    from app.forms import default_catalog
    from app.forms.example import example_answers

    answers = example_answers(default_catalog().form("de-employee"))
    answers.update(overrides)
    return answers


def make_doc(form: str = "de-employee", **overrides: Any) -> RequestDoc:
    answers = full_answers(**{k.replace("__", "."): v for k, v in overrides.items()})
    return RequestDoc(form=form, edition="2026-11-29", answers=answers)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash: a before/after fingerprint."""
    out: dict[str, str] = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            out[str(p.relative_to(folder))] = sha256(p)
    return out

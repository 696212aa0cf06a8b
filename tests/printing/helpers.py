"""Shared helpers of the printing tests: example requests, and reading a PDF back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.forms import FormSpec, default_catalog, new_document
from app.forms.example import example_answers
from app.request import RequestDoc

NAMES = ("Łukasz Żółć", "José Núñez-García", "Nguyễn Văn Đặng", "Ελένη", "王小明")


def example(form_id: str = "de-employee", **overrides: Any) -> tuple[RequestDoc, FormSpec]:
    """The shipped example request of a form, with some answers changed (`worker__ssn` for `worker.ssn`)."""
    spec = default_catalog().form(form_id)
    answers = example_answers(spec)
    for key, value in overrides.items():
        answers[key.replace("__", ".")] = value
    return new_document(spec, answers), spec


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """All runs of white space as one space: a value wrapped over lines still reads as one."""
    return re.sub(r"\s+", " ", text).strip()


def all_text(pdf: bytes) -> str:
    return flat(" ".join(pages_text(pdf)))


def pdftoppm(pdf: bytes, folder: Path, dpi: int = 40) -> list[Path]:
    """Rasterise every page with poppler's pdftoppm (CI installs poppler-utils; its absence is a failure)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (apt-get install poppler-utils)")
    source = folder / "in.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [exe, "-r", str(dpi), "-png", str(source), str(folder / "page")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # poppler complains on stderr about any damage it meets
    return sorted(folder.glob("page-*.png"))

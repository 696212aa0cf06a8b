"""No message in the application names a command-line command: the core's hints are written for `coc`, and the
screen says where to go instead (Settings, Check status, the review page)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

import app
from app.errors import UserError
from tests.conftest import REPO
from ui import messages

pytestmark = pytest.mark.gui


def every_known_error() -> list[type[UserError]]:
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: list[type[UserError]] = []
    pending: list[type[UserError]] = [UserError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def made(kind: type[UserError]) -> UserError | None:
    try:
        return kind()
    except TypeError:  # needs arguments: made below with some
        return None


def test_no_known_problem_shows_a_command_on_screen() -> None:
    from app.transmit import NotReady

    errors = [e for e in (made(k) for k in every_known_error()) if e is not None]
    errors.append(NotReady([]))
    assert len(errors) > 30
    assert messages.names_a_command("Run `coc store init` to create one") and messages.names_a_command(
        "--data-dir"
    )
    shown = {type(e).__name__: messages.screen_text(e) for e in errors}
    assert [f"{name}: {text}" for name, text in shown.items() if messages.names_a_command(text)] == []
    assert shown["NotConfigured"].endswith(
        "Open Settings, Transmission, and give the receiving service's address and access token."
    )


def ui_strings() -> list[tuple[str, int, str]]:
    """Every string in ui/ that is not a docstring: (file, line, text)."""
    found = []
    for path in sorted((REPO / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docstrings else None
            if isinstance(text, str):
                found.append((str(path.relative_to(REPO)), node.lineno, text))
    return found


def test_no_text_in_the_windows_names_a_command() -> None:
    """Every string in ui/ that is not a docstring: none tells the user to type a command."""
    offenders = [f"{p}:{n}: {t[:60]}" for p, n, t in ui_strings() if messages.names_a_command(t)]
    assert offenders == []


def test_no_text_in_the_windows_counts_in_the_plural_of_forms() -> None:
    """'1 error', '3 rows' (messages.counted), never 'error(s)' or 'row(s)'."""
    offenders = [f"{p}:{n}: {t[:60]}" for p, n, t in ui_strings() if re.search(r"[a-z]\(s\)", t)]
    assert offenders == []


def test_counted_says_one_and_many() -> None:
    assert [messages.counted(n, "row") for n in (0, 1, 2, 1000)] == [
        "0 rows",
        "1 row",
        "2 rows",
        "1,000 rows",
    ]


def test_a_store_problem_box_points_to_the_screen(qtbot: Any) -> None:
    from app.store.errors import DamagedStore

    box = messages.store_problem(None, DamagedStore())
    qtbot.addWidget(box)
    assert box.text() == DamagedStore.message
    assert "coc" not in box.informativeText() and "Restore a backup" in box.informativeText()
    box.close()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]

"""Exactly one verdict: no module but `app/forms/verdict.py` decides whether a request document is valid.

Deciding validity elsewhere takes one of a few shapes, each looked for in the source of `app/`, `ui/` and
`intake/`: asking a form session for the whole list of issues (`.issues()`, `.errors()`), checking answers one by
one (`check_value`), reading a document apart from the verdict (`RequestDoc.from_json`/`from_dict`), or turning
the engine's exceptions into issues of one's own (`except RequestFormatError`, `except UnknownForm`). The few
places allowed one of these say why below.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

VERDICT = "app/forms/verdict.py"
ALLOWED: dict[str, set[str]] = {
    # the form session computes the issues the verdict gathers; the verdict reads documents
    "app/forms/session.py": {"issues()", "errors()", "check_value"},
    VERDICT: {"issues()", "from_dict", "RequestFormatError", "UnknownForm"},
    # the document's own parser
    "app/request.py": {"from_dict", "from_json"},
    # the store never writes what it could not read back (its own integrity, not validity), and reads its rows
    "app/store/drafts.py": {"from_dict", "RequestFormatError"},
    # the store reads its rows back, and what it did not write there (a crafted file) is damage, not an issue
    "app/store/stored.py": {"from_dict", "RequestFormatError"},
    # `coc new FORM`, `coc forms show FORM`: a form id typed by the user, not a document
    "app/cli/forms_cmd.py": {"UnknownForm"},
}


def _sources() -> list[Path]:
    return sorted(p for top in ("app", "ui", "intake") for p in (REPO / top).rglob("*.py"))


def _deciders(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in ("issues", "errors") and not node.args and not node.keywords:
                found.append((node.lineno, f"{name}()"))
            elif name in ("from_json", "from_dict") and ast.unparse(node.func.value) == "RequestDoc":
                found.append((node.lineno, name))
        if isinstance(node, ast.Name) and node.id == "check_value":
            found.append((node.lineno, "check_value"))
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = ast.unparse(node.type)
            for exc in ("RequestFormatError", "UnknownForm"):
                if exc in caught:
                    found.append((node.lineno, exc))
    return found


def test_nothing_but_the_verdict_decides_validity() -> None:
    offenders = []
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        allowed = ALLOWED.get(rel, set())
        for line, what in _deciders(ast.parse(path.read_text(encoding="utf-8"))):
            if what not in allowed:
                offenders.append(f"{rel}:{line}: {what}")
    assert offenders == [], "validity decided outside app.forms.verdict:\n" + "\n".join(offenders)


def test_the_scan_finds_what_it_looks_for() -> None:
    code = (
        "n = len(FormSession(spec, a).issues())\n"
        "doc = RequestDoc.from_json(text)\n"
        "p = check_value(f, v)\n"
        "try:\n    x()\nexcept (UnknownForm, RequestFormatError):\n    pass\n"
    )
    assert sorted(what for _line, what in _deciders(ast.parse(code))) == [
        "RequestFormatError",
        "UnknownForm",
        "check_value",
        "from_json",
        "issues()",
    ]


def test_the_entry_points_the_team_codes_against() -> None:
    from app.forms import Context, Verdict, verdict

    assert callable(verdict) and Verdict.__name__ == "Verdict" and Context().others is None

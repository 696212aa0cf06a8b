"""The command line loads what a command needs when it runs, never before: `coc --help` (which imports every
module of `app/cli/` to list its commands) imports no database library, no HTTP client, no PDF library, no Qt and
no form engine, and `coc validate` only the form engine.

The pattern, for every command module in `app.cli.COMMAND_MODULES`: at the top, only the standard library,
`app.cli.common`, `app.request`, `app.paths`, `app.errors` and the store's light modules (`app.store.errors`,
`app.store.models`); annotations through `if TYPE_CHECKING:`; everything else imported inside the handler that
uses it (see `app/cli/forms_cmd.py`). This test names the module that broke the rule and the line it came from.
Behaviour, not time: the times are in `make bench` (`python -m benchmarks cli`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Never imported by `coc --help`: third-party libraries and the app's heavy packages.
HEAVY = (
    "sqlcipher3",
    "requests",
    "urllib3",
    "reportlab",
    "PIL",
    "PySide6",
    "shiboken6",
    "keyring",
    "tuf",
    "securesystemslib",
    "jsonschema",
    "phonenumbers",
    "email_validator",
    "python_calamine",
    "openpyxl",
    "http_sfv",
    "zxcvbn",
    "app.forms",
    "app.store.store",
    "app.store.connection",
    "app.transmit",
    "app.printing",
    "app.roster",
    "app.updates",
    "ui",
)

# Run in a fresh interpreter: `argv` through `app.cli.main`, recording for each heavy module the first frame of
# `app/cli/` that led to its import.
PROBE = r"""
import json, sys, traceback
HEAVY = tuple(json.loads(sys.argv[1]))
ARGV = json.loads(sys.argv[2])
culprits = {}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name not in culprits and any(name == h or name.startswith(h + ".") for h in HEAVY):
            frames = [f for f in traceback.extract_stack() if "/app/cli/" in f.filename.replace("\\", "/")]
            where = frames[-1] if frames else None
            culprits[name] = f"{where.filename.split('/app/cli/')[-1]}:{where.lineno}: {where.line}" if where else "?"
        return None

sys.meta_path.insert(0, Watch())
from app.cli import main
try:
    code = main(ARGV)
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\n@@" + json.dumps({"code": code, "culprits": culprits}))
"""


def _run(argv: list[str], cwd: Path | None = None) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), json.dumps(argv)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "@@" in proc.stdout, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.rsplit("@@", 1)[1])
    result["stdout"] = proc.stdout.rsplit("@@", 1)[0]
    return result


def _explain(culprits: object) -> str:
    assert isinstance(culprits, dict)
    lines = [f"  {name}  <- {where}" for name, where in sorted(culprits.items())]
    return (
        "these modules were imported before any command ran; import them inside the handler that needs them "
        "(annotations under `if TYPE_CHECKING:`):\n" + "\n".join(lines)
    )


def test_help_imports_nothing_heavy() -> None:
    result = _run(["--help"])
    assert result["code"] == 0
    assert "drafts" in str(result["stdout"]) and "validate" in str(result["stdout"])
    assert result["culprits"] == {}, _explain(result["culprits"])


@pytest.mark.parametrize("command", ["drafts", "store", "forms", "outbox", "import"])
def test_a_command_help_imports_nothing_heavy(command: str) -> None:
    result = _run([command, "--help"])
    assert result["code"] == 0
    assert result["culprits"] == {}, _explain(result["culprits"])


def test_validate_loads_the_form_engine_and_nothing_else_heavy(tmp_path: Path) -> None:
    example = subprocess.run(
        [sys.executable, "-m", "app.cli", "new", "de-employee", "--example"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    request = tmp_path / "request.json"
    request.write_text(example, encoding="utf-8")
    result = _run(["--data-dir", str(tmp_path / "data"), "validate", str(request)])
    assert result["code"] == 0, result
    culprits = result["culprits"]
    assert isinstance(culprits, dict)
    assert "app.forms" in culprits  # it did validate
    # the form engine and its field checks; of the newer editions installed beside it, with none installed, only
    # the stat that says so (the code that reads, checks and installs editions is not imported, nor tuf)
    allowed = ("app.forms", "phonenumbers", "email_validator")
    culprits = {
        k: v
        for k, v in culprits.items()
        if k not in ("app.updates", "app.updates.catalog", "app.updates.pointer")
    }
    unexpected = {
        k: v for k, v in culprits.items() if not any(k == a or k.startswith(a + ".") for a in allowed)
    }
    assert unexpected == {}, _explain(unexpected)


def test_each_command_is_found_in_the_modules_that_register_it() -> None:
    """`coc COMMAND` builds its parser from `COMMAND_OWNERS[COMMAND]` alone: the table names every command the
    modules register, and each command's modules register it (with its sub-commands, as in the whole parser)."""
    import argparse

    from app.cli import COMMAND_OWNERS, build_parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return dict(action.choices)

    whole = commands(build_parser())
    assert set(COMMAND_OWNERS) == set(whole)
    for command in COMMAND_OWNERS:
        alone = commands(build_parser(command))
        assert command in alone
        assert alone[command].format_help() == whole[command].format_help()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["validate", "x.json"], "validate"),
        (["--data-dir", "validate", "drafts", "list"], "drafts"),
        (["--data-dir=d", "gui"], "gui"),
        (["--", "store", "init"], "store"),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_that_is_not_an_option_of_coc(
    argv: list[str], command: str | None
) -> None:
    from app.cli import command_of

    assert command_of(argv) == command


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    """`coc validate` builds no parser for the store, the outbox or the roster: their modules are not imported."""
    probe = (
        "import sys\nfrom app.cli import main\nmain(['notices'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('app.cli.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "['app.cli.common', 'app.cli.notices_cmd']"

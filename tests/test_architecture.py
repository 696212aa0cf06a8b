"""The house rules: `app/` never loads Qt, and field ids used in code exist in the definitions."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

from tests.conftest import REPO


def _app_modules() -> list[str]:
    import app

    names = (m.name for m in pkgutil.walk_packages(app.__path__, "app."))
    return sorted(n for n in names if not n.endswith("__main__"))


def test_importing_every_app_module_loads_no_qt() -> None:
    modules = _app_modules()
    assert len(modules) > 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"app/ loaded Qt or ui/: {result.stdout}"


def test_no_app_source_imports_qt_or_ui() -> None:
    offenders = []
    for path in (REPO / "app").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(
                ("import PySide6", "from PySide6", "import ui", "from ui", "import shiboken6")
            ):
                offenders.append(f"{path.relative_to(REPO)}: {stripped}")
    assert offenders == []

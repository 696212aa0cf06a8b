"""The reference intake service stays outside the application: nothing in `app/` or `ui/` imports `intake`, and
`app.transmit` loads without it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

IMPORT = re.compile(r"^\s*(from|import)\s+intake(\.|\s|$)")


def test_app_and_ui_never_import_intake() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for folder in ("app", "ui")
        for path in (REPO / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if IMPORT.match(line)
    ]
    assert offenders == []


def test_transmit_loads_without_intake_or_qt() -> None:
    code = (
        "import sys, app.transmit, app.cli.transmit_cmd\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('intake', 'PySide6'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""

"""Help > About shows the version and the third-party notices (issue 13, "Shipping")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.forms import Catalog
from tests.gui.helpers import start_app, stop_app
from ui.about import AboutDialog

pytestmark = pytest.mark.gui


def test_help_about_shows_the_notices(qtbot: Any, data_dir: Path, catalog: Catalog) -> None:
    controller = start_app(qtbot, data_dir, catalog)
    try:
        window = controller.window
        help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
        assert window.about_action in help_menu.actions()
        window.about_action.trigger()
        dialog = window.about_dialog
        assert isinstance(dialog, AboutDialog) and dialog.isVisible()
        text = dialog.notices.toPlainText()
        for component in (
            "PySide6_Essentials",
            "shiboken6",
            "pycountry",
            "python-stdnum",
            "certifi",
            "SQLCipher",
        ):
            assert f"\n{component} " in text
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "ZETETIC LLC" in text
        assert "Mozilla Public License" in text
        assert f"Certificates of Coverage {__version__}" in dialog.intro.text()
        dialog.close()
    finally:
        stop_app(controller)

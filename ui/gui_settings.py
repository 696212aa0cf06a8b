"""The window's own settings (geometry, splitter positions, column widths, filters): a QSettings file in a folder
under the data folder, readable before unlocking. Never anything personal here: no names, no search text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

FILE_NAME = "window.ini"


def open_settings(data_dir: Path) -> QSettings:
    folder = data_dir / "ui"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return QSettings(str(folder / FILE_NAME), QSettings.Format.IniFormat)


def _bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_geometry(settings: QSettings, key: str, widget: QWidget) -> None:
    settings.setValue(f"{key}/geometry", widget.saveGeometry())


def restore_geometry(settings: QSettings, key: str, widget: QWidget) -> bool:
    data = _bytes(settings, f"{key}/geometry")
    return bool(data is not None and widget.restoreGeometry(data))


def save_splitter(settings: QSettings, key: str, splitter: QSplitter) -> None:
    settings.setValue(f"{key}/splitter", splitter.saveState())


def restore_splitter(settings: QSettings, key: str, splitter: QSplitter) -> bool:
    data = _bytes(settings, f"{key}/splitter")
    return bool(data is not None and splitter.restoreState(data))


def save_header(settings: QSettings, key: str, header: QHeaderView) -> None:
    settings.setValue(f"{key}/header", header.saveState())


def restore_header(settings: QSettings, key: str, header: QHeaderView) -> bool:
    data = _bytes(settings, f"{key}/header")
    return bool(data is not None and header.restoreState(data))

"""What every window shares: the definitions, the background helper, the window settings and the open store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings

from app.forms import Catalog
from app.store import Store, StoreLocked
from ui.tasks import TaskManager


@dataclass
class AppContext:
    data_dir: Path
    catalog: Catalog
    tasks: TaskManager
    settings: QSettings
    store: Store | None = None
    idle_minutes: float = 15.0
    agreement_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.agreement_names:
            self.agreement_names = {a.id: a.name for a in self.catalog.agreements.values()}

    def require_store(self) -> Store:
        """The open store; `StoreLocked` once the idle lock closed it (a task queued before the lock then stops)."""
        store = self.store
        if store is None or store.closed:
            raise StoreLocked()
        return store

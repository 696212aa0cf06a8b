"""What every window shares: the definitions, the background helper, the window settings and the open store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from app.store import Store, StoreLocked
from ui.tasks import TaskManager

if TYPE_CHECKING:
    from app.catalog_index import CatalogIndex
    from app.forms import Catalog


def in_use(bundled: Catalog, data_dir: Path) -> Catalog:
    """`bundled` with the editions installed in `data_dir` (one `stat` when none is, without importing the code
    that reads them)."""
    from app.updates.pointer import UPDATES_DIR, pointer_stamp

    if pointer_stamp(data_dir / UPDATES_DIR) is None:
        return bundled
    from app.updates.catalog import installed_catalog
    from app.updates.installed import Editions

    return installed_catalog(bundled, Editions(data_dir / UPDATES_DIR))


class AppContext:
    """The shared state of one running application.

    `catalog` may be given, or is loaded on first use (the controller warms it in the background while the
    unlock dialog waits for the passphrase, so that starting does not wait for the definitions). Until it is
    loaded, the names the request list shows come from `index` when the controller found one made from the same
    definitions (`app.catalog_index`): a launch with a remembered key shows the list before loading them.
    """

    def __init__(
        self,
        data_dir: Path,
        catalog: Catalog | None,
        tasks: TaskManager,
        settings: QSettings,
        store: Store | None = None,
        idle_minutes: float = 15.0,
    ) -> None:
        self.data_dir = data_dir
        self.tasks = tasks
        self.settings = settings
        self.store = store
        self.idle_minutes = idle_minutes
        self._catalog = catalog
        self._names: dict[str, str] | None = None
        self._names_of: Catalog | None = None  # the catalog `_names` was read from
        self.index: CatalogIndex | None = None

    @property
    def catalog(self) -> Catalog:
        """The definitions in use: the bundled ones with the editions installed in this data folder (Update forms,
        or `coc forms update` run meanwhile); asking again costs one `stat` until they change."""
        if self._catalog is None:
            from app.forms.loader import shipped_catalog

            self._catalog = shipped_catalog()
        current = in_use(self._catalog, self.data_dir)
        if current is not self._names_of:
            self._names, self._names_of = None, current
        return current

    @property
    def catalog_loaded(self) -> bool:
        return self._catalog is not None

    def set_catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._names = None

    @property
    def agreement_names(self) -> dict[str, str]:
        if self._catalog is None and self.index is not None:
            return self.index.agreement_names()
        if self._names is None:
            self._names = {a.id: a.name for a in self.catalog.agreements.values()}
        return self._names

    @property
    def kind_names(self) -> dict[str, str]:
        """The request list's short name of each kind of request ("Employee", "Exemption letter")."""
        if self._catalog is None and self.index is not None:
            return self.index.kind_names()
        return {k.id: k.short for k in self.catalog.kinds.values()}

    def in_force(self) -> list[tuple[str, str]]:
        """(id, name) of the agreements in force, by name: the list's agreement filter."""
        if self._catalog is None and self.index is not None:
            return self.index.in_force()
        return [(a.id, a.name) for a in self.catalog.in_force()]

    def require_store(self) -> Store:
        """The open store; `StoreLocked` once the idle lock closed it (a task queued before the lock then stops)."""
        store = self.store
        if store is None or store.closed:
            raise StoreLocked()
        return store

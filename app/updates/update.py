"""Updating the forms: download and install the receiver's newer editions, then carry the requests over to them.

`coc forms update` and the GUI's Update forms both run `update_forms`. Installing is all or none (see
`app.updates.installed`); carrying requests over is one store transaction (see `app.updates.drafts`). A failure
of either says why and leaves what was there in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.forms import Catalog
from app.forms.loader import shipped_catalog
from app.store import Store
from app.transmit.settings import TransmitSettings
from app.updates.catalog import installed_catalog, updates_dir
from app.updates.client import Download, cache_dir, download
from app.updates.drafts import CarriedOver, carry_over
from app.updates.installed import Editions
from app.updates.trust import trusted_root


@dataclass
class UpdateResult:
    download: Download
    catalog: Catalog  # the definitions in use after the update
    root_origin: str  # which root was trusted: "setting", "session" or "bundled"
    reports: list[CarriedOver] = field(default_factory=list)  # one per request carried over

    def to_dict(self) -> dict[str, Any]:
        return {
            "installed": [
                {"agreement": e.agreement, "forms": dict(sorted(e.forms.items()))}
                for e in self.download.installed
            ],
            "older_at_receiver": dict(sorted(self.download.older_at_receiver.items())),
            "trusted_root": self.root_origin,
            "reports": [r.to_dict() for r in self.reports],
        }


def update_forms(
    store: Store,
    settings: TransmitSettings | None = None,
    *,
    data: Path | None = None,
    editions: Editions | None = None,
    fetcher: Any = None,
) -> UpdateResult:
    """Update the forms of the data folder `data` (default: the one in use) from the receiver of `settings`
    (default: the store's), then carry the store's requests over to the editions now in use."""
    settings = settings or TransmitSettings.load(store)
    root = trusted_root(store, settings)
    base = updates_dir(data)
    editions = editions or Editions(base)
    before = installed_catalog(shipped_catalog(), editions)
    got = download(settings, root.data, before, editions, cache_dir(base, root.data), fetcher=fetcher)
    catalog = installed_catalog(shipped_catalog(), editions)
    reports = carry_over(
        store, catalog, previous=before
    )  # also requests left behind earlier (an upgrade, a backup)
    return UpdateResult(got, catalog, root.origin, reports)

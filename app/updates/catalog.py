"""The catalog in use: the bundled definitions, with any newer edition installed beside them.

For each form the newest edition wins, whether bundled or installed (an installed bundle never hides a newer
bundled form: after an upgrade of the application its own forms may be the newest). The editions that lost stay
reachable through `Catalog.edition(form, edition)`, so that a request written in one of them can still be checked
as it was until its cutoff. Only the bundles that win something are read at start; the others are read when
asked for.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from app.forms import Catalog, DefinitionsInvalid, FormSpec, load
from app.forms.editions import is_newer
from app.forms.loader import ORIGIN_UPDATED
from app.paths import data_dir
from app.updates.pointer import UPDATES_DIR, pointer_stamp

if TYPE_CHECKING:
    from app.updates.installed import Editions, Installed

CACHED_SETS = 4  # the application's, and a receiver's running in the same process (tests, `make run`)
_LOCK = threading.Lock()
# (folder, its stamp, id of the bundled catalog) -> (that bundled catalog, kept alive so its id stays its own; the
# merged catalog)
_CACHE: dict[tuple[str, tuple[int, int, int], int], tuple[Catalog, Catalog]] = {}


def updates_dir(data: Path | None = None) -> Path:
    """Where the application installs form editions: beside the store, in the user's data folder."""
    return (data if data is not None else data_dir()) / UPDATES_DIR


def installed_catalog(bundled: Catalog, editions: Editions | None = None) -> Catalog:
    """`bundled` with the editions installed in `editions` (default: the data folder's); cached until the
    installed set changes, so asking again costs one `stat`."""
    if editions is None:
        base = updates_dir()
        if pointer_stamp(base) is None:  # nothing installed: one stat, without importing what reads editions
            return bundled
        from app.updates.installed import Editions

        editions = Editions(base)
    stamp = editions.stamp()
    if stamp is None:
        return bundled
    key = (str(editions.base), stamp, id(bundled))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = (bundled, merge(bundled, editions))
            while len(_CACHE) >= CACHED_SETS:  # the oldest installed sets go first
                del _CACHE[next(iter(_CACHE))]
            _CACHE[key] = cached
    return cached[1]


@lru_cache(maxsize=128)
def _load(folder: str) -> Catalog:
    """An installed bundle's folder, loaded once per process (its content never changes: it is named by hash)."""
    return load(Path(folder))


def _load_entry(editions: Editions, entry: Installed) -> Catalog | None:
    try:
        return _load(str(editions.folder(entry)))
    except DefinitionsInvalid as exc:
        import logging

        logging.getLogger(__name__).warning(
            "installed forms of %s do not load (%s); not used", entry.agreement, exc.errors[0].code.value
        )
        return None


def merge(bundled: Catalog, editions: Editions) -> Catalog:
    entries = editions.entries()
    best: dict[str, tuple[str, Installed | None]] = {f: (s.edition, None) for f, s in bundled.forms.items()}
    for entry in entries:
        for form, edition in entry.forms.items():
            current = best.get(form)
            if current is None or is_newer(edition, current[0]):
                best[form] = (edition, entry)
    forms = dict(bundled.forms)
    agreements = dict(bundled.agreements)
    origins: dict[str, str] = {}
    kinds = dict(bundled.kinds)
    for entry in {e.folder: e for _, e in best.values() if e is not None}.values():
        loaded = _load_entry(editions, entry)
        if loaded is None:
            continue
        for form, spec in loaded.forms.items():
            if best.get(form, ("", None))[1] is entry and spec.edition == entry.forms.get(form):
                forms[form] = spec
                origins[form] = ORIGIN_UPDATED
        agreements.update(loaded.agreements)
        for kind_id, kind in loaded.kinds.items():  # a kind the bundle brings that this build does not know
            kinds.setdefault(kind_id, kind)

    def previous(form: str, edition: str) -> FormSpec | None:
        spec = bundled.forms.get(form)
        if spec is not None and spec.edition == edition:
            return spec
        for entry in entries:
            if entry.forms.get(form) == edition:
                loaded = _load_entry(editions, entry)
                if loaded is not None and form in loaded.forms:
                    return loaded.forms[form]
        return None

    return Catalog(
        MappingProxyType(agreements),
        MappingProxyType(forms),
        bundled.root,
        MappingProxyType(origins),
        previous,
        MappingProxyType(kinds),
    )

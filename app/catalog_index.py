"""What the request list needs of the definitions (each agreement's name and whether it is in force, each kind's
short name), kept between launches so that the window shows its list without loading the form engine first.

Loading the definitions (the engine's code and every agreement's file) takes longer than everything else a launch
does beyond Qt itself; the list only shows names. So the application writes this index (`<data dir>/cache/
catalog-index.json`, 0600, no personal data) whenever the definitions have been loaded, and a launch with a
remembered key builds its window from it, loading the definitions only after the list is shown. The index is
used only when it was made from the very definitions in use: the program's version, the size and time of every
file under the shipped `forms/` folder and the stamp of the editions installed in the data folder (`stamp`).
Anything else (missing, damaged, made from other definitions) means the definitions are loaded first, as on the
first launch after an installation or an update of the forms. When the definitions arrive, the window checks
the index against them (`CatalogIndex.of`) and takes theirs if they differ.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.fileio import private_dir, write_private

if TYPE_CHECKING:
    from app.forms import Catalog

CACHE_DIR = "cache"
INDEX_FILE = "catalog-index.json"
MAX_BYTES = 256 * 1024  # a few kilobytes in practice; anything larger is not ours


@dataclass(frozen=True)
class CatalogIndex:
    agreements: tuple[tuple[str, str, bool], ...]  # (id, name, in force), in the catalog's order
    kinds: tuple[tuple[str, str], ...]  # (id, short name)

    @classmethod
    def of(cls, catalog: Catalog) -> CatalogIndex:
        return cls(
            tuple((a.id, a.name, a.in_force_now) for a in catalog.agreements.values()),
            tuple((k.id, k.short) for k in catalog.kinds.values()),
        )

    def agreement_names(self) -> dict[str, str]:
        return {agreement_id: name for agreement_id, name, _in_force in self.agreements}

    def kind_names(self) -> dict[str, str]:
        return dict(self.kinds)

    def in_force(self) -> list[tuple[str, str]]:
        """(id, name) of the agreements in force, by name (the list's agreement filter, as `Catalog.in_force`)."""
        return sorted(((i, n) for i, n, on in self.agreements if on), key=lambda pair: pair[1])


def _files_stamp(root: Path) -> list[list[Any]]:
    out: list[list[Any]] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out.append([os.path.relpath(path, root), st.st_size, st.st_mtime_ns])
    return out


def stamp(data_dir: Path) -> str:
    """What identifies the definitions a launch would load: the program's version, the shipped files, the editions
    installed in `data_dir` (one `stat` when none is)."""
    from app.paths import forms_dir
    from app.updates.pointer import UPDATES_DIR, pointer_stamp

    installed = pointer_stamp(data_dir / UPDATES_DIR)
    root = forms_dir()
    return json.dumps(
        [__version__, str(root), _files_stamp(root), list(installed) if installed else None],
        separators=(",", ":"),
    )


def _path(data_dir: Path) -> Path:
    return data_dir / CACHE_DIR / INDEX_FILE


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file of at most `MAX_BYTES` (not a link, not a pipe or a device, which
    could block or never end), else None."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        raw = file.read(MAX_BYTES + 1)
    return raw if len(raw) <= MAX_BYTES else None


def read(data_dir: Path, expected: str) -> CatalogIndex | None:
    """The index kept in `data_dir` when it was made from the definitions `expected` identifies (`stamp`), else
    None. Never raises for what is in the file: it is only a shortcut."""
    try:
        raw = _read_bounded(_path(data_dir))
        if raw is None:
            return None
        data = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    try:
        if not isinstance(data, dict) or data.get("stamp") != expected:
            return None
        agreements = tuple(
            (str(i), str(n), bool(on))
            for i, n, on in data["agreements"]
            if isinstance(i, str) and isinstance(n, str) and isinstance(on, bool)
        )
        kinds = tuple((str(i), str(s)) for i, s in data["kinds"] if isinstance(i, str) and isinstance(s, str))
    except (KeyError, TypeError, ValueError):
        return None
    if len(agreements) != len(data["agreements"]) or len(kinds) != len(data["kinds"]):
        return None
    return CatalogIndex(agreements, kinds)


def write(data_dir: Path, expected: str, index: CatalogIndex) -> None:
    """Keep `index` for the next launch (0600 in a 0700 folder); an unwritable folder only costs that shortcut."""
    text = json.dumps(
        {
            "stamp": expected,
            "agreements": [list(a) for a in index.agreements],
            "kinds": [list(k) for k in index.kinds],
        },
        ensure_ascii=False,
    )
    try:
        folder = data_dir / CACHE_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        private_dir(folder)
        write_private(folder / INDEX_FILE, text.encode("utf-8"))
    except OSError:
        pass

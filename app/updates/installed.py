"""Installed editions: verified bundles written out as folders of definitions, beside the bundled `forms/`.

    <data>/form-updates/installed.json        which bundles are installed (the one file that says so)
    <data>/form-updates/<agreement>-<hash>/   one bundle, written out: agreements/, kinds/, sections/, paper.toml

Installing writes each new bundle into a new temporary folder, syncs it, renames it to its final name (a folder
named by its content's hash is never changed afterwards), checks that it loads to exactly the forms and editions
its manifest names, and only then replaces `installed.json` atomically. Until that rename nothing has changed: a
failure at any step (a full disk, a kill) leaves the editions in use as they were, and the next install sweeps
the leftovers. The bundled definitions are never written to.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.errors import UserError
from app.fileio import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, fsync_dir, private_dir, write_private
from app.forms import DefinitionsInvalid, load
from app.updates.bundle import Bundle, BundleError, detail
from app.updates.pointer import POINTER, pointer_stamp

log = logging.getLogger(__name__)

POINTER_FORMAT = 1
_PARTIAL = ".new-"
_BUNDLE_FOLDER = re.compile(r"[a-z]{2}-[0-9a-f]{24}")  # what `install` names a bundle's folder

WriteFile = Callable[[Path, bytes], None]


class InstallFailed(UserError):
    """The new editions could not be written; the ones in use are unchanged."""

    exit_code = 3


@dataclass(frozen=True)
class Installed:
    agreement: str
    sha256: str  # of the bundle's bytes, as signed by the receiver
    forms: Mapping[str, str]  # form id -> edition
    folder: str  # its folder's name

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "sha256": self.sha256,
            "forms": dict(self.forms),
            "folder": self.folder,
        }


def write_file(path: Path, data: bytes) -> None:
    """A new private file, synced to disk (never over an existing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


class Editions:
    """A folder of installed editions (the application's in the data folder; the receiver's published ones)."""

    def __init__(self, base: Path, *, write: WriteFile = write_file) -> None:
        self.base = base
        self._write = write

    @property
    def pointer(self) -> Path:
        return self.base / POINTER

    def stamp(self) -> tuple[int, int, int] | None:
        """What identifies the installed set without reading it (None when nothing is installed)."""
        return pointer_stamp(self.base)

    def entries(self) -> list[Installed]:
        """The installed bundles; none when nothing is installed or the list cannot be read (the bundled
        definitions are then used, and the next update writes a new list)."""
        try:
            raw = json.loads(self.pointer.read_bytes())
            return [
                Installed(
                    str(e["agreement"]),
                    str(e["sha256"]),
                    MappingProxyType({str(k): str(v) for k, v in e["forms"].items()}),
                    _folder_name(str(e["folder"])),
                )
                for e in raw["installed"]
            ]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning(
                "the list of installed form editions cannot be read (%s); using the bundled ones", exc
            )
            return []

    def folder(self, entry: Installed) -> Path:
        return self.base / entry.folder

    def install(self, bundles: Sequence[tuple[Bundle, str]], *, keep_older: bool = False) -> list[Installed]:
        """Install `(bundle, sha256)` pairs, all or none; returns the new list of installed bundles.

        With `keep_older` (the receiver, which still checks requests in earlier editions) the bundles they
        supersede stay listed; otherwise an agreement's new bundle replaces its previous one."""
        try:
            private_dir(self.base)
        except OSError as exc:
            raise InstallFailed(_disk_message(self.base, exc))
        self._sweep_partials()
        before = self.entries()
        made: list[Path] = []
        added: list[Installed] = []
        try:
            for bundle, sha in bundles:
                name = f"{bundle.agreement}-{sha[:24]}"
                final = self.base / name
                if not final.is_dir():
                    tmp = self.base / f"{_PARTIAL}{name}-{secrets.token_hex(4)}"
                    made.append(tmp)
                    self._write_out(bundle, tmp)
                    os.rename(tmp, final)
                    made[-1] = final
                    fsync_dir(self.base)
                check_folder(final, bundle)
                added.append(Installed(bundle.agreement, sha, bundle.forms, name))
            replaced = {e.agreement for e in added} if not keep_older else set()
            shas = {e.sha256 for e in added}
            entries = [e for e in before if e.agreement not in replaced and e.sha256 not in shas] + added
            data = json.dumps(
                {"format": POINTER_FORMAT, "installed": [e.to_dict() for e in entries]},
                indent=1,
                sort_keys=True,
            )
            write_private(
                self.pointer, data.encode("utf-8")
            )  # the swap: from here on the new editions are in use
        except OSError as exc:
            self._remove(made)
            raise InstallFailed(_disk_message(self.base, exc))
        except BaseException:
            self._remove(made)
            raise
        self._sweep_unused(entries)
        return entries

    def _write_out(self, bundle: Bundle, folder: Path) -> None:
        folder.mkdir(mode=PRIVATE_DIR_MODE)
        dirs = {folder}
        for rel, text in sorted(bundle.files.items()):
            path = folder / rel
            if path.parent not in dirs:
                path.parent.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
                dirs.add(path.parent)
            self._write(path, text.encode("utf-8"))
        for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            fsync_dir(d)

    @staticmethod
    def _remove(paths: list[Path]) -> None:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    def _sweep_partials(self) -> None:
        with contextlib.suppress(OSError):
            for path in self.base.iterdir():
                if path.name.startswith(_PARTIAL) and path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)

    def _sweep_unused(self, entries: list[Installed]) -> None:
        keep = {e.folder for e in entries}
        with contextlib.suppress(OSError):
            for path in self.base.iterdir():
                if _BUNDLE_FOLDER.fullmatch(path.name) and path.name not in keep and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)


def check_folder(folder: Path, bundle: Bundle) -> None:
    """A written-out bundle must load, and bring exactly the forms and editions its manifest names."""
    try:
        catalog = load(folder)
    except DefinitionsInvalid as exc:
        raise BundleError(detail(f"the definitions of {bundle.agreement!r} do not load ({exc.errors[0]})"))
    brought = {s.id: s.edition for s in catalog.forms.values()}
    if brought != dict(bundle.forms):
        raise BundleError(
            detail(
                f"the definitions of {bundle.agreement!r} do not bring the forms and editions its manifest names"
            )
        )


def _folder_name(name: str) -> str:
    if not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"bad folder name {name[:40]!r}")
    return name


def _disk_message(base: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the folder cannot be written to"
    else:
        why = exc.strerror or type(exc).__name__
    return f"The new form editions could not be written to {base} ({why}); the editions in use are unchanged."

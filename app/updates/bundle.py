"""The update target: the definitions of one agreement as one file.

A bundle holds the agreement's file and the shared files its forms are built from (their kinds, their sections,
`paper.toml`), with a manifest of the form ids and editions it brings. It is canonical JSON (sorted keys, UTF-8),
so the same definitions always give the same bytes and the same hash. The receiver signs its hash with TUF; the
application reads a bundle only after TUF verified it, and still checks every path, size and the manifest
before writing a byte of it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.errors import UserError
from app.forms.loader import Catalog

FORMAT = 1
MAX_BUNDLE_BYTES = 4 * 1024 * 1024
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 200
_PATH = re.compile(r"(agreements|kinds|sections)/[a-z][a-z0-9_]{0,63}\.toml|paper\.toml")
_AGREEMENT = re.compile(r"[a-z]{2}")
_FORM = re.compile(r"[a-z]{2}-[a-z][a-z0-9_]{0,63}")
_EDITION = re.compile(r"\d{4}-\d{2}-\d{2}")


class BundleError(UserError):
    """A bundle that is not what it claims to be."""

    message = "The form update is not a valid set of definitions."
    exit_code = 5


@dataclass(frozen=True)
class Bundle:
    agreement: str  # "de"
    forms: Mapping[str, str]  # form id -> edition
    files: Mapping[str, str]  # path inside a definitions folder -> text

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "agreement": self.agreement,
            "forms": dict(self.forms),
            "files": dict(self.files),
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def target(self) -> str:
        """Its name in the receiver's repository."""
        return target_name(self.agreement)


def target_name(agreement: str) -> str:
    return f"agreements/{agreement}.json"


def _ids(folder: Path) -> dict[str, str]:
    """Shared definition files by the id written in them (file names need not match ids)."""
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as fh:
            sid = tomllib.load(fh).get("id")
        if isinstance(sid, str):
            out[sid] = f"{folder.name}/{path.name}"
    return out


def build_bundles(catalog: Catalog) -> list[Bundle]:
    """One bundle per agreement in force of a loaded (hence sound) definitions folder."""
    root = catalog.root
    kinds, sections = _ids(root / "kinds"), _ids(root / "sections")
    paper = root / "paper.toml"
    bundles = []
    for agreement in sorted(catalog.agreements.values(), key=lambda a: a.id):
        specs = [s for s in catalog.forms.values() if s.agreement.id == agreement.id]
        if not specs:
            continue
        names = {f"agreements/{agreement.id}.toml"}
        names |= {kinds[s.kind] for s in specs}
        names |= {sections[sec.id] for s in specs for sec in s.sections}
        if paper.is_file():
            names.add("paper.toml")
        files = {name: (root / name).read_text(encoding="utf-8") for name in sorted(names)}
        forms = {s.id: s.edition for s in sorted(specs, key=lambda s: s.id)}
        bundles.append(Bundle(agreement.id, MappingProxyType(forms), MappingProxyType(files)))
    return bundles


def parse(data: bytes) -> Bundle:
    """A bundle from its bytes; `BundleError` for anything malformed, oversized or out of place."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(detail(f"it is larger than {MAX_BUNDLE_BYTES} bytes"))
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError(detail("it is not JSON"))
    except RecursionError:  # json reads nested arrays recursively; a bundle is three levels deep
        raise BundleError(detail("it is nested too deeply"))
    if not isinstance(raw, dict) or set(raw) != {"format", "agreement", "forms", "files"}:
        raise BundleError(detail("it does not have the keys format, agreement, forms and files"))
    if raw["format"] != FORMAT:
        raise BundleError(
            detail(f"its format {raw['format']!r} is not known to this version"),
            "Update the application itself.",
        )
    agreement = raw["agreement"]
    if not isinstance(agreement, str) or not _AGREEMENT.fullmatch(agreement):
        raise BundleError(detail("its agreement id is malformed"))
    forms = _str_map(raw["forms"], "forms")
    for form, edition in forms.items():
        if not _FORM.fullmatch(form) or not form.startswith(f"{agreement}-"):
            raise BundleError(detail(f"it names a form {form[:40]!r} of another agreement"))
        if not _EDITION.fullmatch(edition):
            raise BundleError(detail(f"the edition of {form} is not a date"))
    if not forms:
        raise BundleError(detail("it brings no form"))
    files = _str_map(raw["files"], "files")
    if len(files) > MAX_FILES:
        raise BundleError(detail(f"it holds more than {MAX_FILES} files"))
    for path, text in files.items():
        if not _PATH.fullmatch(path):
            raise BundleError(detail(f"it holds a file with a path that is not allowed ({path[:60]!r})"))
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise BundleError(detail(f"{path} is larger than {MAX_FILE_BYTES} bytes"))
    if f"agreements/{agreement}.toml" not in files or any(
        p.startswith("agreements/") and p != f"agreements/{agreement}.toml" for p in files
    ):
        raise BundleError(detail(f"it must hold the file of agreement {agreement!r} and no other agreement"))
    return Bundle(agreement, MappingProxyType(forms), MappingProxyType(files))


def _str_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BundleError(detail(f"its {what} are not a table of texts"))
    return dict(value)


def detail(reason: str) -> str:
    return f"The form update is not a valid set of definitions: {reason}."

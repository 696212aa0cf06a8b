"""Which receiver's signatures the application trusts for form updates: a TUF root metadata file.

In order: the root set with `coc settings set forms-root FILE` (kept inside the encrypted store), else the
session's receiver's root when the session's receiver is the one in use (`make run` hands the local service's
root over in `COC_SESSION_FORMS_ROOT`, as it does its CA), else the root shipped in `resources/forms-root.json`
for the receiver the application is built for. A root is accepted only when it is TUF root metadata signed by
its own root keys (enough of them to meet its threshold).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError
from app.paths import resources_dir
from app.store import Store
from app.transmit.settings import TransmitSettings, session_endpoint

FORMS_ROOT = "updates.forms_root"  # a store setting: the root's JSON text
ENV_SESSION_FORMS_ROOT = "COC_SESSION_FORMS_ROOT"
BUNDLED_ROOT = "forms-root.json"
MAX_ROOT_BYTES = 512 * 1024


class InvalidRoot(UserError):
    exit_code = 2


@dataclass(frozen=True)
class TrustedRoot:
    data: bytes
    origin: str  # "setting", "session" or "bundled"
    version: int
    expires: str


def check_root(data: bytes, where: str) -> TrustedRoot:
    """`InvalidRoot` unless `data` is TUF root metadata signed by its own root keys."""
    from tuf.api.exceptions import UnsignedMetadataError
    from tuf.api.metadata import Metadata, Root

    if len(data) > MAX_ROOT_BYTES:
        raise InvalidRoot(f"{where}: larger than {MAX_ROOT_BYTES} bytes; it is not a TUF root file.")
    try:
        md = Metadata[Root].from_bytes(data)
    except Exception:
        raise InvalidRoot(f"{where}: not TUF metadata.")
    root = md.signed
    if not isinstance(root, Root):
        raise InvalidRoot(f"{where}: TUF {root.type} metadata, not a root.")
    try:
        root.verify_delegate(Root.type, md.signed_bytes, md.signatures)
    except UnsignedMetadataError:
        raise InvalidRoot(f"{where}: the root is not signed by its own root keys.")
    return TrustedRoot(data, "", root.version, root.expires.date().isoformat())


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_ROOT_BYTES + 1)
    except OSError as exc:
        raise InvalidRoot(f"{path}: cannot be read ({exc.strerror}).")


def set_forms_root(store: Store, path: str | os.PathLike[str]) -> TrustedRoot:
    """Trust the receiver whose root metadata is in `path` (checked, then kept in the store)."""
    p = Path(path).expanduser()
    root = check_root(_read(p), str(p))
    store.set_setting(FORMS_ROOT, root.data.decode("utf-8"))
    return TrustedRoot(root.data, "setting", root.version, root.expires)


def clear_forms_root(store: Store) -> bool:
    return store.delete_setting(FORMS_ROOT)


def trusted_root(
    store: Store, settings: TransmitSettings | None = None, env: Mapping[str, str] | None = None
) -> TrustedRoot:
    """The root to verify updates from the receiver of `settings` with (see the module's docstring)."""
    env = os.environ if env is None else env
    text = store.get_setting(FORMS_ROOT)
    if text:
        root = check_root(text.encode("utf-8"), "the forms root set with coc settings set forms-root")
        return TrustedRoot(root.data, "setting", root.version, root.expires)
    session = session_endpoint(env)
    session_root = env.get(ENV_SESSION_FORMS_ROOT)
    if session_root and session is not None and (settings is None or settings.endpoint == session[0]):
        root = check_root(_read(Path(session_root)), session_root)
        return TrustedRoot(root.data, "session", root.version, root.expires)
    path = resources_dir() / BUNDLED_ROOT
    root = check_root(_read(path), str(path))
    return TrustedRoot(root.data, "bundled", root.version, root.expires)

"""'Remember on this workstation': the store's derived key in the operating system's keychain (`keyring`).

Only real keychains count: macOS Keychain, Windows Credential Locker, a running Secret Service or KWallet. Where
there is none (a headless Linux machine), or only a plain-file backend (`keyrings.alt`), or the null/fail
backends, the option is unavailable and says why; the key then lives nowhere but in the user's head. The entry is
the hex of the derived key and salt, under an account name derived from the store's path.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.store.errors import KeychainUnavailable
from app.store.keys import RawKey

SERVICE = "coc-request"
UNSAFE_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")


@dataclass(frozen=True)
class KeychainStatus:
    available: bool
    backend: str  # the backend's class, e.g. "keyring.backends.macOS.Keyring"
    reason: str  # why it is unavailable, in plain words ("" when available)


def _active_backend(backend: Any | None) -> Any:
    if backend is not None:
        return backend
    import keyring

    return keyring.get_keyring()


def _effective(backend: Any) -> Any:
    """The backend that would store the entry (the first of a chain)."""
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list | tuple):
        return chained[0] if chained else None
    return backend


def status(backend: Any | None = None) -> KeychainStatus:
    try:
        active = _active_backend(backend)
    except Exception as exc:  # a broken keyring configuration
        return KeychainStatus(False, "", f"the keychain library could not start ({type(exc).__name__})")
    chosen = _effective(active)
    name = f"{type(chosen).__module__}.{type(chosen).__name__}" if chosen is not None else "none"
    module = type(chosen).__module__ if chosen is not None else "keyring.backends.fail"
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")) or chosen is None:
        return KeychainStatus(
            False,
            name,
            "no system keychain was found (on Linux, a Secret Service such as GNOME Keyring or KWallet must be "
            "running in the desktop session)",
        )
    if module.startswith(UNSAFE_MODULES):
        return KeychainStatus(
            False,
            name,
            "the only keychain available keeps secrets in a plain file, which this application refuses",
        )
    return KeychainStatus(True, name, "")


def account(store_path: Path) -> str:
    digest = hashlib.sha256(str(store_path.expanduser().resolve()).encode("utf-8")).hexdigest()
    return f"store-key:{digest[:24]}"


def remember(store_path: Path, key: RawKey, backend: Any | None = None) -> None:
    """Keep the store's key in the keychain; `KeychainUnavailable` (with the reason) where there is none."""
    state = status(backend)
    if not state.available:
        raise KeychainUnavailable(
            f"This workstation cannot remember the passphrase: {state.reason}.",
            "Type the passphrase at each start; it is never stored in a plain file.",
        )
    try:
        _active_backend(backend).set_password(SERVICE, account(store_path), key.to_hex())
    except Exception as exc:  # locked keychain, user refused access...
        raise KeychainUnavailable(
            f"The keychain refused to store the key ({type(exc).__name__}).",
            "Type the passphrase at each start; it is never stored in a plain file.",
        )


def recall(store_path: Path, backend: Any | None = None) -> RawKey | None:
    """The remembered key of this store, or None (no keychain, nothing remembered, or an unreadable entry)."""
    if not status(backend).available:
        return None
    try:
        text = _active_backend(backend).get_password(SERVICE, account(store_path))
        return RawKey.from_hex(text) if text else None
    except Exception:
        return None


def forget(store_path: Path, backend: Any | None = None) -> bool:
    """Remove the remembered key; True when there was one."""
    if not status(backend).available:
        return False
    active = _active_backend(backend)
    try:
        if active.get_password(SERVICE, account(store_path)) is None:
            return False
        active.delete_password(SERVICE, account(store_path))
    except Exception:
        return False
    return True

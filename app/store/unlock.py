"""Where the passphrase comes from, for every front end: an explicit value, `COC_PASSPHRASE` (automation), the
system keychain ('remember on this workstation'), or a prompt. The CLI and the GUI both unlock through here."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.store import keychain
from app.store.connection import precheck
from app.store.errors import NoPassphrase, WrongPassphrase
from app.store.keys import require_same, require_strong
from app.store.store import Store, locate

ENV_PASSPHRASE = "COC_PASSPHRASE"
Prompt = Callable[[str], str]


def env_passphrase(env: Mapping[str, str] | None = None) -> str | None:
    """`COC_PASSPHRASE` when set and not empty (meant for scripts and CI, not for people)."""
    value = (os.environ if env is None else env).get(ENV_PASSPHRASE)
    return value or None


def unlock(
    location: str | os.PathLike[str] | None = None,
    *,
    passphrase: str | None = None,
    prompt: Prompt | None = None,
    use_keychain: bool = True,
    keychain_backend: Any | None = None,
    env: Mapping[str, str] | None = None,
) -> Store:
    """Open the store at `location` (default: the data folder), trying in turn: `passphrase`, `COC_PASSPHRASE`, a
    key remembered in the keychain, then `prompt`. A stale remembered key is forgotten and the prompt is used."""
    path = locate(location)
    precheck(path)  # a missing or unusable file is reported before anyone is asked for a passphrase
    chosen = passphrase if passphrase is not None else env_passphrase(env)
    if chosen is None and use_keychain:
        key = keychain.recall(path, keychain_backend)
        if key is not None:
            try:
                return Store.open(path, key=key)
            except WrongPassphrase:
                keychain.forget(path, keychain_backend)
    if chosen is None and prompt is not None:
        chosen = prompt("Passphrase: ")
    if not chosen:
        raise NoPassphrase()
    return Store.open(path, chosen)


def ask_new_passphrase(prompt: Prompt, label: str = "New passphrase") -> str:
    """Ask twice; the two must match and meet the strength rule (explained when they do not)."""
    first = prompt(f"{label}: ")
    require_strong(first)
    require_same(first, prompt(f"{label} (again): "))
    return first


def new_passphrase(
    prompt: Prompt | None,
    env_name: str = ENV_PASSPHRASE,
    label: str = "New passphrase",
    env: Mapping[str, str] | None = None,
) -> str:
    """A new passphrase from `env_name` (automation) or asked twice; always checked against the strength rule."""
    value = (os.environ if env is None else env).get(env_name)
    if value:
        require_strong(value)
        return value
    if prompt is None:
        raise NoPassphrase(hint=f"Type it when asked, or set {env_name} (meant for automation only).")
    return ask_new_passphrase(prompt, label)


def change_passphrase(store: Store, new: str, keychain_backend: Any | None = None) -> None:
    """Rekey the store; a key remembered in the keychain is replaced by the new one."""
    remembered = keychain.recall(store.path, keychain_backend) is not None
    store.change_passphrase(new)
    if remembered:
        keychain.remember(store.path, store.raw_key, keychain_backend)


def remember(store: Store, keychain_backend: Any | None = None) -> None:
    keychain.remember(store.path, store.raw_key, keychain_backend)


def forget(
    location: str | os.PathLike[str] | Path | None = None, keychain_backend: Any | None = None
) -> bool:
    return keychain.forget(locate(location), keychain_backend)

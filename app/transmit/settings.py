"""Transmission settings: the receiving service's address, the certificate authorities to trust, the access token.

The address and the CA bundle are ordinary settings of the encrypted store. The token is a credential: it goes to
the system keychain where a real one exists (macOS Keychain, Windows Credential Locker, a running Secret Service
or KWallet; see `app.store.keychain.status`), and otherwise into the store as a *secret* setting, which exists only
inside the encrypted file and is never listed. It is never written to a plain file.
"""

from __future__ import annotations

import hashlib
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.store import Store, keychain
from app.transmit.errors import InvalidSetting, NotConfigured

ENDPOINT = "transmit.endpoint"
CA_BUNDLE = "transmit.ca_bundle"
TOKEN = "transmit.token"  # only in the store when no keychain is available (a secret setting)
KEYCHAIN_SERVICE = "coc-request"
MAX_TOKEN = 4096

# A receiver for this session only, used when the store names no endpoint of its own: `make run` starts the
# reference intake service on loopback and hands its address, CA file and a one-time token to the application
# through these variables. They are never written anywhere.
ENV_SESSION_ENDPOINT = "COC_SESSION_ENDPOINT"
ENV_SESSION_CA_BUNDLE = "COC_SESSION_CA_BUNDLE"
ENV_SESSION_TOKEN = "COC_SESSION_TOKEN"

DEFAULT_CONNECT_TIMEOUT = 6.05  # a little over a multiple of 3 s (TCP's first retransmission)
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_DEADLINE = 60.0  # one try, whole: connect, TLS, send and receive together


class TokenPlace(StrEnum):
    KEYCHAIN = "keychain"  # the operating system's keychain
    STORE = "store"  # a secret setting inside the encrypted store


@dataclass(frozen=True)
class TransmitSettings:
    """What the client needs to reach the receiving service. Load it with `TransmitSettings.load(store)`."""

    endpoint: str  # https://host[:port][/base], without a trailing slash
    token: str = field(repr=False)
    ca_bundle: str | None = None  # a PEM file of authorities to trust instead of the default ones
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    deadline: float = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoint", check_endpoint(self.endpoint))
        check_token(self.token)
        if self.connect_timeout <= 0 or self.read_timeout <= 0 or self.deadline <= 0:
            raise InvalidSetting("Timeouts must be positive.")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    @classmethod
    def load(cls, store: Store, *, keychain_backend: Any | None = None, **overrides: Any) -> TransmitSettings:
        """The settings kept in `store` (and the token from the keychain where one is used); `NotConfigured`
        names what is missing."""
        endpoint = store.get_setting(ENDPOINT)
        token = read_token(store, keychain_backend)
        ca_bundle = store.get_setting(CA_BUNDLE)
        session = session_endpoint()
        if not endpoint and session is not None:
            endpoint, ca_bundle, token = session
        missing = [
            what
            for what, value in (
                ("the endpoint (coc settings set endpoint URL)", endpoint),
                ("the access token (coc settings set token)", token),
            )
            if not value
        ]
        if missing:
            raise NotConfigured(
                f"Transmission is not set up: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing.",
                "",
            )
        assert endpoint is not None and token is not None
        values: dict[str, Any] = {
            "endpoint": endpoint,
            "token": token,
            "ca_bundle": ca_bundle,
        }
        values.update(overrides)
        return cls(**values)


def session_endpoint(env: Mapping[str, str] | None = None) -> tuple[str, str | None, str] | None:
    """The session's receiver (address, CA file, token) from the environment, when all of it is given."""
    env = os.environ if env is None else env
    url, token = env.get(ENV_SESSION_ENDPOINT, ""), env.get(ENV_SESSION_TOKEN, "")
    if not url or not token:
        return None
    return check_endpoint(url), env.get(ENV_SESSION_CA_BUNDLE) or None, token


# --- checks --------------------------------------------------------------------------------------------------------


def check_endpoint(url: str) -> str:
    """The endpoint, normalised (no trailing slash); `InvalidSetting` unless it is an https:// address."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidSetting(f"The endpoint {text[:80]!r} is not a valid address.")
    if parts.scheme.lower() != "https":
        raise InvalidSetting(
            "The endpoint must be an https:// address (requests are never sent unencrypted).",
            "For example: https://127.0.0.1:8443",
        )
    if not parts.hostname:
        raise InvalidSetting(f"The endpoint {text[:80]!r} names no host.")
    if parts.username or parts.password:
        raise InvalidSetting("The endpoint must not contain a user name or password; set the token instead.")
    if parts.query or parts.fragment:
        raise InvalidSetting("The endpoint must not contain '?' or '#'.")
    del port
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def check_ca_bundle(path: str | Path) -> str:
    """The CA bundle's absolute path; `InvalidSetting` unless it is a readable PEM file with certificates."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InvalidSetting(f"{p}: no such file.")
    try:
        text = p.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise InvalidSetting(f"{p}: cannot be read as a PEM file.")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise InvalidSetting(f"{p}: holds no certificate (a PEM file of CA certificates is needed).")
    try:
        ssl.create_default_context(cafile=str(p))
    except (ssl.SSLError, OSError, ValueError):
        raise InvalidSetting(f"{p}: the certificates in it cannot be read.")
    return str(p.resolve())


def check_token(token: str) -> str:
    if not isinstance(token, str) or not token:
        raise InvalidSetting("The access token is empty.")
    if len(token) > MAX_TOKEN or not token.isascii() or not token.isprintable() or " " in token:
        raise InvalidSetting(
            f"The access token must be at most {MAX_TOKEN} printable ASCII characters, without spaces."
        )
    return token


# --- writing -------------------------------------------------------------------------------------------------------


def set_endpoint(store: Store, url: str) -> str:
    value = check_endpoint(url)
    store.set_setting(ENDPOINT, value)
    return value


def set_ca_bundle(store: Store, path: str | Path | None) -> str | None:
    """Trust the authorities in `path` (instead of the default trust store); None goes back to the default."""
    if path is None or str(path) == "":
        store.delete_setting(CA_BUNDLE)
        return None
    value = check_ca_bundle(path)
    store.set_setting(CA_BUNDLE, value)
    return value


def _account(store: Store) -> str:
    digest = hashlib.sha256(str(store.path.expanduser().resolve()).encode("utf-8")).hexdigest()
    return f"transmit-token:{digest[:24]}"


def _backend(backend: Any | None) -> Any:
    if backend is not None:
        return backend
    import keyring

    return keyring.get_keyring()


def set_token(store: Store, token: str, *, keychain_backend: Any | None = None) -> TokenPlace:
    """Keep the access token: in the system keychain when there is one, else as a secret setting of the store.
    Returns where it went. Only one copy exists afterwards."""
    check_token(token)
    if keychain.status(keychain_backend).available:
        try:
            _backend(keychain_backend).set_password(KEYCHAIN_SERVICE, _account(store), token)
        except Exception:  # a locked keychain, access refused: fall back to the encrypted store
            pass
        else:
            store.delete_setting(TOKEN)
            return TokenPlace.KEYCHAIN
    store.set_setting(TOKEN, token, secret=True)
    return TokenPlace.STORE


def read_token(store: Store, keychain_backend: Any | None = None) -> str | None:
    if keychain.status(keychain_backend).available:
        try:
            value = _backend(keychain_backend).get_password(KEYCHAIN_SERVICE, _account(store))
        except Exception:
            value = None
        if value:
            return str(value)
    return store.get_setting(TOKEN)


def token_place(store: Store, keychain_backend: Any | None = None) -> TokenPlace | None:
    if keychain.status(keychain_backend).available:
        try:
            if _backend(keychain_backend).get_password(KEYCHAIN_SERVICE, _account(store)):
                return TokenPlace.KEYCHAIN
        except Exception:
            pass
    return TokenPlace.STORE if store.get_setting(TOKEN) else None


def clear_token(store: Store, keychain_backend: Any | None = None) -> bool:
    """Forget the token wherever it is; True when there was one."""
    found = store.delete_setting(TOKEN)
    if keychain.status(keychain_backend).available:
        try:
            backend = _backend(keychain_backend)
            if backend.get_password(KEYCHAIN_SERVICE, _account(store)):
                backend.delete_password(KEYCHAIN_SERVICE, _account(store))
                found = True
        except Exception:
            pass
    return found


def describe(store: Store, keychain_backend: Any | None = None) -> dict[str, Any]:
    """The settings for display: the token is never shown, only where it is kept."""
    place = token_place(store, keychain_backend)
    endpoint = store.get_setting(ENDPOINT)
    session = session_endpoint()
    return {
        "endpoint": endpoint,
        "session_endpoint": session[0] if session and not endpoint else None,
        "ca_bundle": store.get_setting(CA_BUNDLE),
        "token": None
        if place is None
        else ("set (system keychain)" if place is TokenPlace.KEYCHAIN else "set (encrypted store)"),
        "connect_timeout": DEFAULT_CONNECT_TIMEOUT,
        "read_timeout": DEFAULT_READ_TIMEOUT,
        "deadline": DEFAULT_DEADLINE,
    }


__all__ = [
    "CA_BUNDLE",
    "ENDPOINT",
    "TOKEN",
    "TokenPlace",
    "TransmitSettings",
    "check_ca_bundle",
    "check_endpoint",
    "check_token",
    "clear_token",
    "describe",
    "read_token",
    "set_ca_bundle",
    "set_endpoint",
    "set_token",
    "token_place",
]

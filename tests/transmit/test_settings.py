"""Transmission settings: the endpoint must be https, the CA bundle a PEM file, and the token lives in the system
keychain where there is one, otherwise as a secret setting inside the encrypted store, never in a plain file."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest
from jaraco.classes.properties import classproperty

from app.store import Store
from app.transmit import (
    InvalidSetting,
    NotConfigured,
    TokenPlace,
    TransmitSettings,
    clear_token,
    describe,
    set_ca_bundle,
    set_endpoint,
    set_token,
)
from app.transmit.settings import TOKEN as TOKEN_SETTING
from app.transmit.settings import read_token
from tests.transmit.helpers import Pki

SECRET = "tok-9f3c2e7a51d04b8e"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keychain that works (stands for macOS Keychain, Windows Credential Locker, Secret Service)."""

    @classproperty
    def priority(cls) -> float:
        # Not viable for keyring's own discovery: only used where a test passes it in, so that importing this
        # module never changes which keychain the rest of the suite sees.
        raise RuntimeError("a test stand-in, never chosen by keyring itself")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


def files_containing(folder: Path, needle: bytes) -> list[Path]:
    hits = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if needle in path.read_bytes():
                hits.append(path)
    return hits


def test_endpoint_must_be_https(store: Store) -> None:
    assert set_endpoint(store, " https://127.0.0.1:8443/ ") == "https://127.0.0.1:8443"
    assert set_endpoint(store, "https://intake.example.org/base/") == "https://intake.example.org/base"
    for bad in (
        "http://127.0.0.1:8443",
        "ftp://x",
        "127.0.0.1:8443",
        "https://",
        "https://u:p@host",
        "https://h?x=1",
        "https://h:99999",
    ):
        with pytest.raises(InvalidSetting):
            set_endpoint(store, bad)
    assert store.get_setting("transmit.endpoint") == "https://intake.example.org/base"


def test_ca_bundle_must_be_a_pem_file_with_certificates(store: Store, pki: Pki, tmp_path: Path) -> None:
    assert set_ca_bundle(store, pki.ca) == str(pki.ca.resolve())
    (tmp_path / "not.pem").write_text("hello")
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    for bad in (tmp_path / "missing.pem", tmp_path / "not.pem", tmp_path / "broken.pem", tmp_path):
        with pytest.raises(InvalidSetting):
            set_ca_bundle(store, bad)
    assert set_ca_bundle(store, None) is None
    assert store.get_setting("transmit.ca_bundle") is None


def test_without_a_keychain_the_token_is_a_secret_of_the_encrypted_store(
    store: Store, tmp_path: Path
) -> None:
    fail = keyring.backends.fail.Keyring()
    assert set_token(store, SECRET, keychain_backend=fail) is TokenPlace.STORE
    assert read_token(store, fail) == SECRET
    assert store.settings()[TOKEN_SETTING] is None  # listed without its value
    assert describe(store, fail)["token"] == "set (encrypted store)"
    store.close()
    assert files_containing(tmp_path, SECRET.encode()) == []  # nowhere in clear on disk
    assert files_containing(Path(os.environ["HOME"]), SECRET.encode()) == []


def test_with_a_keychain_the_token_goes_there_and_only_there(store: Store) -> None:
    fail = keyring.backends.fail.Keyring()
    set_token(store, "old-token", keychain_backend=fail)  # from before the keychain was there
    memory = MemoryKeyring()
    assert set_token(store, SECRET, keychain_backend=memory) is TokenPlace.KEYCHAIN
    assert list(memory.entries.values()) == [SECRET]
    assert store.get_setting(TOKEN_SETTING) is None  # the old copy in the store is gone
    assert read_token(store, memory) == SECRET
    assert describe(store, memory)["token"] == "set (system keychain)"
    assert clear_token(store, memory) is True
    assert memory.entries == {} and read_token(store, memory) is None


def test_a_keychain_that_refuses_falls_back_to_the_store(store: Store) -> None:
    class Locked(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("locked")

    assert set_token(store, SECRET, keychain_backend=Locked()) is TokenPlace.STORE
    assert store.get_setting(TOKEN_SETTING) == SECRET


@pytest.mark.parametrize("token", ["", "has space", "new\nline", "é-unicode", "x" * 5000])
def test_token_must_be_header_safe(store: Store, token: str) -> None:
    with pytest.raises(InvalidSetting):
        set_token(store, token, keychain_backend=keyring.backends.fail.Keyring())


def test_load_names_what_is_missing(store: Store, pki: Pki) -> None:
    fail = keyring.backends.fail.Keyring()
    with pytest.raises(NotConfigured) as caught:
        TransmitSettings.load(store, keychain_backend=fail)
    assert "endpoint" in caught.value.user_text and "token" in caught.value.user_text
    set_endpoint(store, "https://127.0.0.1:8443")
    with pytest.raises(NotConfigured) as caught:
        TransmitSettings.load(store, keychain_backend=fail)
    assert "token" in caught.value.user_text and "endpoint" not in caught.value.user_text
    set_token(store, SECRET, keychain_backend=fail)
    set_ca_bundle(store, pki.ca)
    loaded = TransmitSettings.load(store, keychain_backend=fail)
    assert (loaded.endpoint, loaded.token, loaded.ca_bundle) == (
        "https://127.0.0.1:8443",
        SECRET,
        str(pki.ca.resolve()),
    )
    assert SECRET not in repr(loaded)


def test_verification_cannot_be_turned_off() -> None:
    from app.transmit.transport import trust_context

    for bundle in (None, ""):
        settings = TransmitSettings(endpoint="https://127.0.0.1:1", token=SECRET, ca_bundle=bundle)
        context = trust_context(settings.ca_bundle)
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(InvalidSetting):
        TransmitSettings(endpoint="https://127.0.0.1:1", token=SECRET, connect_timeout=0)

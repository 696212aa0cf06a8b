"""'Remember on this workstation': real keychains only; unavailable (with the reason) everywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.store import KeychainUnavailable, Store, WrongPassphrase, keychain
from app.store.keys import RawKey
from app.store.unlock import change_passphrase, forget, remember, unlock
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE


class MemoryKeychain:
    """Stands in for a real OS keychain (macOS, Windows, Secret Service)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


class PlaintextKeyring(MemoryKeychain):
    pass


PlaintextKeyring.__module__ = "keyrings.alt.file"


class FailKeyring(MemoryKeychain):
    pass


FailKeyring.__module__ = "keyring.backends.fail"


class Chainer:
    def __init__(self, *backends: object) -> None:
        self.backends = list(backends)


def test_this_headless_machine_has_no_keychain_and_says_why() -> None:
    state = keychain.status()
    assert not state.available
    assert "no system keychain" in state.reason and "Secret Service" in state.reason


def test_remember_is_refused_without_a_keychain_and_nothing_is_written(tmp_path: Path) -> None:
    with Store.create(tmp_path / "data", PASSPHRASE) as store:
        before = {p.name for p in tmp_path.rglob("*")}
        with pytest.raises(KeychainUnavailable) as info:
            remember(store)
        assert (
            "cannot remember" in info.value.user_text
            and "never stored in a plain file" in info.value.user_text
        )
        assert {p.name for p in tmp_path.rglob("*")} == before
    assert keychain.recall(tmp_path / "data" / "store.db") is None
    assert forget(tmp_path / "data") is False


@pytest.mark.parametrize(
    "backend", [PlaintextKeyring(), FailKeyring(), Chainer(), Chainer(PlaintextKeyring())]
)
def test_plain_file_and_fail_backends_are_not_keychains(backend: object, tmp_path: Path) -> None:
    state = keychain.status(backend)
    assert not state.available and state.reason
    with pytest.raises(KeychainUnavailable):
        keychain.remember(tmp_path / "store.db", RawKey(b"k" * 32, b"s" * 16), backend)
    assert getattr(backend, "items", {}) == {}


def test_a_real_keychain_remembers_and_unlocks_without_a_prompt(tmp_path: Path) -> None:
    backend = MemoryKeychain()
    assert keychain.status(Chainer(backend)).available
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        remember(store, backend)
        doc_count = store.count()
    (entry,) = backend.items.values()
    assert PASSPHRASE not in entry  # the derived key, not the passphrase
    prompts: list[str] = []
    with unlock(folder, prompt=prompts.append, keychain_backend=backend, env={}) as store:  # type: ignore[arg-type]
        assert store.count() == doc_count
    assert prompts == []
    assert forget(folder, backend) is True
    assert backend.items == {}


def test_changing_the_passphrase_updates_the_remembered_key(tmp_path: Path) -> None:
    backend = MemoryKeychain()
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        remember(store, backend)
        change_passphrase(store, OTHER_PASSPHRASE, backend)
    with unlock(folder, keychain_backend=backend, env={}):
        pass


def test_a_stale_remembered_key_is_forgotten_and_the_prompt_used(tmp_path: Path) -> None:
    backend = MemoryKeychain()
    folder = tmp_path / "data"
    with Store.create(folder, PASSPHRASE) as store:
        remember(store, backend)
        store.change_passphrase(OTHER_PASSPHRASE)  # behind the keychain's back
    with unlock(folder, prompt=lambda label: OTHER_PASSPHRASE, keychain_backend=backend, env={}):
        pass
    assert backend.items == {}
    with pytest.raises(WrongPassphrase):
        unlock(folder, prompt=lambda label: PASSPHRASE, keychain_backend=backend, env={})


def test_cli_reports_the_keychain_as_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(tmp_path), "store", "init", "--remember"]) == 0
    out, err = capsys.readouterr()
    assert "created the encrypted store" in out
    assert err.startswith("coc: This workstation cannot remember the passphrase: no system keychain")
    assert main(["--data-dir", str(tmp_path), "store", "status"]) == 0
    out, _ = capsys.readouterr()
    assert "keychain: unavailable (no system keychain" in out
    assert main(["--data-dir", str(tmp_path), "store", "remember"]) == 3
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "cannot remember" in err

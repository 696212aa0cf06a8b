"""Passphrases: the strength rule, normalisation, and a key derivation that is SQLCipher 4's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from app.store import STRENGTH_RULE, PassphraseMismatch, Store, WeakPassphrase, strength_problems
from app.store.keys import derive, normalize, require_same, require_strong
from tests.store.helpers import PASSPHRASE


@pytest.mark.parametrize(
    "good",
    [
        "harbor lamp 7 violet",
        "correct horse battery staple",
        "Tr0ub4dor&3xyz",
        "ÉtéÀParis2027",
        "パスワード は 長い です 7",
    ],
)
def test_good_passphrases_pass(good: str) -> None:
    assert strength_problems(good) == []
    assert require_strong(good) == normalize(good)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "fewer than 12"),
        ("short1", "fewer than 12"),
        ("abcdefghijklmnop", 'easy to guess (sequences like "abc" or "6543" are easy to guess)'),
        ("123456789012345", "easy to guess"),
        ("aaaaaaaaaaaaaaaa1", "easy to guess (repeats like"),
        ("abab1abab1abab", "easy to guess"),
        ("password1234", "easy to guess (this is a very common password)"),  # the example
        ("qwertyuiop123", "easy to guess"),
        ("Password1234!", "easy to guess (this is similar to a commonly used password)"),
        ("certificatecoverage", "easy to guess (it would be guessed quickly)"),  # the application's own words
        ("nul\x00character 12", "NUL"),
        ("x1" * 600, "longer than"),
    ],
)
def test_weak_passphrases_are_refused_with_the_rule_explained(bad: str, reason: str) -> None:
    with pytest.raises(WeakPassphrase) as info:
        require_strong(bad)
    assert reason in info.value.user_text
    assert STRENGTH_RULE in info.value.user_text
    assert bad not in info.value.user_text or bad == ""
    assert "\n" not in info.value.user_text


def test_confirmation_must_match_after_normalisation() -> None:
    require_same("Cafe\u0301 au lait 12", "Café au lait 12")  # decomposed vs composed é
    with pytest.raises(PassphraseMismatch):
        require_same(PASSPHRASE, PASSPHRASE + " ")


def test_same_passphrase_typed_differently_derives_the_same_key() -> None:
    salt = b"s" * 16
    assert derive("Cafe\u0301 au lait 12", salt) == derive("Café au lait 12", salt)
    assert derive(PASSPHRASE, salt) != derive(PASSPHRASE, b"t" * 16)


def test_raw_key_never_shows_in_repr() -> None:
    key = derive(PASSPHRASE, b"s" * 16)
    assert key.key.hex() not in repr(key)
    assert repr(key) == "RawKey()"


def test_the_file_is_a_standard_sqlcipher4_database(tmp_path: Path) -> None:
    """Our raw key is SQLCipher's own derivation: `PRAGMA key = '<passphrase>'` opens the file too."""
    with Store.create(tmp_path, PASSPHRASE) as store:
        store.set_setting("probe", "value")
    conn = sqlcipher3.connect(str(tmp_path / "store.db"))
    try:
        conn.execute(f"PRAGMA key = '{PASSPHRASE}'")
        assert conn.execute("SELECT value FROM settings WHERE key = 'probe'").fetchone() == ("value",)
    finally:
        conn.close()


def test_create_refuses_a_weak_passphrase_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        Store.create(tmp_path / "data", "weak")
    assert not (tmp_path / "data").exists()

"""Passphrases and keys: normalisation, the strength rule, and the SQLCipher 4 key derivation.

The store is keyed with a *raw* key: 32 bytes derived from the passphrase with SQLCipher 4's own KDF
(PBKDF2-HMAC-SHA512, 256,000 iterations, the 16-byte salt at the start of the database file), given to SQLCipher
as `x'<key><salt>'`. The file is therefore an ordinary SQLCipher 4 database that `PRAGMA key = '<passphrase>'`
also opens, while our code only ever puts hex digits into a PRAGMA (no quoting problems, no injection).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from app.store.errors import PassphraseMismatch, WeakPassphrase

KDF_ITERATIONS = 256_000  # SQLCipher 4 default (PBKDF2-HMAC-SHA512)
KEY_BYTES = 32
SALT_BYTES = 16
MIN_LENGTH = 12
MAX_LENGTH = 1024
# zxcvbn (Dropbox's strength estimator, the Python port) scores 0-4; 3 means about 10^8 to 10^10 guesses: with the
# store's slow key derivation, out of reach of a guessing attack on a stolen file. It reads the first 72
# characters (its own limit); a longer passphrase is judged by them.
MIN_SCORE = 3
ESTIMATED_LENGTH = 72
OWN_WORDS = ("certificate", "coverage", "social security", "coc", "request", "passphrase")

STRENGTH_RULE = (
    f"A passphrase needs at least {MIN_LENGTH} characters and must be hard to guess: no well-known password, "
    "keyboard pattern, common name, date or repeated word. A few unrelated words with a space or a digit between "
    "them make a good one, such as 'harbor lamp 7 violet'."
)


@dataclass(frozen=True)
class RawKey:
    """A derived SQLCipher key and the salt it belongs to. Never printed: its repr hides the bytes."""

    key: bytes = field(repr=False)
    salt: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES or len(self.salt) != SALT_BYTES:
            raise ValueError("a raw key is 32 bytes of key and 16 bytes of salt")

    def sql_literal(self) -> str:
        """The key as SQLCipher's raw-key literal (hex digits only, safe to place in a PRAGMA)."""
        return f"x'{self.key.hex()}{self.salt.hex()}'"

    def to_hex(self) -> str:
        return self.key.hex() + self.salt.hex()

    @classmethod
    def from_hex(cls, text: str) -> RawKey:
        raw = bytes.fromhex(text)
        return cls(raw[:KEY_BYTES], raw[KEY_BYTES:])


def normalize(passphrase: str) -> str:
    """NFKC, so that the same passphrase typed on another system or keyboard gives the same key."""
    return unicodedata.normalize("NFKC", passphrase)


def guessability(passphrase: str) -> tuple[int, str]:
    """zxcvbn's score (0 to 4) of a passphrase, and its warning in plain words ("" when it has none)."""
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:ESTIMATED_LENGTH], user_inputs=list(OWN_WORDS), max_length=ESTIMATED_LENGTH)
    warning = str(result.get("feedback", {}).get("warning") or "")
    return int(result["score"]), warning.rstrip(".")


def strength_problems(passphrase: str) -> list[str]:
    """Why a new passphrase is refused, in plain words; an empty list means it is accepted."""
    text = normalize(passphrase)
    problems: list[str] = []
    if "\x00" in text:
        problems.append("it contains a NUL character")
    if len(text) < MIN_LENGTH:
        problems.append(
            f"it has {len(text)} character{'' if len(text) == 1 else 's'}, fewer than {MIN_LENGTH}"
        )
    if len(text) > MAX_LENGTH:
        problems.append(f"it is longer than {MAX_LENGTH} characters")
    if text and not problems:
        score, warning = guessability(text)
        if score < MIN_SCORE:
            said = warning[0].lower() + warning[1:] if warning else "it would be guessed quickly"
            problems.append(f"it is easy to guess ({said})")
    return problems


def require_strong(passphrase: str) -> str:
    """The normalised passphrase, or `WeakPassphrase` explaining the rule and what is missing."""
    problems = strength_problems(passphrase)
    if problems:
        raise WeakPassphrase(f"The passphrase is too weak: {'; '.join(problems)}.", STRENGTH_RULE)
    return normalize(passphrase)


def require_same(first: str, second: str) -> None:
    if normalize(first) != normalize(second):
        raise PassphraseMismatch()


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive(passphrase: str, salt: bytes) -> RawKey:
    """SQLCipher 4's derivation of the page key from a passphrase (about 0.1 s by design)."""
    material = normalize(passphrase).encode("utf-8")
    return RawKey(hashlib.pbkdf2_hmac("sha512", material, salt, KDF_ITERATIONS, KEY_BYTES), salt)


def read_salt(path: Path) -> bytes:
    """The salt of an existing SQLCipher file: its first 16 bytes (read only; the file is never written)."""
    with open(path, "rb") as fh:
        salt = fh.read(SALT_BYTES)
    return salt.ljust(SALT_BYTES, b"\0")


def random_key() -> RawKey:
    """A random key (used only by tests and benchmarks that do not need a passphrase)."""
    return RawKey(os.urandom(KEY_BYTES), new_salt())

"""Mnemonics for the labels of one page: each label gets a letter of its own (Alt+letter moves to its field).

Letters the wizard's buttons use are reserved. Each label prefers a letter that starts one of its words, then any
of its letters; when letters run short, earlier labels give up their first choice so that as many labels as
possible get one (a maximum matching, Kuhn's algorithm). A label with no free letter gets none (its buddy still
makes the label name the field).
"""

from __future__ import annotations

from collections.abc import Iterable

# Back, Next, Done and Save are the wizard's own buttons; Close has none (it is Escape).
RESERVED = frozenset("bnds")


def _candidates(label: str, reserved: set[str]) -> list[int]:
    """Positions of usable characters, word starts first, each letter once."""
    starts = [i for i, ch in enumerate(label) if ch.isalnum() and (i == 0 or not label[i - 1].isalnum())]
    out: list[int] = []
    seen: set[str] = set()
    for i in (*starts, *range(len(label))):
        ch = label[i]
        key = ch.casefold()
        if ch.isascii() and ch.isalnum() and key not in reserved and key not in seen:
            seen.add(key)
            out.append(i)
    return out


def assign(labels: Iterable[str], reserved: Iterable[str] = RESERVED) -> list[str]:
    """The labels with `&` before their chosen letter, and every literal `&` doubled."""
    texts = list(labels)
    blocked = {c.casefold() for c in reserved}
    options = [_candidates(text, blocked) for text in texts]
    owner: dict[str, int] = {}  # letter -> label index
    chosen: dict[int, int] = {}  # label index -> position

    def place(n: int, visited: set[str]) -> bool:
        for position in options[n]:
            letter = texts[n][position].casefold()
            if letter in visited:
                continue
            visited.add(letter)
            holder = owner.get(letter)
            if holder is None or place(holder, visited):
                owner[letter] = n
                chosen[n] = position
                return True
        return False

    for n in range(len(texts)):
        place(n, set())
    out = []
    for n, text in enumerate(texts):
        position = chosen.get(n)
        if position is None:
            out.append(text.replace("&", "&&"))
        else:
            out.append(text[:position].replace("&", "&&") + "&" + text[position:].replace("&", "&&"))
    return out


def plain(text: str) -> str:
    """A mnemonic label as it reads (for accessible names): `&First name` -> `First name`."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")

"""Mnemonics for the labels of one page: each label gets a letter of its own (Alt+letter moves to its field).

Letters the wizard's buttons use are reserved. A letter at the start of a word is preferred, then any letter of
the label; a label with no free letter gets none (its buddy still makes the label name the field).
"""

from __future__ import annotations

from collections.abc import Iterable

# Back, Next, Done and Save are the wizard's own buttons; Close has none (it is Escape).
RESERVED = frozenset("bnds")


def assign(labels: Iterable[str], reserved: Iterable[str] = RESERVED) -> list[str]:
    """The labels with `&` before their chosen letter, and every literal `&` doubled."""
    used = {c.casefold() for c in reserved}
    out: list[str] = []
    for label in labels:
        position = _choose(label, used)
        if position is None:
            out.append(label.replace("&", "&&"))
            continue
        used.add(label[position].casefold())
        out.append(label[:position].replace("&", "&&") + "&" + label[position:].replace("&", "&&"))
    return out


def _choose(label: str, used: set[str]) -> int | None:
    starts = [i for i, ch in enumerate(label) if ch.isalnum() and (i == 0 or not label[i - 1].isalnum())]
    for i in (*starts, *range(len(label))):
        ch = label[i]
        if ch.isascii() and ch.isalnum() and ch.casefold() not in used:
            return i
    return None


def plain(text: str) -> str:
    """A mnemonic label as it reads (for accessible names): `&First name` -> `First name`."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")

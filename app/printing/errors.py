"""Why a fax copy could not be made, in words a coordinator can act on."""

from __future__ import annotations

import unicodedata


class PrintError(Exception):
    """The fax copy cannot be made. `user_text` is one sentence (or two) to show as it is."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text


class GlyphMissing(PrintError):
    """A character of an answer that no embedded font can draw (or that the fax copy cannot set correctly).

    Printing stops rather than leave a blank box where a letter of a name should be. `where` names the field as
    the coordinator sees it (its label, with the row for a family member); `field` is its id.
    """

    def __init__(self, where: str, field: str, char: str, reason: str = "") -> None:
        self.where = where
        self.field = field
        self.char = char
        self.reason = reason or "no font of the fax copy can draw it"
        super().__init__(
            f"{where}: the character {describe_char(char)} cannot be printed ({self.reason}). "
            "Retype the answer without it (for a name, as written in the passport in Latin letters) "
            "and print again."
        )


def describe_char(char: str) -> str:
    """`'😀' (U+1F600 GRINNING FACE)`; control and invisible characters by code point and name only."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    label = f"{code} {name}" if name else code
    if char.isprintable() and not char.isspace():
        return f"{char!r} ({label})"
    return f"({label})"

"""The input policy: how large, how deep and how far a request document may go (see docs/request-format.md).

Every path reads documents through `app.forms.verdict`, which applies these limits before any expensive work
(parsing beyond the size limit, rules, layout): the same document gets the same answer everywhere.
"""

from __future__ import annotations

import unicodedata

# A whole document, as JSON text (UTF-8 bytes). The largest complete request of any shipped form is well under
# 64 KiB even with every field at its maximum (a test checks that every form fits with room to spare).
MAX_DOCUMENT_BYTES = 256 * 1024
# JSON text is refused unread beyond this (whitespace and escapes included); the intake service takes bodies up to
# the same size.
MAX_TEXT_BYTES = 1024 * 1024
# Nesting of objects and lists: document > answers > repeat group > row is 4; a request never goes deeper than that,
# and anything beyond 6 is refused as not a request document.
MAX_DEPTH = 6
# Keys and ids that are not answers: a form id, an edition, an answer key.
MAX_KEY_LENGTH = 80

# Dates a request may mention (birth dates, hire dates, assignment periods).
MIN_YEAR, MAX_YEAR = 1900, 2100

# Text answers: a field's own `max_length`, else these; never more than MAX_TEXT_LENGTH whatever a definition says.
DEFAULT_MAX_LENGTH = 200
TEXTAREA_MAX_LENGTH = 2000
MAX_TEXT_LENGTH = 2000
# Repeat groups: a group's own `max_rows`, else this; never more than MAX_ROWS.
DEFAULT_MAX_ROWS = 20
MAX_ROWS = 50

# Characters no answer may hold: controls (a multi-line answer may hold line breaks and tabs), lone surrogates
# (not text at all), and the bidirectional overrides and isolates that make text read differently from how it is
# stored ("Trojan Source"). Line and paragraph separators count as controls.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_CONTROLS = frozenset("\n\r\t")


def text_limit(declared: int | None, multiline: bool) -> int:
    """The largest number of characters an answer may hold."""
    default = TEXTAREA_MAX_LENGTH if multiline else DEFAULT_MAX_LENGTH
    return min(declared or default, MAX_TEXT_LENGTH)


def row_limit(declared: int | None) -> int:
    return min(declared or DEFAULT_MAX_ROWS, MAX_ROWS)


def forbidden_char(value: str, multiline: bool) -> str | None:
    """The first character `value` may not hold, or None."""
    for ch in value:
        if ch in BIDI_CONTROLS:
            return ch
        if ch.isprintable() or ch == " ":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp"):
            if multiline and ch in MULTILINE_CONTROLS:
                continue
            return ch
        if category == "Cs":
            return ch
    return None


def describe(ch: str) -> str:
    """A character as a message can show it: never the character itself when it is invisible or an override."""
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{code} {name}" if name else code

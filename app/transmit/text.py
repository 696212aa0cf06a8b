"""What a receiver says is data, never terminal control: `clean` makes its text safe to show and to print.

Removed: every control character (C0 including tab and line breaks, DEL, C1: an ANSI escape sequence loses its
ESC/CSI and becomes harmless text), the line and paragraph separators, and the bidirectional overrides and
isolates (which can make a message read differently from what it says). Runs of white space become one space,
and the text is cut to `limit` characters.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s{2,}")


def clean(text: object, limit: int = 500) -> str:
    """`text` (anything: only a string gives text) without control characters, on one line, at most `limit`."""
    if not isinstance(text, str):
        return ""
    out = _SPACES.sub(" ", _UNSAFE.sub(" ", text[: limit * 4])).strip()
    return out[:limit]

"""What a receiver says is data, never terminal control: `clean` makes its text safe to show and to print.

Removed: every character of `app.visible.UNSAFE`: control characters (C0 including tab and line breaks, DEL, C1:
an ANSI escape sequence loses its ESC/CSI and becomes harmless text), the line and paragraph separators, the
bidirectional overrides and isolates (which can make a message read differently from what it says), and lone
surrogates (a JSON answer may escape one, `"\\ud800"`; no store or terminal can hold it). Runs of white space
become one space, and the text is cut to `limit` characters.
"""

from __future__ import annotations

import re

from app.visible import UNSAFE

_UNSAFE = re.compile(f"[{UNSAFE}]+")
_SPACES = re.compile(r"\s{2,}")


def clean(text: object, limit: int = 500) -> str:
    """`text` (anything: only a string gives text) without control characters, on one line, at most `limit`."""
    if not isinstance(text, str):
        return ""
    out = _SPACES.sub(" ", _UNSAFE.sub(" ", text[: limit * 4])).strip()
    return out[:limit]

"""Text from outside shown safely: what a receiver said, a roster's cell, a draft's answer.

`UNSAFE` is every character that should never reach a terminal, a spreadsheet cell or a stored message as it is:
the control characters (C0, DEL and C1: an ANSI escape sequence loses its ESC or CSI and becomes harmless text),
the line and paragraph separators, the bidirectional marks, overrides and isolates (which make text read
differently from what it holds), and lone surrogates (not text at all: no UTF-8 encoder, SQLite or spreadsheet
accepts them). `visible()` replaces each with U+FFFD, so what was there stays noticeable.
"""

from __future__ import annotations

import re

_BEYOND_C0 = "\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE = "\x00-\x1f" + _BEYOND_C0  # for a regular expression's character class
_UNSAFE = re.compile(f"[{UNSAFE}]")
_IN_STRINGS = re.compile(f"[{_BEYOND_C0}]")
REPLACEMENT = "\ufffd"


def visible(text: str, keep: str = "") -> str:
    """`text` with every unsafe character but those in `keep` (say "\\n\\t") replaced by U+FFFD."""
    if keep:
        return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else REPLACEMENT, text)
    return _UNSAFE.sub(REPLACEMENT, text)


def json_safe(text: str) -> str:
    """JSON text (from `json.dumps`) with each unsafe character written as its `\\uXXXX` escape: the same JSON
    value, safe to print. `json.dumps` escapes C0 controls inside strings itself (a C0 character left in its output
    is the indentation's line break), but with `ensure_ascii=False` leaves DEL, C1 controls, separators,
    bidirectional overrides and lone surrogates (which no UTF-8 output accepts) as they are: those occur only
    inside strings, where an escape is the same character."""
    return _IN_STRINGS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """`text` with each lone surrogate as U+FFFD: what a UTF-8 column (SQLite, a file) can hold."""
    return _SURROGATES.sub(REPLACEMENT, text)

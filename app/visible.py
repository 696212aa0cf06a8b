"""Text from outside shown safely: what a receiver said, a roster's cell, a draft's answer.

`UNSAFE` is every character that should never reach a terminal, a spreadsheet cell or a stored message as it is:
the control characters (C0, DEL and C1: an ANSI escape sequence loses its ESC or CSI and becomes harmless text),
the line and paragraph separators, the bidirectional marks, overrides and isolates (which make text read
differently from what it holds), and lone surrogates (not text at all: no UTF-8 encoder, SQLite or spreadsheet
accepts them). `visible()` replaces each with U+FFFD, so what was there stays noticeable.
"""

from __future__ import annotations

import re

UNSAFE = "\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[{UNSAFE}]")
REPLACEMENT = "\ufffd"


def visible(text: str, keep: str = "") -> str:
    """`text` with every unsafe character but those in `keep` (say "\\n\\t") replaced by U+FFFD."""
    if keep:
        return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else REPLACEMENT, text)
    return _UNSAFE.sub(REPLACEMENT, text)

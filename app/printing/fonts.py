"""The embedded fonts, and the check that every character of the fax copy can be drawn.

Text is set in DejaVu Sans; a character DejaVu lacks is set in Droid Sans Fallback (CJK, kana, Hangul), by
splitting the text into runs by font, since reportlab does no per-glyph fallback. A character neither font has,
a control or private-use character, or a right-to-left letter (reportlab neither reorders nor shapes them) stops
the print with `GlyphMissing` instead of printing a blank box. Fonts are registered once per process; the
fallback font (3 MB) only when a character needs it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.paths import resources_dir
from app.printing.errors import GlyphMissing, PrintError

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FALLBACK = "DroidSansFallback"
FONT_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    FALLBACK: "DroidSansFallback.ttf",
}

_lock = threading.Lock()
_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_RTL = frozenset({"R", "AL"})
_NEVER = frozenset({"Cc", "Cs", "Co", "Cn"})  # control, surrogate, private use, unassigned
_face_cache: dict[str, str | None] = {"\n": REGULAR}


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@cache
def _cmap(name: str) -> dict[int, int]:
    """Register one font (once) and return its character map."""
    path = fonts_dir() / FONT_FILES[name]
    with _lock:
        try:
            font = TTFont(name, str(path))
        except OSError:
            raise PrintError(
                f"The font {path.name} of the fax copy is missing from {path.parent}; reinstall the program."
            )
        pdfmetrics.registerFont(font)
        family = (REGULAR, BOLD) if name in (REGULAR, BOLD) else (name, name)
        if name != BOLD:
            pdfmetrics.registerFontFamily(
                name, normal=family[0], bold=family[1], italic=family[0], boldItalic=family[1]
            )
    cmap: dict[int, int] = font.face.charToGlyph
    return cmap


def register() -> None:
    """Register the base fonts (DejaVu Sans, regular and bold). Cheap after the first call."""
    _cmap(REGULAR)
    _cmap(BOLD)


def clean(text: str) -> str:
    """Text as it is printed: NFC, one kind of line break, tabs as spaces, no invisible format characters.

    Format characters (zero-width spaces, bidi controls, soft hyphens, byte-order marks) draw nothing and steer
    nothing here: reportlab does no bidi reordering or shaping, so they are left out.
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _NEWLINES.sub("\n", text)
    return text.replace("\t", " ")


def face_for(char: str) -> str | None:
    """The font that draws `char`, or None when no embedded font can."""
    face = _face_cache.get(char, "")
    if face != "":
        return face
    if ord(char) > 0xFFFF or unicodedata.category(char) in _NEVER or unicodedata.bidirectional(char) in _RTL:
        chosen: str | None = None
    elif _cmap(REGULAR).get(ord(char), 0):
        chosen = REGULAR
    elif _cmap(FALLBACK).get(ord(char), 0):
        chosen = FALLBACK
    else:
        chosen = None
    _face_cache[char] = chosen
    return chosen


def _reason(char: str) -> str:
    if unicodedata.bidirectional(char) in _RTL:
        return "the fax copy cannot set right-to-left scripts in their reading order"
    category = unicodedata.category(char)
    if ord(char) > 0xFFFF and category not in ("Co", "Cn"):
        # reportlab writes such characters into the PDF's text layer wrongly: they would not read back
        return "the fax copy cannot print characters beyond U+FFFF, such as emoji"
    if category == "Cc":
        return "it is a control character"
    if category == "Co":
        return "it is a private-use character that means nothing outside one computer"
    if category in ("Cs", "Cn"):
        return "it is not an assigned Unicode character"
    return "no font of the fax copy can draw it"


def check(text: str, where: str, field: str) -> str:
    """`text` cleaned for print; `GlyphMissing` naming `where` for the first character that cannot be drawn."""
    out = clean(text)
    if out.isascii() and out.isprintable():
        return out
    for char in out:
        if face_for(char) is None:
            raise GlyphMissing(where, field, char, _reason(char))
    return out


def scrub(text: str) -> str:
    """`text` cleaned for print, with every character that cannot be drawn shown as U+FFFD (for messages)."""
    return "".join(ch if face_for(ch) is not None else "\ufffd" for ch in clean(text))


def markup(text: str) -> str:
    """Paragraph markup that prints `text` literally: escaped, with runs in the font that draws them.

    `text` must have passed `check` (or `scrub`); nothing in it is ever read as markup.
    """
    if text.isascii():
        return escape(text).replace("\n", "<br/>")
    parts: list[str] = []
    run: list[str] = []
    run_face = REGULAR
    for char in text:
        face = face_for(char)
        if face is None:  # only our own fixed text can get here; it is a bug to fix, not to print
            raise GlyphMissing("fax layout", "", char)
        if face != run_face and run:
            parts.append(_run(run_face, "".join(run)))
            run = []
        run_face = face
        run.append(char)
    if run:
        parts.append(_run(run_face, "".join(run)))
    return "".join(parts)


def _run(face: str, text: str) -> str:
    body = escape(text).replace("\n", "<br/>")
    return body if face == REGULAR else f'<font face="{face}">{body}</font>'

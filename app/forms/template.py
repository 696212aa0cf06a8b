"""Messages with computed values: `{expression}` in a rule's message, written in the condition language.

    message = "The assignment may end on {last_day(assignment.start_date, 60)} at the latest."

A placeholder holds one expression (`app.forms.expr`: parsed and walked, never `eval`'d); `{{` and `}}` write a
brace. A placeholder that reads only agreement values is filled once, when the definitions load; one that reads
answers is filled each time the rule fires. What a placeholder may read is checked at load time by the loader
(dates of the request and agreement values, never personal data), so a message cannot echo a name or an SSN.

Values print as a reader wants them: a date as YYYY-MM-DD, a whole number without decimals, yes/no, text as it
is; a value that is missing prints as "(not known)".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from app.forms import expr

MISSING = "(not known)"
_PIECE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Template:
    """A message split into literal text and expressions, in order."""

    parts: tuple[str | expr.Expr, ...]

    @property
    def computed(self) -> bool:
        return any(isinstance(p, expr.Expr) for p in self.parts)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for p in self.parts if isinstance(p, expr.Expr) for r in p.refs))

    def render(self, lookup: Callable[[str], expr.Value]) -> str:
        return "".join(p if isinstance(p, str) else show(p.evaluate(lookup)) for p in self.parts)

    def fold(self, lookup: Callable[[str], expr.Value], constant: Callable[[expr.Expr], bool]) -> Template:
        """The same template with every constant placeholder (by `constant`) filled in with `lookup`."""
        out: list[str | expr.Expr] = []
        for p in self.parts:
            piece: str | expr.Expr = (
                show(p.evaluate(lookup)) if isinstance(p, expr.Expr) and constant(p) else p
            )
            if isinstance(piece, str) and out and isinstance(out[-1], str):
                out[-1] += piece
            else:
                out.append(piece)
        return Template(tuple(out))

    @property
    def source(self) -> str:
        """The text as written, placeholders included (what `coc forms show` prints)."""
        return "".join(
            p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{" + p.source + "}"
            for p in self.parts
        )


@lru_cache(maxsize=4096)
def parse(text: str) -> Template:
    """Split `text` into literal pieces and parsed expressions; `expr.ExprError` with the offset in `text`.

    Remembered by text (a `Template` is immutable): the 62 forms repeat the same few dozen messages, so loading
    them parses each message once instead of about 900 times."""
    parts: list[str | expr.Expr] = []
    literal: list[str] = []
    pos = 0
    for m in _PIECE.finditer(text):
        literal.append(text[pos : m.start()])
        token = m.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif m.group(1) is None:
            raise expr.ExprError(f"a lone {token!r}: write {token * 2!r} for a brace", m.start())
        else:
            source = m.group(1)
            if not source.strip():
                raise expr.ExprError("an empty placeholder {}", m.start())
            try:
                parsed = expr.parse(source.strip())
            except expr.ExprError as exc:
                lead = len(source) - len(source.lstrip())
                raise expr.ExprError(exc.message, m.start() + 1 + lead + exc.offset) from None
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parsed)
        pos = m.end()
    literal.append(text[pos:])
    if "".join(literal):
        parts.append("".join(literal))
    return Template(tuple(p for p in parts if p != ""))


def show(value: expr.Value) -> str:
    """A computed value as a reader wants it."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)

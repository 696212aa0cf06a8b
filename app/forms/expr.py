"""The condition language of the definitions: parsed into a tree and walked, never `eval`.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum)?
    sum     := unary (("+" | "-") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "true" | "false" | "null" | NAME | NAME "(" args ")" | "(" expr ")"
             | "[" args "]"

A NAME is a dotted reference (`worker.ssn`, `agreement.in_force`, `row.birth_date`). Which names exist is the
caller's business: `references()` lists them so the loader can check each one. Functions come from the closed
registry `FUNCTIONS`, each with its arity; an unknown function or a wrong number of arguments is a parse error.

Missing values are `None`. Comparisons and arithmetic with `None` give `None`, and `None` is false in `and`,
`or`, `not` and as a result: a rule about a date that is not yet entered simply does not fire.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Value = Any


# Expressions are definitions' data, and a form update brings definitions from the receiver: each is parsed and
# walked recursively (the loader, the evaluator), so their size and depth are bounded when they load.
MAX_SOURCE = 4_000  # characters (the longest shipped expression has about 400)
MAX_NESTING = 32  # parentheses, lists, calls, `not` and signs inside one another
MAX_DEPTH = (
    100  # the tree's depth (8 at most in the shipped files): a chain `a + a + ...` is as deep as it is long
)


class ExprError(Exception):
    """A syntax error in an expression, with the character offset where it was found."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# ---------------------------------------------------------------------------------------------- functions


def _as_date(value: Value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_date(value: Value) -> dt.date | None:
    """A date from a date or an ISO text (YYYY-MM-DD); None for anything else."""
    return _as_date(value)


def _fn_date(value: Value) -> dt.date | None:
    return _as_date(value)


def _fn_months_between(start: Value, end: Value) -> float | None:
    """Whole months from start to end, plus the fraction of the month that follows (end exclusive).

    2020-01-01 to 2025-01-01 is exactly 60; one day more is a little over 60.
    """
    a, b = _as_date(start), _as_date(end)
    if a is None or b is None:
        return None
    months = (b.year - a.year) * 12 + (b.month - a.month)
    try:
        anchor = _add_months(a, months)
        if anchor > b:
            months -= 1
            anchor = _add_months(a, months)
        following = _add_months(a, months + 1)
    except (ValueError, OverflowError):  # the month after lies beyond year 9999: no answer, as for no date
        return None
    span = (following - anchor).days or 1
    return months + (b - anchor).days / span


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def _fn_add_months(day: Value, months: Value) -> dt.date | None:
    d = _as_date(day)
    if d is None or not isinstance(months, int | float) or isinstance(months, bool):
        return None
    try:
        return _add_months(d, int(months))
    except (ValueError, OverflowError):
        return None


def _last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` months that begins on `start`, both days counted.

    The period ends the day before the same day of the month `months` later (2027-01-04 and 60 months: 2032-01-03),
    or on the last day of that month when it has no such day (2028-02-29 and 12 months: 2029-02-28).
    """
    total = start.year * 12 + (start.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def _fn_last_day(start: Value, months: Value) -> dt.date | None:
    d = _as_date(start)
    if d is None or not isinstance(months, int | float) or isinstance(months, bool):
        return None
    try:
        return _last_day(d, int(months))
    except (ValueError, OverflowError):
        return None


def _fn_add_days(day: Value, days: Value) -> dt.date | None:
    d = _as_date(day)
    if d is None or not isinstance(days, int | float) or isinstance(days, bool):
        return None
    try:
        return d + dt.timedelta(days=int(days))
    except (ValueError, OverflowError):
        return None


def _fn_duration(months: Value) -> str | None:
    """A number of months in words: 60 -> "5 years", 12 -> "1 year", 18 -> "18 months", 1 -> "1 month"."""
    if not isinstance(months, int | float) or isinstance(months, bool) or months < 0 or months != int(months):
        return None
    n = int(months)
    if n and n % 12 == 0:
        years = n // 12
        return f"{years} year" if years == 1 else f"{years} years"
    return f"{n} month" if n == 1 else f"{n} months"


def _fn_days_between(start: Value, end: Value) -> int | None:
    a, b = _as_date(start), _as_date(end)
    if a is None or b is None:
        return None
    return (b - a).days


def _fn_later(a: Value, b: Value) -> Value:
    da, db = _as_date(a), _as_date(b)
    if da is None or db is None:
        return da or db
    return max(da, db)


def _fn_earlier(a: Value, b: Value) -> Value:
    da, db = _as_date(a), _as_date(b)
    if da is None or db is None:
        return da or db
    return min(da, db)


def _fn_empty(value: Value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fn_present(value: Value) -> bool:
    return not _fn_empty(value)


def _fn_count(value: Value) -> int:
    return len(value) if isinstance(value, list) else 0


def _fn_count_where(rows: Value, key: Value) -> int:
    """Rows of a repeat group whose `key` answer is true (yes)."""
    if not isinstance(rows, list) or not isinstance(key, str):
        return 0
    return sum(1 for row in rows if isinstance(row, Mapping) and row.get(key) is True)


def _fn_count_missing(rows: Value, flag: Value, key: Value) -> int:
    """Rows whose `flag` answer is true but whose `key` answer is empty."""
    if not isinstance(rows, list) or not isinstance(flag, str) or not isinstance(key, str):
        return 0
    return sum(
        1 for row in rows if isinstance(row, Mapping) and row.get(flag) is True and _fn_empty(row.get(key))
    )


# Other requests of the same worker (`others`, given by the verdict's context): a list of records, each a mapping
# with `id`, `agreement`, `country`, `kind`, `state` and the period of work abroad, `start` and `end` (dates; an
# end that is not known is None, an open end). The functions below pick records and say which.


def _records(value: Value) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _fn_overlapping(records: Value, start: Value, end: Value) -> list[Mapping[str, Any]]:
    """The records whose period shares at least one day with start..end (both days counted; no end: open)."""
    a, b = _as_date(start), _as_date(end)
    if a is None:
        return []
    out = []
    for r in _records(records):
        ra, rb = _as_date(r.get("start")), _as_date(r.get("end"))
        if ra is None:
            continue
        if (b is None or ra <= b) and (rb is None or rb >= a):
            out.append(r)
    return out


def _fn_same_country(records: Value, country: Value) -> list[Mapping[str, Any]]:
    return [r for r in _records(records) if isinstance(country, str) and r.get("country") == country]


def _fn_certificates(records: Value) -> list[Mapping[str, Any]]:
    """The records whose certificate SSA approved (the agency's decision is recorded)."""
    return [r for r in _records(records) if r.get("state") == "approved"]


def _fn_not_ended(records: Value, day: Value) -> list[Mapping[str, Any]]:
    d = _as_date(day)
    if d is None:
        return []
    return [r for r in _records(records) if (e := _as_date(r.get("end"))) is None or e >= d]


def _fn_ending_before(records: Value, day: Value) -> list[Mapping[str, Any]]:
    d = _as_date(day)
    if d is None:
        return []
    return [r for r in _records(records) if (e := _as_date(r.get("end"))) is not None and e < d]


def _fn_ending_on(records: Value, day: Value) -> list[Mapping[str, Any]]:
    d = _as_date(day)
    return [r for r in _records(records) if d is not None and _as_date(r.get("end")) == d]


def _fn_ids(records: Value) -> str | None:
    """The records' request ids, for a message: "id1, id2"."""
    found = [str(r.get("id")) for r in _records(records) if r.get("id")]
    return ", ".join(found) if found else None


def _fn_periods(records: Value) -> str | None:
    """Each record as "request ID (Germany, START to END)", for a message."""

    def one(r: Mapping[str, Any]) -> str:
        start, end = _as_date(r.get("start")), _as_date(r.get("end"))
        until = end.isoformat() if end is not None else "an open end"
        where = f"{r['agreement_name']}, " if isinstance(r.get("agreement_name"), str) else ""
        return f"request {r.get('id')} ({where}{start.isoformat() if start else 'no start'} to {until})"

    found = [one(r) for r in _records(records) if r.get("id")]
    return "; ".join(found) if found else None


def _fn_upper(value: Value) -> Value:
    return value.upper() if isinstance(value, str) else None


def _fn_length(value: Value) -> int | None:
    return len(value) if isinstance(value, str | list) else None


def _fn_matches(value: Value, pattern: Value) -> bool | None:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return None
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return None


def _fn_today() -> dt.date:
    return dt.date.today()


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    call: Callable[..., Value]
    doc: str


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("date", 1, _fn_date, "the date in an ISO text (YYYY-MM-DD), or null"),
        Function("months_between", 2, _fn_months_between, "months from the first date to the second"),
        Function("add_months", 2, _fn_add_months, "the date that many months later"),
        Function(
            "last_day",
            2,
            _fn_last_day,
            "the last day of a period of that many months from a date, both days counted",
        ),
        Function("add_days", 2, _fn_add_days, "the date that many days later (earlier when negative)"),
        Function("duration", 1, _fn_duration, "a number of months in words: 60 is '5 years'"),
        Function("days_between", 2, _fn_days_between, "days from the first date to the second"),
        Function("later", 2, _fn_later, "the later of two dates"),
        Function("earlier", 2, _fn_earlier, "the earlier of two dates"),
        Function("empty", 1, _fn_empty, "true when no answer is given"),
        Function("present", 1, _fn_present, "true when an answer is given"),
        Function("count", 1, _fn_count, "number of rows of a repeat group"),
        Function("count_where", 2, _fn_count_where, "rows of a group whose yes/no column is yes"),
        Function(
            "count_missing", 3, _fn_count_missing, "rows flagged yes in one column and empty in another"
        ),
        Function("upper", 1, _fn_upper, "text in capitals"),
        Function("length", 1, _fn_length, "length of a text or a group"),
        Function("matches", 2, _fn_matches, "true when the text matches the regular expression fully"),
        Function("today", 0, _fn_today, "today's date"),
        Function(
            "overlapping",
            3,
            _fn_overlapping,
            "the other requests whose period shares a day with the period from the 2nd to the 3rd argument",
        ),
        Function("same_country", 2, _fn_same_country, "the other requests for work in that country"),
        Function("certificates", 1, _fn_certificates, "the other requests whose certificate SSA approved"),
        Function("not_ended", 2, _fn_not_ended, "the other requests whose period has not ended by that day"),
        Function(
            "ending_before", 2, _fn_ending_before, "the other requests whose period ends before that day"
        ),
        Function("ending_on", 2, _fn_ending_on, "the other requests whose period ends on that day"),
        Function("ids", 1, _fn_ids, "the request ids of some other requests, for a message"),
        Function("periods", 1, _fn_periods, "some other requests with their periods, for a message"),
    )
}

# ---------------------------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Lit:
    value: Value


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Lit | Ref | Call | ListLit | Unary | Binary

# ---------------------------------------------------------------------------------------------- lexer

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    offset: int


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ExprError(f"unexpected character {source[pos]!r}", pos)
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "name" and text in _KEYWORDS:
            kind = "kw"
        if kind != "ws":
            tokens.append(_Tok(kind, text, pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(source)))
    return tokens


# ---------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0
        self.nesting = 0

    def nested(self, offset: int) -> None:
        """One level deeper (parentheses, a list, a call's arguments, `not`, a sign): refused past MAX_NESTING,
        before the parser's own recursion runs out."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExprError(f"nested more than {MAX_NESTING} levels deep", offset)

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok | None:
        t = self.tok
        if (text is None or t.text == text) and (kind is None or t.kind == kind) and t.kind != "end":
            self.i += 1
            return t
        return None

    def expect(self, text: str) -> _Tok:
        t = self.take(text)
        if t is None:
            found = self.tok.text or "the end"
            raise ExprError(f"expected {text!r} but found {found!r}", self.tok.offset)
        return t

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self.tok.text!r}", self.tok.offset)
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.take("or", "kw"):
            node = Binary("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.take("and", "kw"):
            node = Binary("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.tok.kind == "kw" and self.tok.text == "not" and self.tokens[self.i + 1].text != "in":
            self.nested(self.tok.offset)
            self.i += 1
            node = Unary("not", self.not_())
            self.nesting -= 1
            return node
        return self.cmp()

    def cmp(self) -> Node:
        node = self.sum()
        t = self.tok
        if t.kind == "op" and t.text in {"==", "!=", "<", "<=", ">", ">="}:
            self.i += 1
            return Binary(t.text, node, self.sum())
        if t.kind == "kw" and t.text == "in":
            self.i += 1
            return Binary("in", node, self.sum())
        if t.kind == "kw" and t.text == "not" and self.tokens[self.i + 1].text == "in":
            self.i += 2
            return Unary("not", Binary("in", node, self.sum()))
        return node

    def sum(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in {"+", "-"}:
            op = self.tok.text
            self.i += 1
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        offset = self.tok.offset
        if self.take("-", "op"):
            self.nested(offset)
            node = Unary("-", self.unary())
            self.nesting -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "number":
            self.i += 1
            return Lit(float(t.text) if "." in t.text else int(t.text))
        if t.kind == "string":
            self.i += 1
            body = t.text[1:-1]
            return Lit(re.sub(r"\\(.)", r"\1", body))
        if t.kind == "kw" and t.text in {"true", "false", "null"}:
            self.i += 1
            return Lit({"true": True, "false": False, "null": None}[t.text])
        if t.kind == "name":
            self.i += 1
            if self.take("(", "op"):
                fn = FUNCTIONS.get(t.text)
                if fn is None:
                    raise ExprError(f"unknown function {t.text!r}", t.offset)
                args = self.args(")")
                if len(args) != fn.arity:
                    raise ExprError(
                        f"{t.text}() takes {fn.arity} argument(s), {len(args)} given",
                        t.offset,
                    )
                if t.text == "matches":
                    check_pattern(args[1], t.offset)
                return Call(t.text, tuple(args))
            return Ref(t.text, t.offset)
        if self.take("(", "op"):
            self.nested(t.offset)
            node = self.or_()
            self.expect(")")
            self.nesting -= 1
            return node
        if self.take("[", "op"):
            return ListLit(tuple(self.args("]")))
        found = t.text or "the end"
        raise ExprError(f"expected a value but found {found!r}", t.offset)

    def args(self, close: str) -> list[Node]:
        items: list[Node] = []
        if self.take(close, "op"):
            return items
        self.nested(self.tok.offset)
        while True:
            items.append(self.or_())
            if self.take(close, "op"):
                self.nesting -= 1
                return items
            self.expect(",")


@dataclass(frozen=True)
class Expr:
    """A parsed expression: its source, its tree and the names it reads."""

    source: str
    tree: Node
    refs: tuple[str, ...]

    def evaluate(self, lookup: Callable[[str], Value]) -> Value:
        return _eval(self.tree, lookup)

    def truth(self, lookup: Callable[[str], Value]) -> bool:
        return _eval(self.tree, lookup) is True


def parse(source: str) -> Expr:
    if len(source) > MAX_SOURCE:
        raise ExprError(f"longer than {MAX_SOURCE:,} characters", MAX_SOURCE)
    tree = _Parser(source).parse()
    if _depth(tree) > MAX_DEPTH:
        raise ExprError(f"more than {MAX_DEPTH} operations deep (split it into several rules)", 0)
    return Expr(source, tree, tuple(dict.fromkeys(_refs(tree))))


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Call(args=args) | ListLit(items=args):
            return args
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right):
            return (left, right)
    return ()


def _depth(tree: Node) -> int:
    """How deep the tree is, counted without recursion (a chain `a + a + ...` is as deep as it is long, and the
    evaluator and the loader walk it recursively)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


# The regular expressions of matches() run on every verdict (each keystroke of the wizard), over answers up to
# 2,000 characters, with Python's backtracking engine, which has no time limit: `(a|aa)+$` took 33 s on 41
# characters. A pattern is therefore checked when the definitions load (a signed form update is checked like the
# shipped files): a text literal, at most MAX_PATTERN characters, no backreference or lookaround, no repeated part
# (even repeated a fixed number of times) that itself repeats or has alternatives (exponential), at most two
# unbounded repeats (at worst the square of the answer's length) and at most MAX_VARIABLE_REPEATS repeats of any
# kind. The shipped patterns need one and two.
MAX_PATTERN = 200
MAX_UNBOUNDED_REPEATS = 2
MAX_VARIABLE_REPEATS = 4


def check_pattern(node: Node, offset: int) -> None:
    """Refuse (`ExprError`) a matches() pattern that could take exponential or high-polynomial time."""
    import re._constants as sre
    import re._parser as sre_parse

    if not isinstance(node, Lit) or not isinstance(node.value, str):
        raise ExprError("the pattern of matches() must be a text in quotes", offset)
    pattern = node.value
    if len(pattern) > MAX_PATTERN:
        raise ExprError(f"the pattern of matches() is longer than {MAX_PATTERN} characters", offset)
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ExprError(f"the pattern of matches() is not a regular expression ({exc})", offset)
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
    unbounded = variable = 0

    def walk(items: Any, inside_repeat: bool) -> None:
        nonlocal unbounded, variable
        for op, av in items:
            if op in (sre.GROUPREF, sre.GROUPREF_EXISTS, sre.ASSERT, sre.ASSERT_NOT):
                raise ExprError("the pattern of matches() may not use backreferences or lookarounds", offset)
            if op in repeats:
                low, high, sub = av
                if low != high:
                    if inside_repeat:
                        raise ExprError(
                            "the pattern of matches() repeats a part that itself repeats (it can take "
                            "exponential time)",
                            offset,
                        )
                    variable += 1
                    unbounded += high == sre.MAXREPEAT or high - low > 10  # a{0,2000} is as costly as a*
                walk(sub, inside_repeat or high > 1)
            elif op is sre.BRANCH:
                if inside_repeat:
                    raise ExprError(
                        "the pattern of matches() repeats a choice of alternatives (it can take exponential "
                        "time)",
                        offset,
                    )
                for branch in av[1]:
                    walk(branch, inside_repeat)
            elif op is sre.SUBPATTERN:
                walk(av[-1], inside_repeat)
            elif op is sre.ATOMIC_GROUP:
                walk(av, inside_repeat)

    walk(parsed, False)
    if unbounded > MAX_UNBOUNDED_REPEATS or variable > MAX_VARIABLE_REPEATS:
        raise ExprError(
            f"the pattern of matches() has more than {MAX_UNBOUNDED_REPEATS} unbounded repeats or "
            f"{MAX_VARIABLE_REPEATS} repeats in all (it can take too long on a long answer)",
            offset,
        )


def _refs(node: Node) -> list[str]:
    match node:
        case Ref(name=name):
            return [name]
        case Call(args=args) | ListLit(items=args):
            return [r for a in args for r in _refs(a)]
        case Unary(operand=operand):
            return _refs(operand)
        case Binary(left=left, right=right):
            return _refs(left) + _refs(right)
    return []


def references(source: str) -> tuple[str, ...]:
    return parse(source).refs


# ---------------------------------------------------------------------------------------------- evaluator


def _comparable(a: Value, b: Value) -> tuple[Value, Value] | None:
    """Bring two values to a comparable pair (dates from ISO text); None when they cannot be compared."""
    if a is None or b is None:
        return None
    da, db = _as_date(a), _as_date(b)
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return (da, db) if da is not None and db is not None else None
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if isinstance(a, bool) and isinstance(b, bool):
        return a, b
    return None


def _eval(node: Node, lookup: Callable[[str], Value]) -> Value:
    match node:
        case Lit(value=value):
            return value
        case Ref(name=name):
            return lookup(name)
        case ListLit(items=items):
            return [_eval(i, lookup) for i in items]
        case Call(name=name, args=args):
            return FUNCTIONS[name].call(*(_eval(a, lookup) for a in args))
        case Unary(op="not", operand=operand):
            return _eval(operand, lookup) is not True
        case Unary(op="-", operand=operand):
            v = _eval(operand, lookup)
            return -v if isinstance(v, int | float) and not isinstance(v, bool) else None
        case Binary(op="and", left=left, right=right):
            return _eval(left, lookup) is True and _eval(right, lookup) is True
        case Binary(op="or", left=left, right=right):
            return _eval(left, lookup) is True or _eval(right, lookup) is True
        case Binary(op=op, left=left, right=right):
            return _binary(op, _eval(left, lookup), _eval(right, lookup))
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _binary(op: str, a: Value, b: Value) -> Value:
    if op == "in":
        return a in b if isinstance(b, list) and a is not None else None
    if op in {"+", "-"}:
        num = (int, float)
        if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
            return a + b if op == "+" else a - b
        return None
    if op == "==":
        if a is None or b is None:
            return a is b
        pair = _comparable(a, b)
        return pair[0] == pair[1] if pair else False
    if op == "!=":
        if a is None or b is None:
            return a is not b
        pair = _comparable(a, b)
        return pair[0] != pair[1] if pair else True
    pair = _comparable(a, b)
    if pair is None:
        return None
    x, y = pair
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    if op == ">=":
        return x >= y
    raise AssertionError(op)  # pragma: no cover

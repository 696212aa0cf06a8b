"""The one verdict: whether a request document is valid, and every reason why not.

`verdict(document, catalog)` is the only function in the code that decides validity (a test holds every other
module to it). The wizard's step list, review page and Transmit button, the store's error counts, the outbox,
the send gate, the intake service, the fax copy and the command line all take their answer from it. It accepts
a `RequestDoc`, a parsed JSON value, or JSON text (str or bytes), and it never raises for anything wrong with the
document: every problem is an `Issue` with a fixed code (the list is in docs/request-format.md).

The checks run cheapest first and stop as soon as the document as a whole cannot be used (a *refusal*): the size
and depth limits of `app.forms.limits` before parsing or anything else, then the document's own keys, the form,
the JSON types of the answers; only then the form session (field checks and agreement rules), whose own checks
start with each answer's size and characters.

Checks that need more than the document go in through `Context`, each in its own module, as issues of this same
verdict (never as a second gate beside it):

- other requests of the same worker (overlapping periods, extensions, running certificates): the store looks them
  up (`Store.worker_requests`) and the caller passes them as `Context.others`; the definitions' rules that read
  `others` turn them into issues such as `overlapping_request` (`app.forms.across`); without them those rules stay
  quiet;
- the edition policy (`old_edition`; `edition_outdated` once an edition's cutoff has passed; `edition_unknown`):
  `app.forms.edition_policy.check_edition`, judged on `Context.today`; it also says which definition the answers
  are checked against (an earlier edition still known here, or the current one after migrating in memory).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.forms import across
from app.forms.edition_policy import check_edition
from app.forms.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_KEY_LENGTH, MAX_TEXT_BYTES
from app.forms.loader import Catalog, UnknownForm
from app.forms.model import FieldSpec, FieldType, FormSpec, Severity
from app.forms.session import FormSession, Issue
from app.request import RequestDoc, RequestFormatError

# Codes of issues that make the whole document unusable: it cannot be stored, opened, printed or sent.
REFUSALS = frozenset(
    {"not_json", "too_large", "too_deep", "not_a_request", "unknown_form", "form_not_offered", "wrong_type"}
)
# Codes of answers over their size limit: the fax copy refuses these before laying anything out.
OVERSIZE = frozenset({"too_long", "too_many_rows"})
# Numbers have no place in a request (no answer is a number); a longer one is refused before it is converted.
_MAX_NUMBER_DIGITS = 40


@dataclass(frozen=True)
class Context:
    """What a verdict may know beyond the document. Each part is optional: a check that needs a part that was
    not given does not run (a document read from a file has no other requests to compare with)."""

    others: Sequence[RequestDoc] | None = None  # the store's other requests of the same worker
    today: dt.date | None = None  # the day the edition policy is judged on; None: today


@dataclass(frozen=True)
class Verdict:
    """Every issue of one document, in the order of its form, and the document as read (None when refused
    before it could be read)."""

    issues: tuple[Issue, ...]
    doc: RequestDoc | None = None
    spec: FormSpec | None = None
    _errors: tuple[Issue, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_errors", tuple(i for i in self.issues if i.is_error))

    @property
    def errors(self) -> tuple[Issue, ...]:
        return self._errors

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    @property
    def error_count(self) -> int:
        return len(self._errors)

    @property
    def warning_count(self) -> int:
        return len(self.issues) - len(self._errors)

    @property
    def ready(self) -> bool:
        """No error: the request may be queued and sent."""
        return not self._errors and self.doc is not None and self.spec is not None

    @property
    def refused(self) -> bool:
        """The document as a whole cannot be used (not a request, too large, unknown form, wrong JSON types)."""
        return any(i.code in REFUSALS for i in self._errors)

    @property
    def oversize(self) -> bool:
        """Some answer is over its size limit (or the document is refused)."""
        return self.refused or any(i.code in OVERSIZE for i in self._errors)

    def first_refusal(self) -> Issue | None:
        return next((i for i in self._errors if i.code in REFUSALS), None)

    def summary(self) -> str:
        """One line: what `coc validate` ends with."""
        if self.refused:
            first = self.first_refusal()
            return first.message if first else "not a request document"
        state = "not ready to send" if self._errors else "ready"
        return f"{self.error_count} error(s), {self.warning_count} warning(s): {state}"

    def to_dict(self) -> dict[str, Any]:
        """What `coc validate --json` prints."""
        return {
            "form": self.doc.form if self.doc is not None else None,
            "ready": self.ready,
            "refused": self.refused,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "issues": [i.to_dict() for i in self.issues],
        }


def verdict(document: object, catalog: Catalog, context: Context | None = None) -> Verdict:
    """The verdict on `document` (a RequestDoc, a parsed JSON value, or JSON text) against `catalog`."""
    context = context or Context()
    if isinstance(document, RequestDoc):
        doc = document
    else:
        data, refusal = read_json(document)
        if refusal is not None:
            return Verdict((refusal,))
        try:
            doc = RequestDoc.from_dict(data)
        except RequestFormatError as exc:
            return Verdict((_refuse("not_a_request", f"Not a request document: {exc}."),))
    # The limits once more on the document as read (what a RequestDoc, the store and the wizard hand over), so
    # that a document gets the same answer whichever form it comes in.
    refusal = _plain(doc.to_dict()) or _short("edition", doc.edition)
    if refusal is not None:
        return Verdict((refusal,), doc)
    try:
        edition = check_edition(catalog, doc, context.today)
    except UnknownForm as exc:
        return Verdict((Issue("form", exc.code, Severity.ERROR, _sentence(str(exc))),), doc)
    spec, answers = edition.spec, edition.doc.answers
    wrong = list(_wrong_types(spec, answers))
    if wrong:
        return Verdict(tuple(wrong), doc, spec)
    issues = list(_unknown_keys(spec, answers))
    issues.extend(FormSession(spec, answers).issues())
    issues.extend(edition.issues)
    if context.others is not None:
        issues.extend(across.issues(edition.doc, spec, context.others, catalog))
    return Verdict(tuple(issues), doc, spec)


def _short(key: str, value: str) -> Issue | None:
    """An edition is a short, printable name; anything else is not a request document."""
    if len(value) <= MAX_KEY_LENGTH and value.isprintable():
        return None
    return _refuse("not_a_request", f"Not a request document: '{key}' is not a {key} name ({_shown(value)}).")


# ---------------------------------------------------------------------------------------------- reading


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _refuse(code: str, message: str, where: str = "request") -> Issue:
    return Issue(where, code, Severity.ERROR, message)


class _Bad(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Odd:
    """What the JSON text held where plain data cannot: found by the walk of the parsed value like any other
    problem, so that text and parsed data get the same answer whatever the order of their problems."""

    code: str
    message: str


def _number(text: str) -> int | float | _Odd:
    if len(text) > _MAX_NUMBER_DIGITS:
        return _Odd(
            "not_a_request", f"The document holds a number of {len(text)} digits; no answer is a number."
        )
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> _Odd:
    return _Odd("not_json", f"Not JSON: {name} is not a JSON value.")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Bad("not_json", f"Not JSON one can rely on: the key {_shown(key)} appears twice.")
            seen.add(key)
    return out


def read_json(document: object) -> tuple[Any, Issue | None]:
    """The JSON value of `document` (JSON text or bytes, or a value already parsed) within the verdict's limits of
    size, depth and JSON, or None and the refusal. Nothing beyond the limits is parsed or walked."""
    data, refusal = _read(document)
    if refusal is None:
        refusal = _plain(data)
    return (None, refusal) if refusal is not None else (data, None)


def _read(document: object) -> tuple[Any, Issue | None]:
    """The parsed document, or the refusal that stops the verdict (too large, not UTF-8, not JSON, too deep)."""
    if isinstance(document, bytes | bytearray | memoryview):
        raw = bytes(document)
        if len(raw) > MAX_TEXT_BYTES:
            return None, _too_large()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, _refuse("not_json", f"Not JSON: the text is not UTF-8 (byte {exc.start + 1}).")
    elif isinstance(document, str):
        if len(document) > MAX_TEXT_BYTES:
            return None, _too_large()
        text = document
    else:
        return document, None
    try:
        return json.loads(
            text, parse_int=_number, parse_float=_number, parse_constant=_constant, object_pairs_hook=_object
        ), None
    except _Bad as exc:
        return None, _refuse(exc.code, exc.message)
    except RecursionError:
        return None, _too_deep()
    except json.JSONDecodeError as exc:
        return None, _refuse("not_json", f"Not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.")
    except ValueError as exc:  # what else the decoder may say of odd text
        return None, _refuse("not_json", f"Not JSON: {str(exc)[:200]}.")


def _too_large(size: int | None = None, over: int = MAX_TEXT_BYTES) -> Issue:
    """`size` None: the document was not read to its end (it is over `over` bytes)."""
    shown = f"{size:,} bytes" if size is not None else f"over {over:,} bytes"
    return _refuse(
        "too_large", f"The document is {shown}; a request document is at most {MAX_DOCUMENT_BYTES:,} bytes."
    )


def _too_deep() -> Issue:
    return _refuse(
        "too_deep", f"The document is nested deeper than a request can be (at most {MAX_DEPTH} levels)."
    )


_KINDS = {
    dict: "an object",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a number",
    float: "a number",
}


_PRIORITY = ("too_deep", "not_json", "not_a_request", "too_large")  # which refusal a document gets first
_MAX_NODES = MAX_TEXT_BYTES // 2  # more values than the largest JSON text read can hold


def _plain(data: Any) -> Issue | None:
    """Refuse data that is not plain JSON, deeper than a request, or larger than the limit (its compact JSON).

    The walk goes no deeper than MAX_DEPTH and no further than _MAX_NODES values; of several problems, the first
    in `_PRIORITY` is the answer (never the first met, which would depend on the order of the keys)."""
    found: dict[str, Issue] = {}
    size = 0  # a lower bound of the compact JSON's size in bytes
    nodes = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack and nodes < _MAX_NODES:
        value, depth = stack.pop()
        nodes += 1
        if isinstance(value, str):
            size += len(value) + 2
        elif isinstance(value, bool) or value is None:
            size += 4
        elif isinstance(value, int):
            if abs(value) >= 10**_MAX_NUMBER_DIGITS:
                found.setdefault("not_a_request", _refuse("not_a_request", _BIG_NUMBER))
            size += 1
        elif isinstance(value, float):
            if math.isnan(value):
                found.setdefault("not_json", _refuse("not_json", "Not JSON: NaN is not a JSON value."))
            elif math.isinf(value):
                found.setdefault("not_a_request", _refuse("not_a_request", _BIG_NUMBER))
            size += 1
        elif isinstance(value, _Odd):
            found.setdefault(value.code, _refuse(value.code, value.message))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                found.setdefault("too_deep", _too_deep())
                continue
            size += 2 + len(value)
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        message = "The document holds an object key that is not text."
                        found.setdefault("not_a_request", _refuse("not_a_request", message))
                        continue
                    size += len(key) + 3
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
        else:
            message = f"The document holds a {type(value).__name__}, which is not JSON data."
            found.setdefault("not_a_request", _refuse("not_a_request", message))
    if stack or size > MAX_DOCUMENT_BYTES:
        found.setdefault("too_large", _too_large(over=MAX_DOCUMENT_BYTES))
    if found:
        return next(found[code] for code in _PRIORITY if code in found)
    try:
        exact = len(
            json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
                "utf-8", "surrogatepass"
            )
        )
    except (TypeError, ValueError) as exc:
        return _refuse("not_a_request", f"The document is not plain JSON data ({str(exc)[:100]}).")
    return _too_large(exact) if exact > MAX_DOCUMENT_BYTES else None


_BIG_NUMBER = "The document holds a number too large for JSON; no answer is a number."


# ---------------------------------------------------------------------------------------------- answers


def _shown(key: str) -> str:
    """A key as a message may quote it: shortened, invisible characters escaped (repr does that)."""
    return repr(key[:MAX_KEY_LENGTH]) + ("…" if len(key) > MAX_KEY_LENGTH else "")


def _where(key: str) -> str:
    return key if len(key) <= MAX_KEY_LENGTH and key.isprintable() else _shown(key)


def _expected(f: FieldSpec) -> str:
    if f.type is FieldType.YESNO:
        return "true or false"
    if f.type is FieldType.GROUP:
        return "a list of objects"
    return "text"


def _type_ok(f: FieldSpec, value: Any) -> bool:
    if f.type is FieldType.YESNO:
        return isinstance(value, bool)
    if f.type is FieldType.GROUP:
        return isinstance(value, list) and all(isinstance(r, dict) for r in value)
    return isinstance(value, str)


def _kind(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def _wrong_types(spec: FormSpec, answers: Mapping[str, Any]) -> list[Issue]:
    """An issue for every answer (and cell) of the wrong JSON type."""
    out: list[Issue] = []
    for key, value in answers.items():
        if value is None or not spec.has_field(key):
            continue
        f = spec.field(key)
        if not _type_ok(f, value):
            message = f"{f.label} must be {_expected(f)}, not {_kind(value)} (answers[{key!r}])."
            out.append(Issue(key, "wrong_type", Severity.ERROR, message))
            continue
        if not f.is_group:
            continue
        for i, row in enumerate(value):
            for col_id, cell in row.items():
                col = f.column(col_id)
                if col is not None and cell is not None and not _type_ok(col, cell):
                    message = (
                        f"{col.label} (row {i + 1} of {f.label}) must be {_expected(col)}, not {_kind(cell)}."
                    )
                    out.append(Issue(f"{key}[{i}].{col_id}", "wrong_type", Severity.ERROR, message))
    return out


def _unknown_keys(spec: FormSpec, answers: Mapping[str, Any]) -> list[Issue]:
    out: list[Issue] = []
    for key, value in answers.items():
        if not spec.has_field(key):
            message = f"Form {spec.id} has no field {_shown(key)}; remove it."
            out.append(Issue(_where(key), "unknown_field", Severity.ERROR, message))
            continue
        f = spec.field(key)
        if not f.is_group or not isinstance(value, list):
            continue
        for i, row in enumerate(value):
            for col_id in row:
                if f.column(col_id) is None:
                    message = f"{f.label} (row {i + 1}) has no column {_shown(col_id)}; remove it."
                    out.append(
                        Issue(f"{key}[{i}].{_where(col_id)}", "unknown_field", Severity.ERROR, message)
                    )
    return out

"""Property test: hostile documents through every path that reads them, with zero exceptions and one verdict.

Arbitrary JSON (and arbitrary bytes), and documents built from each form's own fields with hostile values (date
extremes, huge numbers, control, surrogate and bidirectional-override characters, huge strings, deep nesting,
thousands of rows, wrong types) go through the verdict (as parsed data, as JSON text and as bytes), the store
(judged, saved, read back), the fax copy and the intake service's handler. Each must answer without raising, all
must give the same verdict, and each call is bounded: the fax copy refuses oversize input before laying anything
out (its layout is watched), and what it does lay out has a bounded number of pages.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import UserError
from app.forms import Verdict, default_catalog, verdict
from app.forms.limits import row_limit, text_limit
from app.forms.model import FieldType
from app.printing import PrintError, document, render
from app.request import RequestDoc, now_utc
from app.store import Store
from app.store.keys import random_key
from app.store.service import issue_counts
from intake.service import IntakeService

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)
MAX_PAGES = 60  # every answer at its size limit prints in far fewer pages (tests/printing/test_pages.py)


# --- values that JSON text cannot carry as Python would write them -------------------------------------------------


@dataclass(frozen=True)
class Big:
    """A number with `digits` digits: as data, the int; as text, the digits (Python refuses to print it)."""

    digits: int

    def data(self) -> int:
        return 10 ** (self.digits - 1)

    def text(self) -> str:
        return "1" + "0" * (self.digits - 1)


@dataclass(frozen=True)
class Deep:
    """Lists nested `depth` deep, built without recursion."""

    depth: int

    def data(self) -> list[Any]:
        value: list[Any] = []
        for _ in range(self.depth - 1):
            value = [value]
        return value

    def text(self) -> str:
        return "[" * self.depth + "]" * self.depth


@dataclass(frozen=True)
class Huge:
    """A string of `size` characters (kept out of Hypothesis's reports, which would print it whole)."""

    size: int

    def data(self) -> str:
        return "y" * self.size

    def text(self) -> str:
        return json.dumps(self.data())


@dataclass(frozen=True)
class Rows:
    """`count` copies of one row of a repeat group."""

    row: dict[str, Any]
    count: int

    def data(self) -> list[Any]:
        return [as_data(self.row) for _ in range(self.count)]

    def text(self) -> str:
        return "[" + ",".join([as_text(self.row)] * self.count) + "]"


def as_data(value: Any) -> Any:
    if isinstance(value, Big | Deep | Huge | Rows):
        return value.data()
    if isinstance(value, dict):
        return {k: as_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_data(v) for v in value]
    return value


def as_text(value: Any) -> str:
    if isinstance(value, Big | Deep | Huge | Rows):
        return value.text()
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{as_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(as_text(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("1e400" if value > 0 else "-1e400")
    return json.dumps(value)


# --- strategies ----------------------------------------------------------------------------------------------------

DATES = ("9999-12-31", "0001-01-01", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "2026-02-30")
BAD_CHARS = (
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ud800",
    "\udfff",
    "\u2028",
    "\r\n",
    "\t",
    "\ufeff",
)

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(DATES),
    st.tuples(st.sampled_from(BAD_CHARS), st.text(max_size=10)).map(lambda t: "Ann" + t[0] + t[1]),
    st.integers(min_value=1, max_value=3000).map(Huge),
    st.sampled_from((150_000, 300_000)).map(Huge),
)
hostile_scalar = st.one_of(
    hostile_text,
    st.booleans(),
    st.none(),
    st.integers(),
    st.floats(),
    st.integers(min_value=41, max_value=6000).map(Big),
)
hostile_value = st.one_of(
    hostile_scalar,
    st.integers(min_value=2, max_value=3000).map(Deep),
    st.lists(hostile_scalar, max_size=3),
    st.dictionaries(st.text(max_size=5), hostile_scalar, max_size=3),
)


@st.composite
def rows(draw: st.DrawFn, group: Any) -> Rows:
    count = draw(st.sampled_from((0, 1, row_limit(group.max_rows), row_limit(group.max_rows) + 1, 5000)))
    return Rows({c.id: draw(hostile_value) for c in group.columns if draw(st.booleans())}, count)


@st.composite
def form_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A document of a real form: some of its fields, each with a hostile (or a plain valid-looking) value."""
    spec = CATALOG.form(draw(st.sampled_from(FORMS)))
    answers: dict[str, Any] = {}
    for f in spec.fields():
        if draw(st.integers(0, 3)) != 0:
            continue
        if f.is_group:
            answers[f.id] = draw(st.one_of(rows(f), hostile_value))
        elif f.type is FieldType.YESNO:
            answers[f.id] = draw(st.one_of(st.booleans(), hostile_value))
        else:
            answers[f.id] = draw(st.one_of(hostile_value, st.just(Huge(text_limit(f.max_length, False)))))
    if draw(st.booleans()):
        answers[draw(st.text(min_size=1, max_size=30))] = draw(hostile_value)
    doc: dict[str, Any] = {
        "id": "00000000-0000-4000-8000-000000000000",  # replaced by a fresh id in each example
        "form": spec.id,
        "edition": draw(st.sampled_from((spec.edition, spec.edition, "2019-01-01", "2099-01-01", ""))),
        "answers": answers,
        "created": now_utc(),
        "updated": now_utc(),
    }
    if draw(st.integers(0, 9)) == 0:
        doc[draw(st.sampled_from(("form", "edition", "state", "id", "answers", "extra")))] = draw(
            hostile_value
        )
    return doc


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


# --- the paths -----------------------------------------------------------------------------------------------------


def key(result: Verdict) -> tuple[Any, ...]:
    return result.refused, tuple((i.field, i.code, i.severity.value) for i in result.issues)


@dataclass
class Paths:
    store: Store
    intake: IntakeService
    layouts: list[int]


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paths]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "store").mkdir()
    (root / "intake").mkdir()
    store = Store.create(root / "store", key=random_key())
    intake = IntakeService(Path(root / "intake"), ["token"], CATALOG)
    layouts: list[int] = []
    real = document.request_pages

    def watched(copy: Any) -> Any:
        layouts.append(1)
        return real(copy)

    patch = pytest.MonkeyPatch()
    patch.setattr(document, "request_pages", watched)
    try:
        yield Paths(store, intake, layouts)
    finally:
        patch.undo()
        intake.close()
        store.close()


def every_path(paths: Paths, value: Any, *, fresh_id: bool) -> None:
    if fresh_id and isinstance(value, dict) and "id" in value and isinstance(value["id"], str):
        value = {**value, "id": str(uuid.uuid4())}
    data, text = as_data(value), as_text(value)
    by_data = verdict(data, CATALOG)
    by_text = verdict(text, CATALOG)
    by_bytes = verdict(text.encode("utf-8", "surrogatepass"), CATALOG)
    assert key(by_text) == key(by_bytes)
    # A str is read as JSON text (a parsed JSON string is never a request anyway); beyond 1 MiB, the text is
    # refused unread.
    if not isinstance(data, str) and len(text.encode("utf-8", "surrogatepass")) <= 1024 * 1024:
        assert key(by_data) == key(by_text)
    result = by_text
    doc = result.doc
    if doc is not None:
        assert key(verdict(doc, CATALOG)) == key(result)  # as the wizard and the store hand it over
        store_path(paths, doc, result)
        print_path(paths, doc, result)
    intake_path(paths, text, doc, result)


def store_path(paths: Paths, doc: RequestDoc, result: Verdict) -> None:
    try:
        errors, warnings = issue_counts(doc, CATALOG)
    except UserError:
        assert result.refused
        return
    assert not result.refused and (errors, warnings) == (result.error_count, result.warning_count)
    paths.store.save(doc, error_count=errors, warning_count=warnings)
    stored = paths.store.get(doc.id)
    assert key(verdict(stored, CATALOG)) == key(result)
    assert paths.store.summary(doc.id).error_count == result.error_count


def print_path(paths: Paths, doc: RequestDoc, result: Verdict) -> None:
    if result.spec is None or result.spec.id != doc.form:
        return
    before = len(paths.layouts)
    try:
        rendered = render(doc, result.spec)
    except PrintError as exc:
        if result.oversize:
            assert "cannot be laid out" in exc.user_text
            assert len(paths.layouts) == before  # refused before any layout
        return
    assert not result.oversize
    assert rendered.pages <= MAX_PAGES and rendered.ready == result.ready


def intake_path(paths: Paths, text: str, doc: RequestDoc | None, result: Verdict) -> None:
    request_id = doc.id if doc is not None else str(uuid.uuid4())
    answer = paths.intake.submit("client", request_id, text.encode("utf-8", "surrogatepass"))
    assert answer.status in (201, 400, 422), answer
    if answer.status == 201:
        assert result.ready
    if answer.status == 422:
        listed = [(e["field"], e["code"]) for e in answer.body["errors"]]
        assert listed == [(i.field, i.code) for i in result.errors]
    if result.refused and doc is None:
        assert answer.status == 400


settings_fast = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
settings_slow = settings(
    max_examples=1500, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@settings_fast
@given(form_documents())
def test_hostile_form_documents_get_one_verdict_everywhere(paths: Paths, value: dict[str, Any]) -> None:
    every_path(paths, value, fresh_id=True)


@settings_fast
@given(json_values)
def test_arbitrary_json_gets_one_verdict_everywhere(paths: Paths, value: Any) -> None:
    every_path(paths, value, fresh_id=True)


@settings_fast
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_or_judged_never_raised(paths: Paths, raw: bytes) -> None:
    result = verdict(raw, CATALOG)
    assert result.refused or result.doc is not None
    answer = paths.intake.submit("client", str(uuid.uuid4()), raw)
    assert answer.status in (400, 422)


@pytest.mark.slow
@settings_slow
@given(form_documents())
def test_many_hostile_form_documents_get_one_verdict_everywhere(paths: Paths, value: dict[str, Any]) -> None:
    every_path(paths, value, fresh_id=True)


@pytest.mark.slow
@settings_slow
@given(json_values)
def test_much_arbitrary_json_gets_one_verdict_everywhere(paths: Paths, value: Any) -> None:
    every_path(paths, value, fresh_id=True)

"""Messages with computed values: `{expression}` placeholders, filled from the answers when a rule fires."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.forms import expr, template


def render(text: str, **values: Any) -> str:
    names = {k.replace("__", "."): v for k, v in values.items()}
    return template.parse(text).render(lambda n: names.get(n))


def test_placeholders_are_expressions_of_the_condition_language() -> None:
    text = "May end on {last_day(a.start, 60)} at the latest ({duration(60)}); {1 + 2} rows."
    assert render(text, a__start="2027-01-04") == "May end on 2032-01-03 at the latest (5 years); 3 rows."


def test_values_print_for_a_reader() -> None:
    assert render("{a.x}", a__x=dt.date(2030, 1, 2)) == "2030-01-02"
    assert render("{a.x}", a__x=60.0) == "60"
    assert render("{a.x}", a__x=True) == "yes"
    assert render("{a.x}") == template.MISSING  # a missing value says so, never "None"


def test_braces_are_written_twice() -> None:
    assert render("{{literal}} and {1}") == "{literal} and 1"
    parsed = template.parse("{{x}} {a.b}")
    assert parsed.source == "{{x}} {a.b}" and parsed.refs == ("a.b",)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("a { b", "a lone '{'", 2),
        ("a } b", "a lone '}'", 2),
        ("x {} y", "empty placeholder", 2),
        ("ok {nosuch(1)}", "unknown function 'nosuch'", 4),
        ("ok { 1 + }", "expected a value", 8),
    ],
)
def test_errors_point_into_the_message(text: str, message: str, offset: int) -> None:
    with pytest.raises(expr.ExprError) as info:
        template.parse(text)
    assert message in info.value.message and info.value.offset == offset


def test_fold_fills_constants_and_keeps_the_rest() -> None:
    parsed = template.parse("Under {agreement.name}: until {last_day(a.start, agreement.limit)}.")
    values = {"agreement.name": "Germany", "agreement.limit": 60}
    folded = parsed.fold(lambda n: values.get(n), lambda e: all(r.startswith("agreement.") for r in e.refs))
    assert folded.source == "Under Germany: until {last_day(a.start, agreement.limit)}."
    lookup = {**values, "a.start": "2027-01-04"}
    assert folded.render(lambda n: lookup.get(n)) == "Under Germany: until 2032-01-03."


def test_no_python_formatting_reaches_a_message() -> None:
    # str.format would read attributes and items; a placeholder is parsed by the condition language only.
    with pytest.raises(expr.ExprError):
        template.parse("{a.__class__.__mro__[1]}")
    assert render("{a.__class__}") == template.MISSING


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        parsed = template.parse(text)
    except expr.ExprError:
        return
    parsed.render(lambda n: None)

"""The JSON Schemas of request documents (app/forms/json_schema.py): generated from the definitions, checked with
the jsonschema library. Every `coc new FORM --example` validates against its form's schema; broken documents do
not, and the verdict refuses each of them too (the schema is never stricter than the application)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.cli import main
from app.forms import FieldType, FormSpec, default_catalog, verdict
from app.forms.json_schema import FORM_ID, form_schema, generic_schema
from tests.conftest import REPO

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def example(capsys: pytest.CaptureFixture[str], form: str) -> dict[str, Any]:
    assert main(["new", form, "--example"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def verdict_refuses(data: dict[str, Any]) -> bool:
    return not verdict(data, CATALOG).ready


@pytest.mark.parametrize("form", FORMS)
def test_every_example_validates_against_its_schema(capsys: pytest.CaptureFixture[str], form: str) -> None:
    data = example(capsys, form)
    errors = [e.message for e in validator(form_schema(CATALOG.form(form))).iter_errors(data)]
    assert errors == []
    assert [e.message for e in validator(generic_schema()).iter_errors(data)] == []


def _first(spec: FormSpec, kind: FieldType) -> str | None:
    return next((f.id for f in spec.fields() if f.type is kind), None)


Breaker = Callable[[FormSpec, dict[str, Any]], bool]  # changes the document; False when it does not apply


def drop_required(spec: FormSpec, d: dict[str, Any]) -> bool:
    required = form_schema(spec)["properties"]["answers"].get("required", [])
    if not required:
        return False
    del d["answers"][required[0]]
    return True


def number_for_text(spec: FormSpec, d: dict[str, Any]) -> bool:
    key = next(k for k, v in d["answers"].items() if isinstance(v, str))
    d["answers"][key] = 12345
    return True


def too_long(spec: FormSpec, d: dict[str, Any]) -> bool:
    for f in spec.fields():
        if f.type in (FieldType.TEXT, FieldType.NAME) and f.id in d["answers"]:
            limit = form_schema(spec)["properties"]["answers"]["properties"][f.id]["maxLength"]
            d["answers"][f.id] = "a" * (limit + 1)
            return True
    return False


def bad_country(spec: FormSpec, d: dict[str, Any]) -> bool:
    key = _first(spec, FieldType.COUNTRY)
    if key is None or key not in d["answers"]:
        return False
    d["answers"][key] = "XX"
    return True


def bad_date(spec: FormSpec, d: dict[str, Any]) -> bool:
    key = next((f.id for f in spec.fields() if f.type is FieldType.DATE and f.id in d["answers"]), None)
    if key is None:
        return False
    d["answers"][key] = "2027-02-30"
    return True


def bad_ssn(spec: FormSpec, d: dict[str, Any]) -> bool:
    key = _first(spec, FieldType.SSN)
    if key is None or key not in d["answers"]:
        return False
    d["answers"][key] = "12-345-6789"
    return True


def unknown_field(spec: FormSpec, d: dict[str, Any]) -> bool:
    d["answers"]["worker.shoe_size"] = "44"
    return True


def other_form(spec: FormSpec, d: dict[str, Any]) -> bool:
    d["form"] = next(f for f in FORMS if f != spec.id)
    return True


def blank_required(spec: FormSpec, d: dict[str, Any]) -> bool:
    answers = form_schema(spec)["properties"]["answers"]
    key = next((k for k in answers.get("required", []) if isinstance(d["answers"].get(k), str)), None)
    if key is None:
        return False
    d["answers"][key] = "   "
    return True


def yes_as_text(spec: FormSpec, d: dict[str, Any]) -> bool:
    key = next((k for k, v in d["answers"].items() if isinstance(v, bool)), None)
    if key is None:
        return False
    d["answers"][key] = "yes"
    return True


BREAKERS: list[Breaker] = [
    drop_required,
    number_for_text,
    too_long,
    bad_country,
    bad_date,
    bad_ssn,
    unknown_field,
    other_form,
    blank_required,
    yes_as_text,
]


@pytest.mark.parametrize("form", FORMS[::4])
@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda b: b.__name__)
def test_a_broken_document_is_refused_by_the_schema_and_by_the_verdict(
    capsys: pytest.CaptureFixture[str], form: str, breaker: Breaker
) -> None:
    spec = CATALOG.form(form)
    data = copy.deepcopy(example(capsys, form))
    if not breaker(spec, data):
        pytest.skip(f"{breaker.__name__} does not apply to {form}")
    assert list(validator(form_schema(spec)).iter_errors(data)), "the schema accepts it"
    assert verdict_refuses(data), "the schema refuses what the verdict accepts"


def test_what_the_schema_says_comes_from_the_definitions() -> None:
    from app.forms.limits import row_limit, text_limit

    for form in FORMS:
        spec = CATALOG.form(form)
        props = form_schema(spec)["properties"]["answers"]["properties"]
        assert set(props) == {f.id for f in spec.fields()}
        for f in spec.fields():
            p = props[f.id]
            if f.type is FieldType.CHOICE:
                assert p["enum"] == [c.value for c in f.choices]
            if f.type is FieldType.GROUP:
                assert p["type"] == "array" and set(p["items"]["properties"]) == {c.id for c in f.columns}
                assert p.get("maxItems") == row_limit(f.max_rows)
            elif f.type is not FieldType.YESNO:
                assert p["maxLength"] == text_limit(f.max_length, f.type is FieldType.TEXTAREA)
        assert "left to the application's verdict" in form_schema(spec)["description"]


def test_the_generic_schema_in_docs_is_current() -> None:
    text = (REPO / "docs" / "request.schema.json").read_text(encoding="utf-8")
    assert json.loads(text) == generic_schema(), "regenerate it: coc forms schema > docs/request.schema.json"
    assert all(re.fullmatch(FORM_ID, f) for f in FORMS)


def test_coc_forms_schema_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "schema", "de-employee"]) == 0
    assert json.loads(capsys.readouterr().out) == form_schema(CATALOG.form("de-employee"))
    assert main(["forms", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == generic_schema()
    assert main(["forms", "schema", "xx-nothing"]) == 2
    assert "xx-nothing" in capsys.readouterr().err

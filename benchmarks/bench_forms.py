"""The form engine: loading every definition, validating a complete request, re-validating after one change."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import tomllib

from app.forms import FormSession, load, new_document
from app.forms.example import example_answers
from app.paths import forms_dir
from benchmarks.common import Result, median, percentile, samples


def _clear_caches() -> None:
    from app.forms import loader, parts, reader, template

    parts.parse_cached.cache_clear()
    reader._parse.cache_clear()
    template.parse.cache_clear()
    loader._shipped.cache_clear()


def _load_cold() -> None:
    _clear_caches()
    load()


def _parse_only() -> None:
    for path in forms_dir().rglob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))


def _process(code: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # with bytecode caches
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - t0


COLD = """
import json, sys, time
text = sys.stdin.read()
from app.forms import default_catalog, verdict
from app.request import RequestDoc
catalog = default_catalog()
doc = RequestDoc.from_json(text)
t0 = time.perf_counter()
json.loads(json.dumps(doc.answers))
t1 = time.perf_counter()
verdict(doc, catalog)
t2 = time.perf_counter()
print(t2 - t1, t1 - t0)
"""


def _cold_validation(doc_json: str) -> tuple[float, float]:
    """The first validation in a fresh process (the definitions loaded first, untimed): the field checks' libraries
    load then (python-stdnum, email-validator, phonenumbers), as in `coc validate`. The document comes as text on
    standard input, so that nothing of the form engine's checks ran before."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours: list[float] = []
    base: list[float] = []
    for _ in range(7):
        out = subprocess.run(
            [sys.executable, "-c", COLD], input=doc_json, check=True, env=env, capture_output=True, text=True
        )
        first, json_time = map(float, out.stdout.split())
        ours.append(first)
        base.append(json_time)
    return median(ours), median(base)


def run() -> list[Result]:
    catalog = load()
    n_forms = len(catalog.forms)
    results: list[Result] = []

    ours = median(samples(_load_cold, 15))
    base = median(samples(_parse_only, 15))
    results.append(
        Result(
            "forms",
            f"load all {n_forms} forms (in process, caches cleared)",
            ours,
            base,
            "tomllib parse only",
            "< 150 ms",
            ours < 0.150,
        )
    )
    ours = median([_process("from app.forms import load; load()") for _ in range(5)])
    base = median([_process("import tomllib, json") for _ in range(5)])
    results.append(
        Result(
            "forms", f"load all {n_forms} forms in a new process", ours, base, "bare interpreter", "", None
        )
    )

    specs = list(catalog.forms.values())
    answers = [example_answers(s) for s in specs]

    def validate_all() -> None:
        for spec, a in zip(specs, answers, strict=True):
            FormSession(spec, a).issues()

    def json_round_trip() -> None:
        for a in answers:
            json.loads(json.dumps(a))

    from app.forms import validate as field_checks

    def validate_all_cold() -> None:
        for spec, a in zip(specs, answers, strict=True):
            field_checks._VERDICTS.clear()
            FormSession(spec, a).issues()

    cold = median(samples(validate_all_cold, 10)) / len(specs)
    base = median(samples(json_round_trip, 20)) / len(specs)
    results.append(
        Result(
            "forms",
            "validate a complete request, first time (no remembered verdicts)",
            cold,
            base,
            "JSON round trip of its answers",
            "< 2 ms",
            cold < 0.002,
        )
    )
    per = median(samples(validate_all, 20)) / len(specs)
    base = median(samples(json_round_trip, 20)) / len(specs)
    results.append(
        Result(
            "forms",
            "validate a complete request",
            per,
            base,
            "JSON round trip of its answers",
            "< 2 ms",
            per < 0.002,
        )
    )

    de = catalog.form("de-employee")
    cold, base = _cold_validation(new_document(de, example_answers(de)).to_json())
    results.append(
        Result(
            "forms",
            "validate a complete request, cold: the first one in a fresh process",
            cold,
            base,
            "JSON round trip of its answers, same process",
        )
    )

    # Every answer a new value, so that no check is answered from what was remembered: a date typed day by day.
    spec = catalog.form("de-employee") if "de-employee" in catalog.forms else specs[0]
    session = FormSession(spec, example_answers(spec))
    start = dt.date(2029, 1, 1)
    values = [(start + dt.timedelta(days=i)).isoformat() for i in range(5200)]
    times: list[float] = []
    for value in values[:5000]:
        t0 = time.perf_counter()
        session.answer("assignment.end_date", value)
        times.append(time.perf_counter() - t0)
    full: list[float] = []
    for value in values[5000:]:
        answers = dict(session.answers, **{"assignment.end_date": value})
        t0 = time.perf_counter()
        FormSession(spec, answers).issues()
        full.append(time.perf_counter() - t0)
    p99 = percentile(times, 99)
    results.append(
        Result(
            "forms",
            "re-validate after one change, every value new (p99)",
            p99,
            percentile(full, 99),
            "full re-validation",
            "< 0.2 ms",
            p99 < 0.0002,
        )
    )
    return results

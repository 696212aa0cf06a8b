"""The form engine: loading every definition, validating a complete request, re-validating after one change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib

from app.forms import FormSession, load
from app.forms.example import example_answers
from app.paths import forms_dir
from benchmarks.common import Result, median, percentile, samples


def _clear_caches() -> None:
    from app.forms import loader, parts, reader

    parts.parse_cached.cache_clear()
    reader._parse.cache_clear()
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

    spec = catalog.form("de-employee") if "de-employee" in catalog.forms else specs[0]
    session = FormSession(spec, example_answers(spec))
    values = ["2029-12-18", "2033-01-01"]
    times: list[float] = []
    for i in range(5000):
        t0 = time.perf_counter()
        session.answer("assignment.end_date", values[i % 2])
        times.append(time.perf_counter() - t0)
    full = samples(lambda: FormSession(spec, session.answers).issues(), 200)
    p99 = percentile(times, 99)
    results.append(
        Result(
            "forms",
            "re-validate after one change (p99)",
            p99,
            percentile(full, 99),
            "full re-validation",
            "< 0.2 ms",
            p99 < 0.0002,
        )
    )
    return results

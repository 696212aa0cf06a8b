"""The fax copy: one request's PDF against a one-page reportlab document of the same page size, same run.

Goal (issue 7): under 150 ms per request. Each timed render is of a request not rendered before (a new id, so a
new QR code, and another name), as a coordinator prints one request after another. Fonts are registered once per
process (the first print pays about 10 ms for DejaVu, and about 50 ms more when a name needs the CJK fallback
font); the warm-up renders take that.
"""

from __future__ import annotations

import io
import time
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from app.forms import default_catalog, new_document
from app.forms.example import example_answers
from app.printing import render
from benchmarks.common import Result, median, samples

GOAL = 0.150
RUNS = 30


def _one_page() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 720, "Request for a U.S. Certificate of Coverage")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fresh(spec: Any, answers: dict[str, Any], n: int) -> list[Any]:
    """`n` different requests (new ids, so new QR codes; different names), each to be rendered once."""
    docs = []
    for i in range(n):
        changed = dict(answers)
        changed["worker.last_name"] = (
            f"{answers.get('worker.last_name', 'Example')}{chr(65 + i % 26)}{chr(65 + i // 26)}"
        )
        docs.append(new_document(spec, changed))
    return docs


def run() -> list[Result]:
    catalog = default_catalog()
    valid_spec = catalog.form("de-employee")
    family_spec = catalog.form("jp-employee")
    answers = example_answers(family_spec)
    answers.update(
        {"worker.first_name": "王小明", "worker.last_name": "Nguyễn Văn Đặng", "worker.ssn": "000-00-0000"}
    )

    baseline = median(samples(_one_page, RUNS))
    results = []
    for name, spec, base_answers in (
        ("fax copy: de-employee example", valid_spec, example_answers(valid_spec)),
        ("fax copy: jp-employee, CJK name, not ready", family_spec, answers),
    ):
        warm = _fresh(spec, base_answers, 3)  # fonts registered, as after the first print of a session
        pages = render(warm[0], spec).pages
        for doc in warm[1:]:
            render(doc, spec)
        times = []
        for doc in _fresh(spec, base_answers, RUNS):  # a new request each time: nothing cached from the last
            t0 = time.perf_counter()
            render(doc, spec)
            times.append(time.perf_counter() - t0)
        ours = median(times)
        results.append(
            Result(
                area="printing",
                name=f"{name} ({pages} pages, a new request each time)",
                ours=ours,
                baseline=baseline,
                baseline_name="one-page reportlab PDF, same page size",
                goal="< 150 ms",
                met=ours < GOAL,
            )
        )
    return results

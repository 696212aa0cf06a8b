"""The fax copy: one request's PDF against a one-page reportlab document of the same page size, same run.

Goal (issue 7): under 150 ms per request. Fonts are registered once per process (the first print pays about
10 ms for DejaVu, and about 50 ms more when a name needs the CJK fallback font); the warm-up calls take that.
"""

from __future__ import annotations

import io

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


def run() -> list[Result]:
    catalog = default_catalog()
    valid_spec = catalog.form("de-employee")
    valid = new_document(valid_spec, example_answers(valid_spec))
    family_spec = catalog.form("jp-employee")
    answers = example_answers(family_spec)
    answers.update(
        {"worker.first_name": "王小明", "worker.last_name": "Nguyễn Văn Đặng", "worker.ssn": "000-00-0000"}
    )
    invalid = new_document(family_spec, answers)

    baseline = median(samples(_one_page, RUNS))
    results = []
    for name, doc, spec in (
        ("fax copy: de-employee example", valid, valid_spec),
        ("fax copy: jp-employee, CJK name, not ready", invalid, family_spec),
    ):
        pages = render(doc, spec).pages
        ours = median(samples(lambda doc=doc, spec=spec: render(doc, spec), RUNS))
        results.append(
            Result(
                area="printing",
                name=f"{name} ({pages} pages)",
                ours=ours,
                baseline=baseline,
                baseline_name="one-page reportlab PDF, same page size",
                goal="< 150 ms",
                met=ours < GOAL,
            )
        )
    return results

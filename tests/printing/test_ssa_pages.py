"""The page SSA receives carries the request, not the application's research (issue 15).

Every shipped form is printed three ways and read back with pypdf: the copy to fax when ready, the same when not
ready (marked, with the error page first), and the masked internal copy. The pages addressed to SSA (from the
cover sheet on) carry the request, the rule it relies on in plain words, and SSA's office with the fax number as
RS 02001.090 gives it; no fact of the research, no source address, no flag, and not SSA's help line for its online
forms. The internal copy has no cover addressed to SSA and says on its first page that it is internal; it keeps the
facts with their sources and flags.
"""

from __future__ import annotations

import pytest

from app.forms import default_catalog
from app.forms.model import FactStatus
from app.printing import render
from tests.printing.helpers import example, flat, pages_text

CATALOG = default_catalog()
FORMS = sorted(CATALOG.forms)
OFFICE = (
    "Social Security Administration, Division of Training and Program Support (International Support Branch)"
)
FAX_LINE = "Fax number (certificate of coverage requests only) (410) 966-1861"
HELP_LINE = "(410) 965-7306"
# Words that only the application's notes use: research marks, sources, flags.
NOTES = (
    "Flagged",
    "third-party",
    "third party",
    "POMS",
    "truncated",
    "Japan-UK",
    "research",
    "Sources:",
    "http",
    "not confirmed",
    "Unconfirmed",
    "Sources conflict",
    "adviser",
    "law firm",
    HELP_LINE,
)


def _research(form_id: str) -> list[str]:
    """Every fact text of the form's agreement, and every flag, as they would read on a page."""
    agreement = CATALOG.form(form_id).agreement
    return [flat(f.text) for f in agreement.facts] + [s.flag for s in FactStatus if s.flag]


def _not_ready(form_id: str) -> tuple[object, object]:
    return example(form_id, worker__ssn="000-12-3456")


@pytest.mark.parametrize("form_id", FORMS)
def test_every_copy_of_every_form_read_back(form_id: str) -> None:
    spec = CATALOG.form(form_id)
    research = _research(form_id)

    def addressed_to_ssa(pages: list[str]) -> str:
        text = flat(" ".join(pages))
        for note in NOTES:
            assert note not in text, (form_id, note)
        for fact in research:
            assert fact not in text, (form_id, fact)
        return text

    # Ready: the cover sheet to SSA's office, then the request with its basis in plain words.
    doc, _ = example(form_id)
    ready = render(doc, spec)
    assert ready.ready
    pages = pages_text(ready.pdf)
    cover = flat(pages[0])
    assert cover.startswith("SOCIAL SECURITY") and " FAX " in cover and OFFICE in cover and FAX_LINE in cover
    text = addressed_to_ssa(pages)
    assert f"Request for a {spec.product}" in text
    if spec.basis:
        assert "The rule this request relies on " + flat(spec.basis) in text

    # Not ready: the error page first (for the coordinator), then the same pages to SSA, every one marked.
    bad, _ = _not_ready(form_id)
    not_ready = render(bad, spec)
    assert not not_ready.ready
    pages = pages_text(not_ready.pdf)
    assert "Errors to correct before sending" in flat(pages[0])
    assert OFFICE in flat(pages[1]) and FAX_LINE in flat(pages[1])
    addressed_to_ssa(pages[1:])
    assert all("NOT READY TO SEND" in p for p in pages)

    # Masked: an internal copy, not addressed to SSA; the application's notes are kept here.
    masked = render(doc, spec, mask_ssn=True)
    pages = pages_text(masked.pdf)
    first = flat(pages[0])
    assert "INTERNAL COPY" in first and "Internal copy: do not fax" in first
    assert "Ready to send" not in first and " FAX " not in first
    whole = flat(" ".join(pages))
    assert OFFICE not in whole and "(410) 966-1861" not in whole and HELP_LINE not in whole
    assert "123-45-6789" not in whole and "XXX-XX-6789" in whole
    kind = spec.kind_info
    assert kind is not None
    shown = [f for f in (spec.agreement.fact(k) for k in kind.facts) if f is not None]
    assert shown, form_id
    for fact in shown:
        assert flat(fact.text)[:40] in whole, (form_id, fact.key)
        if fact.flagged:
            assert "Flagged: " + fact.status.flag in whole, (form_id, fact.key)
        assert fact.sources[0] in whole.replace(" ", ""), (form_id, fact.key)


def test_the_notes_the_issue_found_are_not_on_pages_to_ssa() -> None:
    """The notes seen on faxed pages before: a truncated excerpt, a third-party flag, another agreement's length."""
    for form_id in ("jp-employee", "au-employee", "kr-employee"):
        doc, spec = example(form_id)
        text = flat(" ".join(pages_text(render(doc, spec).pdf)))
        assert "excerpt read was truncated" not in text
        assert "From a third-party copy" not in text
        assert "allows up to 3 years" not in text


def test_the_letter_of_exemption_has_its_own_wording_on_every_page() -> None:
    doc, spec = example("au-exemption_letter")
    pages = [flat(p) for p in pages_text(render(doc, spec).pdf)]
    assert "Request for a letter of exemption from U.S. Social Security" in pages[0]
    assert (
        "Please find enclosed a request for a letter of exemption from U.S. Social Security for one person"
        in pages[0]
    )
    assert "From: requester Pat Coordinator" in pages[0]
    assert all(
        "Request for a letter of exemption from U.S. Social Security · Letter of exemption" in p
        for p in pages
    )
    assert "Certificate of Coverage" not in " ".join(pages)
    assert "Signature of the person asking for the letter" in pages[-1]

"""What the fax copy says: every label and answer, formatted for a reader, hidden fields left out."""

from __future__ import annotations

import pytest

from app.forms import default_catalog
from app.forms.model import FieldType
from app.printing import build, render
from app.printing.content import Entry, Grid
from app.printing.values import display
from tests.printing.helpers import all_text, example, flat, pages_text

FORMS = ("de-employee", "dk-employee", "jp-self_employed", "es-employee", "fr-self_employed", "qc-employee")


@pytest.mark.parametrize("form_id", FORMS)
def test_every_label_and_answer_of_the_example_is_in_the_pdf(form_id: str) -> None:
    doc, spec = example(form_id)
    copy = build(doc, spec)
    text = all_text(render(doc, spec).pdf)
    checked = 0
    for part in copy.parts:
        assert part.title.upper() in text
        for item in part.items:
            if isinstance(item, Entry):
                assert item.label in text, item.field
                assert (item.value or "—") in text, item.field
            else:
                assert item.label in text
                for column in item.columns:
                    assert column in text
                for row in item.rows:
                    for cell in row:
                        assert cell in text
            checked += 1
    visible = {f.id for s in spec.sections for f in s.fields} & set(doc.answers)
    printed = {i.field for p in copy.parts for i in p.items}
    assert visible <= printed  # every answered field is printed
    assert checked >= 10


def test_answers_are_formatted_for_a_reader() -> None:
    doc, spec = example("dk-employee")
    text = all_text(render(doc, spec).pdf)
    assert "Denmark (DK)" in text and "United States (US)" in text  # countries by name with code
    assert "New York (NY)" in text  # states too
    assert "Spouse" in text and "spouse" not in text  # a choice by its label
    assert "Yes" in text and "No" in text and "True" not in text and "False" not in text
    assert "123-45-6789" in text and "12-3456789" in text


def test_hidden_fields_are_left_out() -> None:
    doc, spec = example("es-employee", worker__citizenship="US", worker__second_last_name="Hiddenname")
    text = all_text(render(doc, spec).pdf)
    assert "Hiddenname" not in text and "Second last name" not in text
    doc, spec = example("es-employee", worker__citizenship="ES", worker__second_last_name="Shownname")
    text = all_text(render(doc, spec).pdf)
    assert "Shownname" in text and "Second last name" in text


def test_cover_sheet_is_addressed_to_the_paper_office_from_the_employer_contact() -> None:
    doc, spec = example("de-employee")
    paper = spec.agreement.paper
    assert paper is not None
    cover = flat(pages_text(render(doc, spec).pdf)[0])
    for expected in (paper.office, paper.fax, *paper.address, "Pat Coordinator", "(212) 555-0100"):
        assert expected in cover
    # RS 02001.090: the fax is for certificate requests only; SSA's help line for the online forms is not a
    # number for requests, so the page sent to SSA does not carry it.
    assert "Fax number (certificate of coverage requests only) (410) 966-1861" in cover
    assert paper.phone == "(410) 965-7306" and paper.phone not in cover
    assert "coordinator@example.com" in cover and "FAX" in cover
    assert "Pages, including this cover" in cover and cover.endswith("Page 1 of 3 3")
    assert doc.id in cover
    assert "United States and Germany (employee sent abroad)" in cover  # the subject names the agreement


def test_self_employed_cover_is_from_the_worker() -> None:
    doc, spec = example("jp-self_employed")
    text = all_text(render(doc, spec).pdf)
    assert "From: self-employed person Jane Q. Example Jane Example Consulting" in text
    assert "Signature of the self-employed person" in text


def test_facts_with_flags_only_on_the_internal_copy() -> None:
    doc, spec = example("au-employee")
    assert "Flagged" not in all_text(render(doc, spec).pdf)  # the copy to fax carries none of the research
    text = all_text(render(doc, spec, mask_ssn=True).pdf)
    assert "In force" in text and "In force since 2002-10-01." in text
    assert "Limit: 60 months." in text
    detachment = spec.agreement.fact("detachment")
    assert detachment is not None and detachment.flagged
    assert "Flagged: " + detachment.status.flag in text
    assert "Signature of the employer's representative" in text and "Date (YYYY-MM-DD)" in text


def test_display_of_odd_values_never_raises() -> None:
    spec = default_catalog().form("dk-employee")
    for f in spec.fields():
        for value in (None, "", "  ", "x", True, 3, [1, "a"], {"a": 1}):
            assert isinstance(display(f, value), str)
    yesno = next(f for f in spec.fields() if f.type is FieldType.YESNO)
    assert display(yesno, True) == "Yes" and display(yesno, False) == "No"


def test_family_members_print_as_a_table() -> None:
    family = [
        {"name": "John Example", "relationship": "spouse", "birth_date": "1986-02-20", "accompanying": True},
        {"name": "Ana Example", "relationship": "child", "birth_date": "2015-07-01", "accompanying": False},
    ]
    doc, spec = example("dk-employee", family=family)
    copy = build(doc, spec)
    grid = next(i for p in copy.parts for i in p.items if isinstance(i, Grid))
    assert grid.rows == (
        ("John Example", "Spouse", "1986-02-20", "Yes"),
        ("Ana Example", "Child", "2015-07-01", "No"),
    )
    text = all_text(render(doc, spec).pdf)
    assert "# Full name Relationship Date of birth Accompanies the worker" in text
    assert "1 John Example Spouse 1986-02-20 Yes 2 Ana Example Child 2015-07-01 No" in text

"""What every page carries, the NOT READY mark, masking, long values, and poppler rendering every page."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from app.forms import FieldType, default_catalog, new_document
from app.forms.example import example_answers
from app.forms.limits import row_limit, text_limit
from app.printing import PrintError, build, document, mask_ssn, render
from app.printing.layout.page import QR_FORM, QR_QUIET, qr_modules, qr_origin
from app.printing.layout.styles import PAGE_H, QR_SIZE
from tests.printing.helpers import all_text, example, flat, pages_text, pdftoppm

LONG = 10_000


def _invalid() -> tuple[object, object]:
    return example("de-employee", worker__ssn="000-12-3456", employer__email="not an address")


def test_every_page_carries_agreement_id_time_page_number_and_qr() -> None:
    when = dt.datetime(2026, 11, 29, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    doc, spec = example("fr-employee", request__remarks="word " * 190)
    rendered = render(doc, spec, printed_at=when)
    texts = pages_text(rendered.pdf)
    assert rendered.pages == len(texts) >= 4
    reader = PdfReader(io.BytesIO(rendered.pdf))
    for n, (text, page) in enumerate(zip(texts, reader.pages, strict=True), start=1):
        line = flat(text)
        assert line.count(f"Page {n} of {rendered.pages}") == 1
        assert len(re.findall(r"Page \d+ of \d+", line)) == 1
        assert "United States – France" in line
        assert doc.id in line
        assert "2026-11-29 09:30 UTC−05:00" in line
        assert f"/FormXob.{QR_FORM}" in page["/Resources"]["/XObject"]
        assert f"/FormXob.{QR_FORM}".encode() in page.get_contents().get_data()


def test_the_qr_code_drawn_is_the_request_ids(tmp_path: Path) -> None:
    """Sample the rendered page at each module's centre and compare with the QR encoder's matrix."""
    doc, spec = example("dk-employee")
    dpi = 200
    png = pdftoppm(render(doc, spec).pdf, tmp_path, dpi=dpi)[0]
    modules = qr_modules(doc.id)
    n = len(modules)
    size = QR_SIZE / (n + 2 * QR_QUIET)
    x0, y0 = qr_origin()
    scale = dpi / 72
    with Image.open(png) as image:
        gray = image.convert("L")
        for r in range(n):
            for c in range(n):
                x = x0 + (c + QR_QUIET + 0.5) * size
                y = y0 + QR_SIZE - (r + QR_QUIET + 0.5) * size
                dark = gray.getpixel((round(x * scale), round((PAGE_H - y) * scale))) < 128
                assert dark == modules[r][c], (r, c)
    assert 21 <= n <= 41


def test_a_valid_request_prints_clean() -> None:
    doc, spec = example("de-employee")
    rendered = render(doc, spec)
    assert rendered.ready and rendered.errors == 0
    text = all_text(rendered.pdf)
    assert "NOT READY" not in text and "Errors to correct" not in text
    assert pages_text(rendered.pdf)[0].lstrip().startswith("SOCIAL SECURITY")  # the cover sheet comes first


def test_an_invalid_request_prints_marked_on_every_page_with_an_error_page() -> None:
    doc, spec = example("de-employee", worker__ssn="000-12-3456", employer__email="not an address")
    rendered = render(doc, spec)
    assert not rendered.ready and rendered.errors == 2
    texts = [flat(t) for t in pages_text(rendered.pdf)]
    for text in texts:
        assert "NOT READY TO SEND" in text
        assert "this request has errors: do not fax or mail this copy" in text
    first = texts[0]
    assert "This copy was printed from a request that still has 2 errors." in first
    assert "Errors to correct before sending" in first
    assert "1 Social Security number Social Security number: SSA never issues this number" in first
    assert "2 Contact e-mail Contact e-mail is not an e-mail address" in first
    assert "FAX" in texts[1]  # the cover follows the error page
    assert texts[1].endswith(
        f"Page 2 of {rendered.pages} {rendered.pages - 1}"
    )  # pages to fax: not the error page


def test_errors_name_rows_of_family_members_and_unknown_fields() -> None:
    family = [
        {"name": "John Example", "relationship": "spouse", "birth_date": "2999-01-01", "accompanying": True}
    ]
    doc, spec = example("dk-employee", family=family)
    doc.answers["old.field"] = "x"
    first = flat(pages_text(render(doc, spec).pdf)[0])
    assert "Family members, row 1: Date of birth" in first
    assert "old.field" in first and "has no field 'old.field'" in first


def test_masking_hides_the_ssn_everywhere() -> None:
    doc, spec = example(
        "de-employee", request__remarks="SSN 123-45-6789, also 123456789 and 123 45 6789; not 1234567890."
    )
    plain = all_text(render(doc, spec).pdf)
    assert "123-45-6789" in plain and "123456789" in plain
    rendered = render(doc, spec, mask_ssn=True)
    masked = all_text(rendered.pdf)
    assert rendered.masked
    assert "123-45-6789" not in masked and "123456789 " not in masked and "123 45 6789" not in masked
    assert masked.count("XXX-XX-6789") == 4  # the field and three times in the remarks
    assert "1234567890" in masked  # a longer number is not an SSN
    assert "INTERNAL COPY: the Social Security number is masked" in masked


def test_mask_ssn_keeps_only_the_last_four_digits() -> None:
    assert mask_ssn("123-45-6789") == "XXX-XX-6789"
    assert mask_ssn("123456789") == "XXX-XX-6789"
    assert mask_ssn("12") == "XXX-XX-XX12"
    assert mask_ssn("") == "XXX-XX-XXXX"


@pytest.mark.parametrize(
    ("field", "unit"),
    [
        ("request.remarks", "Lorem ipsum dolor sit amet. "),
        ("employer.name", "ж"),  # one word of 10,000 letters
        ("worker.last_name", "Ωmega "),
        ("request.remarks", "Zeile\n"),
    ],
)
def test_a_10000_character_value_is_refused_before_layout(
    field: str, unit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_layout(*_args: object) -> list[object]:
        raise AssertionError("laid out")

    monkeypatch.setattr(document, "request_pages", no_layout)
    monkeypatch.setattr(document, "cover_sheet", no_layout)
    doc, spec = example("de-employee", **{field.replace(".", "__"): unit * (LONG // len(unit))})
    with pytest.raises(
        PrintError, match=f"cannot be laid out: {spec.field(field).label} is .* characters long"
    ):
        render(doc, spec)


@pytest.mark.parametrize(
    ("field", "unit", "token"),
    [
        ("request.remarks", "Lorem ipsum dolor sit amet. ", "Lorem"),
        ("employer.name", "ж", "ж"),  # one word as long as the field allows
        ("worker.last_name", "Ωmega ", "Ωmega"),
        ("request.remarks", "Zeile\n", "Zeile"),
    ],
)
def test_a_value_at_its_size_limit_lays_out(field: str, unit: str, token: str) -> None:
    doc, spec = example("de-employee")
    count = text_limit(spec.field(field).max_length, spec.field(field).type is FieldType.TEXTAREA) // len(
        unit
    )
    doc.answers[field] = unit * count
    rendered = render(doc, spec)
    first = 1 if rendered.ready else 2  # after the cover (and the error page)
    request_pages = flat(" ".join(pages_text(rendered.pdf)[first:]))
    assert request_pages.count(token) == count  # every piece, over as many pages as it takes


def test_the_most_family_members_with_the_longest_names_lay_out() -> None:
    doc, spec = example("dk-employee")
    group = spec.field("family")
    name = group.column("name")
    assert name is not None
    rows = row_limit(group.max_rows)
    doc.answers["family"] = [
        {
            "name": "Ж" * text_limit(name.max_length, False),
            "relationship": "child",
            "birth_date": "2015-07-01",
        }
        for _ in range(rows)
    ]
    rendered = render(doc, spec)
    assert re.sub(r"\s+", "", all_text(rendered.pdf)).count("Ж") == rows * text_limit(name.max_length, False)


def test_every_field_at_its_size_limit_at_once(tmp_path: Path) -> None:
    doc, spec = example("dk-employee")
    copy = build(doc, spec)
    for part in copy.parts:
        for item in part.items:
            f = spec.field(item.field)
            if f.type in (FieldType.YESNO, FieldType.GROUP):
                continue
            limit = text_limit(f.max_length, f.type is FieldType.TEXTAREA)
            doc.answers[item.field] = ("w" * 40 + " " + "z" * limit)[:limit]
    rendered = render(doc, spec)
    pngs = pdftoppm(rendered.pdf, tmp_path, dpi=20)
    assert len(pngs) == rendered.pages >= 3


def test_poppler_renders_every_page(tmp_path: Path) -> None:
    doc, spec = example("jp-employee", worker__first_name="王小明", worker__last_name="Ελένη Nguyễn")
    rendered = render(doc, spec)
    pngs = pdftoppm(rendered.pdf, tmp_path)
    assert len(pngs) == rendered.pages
    for png in pngs:
        with Image.open(png) as image:
            assert image.size[0] > 0 and image.getextrema() != (255, 255)


@pytest.mark.parametrize("form_id", sorted(default_catalog().forms))
def test_every_shipped_forms_example_prints(form_id: str) -> None:
    spec = default_catalog().form(form_id)
    doc = new_document(spec, example_answers(spec))
    rendered = render(doc, spec)
    assert rendered.ready and rendered.pages >= 3
    text = all_text(rendered.pdf)
    assert f"Page {rendered.pages} of {rendered.pages}" in text
    assert spec.agreement.name in text and doc.id in text
    assert rendered.pdf.startswith(b"%PDF-") and rendered.pdf.rstrip().endswith(b"%%EOF")

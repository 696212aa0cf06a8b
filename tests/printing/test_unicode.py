"""Names print as written in the embedded fonts; a character no font can draw stops the print, naming the field."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from app.printing import GlyphMissing, PrintError, build, render
from app.printing.fonts import FALLBACK, REGULAR, clean, face_for, fonts_dir
from tests.conftest import REPO
from tests.printing.helpers import NAMES, all_text, example


def test_fonts_and_licences_ship_in_resources() -> None:
    folder = REPO / "resources" / "fonts"
    assert fonts_dir() == folder
    for name in (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DroidSansFallback.ttf",
        "LICENSE-DejaVu.txt",
        "NOTICE-DroidSansFallback.txt",
        "LICENSE-DroidSansFallback-Apache-2.0.txt",
    ):
        assert (folder / name).is_file(), name
    assert "Bitstream Vera" in (folder / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Apache License" in (folder / "LICENSE-DroidSansFallback-Apache-2.0.txt").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("name", NAMES)
def test_names_round_trip(name: str) -> None:
    doc, spec = example("de-employee", worker__first_name=name, employer__contact_name=name)
    pdf = render(doc, spec).pdf
    text = all_text(pdf)
    assert text.count(name) >= 2  # in the request and on the cover sheet


def test_all_names_together_and_mixed_scripts_in_one_value() -> None:
    mixed = "José 王小明 Ελένη"
    doc, spec = example("de-employee", worker__first_name=mixed, worker__birth_city="Đà Nẵng 東京 서울")
    text = all_text(render(doc, spec).pdf)
    assert mixed in text and "Đà Nẵng 東京 서울" in text


def test_fonts_are_embedded_subsets() -> None:
    doc, spec = example("de-employee", worker__first_name="王小明")
    reader = PdfReader(io.BytesIO(render(doc, spec).pdf))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendant = font.get("/DescendantFonts")
            descriptor = (
                descendant[0].get_object()["/FontDescriptor"] if descendant else font.get("/FontDescriptor")
            )
            assert descriptor is not None and "/FontFile2" in descriptor.get_object()  # embedded TrueType
    assert any(REGULAR in n for n in names) and any(FALLBACK in n for n in names)
    assert not any("Helvetica" in n or "Times" in n for n in names)  # no unembedded standard font


def test_text_is_printed_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Núñez")
    doc, spec = example("de-employee", worker__last_name=decomposed)
    assert "Núñez" in all_text(render(doc, spec).pdf)


@pytest.mark.parametrize(
    ("char", "reason"),
    [
        ("🦄", "beyond U+FFFF"),
        ("😀", "beyond U+FFFF"),  # DejaVu Sans has it, but the PDF's text layer would not read back
        ("\u0915", "no font"),  # Devanagari: no embedded font has it
        ("\U0001f1fa", "beyond U+FFFF"),
        ("\u0e01", "no font"),  # Thai
        ("\ue000", "private-use"),
        ("\x07", "control character"),
        ("שלום"[0], "right-to-left"),
        ("مريم"[0], "right-to-left"),
        ("\U000e0001", ""),  # a language tag (Cf) is dropped, not refused
    ],
)
def test_a_character_no_font_can_draw_stops_the_print(char: str, reason: str) -> None:
    value = f"Ann{char}e"
    doc, spec = example("de-employee", worker__middle_name=value)
    if unicodedata.category(char) == "Cf":
        assert "Anne" in all_text(render(doc, spec).pdf)
        return
    with pytest.raises(GlyphMissing) as info:
        render(doc, spec)
    err = info.value
    assert isinstance(err, PrintError)
    assert err.where == "Middle name" and err.field == "worker.middle_name" and err.char == char
    assert err.user_text.startswith("Middle name: the character ")
    assert f"U+{ord(char):04X}" in err.user_text and reason in err.user_text


def test_the_error_names_a_family_member_row() -> None:
    family = [
        {"name": "John Example", "relationship": "spouse", "birth_date": "1986-02-20", "accompanying": True},
        {"name": "Baby 🍼", "relationship": "child", "birth_date": "2020-02-20", "accompanying": True},
    ]
    doc, spec = example("dk-employee", family=family)
    with pytest.raises(GlyphMissing) as info:
        build(doc, spec)
    assert info.value.where == "Family members, row 2: Full name"
    assert info.value.field == "family[1].name"


def test_fallback_is_only_for_what_dejavu_lacks() -> None:
    assert face_for("a") == REGULAR and face_for("ặ") == REGULAR and face_for("Ω") == REGULAR
    assert face_for("王") == FALLBACK and face_for("한") == FALLBACK and face_for("か") == FALLBACK
    assert face_for("🦄") is None and face_for("😀") is None and face_for("\x00") is None


def test_clean_normalises_breaks_and_drops_invisible_format_characters() -> None:
    assert clean("a\r\nb\rc\u2028d\te") == "a\nb\nc\nd e"
    assert clean("zero\u200bwidth\ufeff \u202eoverride\u00ad") == "zerowidth override"


def test_an_invalid_request_with_undrawable_text_in_an_unknown_field_still_prints() -> None:
    doc, spec = example("de-employee")
    doc.answers["bogus.😀"] = (
        "x"  # an unknown field is an error: named on the error page, never drawn as a box
    )
    rendered = render(doc, spec)
    assert not rendered.ready
    assert "bogus.\ufffd" in all_text(rendered.pdf)


PRINTABLE_NAMES = (
    "Zoë Ångström",
    "Søren Kierkegård",
    "Ōtsuka Ryūnosuke",
    "Dvořák Čapek",
    "Şükrü Öztürk",
    "Đorđe Marković",
    "Trần Thị Hồng Nhung",
    "Phạm Quỳnh Ưng",
    "Γιώργος Παπαδόπουλος",
    "Αθηνά Ξυδάκη",
    "Владимир Ёлкин",
    "Олександр Ґудзь",
    "Ǆemal Ǉubić",
    "山田太郎",
    "佐藤 はるか",
    "カタカナ・ミドル",
    "김민준",
    "이서연",
    "陳大文",
    "Łódź-Świętokrzyska",
    "Ævar Þórsson",
    "Nuño d'Árbol-Ñandú",
)
REFUSED_NAMES = (("שרה כהן", "right-to-left"), ("محمد علي", "right-to-left"), ("देवनागरी", "no font"))


@pytest.mark.parametrize("name", PRINTABLE_NAMES)
def test_real_names_across_scripts_print_as_written(name: str) -> None:
    doc, spec = example("de-employee", worker__last_name=name)
    assert name in all_text(render(doc, spec).pdf)


@pytest.mark.parametrize(("name", "reason"), REFUSED_NAMES)
def test_names_in_unsupported_scripts_are_refused_by_name(name: str, reason: str) -> None:
    doc, spec = example("de-employee", worker__last_name=name)
    with pytest.raises(GlyphMissing) as info:
        render(doc, spec)
    assert info.value.where == "Last name" and reason in info.value.user_text

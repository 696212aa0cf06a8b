"""Workbooks made by an attacker, not by Excel: each is refused with one clear line, and none can end the process.

calamine (the `.xlsx` reader) aborts the whole process, an error Python cannot catch, when a 1 KB workbook places
two cells far apart (it allocates the grid between them: calamine issue #693) or declares four billion shared
strings; its compound-file reader panics on a crafted `.xls` header. The crashing cases run in a child process
under a 2 GB address-space limit, so that without the guard the child dies (and the test fails) instead of the
test run or the machine.
"""

from __future__ import annotations

import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.roster import package, readers
from app.roster.errors import RosterError
from tests.roster.helpers import SAP, table, worker, write_xlsx

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>",
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
    '<sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>',
}
CHILD_MEMORY = 2 * 1024**3


def workbook(
    path: Path,
    sheet_data: str,
    *,
    sheet_part: str = "xl/worksheets/sheet1.xml",
    encoding: str = "utf-8",
    before: str = "",
    extra: dict[str, str] | None = None,
) -> Path:
    """A workbook of one sheet whose `<sheetData>` is `sheet_data` (cells written by hand)."""
    target = sheet_part.removeprefix("xl/")
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/>'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{name.removeprefix("xl/")}"/>'
            for i, (name, kind) in enumerate(
                [(n, "sharedStrings" if "sharedStrings" in n else "styles") for n in (extra or {})], 2
            )
        )
        + "</Relationships>"
    )
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    sheet = f'{declaration}{before}<worksheet xmlns="{NS}"><sheetData>{sheet_data}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr(sheet_part, sheet.encode("utf-16" if encoding == "utf-16" else "utf-8"))
        for name, text in (extra or {}).items():
            z.writestr(name, text)
    return path


def cell(ref: str | None, text: str) -> str:
    at = f' r="{ref}"' if ref else ""
    return f'<c{at} t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{cell("A1", "Given name")}{cell("B1", "Surname")}</row>'
ROW2 = f'<row r="2">{cell("A2", "Ann")}{cell("B2", "Lee")}</row>'


def read_in_child(path: Path) -> subprocess.CompletedProcess[str]:
    """`readers.read(path)` in a child process with a 2 GB address space: prints the refusal, or OK."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({CHILD_MEMORY}, {CHILD_MEMORY}))\n"
        "from app.roster import readers\n"
        "from app.roster.errors import RosterError\n"
        "try:\n"
        f"    table = readers.read({str(path)!r})\n"
        "    print('OK', len(table.rows))\n"
        "except RosterError as exc:\n"
        "    print('REFUSED', exc.user_text)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )


def refused_in_child(path: Path, *words: str) -> str:
    result = read_in_child(path)
    assert result.returncode == 0, f"the reader's process died ({result.returncode}): {result.stderr[-600:]}"
    assert result.stdout.startswith("REFUSED "), result.stdout
    for word in words:
        assert word in result.stdout, result.stdout
    return result.stdout


@pytest.mark.parametrize(
    "far",
    [
        pytest.param(f'<row r="1048576">{cell("XFD1048576", "x")}</row>', id="last-cell-of-the-grid"),
        pytest.param(f'<row r="9000">{cell("XFD9000", "x")}</row>', id="far-right-below"),
        pytest.param(f'<row r="3">{cell("XFD3", "x")}</row>', id="far-right"),
        pytest.param(f'<row r="1048576">{cell(None, "x")}</row>', id="row-number-only"),
        pytest.param(f"<row>{cell(None, 'x') * 300}</row>", id="cells-without-references"),
        pytest.param('<row r="3"><c r="xfd3"><v>1</v></c></row>', id="lower-case-reference"),
    ],
)
def test_cells_far_apart_are_refused_before_calamine_makes_their_grid(tmp_path: Path, far: str) -> None:
    path = workbook(tmp_path / "far.xlsx", HEADER + ROW2 + far)
    refused_in_child(path, "far.xlsx", "more than")


def test_a_reference_after_other_attributes_is_read_too(tmp_path: Path) -> None:
    """The guard reads `r` wherever it stands among a cell's or a row's attributes (Excel writes it first)."""
    far = '<row spans="1:2" r="9000"><c s="1" t="n" r="XFD9000"><v>1</v></c></row>'
    path = workbook(tmp_path / "late.xlsx", HEADER + ROW2 + far)
    with pytest.raises(package.SheetTooLarge, match="rows"):
        package.check(path, max_rows=8_000, max_columns=20_000)
    with pytest.raises(package.SheetTooLarge, match="columns"):
        package.check(path, max_rows=10_000, max_columns=16_000)
    package.check(path, max_rows=9_000, max_columns=16_384)


def test_a_far_cell_in_a_utf16_sheet_or_a_part_not_named_as_a_sheet_is_found_too(tmp_path: Path) -> None:
    far = f'<row r="1048576">{cell("XFD1048576", "x")}</row>'
    refused_in_child(workbook(tmp_path / "utf16.xlsx", HEADER + ROW2 + far, encoding="utf-16"), "more than")
    hidden = workbook(tmp_path / "hidden.xlsx", HEADER + ROW2 + far, sheet_part="xl/media/image1.png")
    refused_in_child(hidden, "more than")


def test_a_shared_strings_table_declaring_billions_of_texts_is_refused(tmp_path: Path) -> None:
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="4000000000" uniqueCount="4000000000">'
    sst += "<si><t>Ann</t></si></sst>"
    path = workbook(tmp_path / "sst.xlsx", HEADER + ROW2, extra={"xl/sharedStrings.xml": sst})
    refused_in_child(path, "sst.xlsx is damaged", "claims 4,000,000,000 texts")


def test_every_part_counts_towards_the_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A styles part of a few hundred MB unpacks from under 1 MB; calamine reads it all before any sheet."""
    styles = f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}"><cellXfs>'
    styles += '<xf numFmtId="14"/>' * 20_000 + "</cellXfs></styleSheet>"
    path = workbook(tmp_path / "styles.xlsx", HEADER + ROW2, extra={"xl/styles.xml": styles})
    assert readers.read(path).rows[0][1] == ["Ann", "Lee"]  # within the limit: read
    monkeypatch.setattr(package, "MAX_UNPACKED_BYTES", 100_000)
    with pytest.raises(RosterError, match="unpacks to"):
        readers.read(path)


def test_document_type_declarations_and_entities_are_refused(tmp_path: Path) -> None:
    laughs = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    external = '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    for name, before, text in (("laughs", laughs, "&b;"), ("external", external, "&x;")):
        path = workbook(
            tmp_path / f"{name}.xlsx", HEADER + f'<row r="2">{cell("A2", text)}</row>', before=before
        )
        with pytest.raises(RosterError, match="damaged"):
            readers.read(path)


def test_a_crafted_compound_file_gets_the_xls_message_not_a_panic(tmp_path: Path) -> None:
    import struct

    header = bytearray(readers.CFB_MAGIC + bytes(504))
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 0xFFFFFFF0)  # four billion FAT sectors
    struct.pack_into("<II", header, 0x3C, 0xFFFFFFFE, 0)
    struct.pack_into("<I", header, 0x44, 0xFFFFFFFE)
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(bytes(header) + bytes(512))
    refused_in_child(path, "old Excel 97-2003 format")


def test_the_guard_places_cells_as_calamine_does(tmp_path: Path) -> None:
    """Random sheets (cells with and without references, rows with and without numbers, empty cells): wherever
    calamine puts the cells that hold a value, the guard's span covers it, so it can refuse before calamine."""
    import python_calamine

    rng = random.Random(20261201)
    for case in range(150):
        rows: list[str] = []
        number = 0
        for _ in range(rng.randint(1, 6)):
            number += rng.randint(1, 4)
            attr = f' r="{number}"' if rng.random() < 0.6 else ""
            attr = (
                f' spans="1:12"{attr}' if rng.random() < 0.3 else attr
            )  # the number not the first attribute
            cells = []
            for column in sorted(rng.sample(range(12), rng.randint(0, 5))):
                ref = f"{readers.column_letter(column)}{number}" if rng.random() < 0.6 else None
                if rng.random() < 0.8:
                    written = cell(ref, "v")
                    if ref and rng.random() < 0.3:  # the reference after another attribute
                        written = written.replace(f' r="{ref}" t="inlineStr"', f' t="inlineStr" r="{ref}"')
                    cells.append(written)
                else:
                    cells.append(f'<c r="{ref or "A1"}"/>')
            rows.append(f"<row{attr}>{''.join(cells)}</row>")
        path = workbook(tmp_path / f"case{case}.xlsx", "".join(rows))
        book = python_calamine.load_workbook(str(path))
        sheet = book.get_sheet_by_name("Roster")
        height, width = sheet.height, sheet.width
        book.close()
        if not height:
            continue
        if height > 1:
            with pytest.raises(package.SheetTooLarge, match="rows"):
                package.check(path, max_rows=height - 1, max_columns=100)
        if width > 1:
            with pytest.raises(package.SheetTooLarge, match="columns"):
                package.check(path, max_rows=100, max_columns=width - 1)
        package.check(path, max_rows=height, max_columns=width)  # never stricter than the real span


def test_an_ordinary_roster_passes_the_guard(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(SAP, [worker(i) for i in range(30)]))
    package.check(path, max_rows=31, max_columns=len(SAP))
    assert len(readers.read(path).rows) == 30


def test_the_csv_sniffer_sees_a_bounded_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """csv.Sniffer's regexes backtrack over the whole sample: 64 KB of `;"a` kept it busy for 24 s. It is given the
    first few KB only (the time is the square of the sample's length, so this bounds it); the delimiter of an
    ordinary file is still found, and the file is read whole."""
    import csv

    seen: list[int] = []
    sniff = csv.Sniffer.sniff

    def spy(self: csv.Sniffer, sample: str, delimiters: str | None = None) -> type[csv.Dialect]:
        seen.append(len(sample))
        return sniff(self, sample, delimiters)

    monkeypatch.setattr(csv.Sniffer, "sniff", spy)
    hostile = tmp_path / "quotes.csv"
    hostile.write_text("Given name;Surname\n" + ';"a' * 21_000 + "\n", encoding="utf-8")
    with pytest.raises(RosterError, match="more than 200 columns"):
        readers.read(hostile)
    lines = [["Given name", "Surname", "Note"], *[["Ann", f"Lee {i}", "x" * 40] for i in range(2_000)]]
    ordinary = tmp_path / "semicolons.csv"
    ordinary.write_text("\n".join(";".join(line) for line in lines) + "\n", encoding="utf-8")
    table = readers.read(ordinary)
    assert table.delimiter == ";" and len(table.rows) == 2_000
    assert seen and max(seen) <= readers.SNIFF_CHARS


def test_hostile_mapping_files_get_one_line(tmp_path: Path) -> None:
    """A mapping file nesting 100,000 arrays made tomllib raise RecursionError (coc import exited 70); a device or
    a huge file was read whole."""
    from app.forms import default_catalog
    from app.roster.errors import MappingError
    from app.roster.mapping import MAX_MAPPING_BYTES, load_file

    catalog = default_catalog()
    deep = tmp_path / "deep.toml"
    deep.write_text("[columns]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match="nests arrays or tables too deeply"):
        load_file(deep, catalog)
    huge = tmp_path / "huge.toml"
    huge.write_text("[columns]\n" + "# padding\n" * (MAX_MAPPING_BYTES // 10 + 1), encoding="utf-8")
    with pytest.raises(MappingError, match="larger than a mapping file can be"):
        load_file(huge, catalog)
    with pytest.raises(MappingError, match="is not a file"):
        load_file(Path("/dev/zero"), catalog)


@pytest.mark.parametrize("bad", ["B", "B-", "B0", "B²", "B2x"])
def test_a_reference_without_its_row_after_a_good_one_is_refused(tmp_path: Path, bad: str) -> None:
    """The guard reuses the row of the cell before when the digits repeat: a reference with no digits (or digits
    that are not a row) after a good one must still be refused, as calamine refuses it, never given that row."""
    sheet = HEADER + f'<row r="2">{cell("A2", "Ann")}<c r="{bad}" t="inlineStr"><is><t>x</t></is></c></row>'
    path = workbook(tmp_path / "bad-ref.xlsx", sheet)
    with pytest.raises(RosterError, match="damaged"):
        package.check(path, max_rows=100, max_columns=100)

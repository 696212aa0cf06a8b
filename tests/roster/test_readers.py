"""Reading roster files: .xlsx through python-calamine, .csv through the csv module; every bad file gets one clear
line (RosterError, exit code 2) and nothing is guessed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.roster import package, readers
from app.roster.errors import RosterError
from app.roster.readers import read
from tests.roster.helpers import SAP, WORKDAY, table, worker, write_csv, write_xlsx


def refused(path: Path, *words: str) -> str:
    with pytest.raises(RosterError) as caught:
        read(path)
    text = caught.value.user_text
    assert "\n" not in text and caught.value.exit_code == 2
    for word in words:
        assert word in text, text
    return text


def test_xlsx_values_keep_their_types_and_accents(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(WORKDAY, [worker(1)]))
    t = read(path)
    assert t.kind == "xlsx" and t.sheet == "Roster" and t.header_row == 1
    row_number, cells = t.rows[0]
    assert row_number == 2
    by_header = dict(zip(t.headers, cells, strict=True))
    assert by_header["DOB"] == dt.date(1971, 2, 2)  # a real date cell, not text
    assert by_header["Employee First Name"] == "José" and by_header["Employee Last Name"] == "Núñez"
    assert by_header["City abroad"] == "Köln"


def test_title_above_the_header_and_blank_lines_are_passed(tmp_path: Path) -> None:
    lines = table(SAP, [worker(0), worker(1)])
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [lines[0], [None] * len(lines[0]), *lines[1:]],
        above=[["Assignments 2027"], []],
        merge=["A1:D1"],
    )
    t = read(path)
    assert t.header_row == 3 and t.headers[1] == "Given name"
    assert [n for n, _c in t.rows] == [5, 6]  # the blank line 4 is not a row


def test_formulas_give_their_cached_values(tmp_path: Path) -> None:
    lines = table(SAP, [worker(0)])
    path = write_xlsx(tmp_path / "r.xlsx", lines, formulas={"B2": ('=PROPER("jane")', "Jane")})
    t = read(path)
    assert t.rows[0][1][1] == "Jane"


def test_merged_cells_in_the_data_are_refused_with_their_range(tmp_path: Path) -> None:
    lines = table(SAP, [worker(0), worker(1), worker(2)])
    path = write_xlsx(tmp_path / "r.xlsx", lines, merge=["J2:J4"])
    refused(path, "J2:J4", "merged", "Unmerge")


def test_old_xls_format(tmp_path: Path) -> None:
    path = tmp_path / "roster.xls"
    path.write_bytes(readers.CFB_MAGIC + b"\x00" * 4096)  # an OLE compound file, as every .xls is
    refused(path, ".xls", "97-2003", "Excel Workbook (.xlsx)")


def test_password_protected_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", table(SAP, [worker(0)]))
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as out:
        OOXMLFile(source).encrypt("s3cret pass", out)
    refused(locked, "protected by a password", "remove the password")


def test_empty_files_and_sheets(tmp_path: Path) -> None:
    (tmp_path / "zero.csv").write_bytes(b"")
    refused(tmp_path / "zero.csv", "empty (0 bytes)")
    refused(write_xlsx(tmp_path / "blank.xlsx", []), "empty")
    refused(write_csv(tmp_path / "blank.csv", [[""], [""]]), "empty")
    refused(write_xlsx(tmp_path / "header.xlsx", [list(SAP.values())]), "no rows below")


def test_duplicate_headers_named_with_their_columns(tmp_path: Path) -> None:
    lines = [["First Name", "Last name", "first name"], ["Ann", "Lee", "Anne"]]
    refused(write_csv(tmp_path / "dup.csv", lines), "'first name' appears twice", "columns A and C")


def test_more_rows_than_the_limit(tmp_path: Path) -> None:
    lines = [["Given name", "Surname"], *[["Ann", f"Lee{i}"] for i in range(readers.MAX_ROWS + 1)]]
    text = refused(write_csv(tmp_path / "big.csv", lines), "at most 10,000", "Split")
    assert "10,001" in text
    ok = read(write_csv(tmp_path / "ok.csv", lines[:-1]))
    assert len(ok.rows) == readers.MAX_ROWS


def test_big_workbook_refused_before_it_is_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", table(SAP, [worker(i) for i in range(50)]))
    monkeypatch.setattr(package, "MAX_UNPACKED_BYTES", 1000)
    refused(path, "unpacks to", "sheet data")


def test_cp1252_semicolon_csv_from_european_excel(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", table(SAP, [worker(1)]), encoding="cp1252", delimiter=";", date_style="dots"
    )
    assert "é".encode("cp1252") in path.read_bytes()
    t = read(path)
    assert (t.encoding, t.delimiter) == ("cp1252", ";")
    assert any("Windows-1252" in n for n in t.notes)
    assert "Windows-1252" in t.describe() and "semicolons" in t.describe()
    cells = dict(zip(t.headers, t.rows[0][1], strict=True))
    assert (
        cells["Given name"] == "José"
        and cells["Surname"] == "Núñez"
        and cells["Date of Birth"] == "02.02.1971"
    )


def test_utf8_bom_sep_line_and_utf16_tab_text(tmp_path: Path) -> None:
    lines = table(SAP, [worker(2)])
    t = read(write_csv(tmp_path / "bom.csv", lines, encoding="utf-8-sig", delimiter=";", sep_line=True))
    assert t.delimiter == ";" and t.headers[0] == "Assignment number" and t.header_row == 2
    t = read(write_csv(tmp_path / "unicode.txt", lines, encoding="utf-16", delimiter="\t"))
    assert t.encoding == "utf-16" and t.delimiter == "\t" and t.rows[0][1][1] == "Zoë"


def test_not_text_and_web_pages(tmp_path: Path) -> None:
    page = tmp_path / "export.xls"
    page.write_text("<html><body><table><tr><td>First</td></tr></table></body></html>", encoding="utf-8")
    refused(page, "web page", "save it as an Excel Workbook")
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"a,b\n\x81\x8d\x8f,x\n")  # bytes that are neither UTF-8 nor Windows-1252
    refused(odd, "neither UTF-8 nor Windows-1252", "CSV UTF-8")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    refused(binary, "binary")
    (tmp_path / "zip.xlsx").write_bytes(b"PK\x03\x04garbage")
    refused(tmp_path / "zip.xlsx", "damaged")
    refused(tmp_path / "missing.xlsx", "no such file")


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "roster.csv", table(SAP, [worker(0)]))
    assert read(path).kind == "xlsx"


def test_an_encoding_given_by_the_coordinator(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mac.csv", table(SAP, [worker(1)]), encoding="mac_roman")
    assert read(path, encoding="mac_roman").rows[0][1][1] == "José"
    with pytest.raises(RosterError, match="Unknown text encoding"):
        read(path, encoding="klingon")


def test_too_wide_and_too_long_workbooks(tmp_path: Path) -> None:
    wide = [[f"Column {i}" for i in range(readers.MAX_COLUMNS + 1)], ["x"] * (readers.MAX_COLUMNS + 1)]
    refused(write_csv(tmp_path / "wide.csv", wide), f"more than {readers.MAX_COLUMNS} columns")
    refused(write_xlsx(tmp_path / "wide.xlsx", wide), f"more than {readers.MAX_COLUMNS} columns")
    long = write_xlsx(tmp_path / "long.xlsx", table(SAP, [worker(i) for i in range(40)]))
    with pytest.raises(RosterError, match="at most 5 are imported"):
        read(long, max_rows=5)  # far over: refused from the sheet's size, before its cells are loaded
    with pytest.raises(RosterError, match="has 40 rows; at most 39"):
        read(long, max_rows=39)

"""Reading a roster file into a header and rows of cells, with maintained libraries only.

- `.xlsx`: python-calamine (the Rust calamine reader): cell values typed as Excel stores them (numbers, text,
  booleans, dates for date-formatted cells), formulas as their cached values, merged ranges listed.
- `.csv`: the standard library's `csv` module. The encoding is found by a fixed ladder, not guessed: a byte-order
  mark (UTF-8, UTF-16), else strict UTF-8, else Windows-1252 (what Excel's plain "CSV" writes on Western
  Windows); the encoding used is reported. The delimiter comes from Excel's `sep=X` first line when there is one,
  else from `csv.Sniffer` restricted to `, ; TAB |`, else from the header line's most frequent of those.

The kind of file is decided by its first bytes, not its name, so a workbook saved as `.csv` (or the reverse) is
still read, and the old `.xls` format, a password-protected workbook or a web page saved as `.xls` each get one
clear line. Limits (documented in docs/roster.md) keep a hostile file from exhausting memory: the file size, the
number of rows and columns, and the length of a cell; `app.roster.package` looks at an `.xlsx` before calamine
does (unpacked size, the span of each sheet's cells, the declared number of texts).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.roster import package
from app.roster.errors import RosterError

Cell = str | float | int | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 10_000  # data rows, after the header
MAX_COLUMNS = 200
MAX_CELL_CHARS = 5_000
HEADER_SEARCH_ROWS = 20  # a title or a blank line may stand above the header
# What csv.Sniffer sees: its regexes backtrack over the whole sample (64 KB of `;"a` took 24 s), and a header
# with a few rows tells the delimiter as well as the whole file does.
SNIFF_CHARS = 8192

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx
DELIMITERS = ",;\t|"
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (Western European)",
}
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


@dataclass
class Table:
    """What a roster file holds: its header, and its non-empty rows with their numbers as the file shows them."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]
    kind: str  # "xlsx" or "csv"
    header_row: int
    sheet: str = ""
    encoding: str = ""
    delimiter: str = ""
    first_column: int = 0  # the sheet column of headers[0] (0 = A), for naming columns as Excel does
    notes: list[str] = field(default_factory=list)  # what the reader decided, in words (shown with the plan)

    def column_name(self, index: int) -> str:
        """How the coordinator knows a column: its header, or its letter when it has none."""
        return self.headers[index] or f"column {column_letter(self.first_column + index)}"

    def describe(self) -> str:
        if self.kind == "xlsx":
            return f"Excel workbook, sheet {self.sheet!r}, header on row {self.header_row}"
        return (
            f"CSV in {ENCODING_NAMES.get(self.encoding, self.encoding)}, separated by "
            f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}, header on row {self.header_row}"
        )


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as Excel names columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    max_rows: int = MAX_ROWS,
) -> Table:
    """The table in `path`, or `RosterError` with one line saying why it cannot be read."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise RosterError(f"{name} is not a file.")
        if size > MAX_FILE_BYTES:
            raise RosterError(
                f"{name} is {size / 1e6:.0f} MB; a roster may be at most {MAX_FILE_BYTES // 1024 // 1024} MB.",
                "Split it into smaller files.",
            )
        with path.open("rb") as fh:
            head = fh.read(512)
    except FileNotFoundError:
        raise RosterError(f"{name}: no such file.")
    except PermissionError:
        raise RosterError(f"{name} cannot be read: permission denied.")
    except IsADirectoryError:
        raise RosterError(f"{name} is a folder, not a file.")
    except OSError as exc:
        raise RosterError(f"{name} cannot be read ({exc.strerror or exc}).")
    if size == 0:
        raise RosterError(f"{name} is empty (0 bytes).", "Export the roster again from the HR system.")
    if head.startswith(ZIP_MAGIC):
        table = _read_xlsx(path, sheet, header_row, max_rows)
    elif head.startswith(CFB_MAGIC):
        raise _compound_file_error(path)
    else:
        table = _read_csv(path, head, header_row, encoding, max_rows)
    return table


# --- .xlsx ---------------------------------------------------------------------------------------------------------


def _compound_file_error(path: Path) -> RosterError:
    """An OLE compound file is either the old binary .xls format or an encrypted (password-protected) .xlsx.

    Both are refused; which message fits is told by the streams an encrypted package always has (their names,
    in UTF-16, in the compound file's directory), not by handing the file to a parser: calamine's compound-file
    reader panics, or allocates what a crafted header says, on files that are neither."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if all(name.encode("utf-16-le") in data for name in ("EncryptionInfo", "EncryptedPackage")):
        return RosterError(
            f"{path.name} is protected by a password, so it cannot be read.",
            "Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
            "clear it), save, and import it again.",
        )
    return RosterError(
        f"{path.name} is in the old Excel 97-2003 format (.xls), which is not read here.",
        "Open it in Excel and save it as an Excel Workbook (.xlsx), or as CSV UTF-8, then import that file.",
    )


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside calamine reaches Python as `pyo3_runtime.PanicException`, a BaseException."""
    return type(exc).__name__ == "PanicException"


def _read_xlsx(path: Path, sheet_name: str | None, header_row: int | None, max_rows: int) -> Table:
    import python_calamine

    grid_rows = 2 * max_rows + HEADER_SEARCH_ROWS  # beyond, refused from the sheet's size before loading it
    try:
        package.check(path, max_rows=grid_rows, max_columns=MAX_COLUMNS)
    except package.SheetTooLarge as exc:
        if exc.what == "rows":
            raise _too_many(path.name, None, max_rows)
        raise RosterError(
            f"{path.name}: a sheet has more than {MAX_COLUMNS} columns.", "Keep only the roster's columns."
        )
    try:
        book = python_calamine.load_workbook(str(path))
    except python_calamine.PasswordError:
        raise _compound_file_error(path)
    except BaseException as exc:  # calamine's own errors (zip, XML) and panics: not a readable workbook
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise RosterError(f"{path.name} is damaged: Excel's data inside it cannot be read.")
    try:
        worksheets = [
            m.name
            for m in book.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
            and m.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        if sheet_name is not None:
            if sheet_name not in book.sheet_names:
                shown = ", ".join(repr(n) for n in worksheets[:10])
                raise RosterError(f"{path.name} has no sheet {sheet_name!r}; its sheets are {shown}.")
            chosen = sheet_name
        elif worksheets:
            chosen = worksheets[0]
        else:
            raise RosterError(f"{path.name} has no visible worksheet.")
        try:
            sheet = book.get_sheet_by_name(chosen)
            if sheet.height > grid_rows:  # far over the limit: not even loaded
                raise _too_many(path.name, sheet.height, max_rows)
            values = sheet.to_python(skip_empty_area=True)
            merged = list(sheet.merged_cell_ranges or [])
            start = sheet.start
            top, left = start if values and start else (0, 0)
        except RosterError:
            raise
        except BaseException as exc:
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise
            raise RosterError(f"{path.name} is damaged: sheet {chosen!r} cannot be read.")
    finally:
        book.close()
    rows = [
        (top + i + 1, [None if c == "" else c for c in row[:MAX_COLUMNS]]) for i, row in enumerate(values)
    ]
    if values and len(values[0]) > MAX_COLUMNS:
        raise RosterError(
            f"{path.name}: sheet {chosen!r} has more than {MAX_COLUMNS} columns.",
            "Keep only the roster's columns.",
        )
    table = _table(path.name, rows, left, header_row, max_rows, kind="xlsx", where=f"sheet {chosen!r}")
    table.sheet = chosen
    _refuse_merged(path.name, merged, table.header_row)
    if len(worksheets) > 1 and sheet_name is None:
        table.notes.append(f"The workbook has {len(worksheets)} sheets; the first, {chosen!r}, was read.")
    return table


def _refuse_merged(
    name: str, merged: Sequence[tuple[tuple[int, int], tuple[int, int]]], header_row: int
) -> None:
    """Merged cells at or below the header make a value stand for several rows or columns: refused, named.

    A merged title above the header is fine (it is not read)."""
    for (r0, c0), (r1, c1) in merged:
        if r1 + 1 >= header_row:
            where = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
            raise RosterError(
                f"{name}: cells {where} are merged, so one value stands for several cells.",
                "Unmerge them in Excel (Home > Merge & Center > Unmerge Cells), fill in every cell, save and "
                "import again.",
            )


# --- .csv ----------------------------------------------------------------------------------------------------------


def _decode(name: str, data: bytes, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used): the forced encoding, or the ladder BOM -> UTF-8 -> Windows-1252."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise RosterError(f"Unknown text encoding {encoding!r}.", "Use, for example, utf-8 or cp1252.")
        except UnicodeDecodeError as exc:
            raise RosterError(f"{name} is not valid {encoding} text (byte {exc.start + 1}).")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise RosterError(
        f"{name} is neither UTF-8 nor Windows-1252 text.",
        "Save it from Excel as 'CSV UTF-8 (Comma delimited)' and import that file.",
    )


def _dialect(text: str) -> tuple[str, str]:
    """(delimiter, text without Excel's `sep=` line)."""
    first, _nl, rest = text.partition("\n")
    match = re.fullmatch(r"\s*sep=(.)\s*", first)
    if match and match.group(1) in DELIMITERS:
        return match.group(1), rest
    sample = text[
        :SNIFF_CHARS
    ]  # csv.Sniffer's quote-finding regexes take time growing with the square of this
    cut = sample.rfind("\n")
    if cut > 0:
        sample = sample[:cut]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter, text
    except csv.Error:
        pass
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return (best if counts[best] else ","), text


def _read_csv(path: Path, head: bytes, header_row: int | None, encoding: str | None, max_rows: int) -> Table:
    name = path.name
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise RosterError(
            f"{name} is a web page or an XML file, not a spreadsheet (some HR systems save these with an Excel "
            "name).",
            "Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8.",
        )
    data = path.read_bytes()
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterError(f"{name} is not a spreadsheet or a CSV file (it holds binary data).")
    text, used = _decode(name, data, encoding)
    delimiter, body = _dialect(text)
    skipped = 1 if body is not text else 0
    rows: list[tuple[int, list[Cell]]] = []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    limit = max_rows + HEADER_SEARCH_ROWS + 1
    try:
        for record in reader:
            if len(record) > MAX_COLUMNS:
                raise RosterError(
                    f"{name}: line {reader.line_num + skipped} has more than {MAX_COLUMNS} columns."
                )
            cells: list[Cell] = [c if c.strip() else None for c in record]
            if any(c is not None for c in cells):
                rows.append((reader.line_num + skipped, cells))
                if len(rows) > limit:
                    raise _too_many(name, None, max_rows)
    except csv.Error as exc:
        raise RosterError(f"{name}: line {reader.line_num + skipped} cannot be read as CSV ({exc}).")
    table = _table(name, rows, 0, header_row, max_rows, kind="csv", where="the file")
    table.encoding, table.delimiter = used, delimiter
    if used == "cp1252":
        table.notes.append("The file is not UTF-8; it was read as Windows-1252 (Western European).")
    return table


# --- both ------------------------------------------------------------------------------------------------------------


def _too_many(name: str, count: int | None, max_rows: int) -> RosterError:
    counted = f"has {count:,} rows" if count else f"has more than {max_rows:,} rows"
    return RosterError(
        f"{name} {counted}; at most {max_rows:,} are imported at once.", "Split it into smaller files."
    )


def header_key(text: str) -> str:
    """A header as compared: accents and case folded, punctuation as spaces (`Date of Birth:` -> `date of birth`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def _cell_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def _table(
    name: str,
    rows: list[tuple[int, list[Cell]]],
    left: int,
    header_row: int | None,
    max_rows: int,
    *,
    kind: str,
    where: str,
) -> Table:
    rows = [(n, cells) for n, cells in rows if any(c is not None and _cell_text(c) for c in cells)]
    if not rows:
        raise RosterError(f"{name}: {where} is empty.", "Export the roster again, with its header row.")
    if header_row is not None:
        index = next((i for i, (n, _c) in enumerate(rows) if n == header_row), None)
        if index is None:
            raise RosterError(f"{name}: row {header_row} (the header row the mapping names) is empty.")
    else:
        index = next(
            (
                i
                for i, (_n, cells) in enumerate(rows[:HEADER_SEARCH_ROWS])
                if sum(c is not None for c in cells) >= 2
            ),
            0,
        )
    number, header_cells = rows[index]
    data = rows[index + 1 :]
    if not data:
        raise RosterError(f"{name}: {where} has a header but no rows below it.")
    if len(data) > max_rows:
        raise _too_many(name, len(data), max_rows)
    headers = [_cell_text(c) for c in header_cells]
    width = max(len(headers), *(len(cells) for _n, cells in data))
    headers += [""] * (width - len(headers))
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if key in seen:
            first = column_letter(left + seen[key])
            raise RosterError(
                f"{name}: the header {header!r} appears twice (columns {first} and {column_letter(left + i)}).",
                "Rename or delete one of the two columns, then import again.",
            )
        seen[key] = i
    table = Table(
        headers,
        [(n, cells + [None] * (width - len(cells))) for n, cells in data],
        kind,
        number,
        first_column=left,
    )
    table.notes.extend(
        f"Column {column_letter(left + i)} has no header; its values are not imported."
        for i, header in enumerate(headers)
        if not header and any(cells[i] is not None for _n, cells in table.rows)
    )
    return table

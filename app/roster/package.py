"""An `.xlsx` package looked at before calamine reads it: what a hostile workbook could make calamine do.

calamine is fast and memory-safe, but it trusts a workbook's shape, and some shapes end the whole process (an
abort on a failed allocation is not an exception Python can catch):

- it lays a sheet out as a dense grid spanning the cells that hold a value, so two cells far apart (`A1` and
  `XFD1048576`: a 1 KB file) make it allocate rows x columns x 32 bytes, up to 550 GB (calamine issue #693);
- it reserves room for the number of strings the shared-strings table declares (`uniqueCount`), read as is;
- it unpacks every part it reads (styles too), however far the part unpacks.

So, before calamine opens the file: the parts' unpacked sizes are added up (the zip readers enforce each part's
declared size: a part that unpacks further is refused as damaged); the cells of every worksheet part are placed as
calamine places them (a `<row r>`, a `<c r>`, or the next row and column) with the standard library's expat
parser, and a sheet whose cells span more rows or columns than the reader would accept is refused before its grid
exists; the shared-strings table may not declare more strings than it could hold. The parts are found by their
content (`sheetData`, `uniqueCount`, in UTF-8 or UTF-16 as quick-xml reads them), not by their names, since a
workbook's relationships may name any part as a sheet. A part that holds a sheet must be well-formed XML without a
document type declaration (Excel writes none; one could declare entities).
"""

from __future__ import annotations

import string
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from app.roster.errors import RosterError

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # every part together, unpacked
MAX_PARTS = 10_000
CHUNK = 1024 * 1024
SHEET_MARKS = tuple("sheetData".encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))
STRINGS_MARKS = tuple("uniqueCount".encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in SHEET_MARKS + STRINGS_MARKS)


class _Stop(Exception):
    """Raised from an expat handler to stop parsing early."""


class SheetTooLarge(Exception):
    """A sheet's cells span more rows (`what` = "rows") or columns than allowed; the reader says it its way."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def check(path: Path, *, max_rows: int, max_columns: int) -> None:
    """Refuse (`RosterError`) an `.xlsx` whose parts would make calamine allocate or unpack without bound;
    `SheetTooLarge` when a sheet's cells span more than `max_rows` rows or `max_columns` columns."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise RosterError(f"{name} holds {len(infos):,} parts; an Excel workbook holds a few dozen.")
            _refuse_unreadable(name, infos)
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED_BYTES:
                raise RosterError(
                    f"{name} unpacks to {unpacked / 1e6:.0f} MB of sheet data and styles, more than a roster "
                    "can hold.",
                    f"A roster may have at most {max_rows:,} rows; split it into smaller files.",
                )
            for info in infos:
                sheet, strings = _marks(archive, info)
                if sheet:
                    _check_sheet(archive, info, name, max_rows=max_rows, max_columns=max_columns)
                if strings:
                    _check_strings(archive, info, name, max_strings=max_rows * max_columns)
    except (RosterError, SheetTooLarge):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # a part whose unpacked bytes differ from what the archive declares (a bad CRC, a short part), an
        # unsupported compression, a damaged directory
        raise RosterError(f"{name} is damaged: it is not a complete Excel workbook.")


def _refuse_unreadable(name: str, infos: list[zipfile.ZipInfo]) -> None:
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        what = "an OpenDocument spreadsheet" if "content.xml" in names else "a zip archive"
        raise RosterError(
            f"{name} is {what}, not an Excel workbook.", "Save it as an Excel Workbook (.xlsx) or as CSV."
        )


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The unpacked bytes of a part; zipfile stops at its declared size and checks its CRC."""
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            yield chunk


def _marks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bool, bool]:
    """(holds a sheet's cells, holds a shared-strings table), from the part's bytes."""
    sheet = strings = False
    tail = b""
    for chunk in _chunks(archive, info):
        window = tail + chunk
        sheet = sheet or any(m in window for m in SHEET_MARKS)
        strings = strings or any(m in window for m in STRINGS_MARKS)
        tail = window[-_OVERLAP:]
    return sheet, strings


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()

    def no_doctype(*_args: object) -> None:
        raise _Stop("doctype")

    parser.StartDoctypeDeclHandler = no_doctype
    return parser


def _local(name: str) -> str:
    return name if ":" not in name else name.rpartition(":")[2]


_LETTERS = string.ascii_letters
_COLUMNS: dict[str, int] = {}  # column letters -> 0-based column, as met (rosters repeat the same few)


def _position(ref: str) -> tuple[int, int]:
    """A reference's (row, column), 0-based (`B12` -> (11, 1)), as calamine reads it: ASCII letters (either case),
    then ASCII digits; the column is -1 when there are no letters. ValueError for what calamine refuses too. (String
    methods rather than a regular expression: this runs for every cell of the sheet.)"""
    digits = ref.lstrip(_LETTERS)
    if not (digits.isascii() and digits.isdigit()):  # also refuses no digits at all
        raise ValueError(ref)
    letters = ref[: len(ref) - len(digits)]
    column = _COLUMNS.get(letters)
    if column is None:
        column = -1
        for ch in letters.upper():
            column = (column + 1) * 26 + ord(ch) - 65
        if len(_COLUMNS) < 1024:
            _COLUMNS[letters] = column
    row = int(digits) - 1
    if row < 0:
        raise ValueError(ref)
    return row, column


def _attribute(attrs: list[str], name: str) -> str | None:
    """An attribute's value from expat's ordered list (names at even places), or None."""
    for i in range(0, len(attrs) - 1, 2):
        if attrs[i] == name:
            return attrs[i + 1]
    return None


class _Extent:
    """The span of the cells that hold a value, placed as calamine places them; stops at the first excess.

    Only element starts are looked at (following ends too would double the work): a `<row>` without a number is
    the row after the previous one, a `<c>` without a reference the column after the previous cell of its row, and
    a cell holds a value when any element (`v`, `is`, `f`...) starts between it and the next cell or row. Whatever
    this counts that calamine would not (a stray element after a cell) can only make the span larger. The handler
    is one closure over local variables: it runs for every element of the sheet."""

    def __init__(self, max_rows: int, max_columns: int) -> None:
        self.too_many = ""
        row = column = cell_row = cell_column = -1
        pending = False
        top = left = 1 << 62
        bottom = right = -1
        # the digits of the last cell reference `_position` accepted, and their row: the next cells share them
        digits_seen: str | None = None
        row_seen = -1

        def start(name: str, attrs: list[str]) -> None:  # attrs: [name, value, name, value...]
            nonlocal row, column, cell_row, cell_column, pending, digits_seen, row_seen
            nonlocal top, left, bottom, right
            if ":" in name:
                name = name.rpartition(":")[2]
            if name == "c":
                # Excel writes r first
                ref = attrs[1] if attrs and attrs[0] == "r" else _attribute(attrs, "r")
                if ref is None:
                    column += 1
                    cell_row = row
                else:  # `_position(ref)`, without its work for the digits of the cell before, already read
                    digits = ref.lstrip(_LETTERS)
                    known = _COLUMNS.get(ref[: len(ref) - len(digits)]) if digits == digits_seen else None
                    if known is None:
                        cell_row, column = _position(ref)
                        digits_seen, row_seen = digits, cell_row
                    else:
                        cell_row, column = row_seen, known
                cell_column = column
                pending = True
            elif name == "row":
                ref = attrs[1] if attrs and attrs[0] == "r" else _attribute(attrs, "r")
                row = row + 1 if ref is None else _position(ref)[0]
                column = -1
                pending = False
            elif pending:  # an element after a cell started: the cell holds a value
                pending = False
                if cell_row < top:
                    top = cell_row
                if cell_row > bottom:
                    bottom = cell_row
                if cell_column < left:
                    left = cell_column
                if cell_column > right:
                    right = cell_column
                if bottom - top >= max_rows:
                    self.too_many = "rows"
                    raise _Stop("rows")
                if right - left >= max_columns:
                    self.too_many = "columns"
                    raise _Stop("columns")

        self.start = start


def _check_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, *, max_rows: int, max_columns: int
) -> None:
    extent = _Extent(max_rows, max_columns)
    parser = _parser()
    parser.ordered_attributes = True  # a list is cheaper to build than a dict, for every element of the sheet
    parser.StartElementHandler = extent.start
    try:
        for chunk in _chunks(archive, info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Stop:
        if extent.too_many:
            raise SheetTooLarge(extent.too_many)
        raise RosterError(
            f"{name} is damaged: a sheet in it declares a document type, which Excel never writes."
        )
    except (expat.ExpatError, ValueError, RecursionError):
        raise RosterError(f"{name} is damaged: a sheet in it is not well-formed.")


def _check_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, *, max_strings: int) -> None:
    """The shared-strings table's declared count (calamine reserves room for it) must be one it could hold."""
    declared: list[str] = []

    def start(element: str, attrs: dict[str, str]) -> None:
        if _local(element) == "sst":
            declared.append(attrs.get("uniqueCount", ""))
        raise _Stop("root")  # only the root element matters

    parser = _parser()
    parser.StartElementHandler = start
    try:
        for chunk in _chunks(archive, info):
            parser.Parse(chunk, False)
    except (_Stop, expat.ExpatError):
        pass
    count = declared[0].strip().lstrip("+") if declared else ""
    limit = min(max_strings, info.file_size // len("<si/>") + 1)
    if count.isascii() and count.isdigit() and int(count) > limit:
        raise RosterError(
            f"{name} is damaged: its table of texts claims {int(count):,} texts, more than it holds or a roster "
            "can have.",
            "Open it in Excel, save it again, and import the saved file.",
        )

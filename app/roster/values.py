"""Values as HR systems export them, read into the request format's values (docs/request-format.md).

Each reader takes one cell (text from a CSV; a number, a date, a boolean or text from a workbook) and returns a
`Parsed`: the value to store, and a problem when the cell could not be read. Nothing is guessed: a cell that
is not read by a rule below is reported by row and column. For text-valued fields (dates, countries, SSNs...)
the cell's own text is kept in the draft, so that the request's verdict flags it at its field and the coordinator
can fix it in the wizard without going back to the file; a yes/no that cannot be read is left empty.

- Dates: a date cell of the workbook; a number in a date column as an Excel serial date (1900 date system);
  `YYYY-MM-DD` (a time after it is dropped); `M/D/YYYY` or `M-D-YYYY` (U.S. order, or `D/M/YYYY` when the
  mapping says `date_order = "dmy"`); `D.M.YYYY` (dots are day-first everywhere). Two-digit years are refused.
- Countries: the ISO code (two or three letters) or the English name, with a few common other names (USA, UK,
  South Korea, Czech Republic, Holland...); accents and case do not matter.
- Yes/no: yes/no, y/n, true/false, t/f, 1/0, x (checked), a workbook's TRUE/FALSE.
- SSN and EIN: nine digits with or without dashes or spaces; a workbook number is zero-padded to nine digits
  (Excel's "Social Security Number" format shows it so).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.forms.model import FieldSpec, FieldType
from app.roster.readers import MAX_CELL_CHARS, Cell
from app.store.columns import fold

if TYPE_CHECKING:
    from app.forms import Catalog

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, after Excel's 1900 leap-year bug (serial 60)
MIN_SERIAL, MAX_SERIAL = 61, 73415  # 1900-03-01 .. 2100-12-31

YES = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "✔"})
NO = frozenset({"no", "n", "false", "f", "0"})

COUNTRY_SYNONYMS = {
    "usa": "US",
    "u s": "US",
    "u s a": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "korea south": "KR",
    "czech republic": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "espana": "ES",
    "schweiz": "CH",
    "suisse": "CH",
    "osterreich": "AT",
    "brasil": "BR",
    "italia": "IT",
    "nippon": "JP",
    "polska": "PL",
    "sverige": "SE",
    "norge": "NO",
    "suomi": "FI",
    "danmark": "DK",
    "island": "IS",
    "eire": "IE",
    "slovak republic": "SK",
    "hellas": "GR",
}
KIND_WORDS = {
    "employee": "employee",
    "employed": "employee",
    "employee sent abroad": "employee",
    "self employed": "self_employed",
    "selfemployed": "self_employed",
    "self employed person": "self_employed",
    "self employment": "self_employed",
}


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Any  # what goes into the answers; None for nothing
    problem: str = ""  # why the cell was not read (never the value itself: it may be personal data)


EMPTY = Parsed(None)


@lru_cache(maxsize=4096)
def key(text: str) -> str:
    """Folded, punctuation as spaces: 'Côte-d'Ivoire' -> 'cote d ivoire' (remembered: rosters repeat values)."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def as_text(cell: Cell) -> str:
    """A cell as the text a person sees: whole numbers without '.0', dates as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def parse(field: FieldSpec, cell: Cell, *, date_order: str = "mdy") -> Parsed:
    """The value of `cell` for `field`; never raises."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return EMPTY
    if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
        return Parsed(None, f"longer than {MAX_CELL_CHARS:,} characters; not read")
    reader = _READERS.get(field.type, _text)
    try:
        return reader(field, cell, date_order)
    except Exception:  # a reader bug must not stop an import: the cell is reported instead
        return Parsed(None, "could not be read")


def _kept(cell: Cell, problem: str) -> Parsed:
    """A cell that was not read: its text is kept (the verdict then flags the field), and it is reported."""
    return Parsed(as_text(cell), problem)


def _text(field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    if isinstance(cell, dt.time | dt.timedelta):
        return Parsed(None, "is a time, not text")
    return Parsed(as_text(cell))


# --- dates -----------------------------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?")
_SLASH = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{2,4})")
_DOTS = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2,4})\.?")


def _date(_field: FieldSpec, cell: Cell, order: str) -> Parsed:
    if isinstance(cell, dt.datetime):
        return Parsed(cell.date().isoformat())
    if isinstance(cell, dt.date):
        return Parsed(cell.isoformat())
    if isinstance(cell, bool):
        return Parsed(None, "is yes/no, not a date")
    if isinstance(cell, int | float):
        if float(cell).is_integer() and MIN_SERIAL <= cell <= MAX_SERIAL:
            return Parsed((EXCEL_EPOCH + dt.timedelta(days=int(cell))).isoformat())
        return Parsed(None, "is a number, not a date")
    if not isinstance(cell, str):
        return Parsed(None, "is not a date")
    text = cell.strip()
    year = month = day = ""
    if m := _ISO.fullmatch(text):
        year, month, day = m.group(1), m.group(2), m.group(3)
    elif m := _SLASH.fullmatch(text):
        first, second, year = m.group(1), m.group(3), m.group(4)
        month, day = (second, first) if order == "dmy" else (first, second)
    elif m := _DOTS.fullmatch(text):
        day, month, year = m.group(1), m.group(2), m.group(3)
    elif text.isdigit() and MIN_SERIAL <= int(text) <= MAX_SERIAL:
        return Parsed((EXCEL_EPOCH + dt.timedelta(days=int(text))).isoformat())
    else:
        written = "day/month/year" if order == "dmy" else "month/day/year"
        return _kept(cell, f"is not a date (write YYYY-MM-DD or {written})")
    if len(year) != 4:
        return _kept(cell, "has a two-digit year; write the year with four digits")
    try:
        return Parsed(dt.date(int(year), int(month), int(day)).isoformat())
    except ValueError:
        written = "day/month/year" if order == "dmy" else "month/day/year"
        return _kept(
            cell,
            f"is not a real date (read as {written})" if not _ISO.fullmatch(text) else "is not a real date",
        )


# --- countries, states, agreements, kinds ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (
            c.alpha_2,
            c.alpha_3,
            c.name,
            getattr(c, "official_name", ""),
            getattr(c, "common_name", ""),
        ):
            if name:
                index.setdefault(key(name), c.alpha_2)
    index.update(COUNTRY_SYNONYMS)
    return index


def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of a country written as a code or a name; None when it is not one."""
    return _country_index().get(key(text))


@lru_cache(maxsize=1)
def _state_index() -> dict[str, str]:
    from app.forms.validate import us_state_codes

    index: dict[str, str] = {}
    for code, name in us_state_codes().items():
        index[key(code)] = code
        index[key(name)] = code
    index["washington dc"] = index["d c"] = "DC"
    return index


def _country(_field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    code = country_code(as_text(cell)) if isinstance(cell, str) else None
    return Parsed(code) if code else _kept(cell, "is not a country's name or ISO code")


def _state(_field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    code = _state_index().get(key(as_text(cell))) if isinstance(cell, str) else None
    return Parsed(code) if code else _kept(cell, "is not a U.S. state's name or two-letter code")


_INDEXES: dict[int, tuple[Catalog, dict[str, str], dict[str, str], dict[str, str]]] = {}


def _indexes(catalog: Catalog) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(agreement by id/name/region, agreement by country code, kind by id/label/word), once per catalog."""
    hit = _INDEXES.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1], hit[2], hit[3]
    named: dict[str, str] = {}
    by_country: dict[str, str] = {}
    for agreement in catalog.agreements.values():
        for name in (agreement.id, agreement.name, agreement.region):
            if name:
                named[key(name)] = agreement.id
        if not agreement.region:
            by_country[agreement.country] = agreement.id
    kinds = {spec.kind for spec in catalog.forms.values()}
    by_kind = {word: kind for word, kind in KIND_WORDS.items() if kind in kinds}
    for spec in catalog.forms.values():
        by_kind[key(spec.kind)] = by_kind[key(spec.kind_label)] = spec.kind
    _INDEXES[id(catalog)] = (catalog, named, by_country, by_kind)
    return named, by_country, by_kind


def agreement_id(text: str, catalog: Catalog) -> str | None:
    """The agreement named by a cell: its id, its name, or its country (name or code); Quebec by name or CA-QC."""
    wanted = key(text)
    if not wanted:
        return None
    named, by_country, _kinds = _indexes(catalog)
    if wanted in named:
        return named[wanted]
    code = country_code(text)
    return by_country.get(code) if code else None


def kind_id(text: str, catalog: Catalog) -> str | None:
    return _indexes(catalog)[2].get(key(text))


# --- yes/no, identifiers, choices ------------------------------------------------------------------------------------


def _yesno(_field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    if isinstance(cell, bool):
        return Parsed(cell)
    if isinstance(cell, int | float) and cell in (0, 1):
        return Parsed(bool(cell))
    word = key(as_text(cell)) if isinstance(cell, str) else ""
    if word in YES or cell in ("✓", "✔"):
        return Parsed(True)
    if word in NO:
        return Parsed(False)
    return Parsed(None, "is not yes or no; left empty")


def _nine_digits(cell: Cell) -> str | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        if float(cell).is_integer() and 0 <= cell < 1_000_000_000:
            return f"{int(cell):09d}"
        return None
    text = as_text(cell)
    if not re.fullmatch(r"[\d\s-]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == 9 else None


def _ssn(_field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    digits = _nine_digits(cell)
    if digits is None:
        return _kept(cell, "is not nine digits")
    return Parsed(f"{digits[:3]}-{digits[3:5]}-{digits[5:]}")


def _ein(_field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    digits = _nine_digits(cell)
    if digits is None:
        return _kept(cell, "is not nine digits")
    return Parsed(f"{digits[:2]}-{digits[2:]}")


def _choice(field: FieldSpec, cell: Cell, _order: str) -> Parsed:
    wanted = key(as_text(cell))
    for choice in field.choices:
        if wanted in (key(choice.value), key(choice.label)):
            return Parsed(choice.value)
    return _kept(cell, f"is not one of: {', '.join(c.label for c in field.choices)}")


def _group(_field: FieldSpec, _cell: Cell, _order: str) -> Parsed:
    return Parsed(None, "is a list of rows, which a roster's single cell cannot hold; add them in the wizard")


_READERS = {
    FieldType.DATE: _date,
    FieldType.COUNTRY: _country,
    FieldType.US_STATE: _state,
    FieldType.YESNO: _yesno,
    FieldType.SSN: _ssn,
    FieldType.EIN: _ein,
    FieldType.CHOICE: _choice,
    FieldType.GROUP: _group,
}

"""Which roster column fills which field: a mapping file (TOML), or a guess from the headers, or both.

A mapping file:

    [columns]                                  # header (as in the file) = field id; "" ignores the column
    "Employee First Name" = "worker.first_name"
    "Assignment ID" = "request.external_ref"
    "Host" = "request.agreement"               # country name or code, or agreement id: picks the form per row

    [constants]                                # field id = value, for every row
    "employment.stays_with_us_employer" = true
    "request.kind" = "employee"

    [options]
    sheet = "Roster"                           # default: the first visible sheet
    header_row = 3                             # default: the first row with two or more cells filled
    date_order = "dmy"                         # slashed dates as day/month/year (default "mdy", U.S.)

Headers the file does not name are matched as they are without a file: by the field's id (`worker.ssn`,
`ssn`), its label (`Date of birth`), its section and label (`Employer city`), or a common HR synonym (`DOB`,
`Given name`, `Host Country`, `Assignment Start`). Only whole headers match (accents, case and punctuation aside):
nothing is matched by resemblance. A column that matches nothing is listed as ignored.

Two targets are not fields: `request.agreement` (the agreement, per row) and `request.kind` (employee or
self-employed). Without a column or constant for them, `--form` gives the form; the kind defaults to
employee, and the plan says so.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from app.forms.model import FieldSpec, FieldType
from app.roster.errors import MappingError
from app.roster.readers import Table, header_key

if TYPE_CHECKING:
    from app.forms import Catalog

AGREEMENT = "request.agreement"
KIND = "request.kind"
EXTERNAL_REF = "request.external_ref"
PSEUDO = (AGREEMENT, KIND)
IGNORE = ""
MAX_MAPPING_BYTES = 256 * 1024  # a mapping names a few dozen columns; a file beyond is not one
T = TypeVar("T")

# Where a field of one kind of form lives in the other (an employee's assignment dates are a self-employed
# person's self-employment dates).
FALLBACKS = {
    "assignment.start_date": "self.start_date",
    "assignment.end_date": "self.end_date",
    "self.start_date": "assignment.start_date",
    "self.end_date": "assignment.end_date",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "worker.first_name": (
        "first name",
        "firstname",
        "first",
        "given name",
        "given names",
        "forename",
        "employee first name",
        "legal first name",
    ),
    "worker.middle_name": ("middle name", "middle initial", "middle", "mi", "employee middle name"),
    "worker.last_name": (
        "last name",
        "lastname",
        "last",
        "surname",
        "family name",
        "employee last name",
        "legal last name",
    ),
    "worker.birth_date": ("dob", "d o b", "date of birth", "birth date", "birthdate", "birthday"),
    "worker.birth_city": ("place of birth", "city of birth", "birth city", "birthplace", "town of birth"),
    "worker.birth_country": ("country of birth", "birth country"),
    "worker.citizenship": ("citizenship", "nationality", "country of citizenship", "citizen of"),
    "worker.residence_country": ("country of residence", "residence country", "home country"),
    "worker.ssn": (
        "ssn",
        "social security number",
        "social security no",
        "social security",
        "ss number",
        "ss no",
        "soc sec no",
        "employee ssn",
    ),
    AGREEMENT: (
        "host country",
        "country",
        "destination",
        "destination country",
        "assignment country",
        "country of assignment",
        "host location country",
        "work country",
        "agreement",
        "agreement country",
    ),
    KIND: ("kind", "request kind", "request type", "worker type", "coverage type"),
    EXTERNAL_REF: (
        "assignment id",
        "assignment number",
        "assignment no",
        "assignment ref",
        "assignment reference",
        "hr assignment id",
        "hr reference",
        "external ref",
        "external reference",
        "your reference",
        "case id",
        "case number",
    ),
    "assignment.start_date": (
        "assignment start",
        "assignment start date",
        "start date",
        "start",
        "start of assignment",
        "begin date",
        "departure date",
    ),
    "assignment.end_date": (
        "assignment end",
        "assignment end date",
        "end date",
        "end",
        "end of assignment",
        "expected end date",
        "return date",
    ),
    "assignment.is_extension": ("extension", "is extension", "is an extension"),
    "assignment.work_city": ("host city", "work city", "city of work", "work location", "host location"),
    "host.name": ("host company", "host entity", "host employer", "host legal entity", "receiving company"),
    "employment.hire_date": ("hire date", "date of hire", "date hired", "original hire date"),
    "employer.ein": ("ein", "fein", "employer ein"),
    "request.remarks": ("remarks", "comments", "notes"),
    "request.confirmation_email": ("confirmation email", "confirmation e mail"),
    "family.has_family": ("accompanying family", "family accompanies", "family accompanying"),
    "health.worker_covered": ("health insurance",),
}
# Labels too generic to match alone: a roster's "City" is rarely the employer's. With their section they match.
GENERIC_LABELS = frozenset({"city", "state", "street address", "zip code", "country"})


@dataclass(frozen=True)
class MappingFile:
    """What a mapping file says (headers as written, compared by `header_key`)."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int | None = None
    date_order: str = "mdy"
    path: str = ""


@dataclass
class Mapping:
    """The mapping for one table: column index -> target, and the constants."""

    columns: dict[int, str]
    constants: dict[str, Any]
    guessed: set[int]  # columns matched by their header rather than named in a mapping file
    ignored: list[int]
    date_order: str = "mdy"
    notes: list[str] = field(default_factory=list)

    def column_of(self, target: str) -> int | None:
        return next((i for i, t in self.columns.items() if t == target), None)

    def maps(self, target: str) -> bool:
        return target in self.columns.values() or target in self.constants

    def describe(self, table: Table) -> list[dict[str, Any]]:
        """One entry per column, in the file's order (what `--dry-run --json` prints as `mapping`)."""
        out: list[dict[str, Any]] = []
        for i in range(len(table.headers)):
            target = self.columns.get(i)
            out.append(
                {
                    "column": table.column_name(i),
                    "field": target,
                    "how": "guessed" if i in self.guessed else ("mapping file" if target else "ignored"),
                }
            )
        return out


_CACHE: dict[tuple[str, int], tuple[Catalog, Any]] = {}


def _cached(name: str, catalog: Catalog, make: Callable[[], T]) -> T:
    """Remember `make()` per catalog object (catalogs are immutable but not hashable)."""
    hit = _CACHE.get((name, id(catalog)))
    if hit is not None and hit[0] is catalog:
        return cast(T, hit[1])
    value = make()
    _CACHE[(name, id(catalog))] = (catalog, value)
    return value


def targets(catalog: Catalog) -> dict[str, FieldSpec | None]:
    """Every id a column may map to: each field of any form (groups aside), and the two pseudo-targets."""
    return _cached("targets", catalog, lambda: _targets(catalog))


def _targets(catalog: Catalog) -> dict[str, FieldSpec | None]:
    found: dict[str, FieldSpec | None] = dict.fromkeys(PSEUDO)
    for spec in catalog.forms.values():
        for f in spec.fields():
            if f.type is not FieldType.GROUP:
                found.setdefault(f.id, f)
    return found


def _header_index(catalog: Catalog) -> dict[str, str]:
    return _cached("headers", catalog, lambda: _make_header_index(catalog))


def _make_header_index(catalog: Catalog) -> dict[str, str]:
    index: dict[str, str] = {}
    for target, f in targets(catalog).items():
        index.setdefault(header_key(target), target)
        bare = target.split(".", 1)[1]
        index.setdefault(header_key(bare), target)
        if f is not None:
            label = header_key(f.label)
            if label not in GENERIC_LABELS:
                index.setdefault(label, target)
            index.setdefault(header_key(f"{f.section} {f.label}"), target)
    for target, words in SYNONYMS.items():  # synonyms win over labels (a roster's "Country" is the host's)
        if target in targets(catalog):
            for word in words:
                index[header_key(word)] = target
    return index


def guess(header: str, catalog: Catalog) -> str | None:
    exact = header.strip().lower()
    if exact in targets(catalog):  # a field id as written wins (`host.city` is not the synonym "host city")
        return exact
    return _header_index(catalog).get(header_key(header))


def check_target(target: str, catalog: Catalog, where: str) -> None:
    known = targets(catalog)
    if target == IGNORE or target in known:
        return
    from app.forms.errors import did_you_mean

    group = next((s.field(target) for s in catalog.forms.values() if s.has_field(target)), None)
    if group is not None and group.is_group:
        raise MappingError(
            f"{where}: {target!r} is a list of rows (family members), which one roster cell cannot hold.",
            "Leave it out of the mapping and add family members in the wizard.",
        )
    hint = did_you_mean(target, known)
    raise MappingError(f"{where}: {target!r} is not a field of any form" + (f"; {hint}" if hint else "."))


def load_file(path: str | Path, catalog: Catalog) -> MappingFile:
    """Read and check a mapping file; `MappingError` names the key at fault."""
    path = Path(path)
    try:
        if not path.is_file() and path.exists():
            raise MappingError(f"{path.name} is not a file.")
        with path.open("rb") as fh:
            raw = fh.read(MAX_MAPPING_BYTES + 1)
        if len(raw) > MAX_MAPPING_BYTES:
            raise MappingError(
                f"{path.name} is larger than a mapping file can be ({MAX_MAPPING_BYTES // 1024} KB)."
            )
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path.name}: no such mapping file.")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path.name} cannot be read ({getattr(exc, 'strerror', None) or exc}).")
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path.name} is not valid TOML: {exc}.")
    except RecursionError:  # tomllib reads nested arrays recursively
        raise MappingError(f"{path.name} nests arrays or tables too deeply to be a mapping file.")
    unknown = sorted(set(data) - {"columns", "constants", "options"})
    if unknown:
        raise MappingError(
            f"{path.name}: unknown table(s) {', '.join(unknown)} (use columns, constants, options)."
        )
    columns = data.get("columns", {})
    constants = data.get("constants", {})
    options = data.get("options", {})
    for name, table in (("columns", columns), ("constants", constants), ("options", options)):
        if not isinstance(table, dict):
            raise MappingError(f"{path.name}: [{name}] must be a table.")
    for header, target in columns.items():
        if not isinstance(target, str):
            raise MappingError(f"{path.name}: columns.{header!r} must be a field id in quotes.")
        check_target(target.strip(), catalog, f"{path.name}: columns.{header!r}")
    for target, value in constants.items():
        check_target(target, catalog, f"{path.name}: constants")
        if target == IGNORE or not isinstance(value, str | bool | int | float | dt.date):
            raise MappingError(
                f"{path.name}: constants.{target!r} must be text, a number, true/false or a date."
            )
    unknown = sorted(set(options) - {"sheet", "header_row", "date_order"})
    if unknown:
        raise MappingError(
            f"{path.name}: unknown option(s) {', '.join(unknown)} (sheet, header_row, date_order)."
        )
    sheet = options.get("sheet")
    header_row = options.get("header_row")
    order = options.get("date_order", "mdy")
    if sheet is not None and not isinstance(sheet, str):
        raise MappingError(f"{path.name}: options.sheet must be a sheet's name in quotes.")
    if header_row is not None and (
        isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1
    ):
        raise MappingError(f"{path.name}: options.header_row must be a row number (1 or more).")
    if order not in ("mdy", "dmy"):
        raise MappingError(f'{path.name}: options.date_order must be "mdy" (U.S.) or "dmy".')
    return MappingFile(
        {header_key(h): t.strip() for h, t in columns.items()},
        dict(constants),
        sheet,
        header_row,
        order,
        str(path),
    )


def resolve(table: Table, catalog: Catalog, file: MappingFile | None = None) -> Mapping:
    """The mapping for `table`: the file's columns first, then a guess for every other header."""
    file = file or MappingFile()
    columns: dict[int, str] = {}
    guessed: set[int] = set()
    named = set()
    for i, header in enumerate(table.headers):
        hkey = header_key(header)
        if not hkey:
            continue
        if hkey in file.columns:
            named.add(hkey)
            if file.columns[hkey]:
                columns[i] = file.columns[hkey]
            continue
        target = guess(header, catalog)
        if target is not None:
            columns[i] = target
            guessed.add(i)
    by_target: dict[str, int] = {}
    for i, target in sorted(columns.items()):
        if target in by_target:
            first = table.column_name(by_target[target])
            raise MappingError(
                f"Columns {first!r} and {table.column_name(i)!r} both fill {target}.",
                'Map one of them to another field, or to "" to ignore it, in a mapping file (--mapping).',
            )
        by_target[target] = i
    mapping = Mapping(
        columns,
        dict(file.constants),
        guessed,
        [i for i in range(len(table.headers)) if i not in columns],
        file.date_order,
    )
    missing = sorted(set(file.columns) - named)
    if missing:
        mapping.notes.append(
            f"The mapping file names column(s) the roster does not have: {', '.join(missing)}."
        )
    return mapping

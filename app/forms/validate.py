"""Checks of single answers by field type, with the libraries made for them.

Each check takes any JSON value and returns a `Problem` or None; it never raises, whatever the input
(a property test holds it to that).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.forms import iso3166
from app.forms.limits import MAX_YEAR, MIN_YEAR, describe, forbidden_char, row_limit, text_limit
from app.forms.model import FieldSpec, FieldType, Severity


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    severity: Severity = Severity.ERROR


def _err(code: str, message: str) -> Problem:
    return Problem(code, message, Severity.ERROR)


def _warn(code: str, message: str) -> Problem:
    return Problem(code, message, Severity.WARNING)


# ---------------------------------------------------------------------------------------------- identifiers


def _stdnum(module: str) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        import importlib

        mod = importlib.import_module(f"stdnum.{module}")
        try:
            return bool(mod.is_valid(value))
        except Exception:  # stdnum raises its own errors for odd input; an odd input is simply invalid
            return False

    return check


_DE_AREAS = {
    *range(2, 5),
    *range(8, 22),
    *range(23, 27),
    28,
    29,
    38,
    39,
    *range(42, 45),
    *range(48, 62),
    *range(63, 67),
    68,
    69,
    *range(78, 83),
    89,
}


def _de_rvnr(value: str) -> bool:
    """German pension insurance number (VKVV §2), per the research's sources [109]-[113]."""
    v = re.sub(r"\s", "", value).upper()
    m = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(\d{2})([A-Z])(\d{2})(\d)", v)
    if m is None or int(m.group(1)) not in _DE_AREAS:
        return False
    day, month = int(m.group(2)), int(m.group(3))
    if not (1 <= day % 50 <= 31 and 1 <= month <= 12):
        return False
    letter = ord(m.group(5)) - ord("A") + 1
    digits = m.group(1) + m.group(2) + m.group(3) + m.group(4) + f"{letter:02d}" + m.group(6)
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, weights, strict=True))
    return total % 10 == int(m.group(7))


def _gb_nino(value: str) -> bool:
    """UK National Insurance number, per HMRC NIM39110 [114]."""
    v = re.sub(r"\s", "", value).upper()
    m = re.fullmatch(r"([A-Z])([A-Z])\d{6}[ABCD]", v)
    if m is None:
        return False
    first, second = m.group(1), m.group(2)
    if first in "DFIQUV" or second in "DFIQUVO":
        return False
    return first + second not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _digits(n: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return re.fullmatch(rf"\d{{{n}}}", re.sub(r"[\s-]", "", value)) is not None

    return check


def _br_cpf_or_nit(value: str) -> bool:
    return _stdnum("br.cpf")(value) or _digits(11)(value)


@dataclass(frozen=True)
class IdFormat:
    name: str
    description: str
    check: Callable[[str], bool]
    example: str = ""  # a valid, fictional number (used by `coc new --example` and the tests)


FOREIGN_FORMATS: dict[str, IdFormat] = {
    f.name: f
    for f in (
        IdFormat(
            "de.rvnr",
            "a German pension insurance number (12 characters, e.g. 65 170839 J 003)",
            _de_rvnr,
            "65170839J003",
        ),
        IdFormat("gb.nino", "a UK National Insurance number (e.g. AB 12 34 56 C)", _gb_nino, "AB123456C"),
        IdFormat("ca.sin", "a Canadian Social Insurance Number (9 digits)", _stdnum("ca.sin"), "123456782"),
        IdFormat(
            "fr.nir",
            "a French social security number (NIR, 15 digits)",
            _stdnum("fr.nir"),
            "2 95 10 99 126 111 93",
        ),
        IdFormat(
            "jp.basic_pension", "a Japanese Basic Pension Number (10 digits)", _digits(10), "1234567890"
        ),
        IdFormat(
            "jp.my_number", "a Japanese Individual Number (12 digits)", _stdnum("jp.in_"), "714319767218"
        ),
        IdFormat("dk.cpr", "a Danish CPR number (DDMMYY-SSSS)", _stdnum("dk.cpr"), "211062-5629"),
        IdFormat(
            "kr.rrn", "a Korean resident registration number (13 digits)", _stdnum("kr.rrn"), "850101-1234566"
        ),
        IdFormat(
            "br.cpf_or_nit", "a Brazilian CPF or NIT number (11 digits)", _br_cpf_or_nit, "390.533.447-05"
        ),
        IdFormat("cz.rc", "a Czech birth number (rodné číslo)", _stdnum("cz.rc"), "710319/2745"),
        IdFormat(
            "no.fodselsnummer",
            "a Norwegian national identity number (11 digits)",
            _stdnum("no.fodselsnummer"),
            "151086 95088",
        ),
        IdFormat(
            "fi.hetu",
            "a Finnish personal identity code (e.g. 131052-308T)",
            _stdnum("fi.hetu"),
            "131052-308T",
        ),
        IdFormat("sk.rc", "a Slovak birth number", _stdnum("sk.rc"), "710319/2745"),
        IdFormat("pl.pesel", "a Polish PESEL number (11 digits)", _stdnum("pl.pesel"), "44051401359"),
        IdFormat(
            "is.kennitala", "an Icelandic kennitala (10 digits)", _stdnum("is_.kennitala"), "450401-3150"
        ),
        IdFormat("free", "the number as the other country wrote it", lambda v: bool(v.strip()), "X-123456"),
    )
}


# ---------------------------------------------------------------------------------------------- by type


def _text_ok(value: Any, field: FieldSpec) -> Problem | None:
    """The size and character policy of every text answer (see app.forms.limits), checked before anything else."""
    if not isinstance(value, str):
        return _err("wrong_type", f"{field.label} must be text.")
    multiline = field.type is FieldType.TEXTAREA
    limit = text_limit(field.max_length, multiline)
    if len(value) > limit:
        return _err("too_long", f"{field.label} is {len(value)} characters long; at most {limit} fit.")
    bad = forbidden_char(value, multiline)
    if bad is not None:
        return _err(
            "invalid_characters",
            f"{field.label} contains the invisible or control character {describe(bad)}; retype it without it.",
        )
    return None


_NAME_PUNCT = set(" -'.,’")


def _check_name(value: str, field: FieldSpec) -> Problem | None:
    for ch in value:
        if ch in _NAME_PUNCT or unicodedata.category(ch)[0] in "LM":
            continue
        shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
        return _err(
            "invalid_name",
            f"{field.label} may hold letters, spaces, hyphens, apostrophes, periods and commas, not {shown!r}.",
        )
    if not any(unicodedata.category(ch)[0] == "L" for ch in value):
        return _err("invalid_name", f"{field.label} must contain letters.")
    return None


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _check_date(value: str, field: FieldSpec) -> Problem | None:
    d = parse_date(value)
    if d is None:
        return _err("invalid_date", f"{field.label} must be a real date written YYYY-MM-DD.")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        return _err("date_out_of_range", f"{field.label} must be between {MIN_YEAR} and {MAX_YEAR}.")
    return None


def _countries() -> dict[str, str]:
    return iso3166.COUNTRIES  # pycountry's, copied (it would read its whole database first)


def _us_states() -> dict[str, str]:
    return iso3166.US_STATES


def country_name(code: str) -> str:
    return _countries().get(code, code)


def country_codes() -> dict[str, str]:
    return dict(_countries())


def us_state_codes() -> dict[str, str]:
    return dict(_us_states())


def _check_country(value: str, field: FieldSpec) -> Problem | None:
    if value not in _countries():
        return _err(
            "invalid_country",
            f"{field.label}: choose a country from the list (in a file: its code, such as DE).",
        )
    return None


def _check_state(value: str, field: FieldSpec) -> Problem | None:
    if value not in _us_states():
        return _err(
            "invalid_state",
            f"{field.label}: choose a U.S. state from the list (in a file: its code, such as NY).",
        )
    return None


def _check_ssn(value: str, field: FieldSpec) -> Problem | None:
    from stdnum.exceptions import ValidationError
    from stdnum.us import ssn

    try:
        ssn.validate(value)
    except ValidationError:
        return _err(
            "invalid_ssn",
            f"{field.label}: SSA never issues this number (nine digits, 000-00-0000; never area 000, "
            "666 or 900-999, group 00 or serial 0000).",
        )
    except Exception:
        return _err("invalid_ssn", f"{field.label} is not a Social Security number.")
    return None


def _check_ein(value: str, field: FieldSpec) -> Problem | None:
    from stdnum.exceptions import ValidationError
    from stdnum.us import ein

    try:
        ein.validate(value)
    except ValidationError:
        return _err(
            "invalid_ein",
            f"{field.label}: the IRS never issues this number (nine digits, 00-0000000, the first two one of "
            "the IRS's prefixes).",
        )
    except Exception:
        return _err("invalid_ein", f"{field.label} is not an Employer Identification Number.")
    return None


# An address of the plain form most are in ("pat.lee+coc@hr.example.com": ASCII letters and digits, single dots,
# hyphens, pluses or underscores between them, a domain of two labels or more ending in a letters-only top label)
# is one email-validator accepts: it is taken without loading email-validator, whose patterns take about 20 ms to
# compile (a tenth of `coc validate`). Every other text goes to email-validator, which says what is wrong. A test
# holds the two together: every address this pattern takes, email-validator takes too.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*)@"
    r"(?P<domain>(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)+(?P<top>[A-Za-z]{2,}))"
)
# email-validator's special-use names (its list holds only these and names under them)
SPECIAL_USE_DOMAINS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def plain_email(value: str) -> bool:
    """Whether `value` is an address of the plain form above, within every length limit (local part 64, domain 253,
    labels 63, the whole 254) and not under a special-use domain."""
    if len(value) > 254:  # before the pattern: a long text is never read through by it
        return False
    m = _PLAIN_EMAIL.fullmatch(value)
    if m is None or len(m["local"]) > 64 or len(m["domain"]) > 253:
        return False
    return m["top"].lower() not in SPECIAL_USE_DOMAINS and all(len(x) <= 63 for x in m["domain"].split("."))


def _check_email(value: str, field: FieldSpec) -> Problem | None:
    if plain_email(value):
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return _err("invalid_email", f"{field.label} is not an e-mail address: {exc}")
    except Exception:
        return _err("invalid_email", f"{field.label} is not an e-mail address.")
    return None


def _check_phone(value: str, field: FieldSpec) -> Problem | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return _err("invalid_phone", f"{field.label} is not a telephone number.")
    except Exception:
        return _err("invalid_phone", f"{field.label} is not a telephone number.")
    if not phonenumbers.is_possible_number(number):
        return _err("invalid_phone", f"{field.label} has the wrong number of digits for its country.")
    if not phonenumbers.is_valid_number(number):
        return _warn("unusual_phone", f"{field.label} does not look like a number in use; check it.")
    return None


def _check_foreign_id(value: str, field: FieldSpec) -> Problem | None:
    fmt = FOREIGN_FORMATS.get(field.format or "free")
    if fmt is None or fmt.check(value):
        return None
    return _err("invalid_foreign_id", f"{field.label} is not {fmt.description}.")


def _check_choice(value: str, field: FieldSpec) -> Problem | None:
    if value not in {c.value for c in field.choices}:
        return _err(
            "invalid_choice", f"{field.label} must be one of: {', '.join(c.label for c in field.choices)}."
        )
    return None


_STRING_CHECKS: dict[FieldType, Callable[[str, FieldSpec], Problem | None]] = {
    FieldType.NAME: _check_name,
    FieldType.DATE: _check_date,
    FieldType.COUNTRY: _check_country,
    FieldType.US_STATE: _check_state,
    FieldType.SSN: _check_ssn,
    FieldType.EIN: _check_ein,
    FieldType.EMAIL: _check_email,
    FieldType.PHONE: _check_phone,
    FieldType.FOREIGN_ID: _check_foreign_id,
    FieldType.CHOICE: _check_choice,
}


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def check_value(field: FieldSpec, value: Any) -> Problem | None:
    """The problem with one non-empty answer, or None. Never raises."""
    if field.type is FieldType.YESNO:
        return None if isinstance(value, bool) else _err("wrong_type", f"{field.label} must be yes or no.")
    if field.type is FieldType.GROUP:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            return _err("wrong_type", f"{field.label} must be a list of rows.")
        limit = row_limit(field.max_rows)
        if len(value) > limit:
            return _err("too_many_rows", f"{field.label} has {len(value)} rows; at most {limit} fit.")
        return None
    if not isinstance(value, str):
        return _text_ok(value, field)
    # The checks are pure, and the same answers are checked again and again (every keystroke re-checks the
    # field, the send gate re-checks what queueing checked, employer details repeat across requests): remember
    # recent verdicts per field object (fields live as long as their catalog, and are compared by identity).
    key = (id(field), value)
    hit = _VERDICTS.get(key)
    if hit is not None and hit[0] is field:
        return hit[1]
    problem = _text_ok(value, field)
    if problem is None:
        check = _STRING_CHECKS.get(field.type)
        problem = check(value.strip(), field) if check is not None else None
    if len(_VERDICTS) >= _VERDICTS_MAX:
        _VERDICTS.clear()
    _VERDICTS[key] = (field, problem)
    return problem


_VERDICTS: dict[tuple[int, str], tuple[FieldSpec, Problem | None]] = {}
_VERDICTS_MAX = 20_000


def normalise(field: FieldSpec, value: Any) -> Any:
    """The canonical form an editor stores (trimmed text, upper-case codes, formatted SSN and EIN)."""
    if not isinstance(value, str):
        return value
    v = value.strip()
    if field.type in (FieldType.COUNTRY, FieldType.US_STATE):
        return v.upper()
    if field.type is FieldType.SSN:
        digits = re.sub(r"\D", "", v)
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 9 else v
    if field.type is FieldType.EIN:
        digits = re.sub(r"\D", "", v)
        return f"{digits[:2]}-{digits[2:]}" if len(digits) == 9 else v
    return v

"""The list columns of a request, derived from its answers at each save.

They live beside the document so that the request list, its filters and the overlap check are plain indexed
queries: the worker's display name, a folded name for search, the keys that identify the worker (SSN, or name and
birth date), and the assignment dates. All of it is inside the encrypted file.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from app.request import RequestDoc
from app.visible import without_surrogates

FIRST, MIDDLE, LAST = "worker.first_name", "worker.middle_name", "worker.last_name"
SSN, BIRTH = "worker.ssn", "worker.birth_date"
START, END = "assignment.start_date", "assignment.end_date"
SELF_START, SELF_END = "self.start_date", "self.end_date"
EXEMPT_START, EXEMPT_END = "exemption.start_date", "exemption.end_date"
IS_EXTENSION, PREVIOUS_END = "assignment.is_extension", "assignment.previous_certificate_end"
EMPLOYER_PREFIX = "employer."


@dataclass(frozen=True)
class Columns:
    agreement: str
    kind: str
    worker_name: str
    name_search: str
    ssn_key: str | None
    namebirth_key: str | None
    start_date: str | None
    end_date: str | None


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: 'José  Núñez' -> 'jose nunez'."""
    # ASCII (most names): nothing to decompose, and case-folding is lower-casing. Every save folds a name.
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def text_answer(answers: dict[str, Any], field_id: str) -> str:
    """A text answer for the list columns: white space collapsed, a lone surrogate (no UTF-8 column holds one)
    as U+FFFD."""
    value = answers.get(field_id)
    return without_surrogates(" ".join(value.split())) if isinstance(value, str) else ""


def iso_date(value: Any) -> str | None:
    """An ISO date answer ("YYYY-MM-DD"), or None for anything else (a draft may hold half-typed dates)."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def ssn_digits(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits if len(digits) == 9 else None


def display_name(answers: dict[str, Any]) -> str:
    """'Last, First Middle' from whatever parts are there."""
    last = text_answer(answers, LAST)
    given = " ".join(p for p in (text_answer(answers, FIRST), text_answer(answers, MIDDLE)) if p)
    if last and given:
        return f"{last}, {given}"
    return last or given


def namebirth_key(answers: dict[str, Any]) -> str | None:
    first, last = fold(text_answer(answers, FIRST)), fold(text_answer(answers, LAST))
    birth = iso_date(answers.get(BIRTH))
    if not (first and last and birth):
        return None
    return f"{first}|{last}|{birth}"


def columns_for(doc: RequestDoc) -> Columns:
    answers = doc.answers
    kind = doc.form.split("-", 1)[1] if "-" in doc.form else ""
    name = display_name(answers)
    return Columns(
        agreement=doc.agreement,
        kind=kind,
        worker_name=name,
        name_search=fold(name),  # "last, first middle": sorts by last name, and every name is searchable
        ssn_key=ssn_digits(answers.get(SSN)),
        namebirth_key=namebirth_key(answers),
        # The period abroad: the assignment's, the self-employment's, or the work a letter of exemption covers.
        start_date=iso_date(answers.get(START) or answers.get(SELF_START) or answers.get(EXEMPT_START)),
        end_date=iso_date(answers.get(END) or answers.get(SELF_END) or answers.get(EXEMPT_END)),
    )

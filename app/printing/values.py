"""Answers as a reader wants them, and the SSN mask: plain functions of a value, no layout, no fonts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from app.forms.model import FieldSpec, FieldType, FormSpec
from app.forms.validate import country_name, is_empty, us_state_codes


def format_time(moment: dt.datetime) -> str:
    """`2026-11-29 12:45 UTC−05:00` (or `… UTC` when the offset is zero)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    zone = "UTC"
    if minutes:
        sign = "+" if minutes > 0 else "−"
        zone += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


def format_date(moment: dt.datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def mask_ssn(value: str) -> str:
    """All but the last four digits hidden: `XXX-XX-6789`."""
    digits = re.sub(r"\D", "", value)[-4:]
    return "XXX-XX-" + digits.rjust(4, "X")


def ssn_masker(spec: FormSpec, answers: Mapping[str, Any]) -> Callable[[str], str]:
    """Replaces every SSN of the request, wherever it is typed (with or without separators), by its mask."""
    numbers: set[str] = set()
    for f in spec.fields():
        value = answers.get(f.id)
        if f.type is FieldType.SSN and isinstance(value, str):
            numbers.add(re.sub(r"\D", "", value))
        for col in f.columns:
            if col.type is FieldType.SSN and isinstance(value, list):
                numbers.update(
                    re.sub(r"\D", "", row[col.id])
                    for row in value
                    if isinstance(row, Mapping) and isinstance(row.get(col.id), str)
                )
    patterns = [
        re.compile(r"(?<!\d)" + r"[\s.\-]?".join((n[:3], n[3:5], n[5:])) + r"(?!\d)")
        for n in sorted(numbers)
        if len(n) == 9
    ]

    def mask(text: str) -> str:
        for pattern in patterns:
            text = pattern.sub(lambda m: mask_ssn(m.group(0)), text)
        return text

    return mask


def display(f: FieldSpec, value: Any) -> str:
    """An answer as a reader wants it: Yes/No, `Germany (DE)`, a choice's label, text as typed."""
    if value is None or is_empty(value):
        return ""
    if f.type is FieldType.YESNO and isinstance(value, bool):
        return "Yes" if value else "No"
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if f.type is FieldType.COUNTRY:
        name = country_name(value.strip().upper())
        return f"{name} ({value.strip().upper()})" if name != value.strip().upper() else value
    if f.type is FieldType.US_STATE:
        state = us_state_codes().get(value.strip().upper())
        return f"{state} ({value.strip().upper()})" if state else value
    if f.type is FieldType.CHOICE:
        return next((c.label for c in f.choices if c.value == value), value)
    return value


def where(spec: FormSpec, path: str) -> str:
    """A field path as a reader names it: `family[1].birth_date` -> `Family members, row 2: Date of birth`."""
    m = re.fullmatch(r"([^\[]+)\[(\d+)\]\.(.+)", path)
    if m and spec.has_field(m.group(1)):
        group = spec.field(m.group(1))
        col = group.column(m.group(3))
        return f"{group.label}, row {int(m.group(2)) + 1}: {col.label if col else m.group(3)}"
    if spec.has_field(path):
        return spec.field(path).label
    return "The request as a whole" if path == "request" else path

"""The register: one row per request, handed back to HR as `.xlsx` (openpyxl, write-only) or `.csv`.

Columns: the HR reference, the request id, the worker, the SSN (only when asked), agreement, kind, assignment
dates, state, errors, warnings, confirmation number, the certificate's period and the days it has left.

- Dates are real dates in `.xlsx` (date cells), ISO `YYYY-MM-DD` in `.csv`.
- Nothing is ever written as a formula: in `.xlsx` every text is a text cell (a value starting with `=` stays
  text); in `.csv` a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
  (OWASP's advice against CSV injection), so a spreadsheet opening the file shows it and never runs it, and
  every cell is quoted; and a formula start after a `,`, `;`, tab or `|` inside a text gets the `'` too, so a
  spreadsheet that splits lines at another separator (Excel where the list separator is `;`) and does not keep
  quoted text together never finds a cell `=cmd|...` in `x;=cmd|...`.
- Texts come from drafts, and a draft may hold what a roster or a document brought (control characters, lone
  surrogates, bidirectional overrides): each such character (but tabs and line breaks) is written as U+FFFD (`app.visible`), since no
  `.xlsx` can hold the first (openpyxl refused the whole export) and the others would make a cell read
  differently from what it holds.
- The file is written through `app.fileio.write_private` (owner-only, atomic), and the export is recorded in
  the audit log (format, number of rows, whether SSNs were included), without any personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.fileio import write_private
from app.roster.errors import RosterError
from app.visible import visible

if TYPE_CHECKING:
    from app.store import RequestSummary, Store

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INNER_FORMULA = re.compile(r"([,;\t|]\s*)(?=[=+\-@])")  # where another separator would start a formula
KEPT = "\t\r\n"  # white space a cell may hold (openpyxl writes it, a quoted CSV cell keeps it)
FORMATS = ("xlsx", "csv")

Progress = Callable[[int, int], Any]


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    kind: str = "text"  # text, date, number


COLUMNS = (
    Column("Reference", "ref"),
    Column("Request id", "id"),
    Column("Worker", "worker"),
    Column("SSN", "ssn"),
    Column("Agreement", "agreement"),
    Column("Kind", "kind"),
    Column("Start", "start", "date"),
    Column("End", "end", "date"),
    Column("State", "state"),
    Column("Errors", "errors", "number"),
    Column("Warnings", "warnings", "number"),
    Column("Confirmation number", "confirmation"),
    Column("Certificate start", "cert_start", "date"),
    Column("Certificate end", "cert_end", "date"),
    Column("Days left", "days_left", "number"),
    Column("Updated", "updated"),
)


def columns(with_ssn: bool) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if with_ssn or c.key != "ssn")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def rows(
    store: Store,
    *,
    state: str | None = None,
    agreement: str | None = None,
    with_ssn: bool = False,
    today: dt.date | None = None,
    names: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    ids: list[str] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """The register's rows, oldest request first (`ids`: only those requests, in that order)."""
    from app.store import ListOrder

    today = today or dt.date.today()
    if ids is not None:
        summaries: list[RequestSummary] = [store.summary(i) for i in ids]
    else:
        summaries = store.list(state=state, agreement=agreement, order_by=ListOrder.CREATED)[::-1]
    out: list[dict[str, Any]] = []
    for done, s in enumerate(summaries, 1):
        doc = store.get(s.id)
        receipt = store.receipt(s.id) or {}
        decision = receipt.get("decision") or {}
        cert = decision.get("certificate") or {}
        cert_end = _date(cert.get("end"))
        ref = doc.answers.get("request.external_ref")
        ssn = doc.answers.get("worker.ssn")
        out.append(
            {
                "ref": ref if isinstance(ref, str) else "",
                "id": s.id,
                "worker": s.worker_name,
                "ssn": ssn if with_ssn and isinstance(ssn, str) else "",
                "agreement": (names or {}).get(s.agreement, s.agreement),
                "kind": (kinds or {}).get(s.kind, s.kind),
                "start": _date(s.start_date),
                "end": _date(s.end_date),
                "state": s.state.label,
                "errors": s.error_count,
                "warnings": s.warning_count,
                "confirmation": str(receipt.get("confirmation") or ""),
                "cert_start": _date(cert.get("start")),
                "cert_end": cert_end,
                "days_left": max(0, (cert_end - today).days) if cert_end else None,
                "updated": s.updated,
            }
        )
        if progress is not None:
            progress(done, len(summaries))
    return out


def safe_text(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP: prefix a formula-starting cell with '), even one
    that splits it at a `;`, a tab or a `|` inside it (a reader whose list separator is not the comma)."""
    text = _INNER_FORMULA.sub(r"\1'", visible(text, keep=KEPT))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(data: list[dict[str, Any]], cols: tuple[Column, ...]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([c.title for c in cols])
    for row in data:
        cells: list[str] = []
        for c in cols:
            value = row[c.key]
            if value is None:
                cells.append("")
            elif isinstance(value, dt.date):
                cells.append(value.isoformat())
            elif isinstance(value, int):
                cells.append(str(value))
            else:
                cells.append(safe_text(str(value)))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")  # the byte-order mark makes Excel read UTF-8


def to_xlsx(data: list[dict[str, Any]], cols: tuple[Column, ...]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Register")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet)
        cell.value = visible(value, keep=KEPT)
        cell.data_type = "s"  # never "f": a value starting with "=" stays text
        cell.number_format = "@"
        return cell

    header = []
    for c in cols:
        cell = text_cell(c.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in data:
        line: list[Any] = []
        for c in cols:
            value = row[c.key]
            if value is None or (c.kind == "text" and value == ""):
                line.append(None)
            elif c.kind == "date":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                line.append(cell)
            elif c.kind == "number":
                line.append(value)
            else:
                line.append(text_cell(str(value)))
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise RosterError(f"{path.name}: the register is written as .xlsx or .csv; name the file so.")
    return suffix


def write(path: str | Path, data: list[dict[str, Any]], *, with_ssn: bool) -> Path:
    """Write the register (owner-only, atomic); the format comes from the file's extension."""
    path = Path(path)
    fmt = format_of(path)
    cols = columns(with_ssn)
    payload = to_xlsx(data, cols) if fmt == "xlsx" else to_csv(data, cols)
    return write_private(path, payload)


def export(
    store: Store,
    path: str | Path,
    *,
    state: str | None = None,
    agreement: str | None = None,
    with_ssn: bool = False,
    source: str = "cli",
    ids: list[str] | None = None,
    names: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the register of the store's requests to `path` and record it in the audit log; the row count."""
    from app.store import AuditEvent

    path = Path(path)
    fmt = format_of(path)
    data = rows(
        store,
        state=state,
        agreement=agreement,
        with_ssn=with_ssn,
        names=names,
        kinds=kinds,
        ids=ids,
        today=today,
        progress=progress,
    )
    write(path, data, with_ssn=with_ssn)
    store.log_store_event(
        AuditEvent.REGISTER_EXPORTED, {"format": fmt, "rows": len(data), "ssn": with_ssn, "source": source}
    )
    return len(data)

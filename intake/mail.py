"""The confirmation e-mail the agency sends when it approves a request that asked for one.

The reference service sends nothing: it writes the message as an `.eml` file in `DATA/outbox-mail/` (0600, in a
0700 folder), where a demo can open it with any mail program. Since that file is not encrypted, the message names
the worker by initials only, with the confirmation number, the request id and the certificate's period: never the
name, the SSN or the date of birth.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from app.fileio import private_dir, write_private
from intake.db import Received

MAIL_DIR = "outbox-mail"
SENDER = "SSA reference intake <no-reply@intake.invalid>"


def wants_confirmation(doc: dict[str, Any]) -> str | None:
    """The address to confirm to, when the request asked for an e-mail confirmation."""
    answers = doc.get("answers") or {}
    address = answers.get("request.confirmation_email")
    if answers.get("request.email_confirmation") is True and isinstance(address, str) and "@" in address:
        return address.strip()
    return None


def initials(doc: dict[str, Any]) -> str:
    """The worker's initials ("J. D."): enough to recognise the request beside its number, not a name."""
    answers = doc.get("answers") or {}
    names = [answers.get(k) for k in ("worker.first_name", "worker.last_name")]
    return " ".join(f"{n.strip()[0].upper()}." for n in names if isinstance(n, str) and n.strip())


def build_confirmation(row: Received, doc: dict[str, Any], address: str) -> EmailMessage:
    worker = initials(doc)
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = address
    msg["Subject"] = f"Certificate of Coverage approved - confirmation {row.confirmation}"
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain="intake.invalid")
    period = f"from {row.cert_start or '(not stated)'} to {row.cert_end or '(open end)'}"
    msg.set_content(
        "\n".join(
            [
                "Hello,",
                "",
                "Your request for a Certificate of Coverage was approved.",
                "",
                f"Confirmation number: {row.confirmation}",
                f"Form: {row.form}, received {row.received_at}",
                "",
                f"Worker's initials: {worker or '(name not given)'}",
                f"Period covered: {period}",
                f"Request id: {row.request_id}",
                "",
                "The certificate will be sent to the employer's address on file.",
                "",
                "This message was written by the reference intake service for local testing;",
                "it was not sent by the Social Security Administration.",
            ]
        )
    )
    return msg


def write_confirmation(data_dir: Path, row: Received, doc: dict[str, Any]) -> Path | None:
    """Write the confirmation e-mail as `DATA/outbox-mail/<confirmation>.eml`; None when none was asked for."""
    address = wants_confirmation(doc)
    if address is None:
        return None
    folder = data_dir / MAIL_DIR
    private_dir(folder)
    return write_private(folder / f"{row.confirmation}.eml", bytes(build_confirmation(row, doc, address)))

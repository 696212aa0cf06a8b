"""Taking personal data out of text that leaves the encrypted store: crash reports and log lines.

Exception messages may quote an answer (`ValueError: invalid literal ... '123-45-6789'`). Everything that is not
a code location is scrubbed: values the running application knows to be personal (the answers on screen, given by
providers), quoted strings, Social Security and other long numbers, dates, e-mail addresses and capitalised name
pairs. File paths lose the user's home folder. Qt-free, so it is easy to test with canary data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path

SensitiveProvider = Callable[[], Iterable[str]]

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""), "'<text>'"),
    (re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"), "<date>"),
    (re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"), "<date>"),
    (re.compile(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b"), "<number>"),
    (re.compile(r"\+?\(?\d[\d ()./-]{5,}\d"), "<number>"),
    (re.compile(r"\d{5,}"), "<number>"),
    (re.compile(r"\b[A-ZÀ-Þ][\w’'-]+(?:[ ,]+[A-ZÀ-Þ][\w’'.-]+)+"), "<name>"),
)

_providers: list[SensitiveProvider] = []


def add_provider(provider: SensitiveProvider) -> None:
    """Register a source of values known to be personal right now (the answers of open requests)."""
    _providers.append(provider)


def remove_provider(provider: SensitiveProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def known_values() -> list[str]:
    values: set[str] = set()
    for provider in list(_providers):
        try:
            values.update(v.strip() for v in provider() if isinstance(v, str) and len(v.strip()) >= 2)
        except Exception:  # a provider must never stop a crash report
            continue
    return sorted(values, key=len, reverse=True)


def scrub(text: str) -> str:
    """`text` without anything that could be personal data; CR and LF inside a line become spaces."""
    for value in known_values():
        text = text.replace(value, "<redacted>")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def without_home(text: str) -> str:
    home = str(Path.home())
    return text.replace(home, "~") if len(home) > 1 else text


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs every record's message (arguments included) before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = without_home(scrub(message)).replace("\r", " ").replace("\n", " ")
        record.args = None
        if record.exc_info:
            record.exc_text = None
            record.exc_info = None
        return True

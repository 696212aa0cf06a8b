"""The crash handler: a report free of personal data (canary values in messages, locals and chained errors),
written under the data folder, from the GUI thread and from worker threads; and the scrubber on its own."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ui import scrub
from ui.crash import CrashHandler, format_report

pytestmark = pytest.mark.gui

CANARY_SSN = "219-09-9999"
CANARY_NAME = "Zyxwvut Canarysson"
CANARY_DATE = "1971-03-04"
CANARY_MAIL = "canary.person@example.org"
CANARIES = (CANARY_SSN, "219099999", CANARY_NAME, "Zyxwvut", "Canarysson", CANARY_DATE, CANARY_MAIL)


def explode(ssn: str, name: str) -> None:
    birth = CANARY_DATE  # a local with personal data: never in the report
    try:
        int(ssn)
    except ValueError as exc:
        raise RuntimeError(f"could not save {name} born {birth}, mail {CANARY_MAIL}, ssn {ssn}") from exc


def caught() -> tuple[type[BaseException], BaseException, Any]:
    try:
        explode(CANARY_SSN, CANARY_NAME)
    except RuntimeError:
        info = sys.exc_info()
        assert info[0] is not None and info[1] is not None
        return info[0], info[1], info[2]
    raise AssertionError("no exception")


def assert_clean(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, f"{canary!r} leaked into: {text}"


def test_the_report_keeps_code_locations_and_drops_personal_data() -> None:
    report = format_report(*caught())
    assert "explode" in report and "RuntimeError" in report and "ValueError" in report
    assert_clean(report)


def test_the_handler_writes_a_clean_private_log(qtbot: Any, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path, show_dialog=False)
    with qtbot.waitSignal(handler.crashed, timeout=2000) as blocker:
        handler.handle(*caught())
    path = Path(blocker.args[1])
    assert path.parent == tmp_path / "crash"
    assert (path.stat().st_mode & 0o777) == 0o600
    assert_clean(path.read_text(encoding="utf-8"))
    assert_clean(blocker.args[0])


def test_exceptions_of_worker_threads_reach_the_handler(qtbot: Any, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path, show_dialog=False)
    handler.install()
    try:
        with qtbot.waitSignal(handler.crashed, timeout=5000) as blocker:
            thread = threading.Thread(target=explode, args=(CANARY_SSN, CANARY_NAME), name="worker")
            thread.start()
            thread.join()
        assert "where: worker" in Path(blocker.args[1]).read_text(encoding="utf-8")
        assert_clean(Path(blocker.args[1]).read_text(encoding="utf-8"))
    finally:
        handler.uninstall()
    assert sys.excepthook is not handler.handle


def test_the_crash_dialog_shows_the_report(qtbot: Any, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path)
    handler.handle(*caught())
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=2000)
    assert handler.dialog is not None
    assert_clean(handler.dialog.details.toPlainText())
    handler.dialog.reject()


def test_known_values_are_scrubbed_even_without_a_pattern() -> None:
    provider = lambda: ["Quentin"]  # noqa: E731
    scrub.add_provider(provider)
    try:
        assert "Quentin" not in scrub.scrub("KeyError: Quentin")
    finally:
        scrub.remove_provider(provider)


@pytest.mark.parametrize(
    "text",
    [
        "ssn 123-45-6789 and 123456789",
        "born 04/03/1971 or 1971-03-04 or 4.3.1971",
        "mail a.b@example.com",
        "phone +1 (212) 555-0100",
        "name 'Jane' and \"Doe\"",
        "Jane Example failed",
    ],
)
def test_patterns(text: str) -> None:
    cleaned = scrub.scrub(text)
    for part in ("123-45-6789", "123456789", "1971", "a.b@example.com", "555-0100", "Jane", "Doe", "Example"):
        assert part not in cleaned

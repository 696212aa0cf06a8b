"""The agreement's facts and the field help say first what a coordinator needs; where a fact comes from and how sure
it is stays under "Sources" (with the flag of an unconfirmed or conflicting fact), and abbreviations are explained
the first time they appear."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtWidgets import QTextBrowser

from app.forms import Catalog
from app.forms.model import FactStatus
from ui.wizard.glossary import explain
from ui.wizard.pages import facts_html

pytestmark = pytest.mark.gui


def shown_text(qtbot: Any, html: str) -> str:
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(html)
    return browser.toPlainText()


def test_facts_first_sources_and_flags_after(qtbot: Any, catalog: Catalog) -> None:
    flagged = [a for a in catalog.in_force() if any(f.flagged for f in a.facts)]
    assert flagged
    for agreement in flagged:
        text = shown_text(qtbot, facts_html(agreement))
        sources = text.index("\nSources\n")
        for fact in agreement.facts:
            if fact.key != "in_force":
                assert text.index(fact.title) < sources, (agreement.id, fact.key)
            if fact.flagged:
                assert text.index(fact.status.flag[:20]) > sources, (agreement.id, fact.key)
        for status in FactStatus:
            if status.flag:
                assert status.flag not in text[:sources]  # no raw source note before the Sources


def test_abbreviations_are_explained_once(qtbot: Any, catalog: Catalog) -> None:
    said: set[str] = set()
    text = explain("SSA's POMS says so; POMS RS 02001.090, as SSA writes.", said)
    assert text == (
        "SSA (the U.S. Social Security Administration)'s POMS (SSA's Program Operations Manual System, the "
        "instructions its staff follow) says so; POMS RS 02001.090, as SSA writes."
    )
    assert explain("The Employer Identification Number (EIN) of the employer.", set()).count("(") == 1
    texts = {a.id: shown_text(qtbot, facts_html(a)) for a in catalog.in_force()}
    with_poms = [a for a, text in texts.items() if re.search(r"\bPOMS\b", text)]
    assert with_poms
    for agreement in with_poms:
        assert texts[agreement].count("Program Operations Manual System") == 1, agreement

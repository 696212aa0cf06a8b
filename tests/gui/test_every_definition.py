"""Every shipped definition builds a wizard with every page, and the help panel follows the focus to the right
help for every field (and every column of a repeat group) of every definition."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.forms import Catalog
from app.forms.example import example_answers
from app.request import RequestDoc
from tests.gui.helpers import flush_deletes
from ui.wizard import REVIEW_ID, START_ID, RequestWizard
from ui.wizard.glossary import explain
from ui.wizard.group import GroupEditor
from ui.wizard.pages import SectionPage

pytestmark = pytest.mark.gui


def build(ctx: Any, catalog: Catalog, form_id: str, answers: dict[str, Any] | None = None) -> RequestWizard:
    spec = catalog.form(form_id)
    wizard = RequestWizard(ctx, RequestDoc(spec.id, spec.edition, answers or {}), stored=False)
    wizard.build_all()
    return wizard


def test_every_shipped_definition_builds_a_wizard(qtbot: Any, ctx: Any, catalog: Catalog) -> None:
    assert len(catalog.forms) >= 9
    for form_id, spec in catalog.forms.items():
        wizard = build(ctx, catalog, form_id)
        ids = wizard.pageIds()
        assert ids[0] == START_ID and ids[-1] == REVIEW_ID
        assert len(ids) == len(spec.sections) + 2, form_id
        assert set(wizard.rows) == {f.id for f in spec.fields()}, form_id
        for page_id in ids:
            assert wizard.page(page_id).isComplete()  # Next never waits for a valid page
        for field_id, (_page, row) in wizard.rows.items():
            assert row.label.buddy() is row.editor.focus_widget, field_id
            assert "&" in row.label.text() or len(spec.section_of(field_id).fields) > 20, field_id
            assert row.editor.focus_widget.accessibleName(), field_id
        wizard.deleteLater()
        flush_deletes()


def test_mnemonics_are_unique_on_every_page(qtbot: Any, ctx: Any, catalog: Catalog) -> None:
    for form_id in catalog.forms:
        wizard = build(ctx, catalog, form_id)
        for page_id in wizard.pageIds():
            page = wizard.page(page_id)
            if not isinstance(page, SectionPage):
                continue
            letters = [
                row.label.text().split("&", 1)[1][0].lower() for row in page.rows if "&" in row.label.text()
            ]
            assert len(letters) == len(set(letters)), (form_id, page.section.id, letters)
            assert not set(letters) & set("bnds"), (form_id, letters)  # Back, Next, Done, Save
        wizard.deleteLater()
        flush_deletes()


@pytest.mark.slow  # every field of every form: half a minute
def test_the_help_panel_follows_the_focus_on_every_field(qtbot: Any, ctx: Any, catalog: Catalog) -> None:
    checked = 0
    for form_id, spec in catalog.forms.items():
        wizard = build(ctx, catalog, form_id, example_answers(spec))
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        wizard.activateWindow()
        for section in spec.sections:
            wizard.go_to_section(section.id)
            page = wizard.section_page(section.id)
            for field in section.fields:
                row = wizard.rows[field.id][1]
                page.set_row_visible(row, True)  # hidden fields too: their help must be right when they show
                row.editor.focus_widget.setFocus()
                QApplication.processEvents()
                assert page.help.field_id == field.id, (form_id, field.id)
                assert page.help.title.text() == field.label
                assert page.help.field_help_text() == explain(field.help, set()), (form_id, field.id)
                assert page.help.flag.isVisibleTo(page) == bool(field.flag)
                if field.flag:
                    assert field.flag in page.help.flag.text()
                checked += 1
                if isinstance(row.editor, GroupEditor):
                    if not row.editor.model.rows:
                        row.editor.model.add_row()
                    for column in field.columns:
                        row.editor.focus_cell(0, column.id)
                        assert page.help.field_help_text() == explain(column.help, set()), (
                            form_id,
                            field.id,
                            column.id,
                        )
                        assert page.help.title.text() == f"{field.label}: {column.label}"
            assert page.help.page_help.text() == explain(section.help, set())
        wizard.close()
        flush_deletes()
    assert checked > 400

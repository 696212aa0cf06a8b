"""The wizard and the command line give the same verdict on the same document: the review page lists the same
issues as `coc validate --json`, Transmit is on exactly when `coc validate` exits 0, and the step list counts the
same errors. Every shipped form's example, and documents with an unknown key, an outdated edition, a wrong type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.forms import Catalog
from app.forms.example import example_answers
from app.request import RequestDoc
from tests.gui.helpers import flush_deletes
from ui.wizard import REVIEW_ID, RequestWizard
from ui.wizard.steps import StepState

pytestmark = pytest.mark.gui


def cli_verdict(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[tuple[str, str]], int]:
    code = main(["validate", str(path), "--json"])
    out, _ = capsys.readouterr()
    result = json.loads(out)
    return code, [(i["field"], i["code"]) for i in result["issues"]], result["errors"]


def wizard_verdict(qtbot: Any, ctx: Any, doc: RequestDoc) -> tuple[bool, list[tuple[str, str]], int]:
    wizard = RequestWizard(ctx, doc, stored=True)  # as opened from the list: no change made yet
    wizard.show()
    wizard.build_all()
    wizard.go_to(REVIEW_ID)
    assert wizard.currentId() == REVIEW_ID
    review = wizard.review_page
    assert review is not None
    shown = [(i.field, i.code) for i in review.issues]
    marked = sum(
        int(text.rsplit("(", 1)[1].rstrip(")"))
        for row in range(wizard.steps.list.count())
        if (text := wizard.steps.list.item(row).text()).startswith(StepState.ERRORS.mark)
    )
    transmit = review.transmit_button.isEnabled()
    wizard.done(0)
    wizard.deleteLater()
    flush_deletes()
    return transmit, shown, marked


def examples(catalog: Catalog, forms: list[str]) -> list[tuple[str, RequestDoc]]:
    return [(f, RequestDoc(f, catalog.form(f).edition, example_answers(catalog.form(f)))) for f in forms]


def variants(catalog: Catalog) -> list[tuple[str, RequestDoc]]:
    de = catalog.form("de-employee")
    example = example_answers(de)

    def with_answers(**changes: object) -> RequestDoc:
        return RequestDoc(
            de.id, de.edition, {**example, **{k.replace("__", "."): v for k, v in changes.items()}}
        )

    return [
        ("unknown key", with_answers(worker__nickname="Jo")),
        ("outdated edition", RequestDoc(de.id, "2019-01-01", example)),
        ("newer edition", RequestDoc(de.id, "2099-01-01", example)),
        ("wrong type", with_answers(worker__ssn=123456789)),
        ("too long", with_answers(worker__last_name="L" * 61)),
        ("year 9999", with_answers(assignment__end_date="9999-12-31")),
        ("bidi override", with_answers(worker__first_name="Ann\u202e")),
    ]


def agree(qtbot: Any, ctx: Any, docs: list[tuple[str, RequestDoc]], tmp_path: Path, capsys: Any) -> set[int]:
    codes = set()
    for name, doc in docs:
        path = tmp_path / "doc.json"
        path.write_text(doc.to_json(), encoding="utf-8")
        code, cli_issues, cli_errors = cli_verdict(capsys, path)
        transmit, shown, marked = wizard_verdict(qtbot, ctx, doc)
        assert shown == cli_issues, name
        assert transmit == (code == 0), name
        assert marked == cli_errors, name  # the step list counts every error: on its page, or on the review
        codes.add(code)
        if name == "unknown key":
            assert ("worker.nickname", "unknown_field") in shown and not transmit
        elif name == "outdated edition":
            assert ("request", "old_edition") in shown and transmit
        elif name == "newer edition":
            assert ("request", "edition_unknown") in shown and not transmit
        elif name == "wrong type":
            assert shown == [("worker.ssn", "wrong_type")] and code == 2 and not transmit
        elif name == "too long":
            assert ("worker.last_name", "too_long") in shown and code == 1
        elif name == "year 9999":
            assert ("assignment.end_date", "date_out_of_range") in shown
        elif name == "bidi override":
            assert ("worker.first_name", "invalid_characters") in shown
        else:
            assert code == 0 and transmit, name
    return codes


def test_the_wizard_and_coc_validate_agree(
    qtbot: Any, ctx: Any, catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = examples(catalog, ["de-employee", "dk-employee"]) + variants(catalog)
    assert agree(qtbot, ctx, docs, tmp_path, capsys) == {0, 1, 2}


@pytest.mark.slow
def test_the_wizard_and_coc_validate_agree_on_every_example(
    qtbot: Any, ctx: Any, catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert agree(qtbot, ctx, examples(catalog, sorted(catalog.forms)), tmp_path, capsys) == {0}

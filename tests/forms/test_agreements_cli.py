"""The agreements through the command line: `coc forms list --json` shows the 30 agreements plus the Quebec
understanding in force with the right dates and limits, Mexico (signed, not in force) is refused with a clear message, and `coc forms docs` writes the table that
is committed as docs/agreements.md."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.forms import UnknownForm, default_catalog, verdict
from app.forms.doc_table import agreements_markdown
from app.request import RequestDoc
from tests.conftest import REPO

BOTH = ("employee", "self_employed")
EMPLOYEE = ("employee",)
AUSTRALIA = ("employee", "exemption_letter", "self_employed")

# From the research (../shared/research/agreements.md, §0, §1 and §8: SSA POMS GN 01703.001, GN 01701.005): id,
# agreement, country, date in force, detachment limit in months (Italy: none, a nationality rule), kinds offered.
# Self-employed forms for Chile, Denmark, Poland and Iceland: RS 02001.935, RS 02002.135, RS 02002.230,
# RS 02002.535 (§8); Australia's letter of exemption: RS 02002.045; Slovenia's self-employment rule is still open.
EXPECTED: dict[str, tuple[str, str, str, int | None, tuple[str, ...]]] = {
    "it": ("Italy", "IT", "1978-11-01", None, BOTH),
    "de": ("Germany", "DE", "1979-12-01", 60, BOTH),
    "ch": ("Switzerland", "CH", "1980-11-01", 60, BOTH),
    "no": ("Norway", "NO", "1984-07-01", 60, BOTH),
    "be": ("Belgium", "BE", "1984-07-01", 60, BOTH),
    "ca": ("Canada", "CA", "1984-08-01", 60, BOTH),
    "qc": ("Quebec", "CA", "1984-08-01", 60, BOTH),
    "gb": ("United Kingdom", "GB", "1985-01-01", 60, BOTH),
    "se": ("Sweden", "SE", "1987-01-01", 60, BOTH),
    "es": ("Spain", "ES", "1988-04-01", 60, BOTH),
    "fr": ("France", "FR", "1988-07-01", 60, BOTH),
    "pt": ("Portugal", "PT", "1989-08-01", 60, BOTH),
    "nl": ("Netherlands", "NL", "1990-11-01", 60, BOTH),
    "at": ("Austria", "AT", "1991-11-01", 60, BOTH),
    "fi": ("Finland", "FI", "1992-11-01", 60, BOTH),
    "ie": ("Ireland", "IE", "1993-09-01", 60, BOTH),
    "lu": ("Luxembourg", "LU", "1993-11-01", 60, BOTH),
    "gr": ("Greece", "GR", "1994-09-01", 60, BOTH),
    "kr": ("South Korea", "KR", "2001-04-01", 60, BOTH),
    "cl": ("Chile", "CL", "2001-12-01", 60, BOTH),
    "au": ("Australia", "AU", "2002-10-01", 60, AUSTRALIA),
    "jp": ("Japan", "JP", "2005-10-01", 60, BOTH),
    "dk": ("Denmark", "DK", "2008-10-01", 60, BOTH),
    "cz": ("Czech Republic", "CZ", "2009-01-01", 60, BOTH),
    "pl": ("Poland", "PL", "2009-03-01", 60, BOTH),
    "sk": ("Slovak Republic", "SK", "2014-05-01", 60, BOTH),
    "hu": ("Hungary", "HU", "2016-09-01", 60, BOTH),
    "br": ("Brazil", "BR", "2018-10-01", 60, BOTH),
    "uy": ("Uruguay", "UY", "2018-11-01", 60, BOTH),
    "si": ("Slovenia", "SI", "2019-02-01", 60, EMPLOYEE),
    "is": ("Iceland", "IS", "2019-03-01", 60, BOTH),
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out, _ = run(capsys, "forms", "list", "--json")
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_forms_list_shows_30_agreements_plus_quebec_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    by_agreement: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in listed(capsys):
        by_agreement[row["form"].split("-", 1)[0]].append(row)
    assert len(EXPECTED) == 31
    assert set(by_agreement) == set(EXPECTED)
    for aid, (name, country, in_force, limit, kinds) in EXPECTED.items():
        rows = by_agreement[aid]
        assert tuple(sorted(r["kind"] for r in rows)) == kinds, aid
        for r in rows:
            assert r["form"] == f"{aid}-{r['kind']}"
            assert (r["agreement"], r["country"], r["in_force"], r["detachment_limit_months"]) == (
                name,
                country,
                in_force,
                limit,
            ), aid
            assert r["region"] == ("CA-QC" if aid == "qc" else None)


def test_forms_list_text_shows_italy_without_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forms", "list")
    assert code == 0
    italy = [line for line in out.splitlines() if line.startswith("it-")]
    assert len(italy) == 2 and all(line.rstrip().endswith("none") for line in italy)
    assert not any(line.startswith("mx-") for line in out.splitlines())


def test_forms_show_says_italy_has_no_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forms", "show", "it-employee")
    assert code == 0 and out.splitlines()[1] == "In force 1978-11-01; detachment limit: none"
    code, out, _ = run(capsys, "forms", "show", "pt-employee")
    assert code == 0 and out.splitlines()[1] == "In force 1989-08-01; detachment limit: 60 months"


def test_forms_check_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forms", "check")
    assert code == 0
    assert out.startswith("ok: 62 forms of the 30 agreements plus the Quebec understanding in force")


# ------------------------------------------------------------------------------------------------ Mexico


def test_mexico_is_listed_as_signed_but_never_offered() -> None:
    catalog = default_catalog()
    mx = catalog.agreements["mx"]
    assert mx.status == "signed" and not mx.in_force_now and mx.in_force is None
    assert mx.kinds == ()
    assert mx not in catalog.in_force()
    assert not any(f.startswith("mx-") for f in catalog.forms)
    assert str(mx.values["signed"]) == "2004-06-29"
    fact = mx.fact("signed")
    assert fact is not None and fact.sources and "2004-06-29" in fact.text


@pytest.mark.parametrize("form", ["mx-employee", "mx-self_employed"])
def test_mexico_form_is_refused_with_a_clear_message(form: str) -> None:
    with pytest.raises(UnknownForm, match="Mexico is signed but not in force"):
        default_catalog().form(form)
    judged = verdict(RequestDoc(form=form, edition="2026-11-29", answers={}), default_catalog())
    assert [(i.field, i.code) for i in judged.issues] == [("form", "form_not_offered")]
    assert "signed but not in force" in judged.summary() and judged.refused


def test_coc_new_refuses_mexico(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "new", "mx-employee")
    assert code == 2 and out == ""
    assert err.startswith("coc: ") and "Mexico is signed but not in force" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_coc_validate_refuses_a_request_under_mexico(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "mx.json"
    path.write_text(
        RequestDoc(form="mx-employee", edition="2026-11-29", answers={}).to_json(), encoding="utf-8"
    )
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert "Mexico is signed but not in force" in err and str(path) in err
    assert len(err.strip().splitlines()) == 1


def test_coc_forms_show_refuses_mexico(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "forms", "show", "mx-employee")
    assert code == 2 and "signed but not in force" in err


# ------------------------------------------------------------------------------------------------ docs


def test_committed_agreements_page_equals_the_generated_one() -> None:
    committed = (REPO / "docs" / "agreements.md").read_text(encoding="utf-8")
    assert committed == agreements_markdown(default_catalog()), (
        "docs/agreements.md is out of date: run `coc forms docs -o docs/agreements.md`"
    )


def test_docs_command_prints_writes_and_checks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    expected = agreements_markdown(default_catalog())
    code, out, _ = run(capsys, "forms", "docs")
    assert code == 0 and out == expected
    target = tmp_path / "agreements.md"
    code, out, _ = run(capsys, "forms", "docs", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8") == expected and str(target) in out
    code, out, _ = run(capsys, "forms", "docs", "--check", "-o", str(target))
    assert code == 0 and "up to date" in out
    target.write_text(expected + "edited by hand\n", encoding="utf-8")
    code, _, err = run(capsys, "forms", "docs", "--check", "-o", str(target))
    assert code == 1 and "out of date" in err
    code, _, err = run(capsys, "forms", "docs", "--check")
    assert code == 2 and "needs -o" in err
    code, _, err = run(capsys, "forms", "docs", "--check", "-o", str(tmp_path / "missing.md"))
    assert code == 2 and "cannot be read" in err


def test_agreements_page_covers_every_agreement_and_rule() -> None:
    catalog = default_catalog()
    page = agreements_markdown(catalog)
    assert "30 agreements plus the Quebec understanding, as SSA counts them." in page
    assert "(31)" not in page
    # The paper channel as RS 02001.090 gives it, each number with its purpose.
    assert "**Fax:** (410) 966-1861 (certificate of coverage requests only)" in page
    assert "(410) 965-7306 (help with SSA's online certificate forms only" in page
    for a in catalog.agreements.values():
        assert a.name in page
        for fact in a.facts:
            for source in fact.sources:
                assert f"<{source}>" in page or not a.in_force_now
    for spec in catalog.forms.values():
        assert f"### `{spec.id}`" in page
        for rule in spec.rules:
            assert f"`{rule.code}`" in page and f"`{rule.id}`" in page
    # Flagged facts are marked.
    assert "[CONFLICT]" in page and "[UNCONFIRMED]" in page and "[3P]" in page
    brazil = page.split("## Brazil (`br`)", 1)[1].split("\n## ", 1)[0]
    assert "Self-employment" in brazil and "[CONFLICT]" in brazil
    assert "| Mexico | MX | 2004-06-29 |" in page

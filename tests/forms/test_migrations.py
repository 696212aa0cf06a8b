"""Edition migrations declared in the definitions, and the edition policy of the verdict: a request in an older
edition is carried over (renamed fields keep their answers, values are mapped, removed answers are kept in the
report), accepted until its cutoff, refused after it; one in an unknown newer edition is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.forms import DefinitionsInvalid, check, load, verdict
from app.forms.edition_policy import check_edition
from app.forms.errors import DefCode
from app.forms.loader import Catalog
from app.forms.migration import MigrationReport, migrate, migrate_report
from app.request import RequestDoc
from tests.forms import minidefs

ROLE_OLD = """
[[fields]]
id = "person.role"
type = "choice"
label = "Role"
help = "The role."
choices = ["emp", "mgr"]
"""

ROLE_NEW = """
[[fields]]
id = "person.role"
type = "choice"
label = "Role"
help = "The role."
choices = ["employee", "manager"]

[[fields]]
id = "person.phone"
type = "phone"
label = "Phone"
help = "A phone number."
required = true

[[migrations]]
edition = "2027-01-01"
renamed = { "person.name" = "person.full_name" }
removed = ["person.second_name"]
added = ["person.phone"]
cutoff = CUTOFF
note = "The name is now asked in full."

[migrations.values."person.role"]
emp = "employee"
mgr = "manager"
"""

SECOND_NAME = minidefs.PERSON[
    minidefs.PERSON.index('[[fields]]\nid = "person.second_name"') : minidefs.PERSON.index(
        '[[fields]]\nid = "person.start"'
    )
]


def old_defs(root: Path) -> Path:
    return minidefs.write(root, {"sections/person.toml": minidefs.PERSON + ROLE_OLD})


def new_section(cutoff: str = "2999-01-01") -> str:
    text = (
        minidefs.PERSON.replace('edition = "2026-01-01"', 'edition = "2027-01-01"')
        .replace('id = "person.name"', 'id = "person.full_name"')
        .replace(SECOND_NAME, "")
    )
    return text + ROLE_NEW.replace("CUTOFF", cutoff)


def new_defs(root: Path, cutoff: str = "2999-01-01") -> Path:
    agreement = minidefs.AGREEMENT.replace('"person.name"', '"person.full_name"')
    return minidefs.write(
        root, {"sections/person.toml": new_section(cutoff), "agreements/zz.toml": agreement}
    )


def old_doc(tmp_path: Path) -> RequestDoc:
    spec = load(old_defs(tmp_path / "old")).form("zz-employee")
    assert spec.edition == "2026-01-03"
    return RequestDoc(
        form="zz-employee",
        edition=spec.edition,
        answers={
            "person.name": "Ann Lee",
            "person.citizenship": "ES",
            "person.second_name": "García",
            "person.start": "2027-02-01",
            "person.end": "2028-02-01",
            "person.role": "mgr",
        },
    )


def test_a_step_is_read_with_everything_it_declares(tmp_path: Path) -> None:
    spec = load(new_defs(tmp_path)).form("zz-employee")
    assert spec.edition == "2027-01-01"
    (step,) = spec.migrations
    assert step.edition == "2027-01-01"
    assert dict(step.renamed) == {"person.name": "person.full_name"}
    assert {k: dict(v) for k, v in step.values.items()} == {
        "person.role": {"emp": "employee", "mgr": "manager"}
    }
    assert step.removed == ("person.second_name",)
    assert step.added == ("person.phone",)
    assert step.cutoff == dt.date(2999, 1, 1)


def test_an_old_request_is_carried_over_with_a_report(tmp_path: Path) -> None:
    doc = old_doc(tmp_path)
    spec = load(new_defs(tmp_path / "new")).form("zz-employee")
    migrated, report = migrate_report(spec, doc)
    assert migrated.edition == "2027-01-01" and migrated.id == doc.id
    assert migrated.answers["person.full_name"] == "Ann Lee"  # the renamed field keeps its value
    assert "person.name" not in migrated.answers
    assert migrated.answers["person.role"] == "manager"
    assert "person.second_name" not in migrated.answers
    assert report.renamed == (("person.name", "person.full_name"),)
    assert report.mapped == (("person.role", "mgr", "manager"),)
    assert dict(report.kept) == {"person.second_name": "García"}  # nothing typed is lost
    assert report.added == ("person.phone",)
    assert report.notes == ("The name is now asked in full.",)
    assert doc.answers["person.name"] == "Ann Lee"  # the original is untouched
    assert MigrationReport.from_dict(report.to_dict()) == report
    text = "\n".join(report.lines())
    assert "person.name is now “Name”" in text and "person.second_name: García" in text
    old = load(old_defs(tmp_path / "old2")).form("zz-employee")
    _, named = migrate_report(spec, doc, written_in=old)  # the edition it was written in names what is gone
    assert "“Second name”: García" in "\n".join(named.lines())


def test_a_request_in_the_current_edition_is_not_touched(tmp_path: Path) -> None:
    spec = load(new_defs(tmp_path)).form("zz-employee")
    doc = RequestDoc(form=spec.id, edition=spec.edition, answers={"person.role": "emp"})
    assert migrate(spec, doc) is doc


def test_a_renamed_field_already_filled_in_keeps_the_new_answer_and_notes_the_old(tmp_path: Path) -> None:
    doc = old_doc(tmp_path)
    doc.answers["person.full_name"] = "Ann B. Lee"
    spec = load(new_defs(tmp_path / "new")).form("zz-employee")
    migrated, report = migrate_report(spec, doc)
    assert migrated.answers["person.full_name"] == "Ann B. Lee"
    assert report.kept["person.name"] == "Ann Lee" and report.renamed == ()


def test_before_the_cutoff_an_old_request_is_checked_in_the_new_edition_with_a_warning(
    tmp_path: Path,
) -> None:
    doc = old_doc(tmp_path)
    catalog = load(new_defs(tmp_path / "new", cutoff="2030-03-01"))
    check_ = check_edition(catalog, doc, today=dt.date(2030, 2, 28))
    assert [i.code for i in check_.issues] == ["old_edition"]
    assert "accepted until 2030-02-28" in check_.issues[0].message
    issues = list(verdict(doc, catalog).issues)
    codes = {(i.field, i.code) for i in issues}
    assert ("person.phone", "required") in codes  # the new required field is missing
    assert ("person.full_name", "required") not in codes  # the renamed one kept its answer
    assert not any(i.code == "unknown_field" for i in issues)


def test_from_the_cutoff_on_an_old_request_is_refused(tmp_path: Path) -> None:
    doc = old_doc(tmp_path)
    catalog = load(new_defs(tmp_path / "new", cutoff="2030-03-01"))
    (issue,) = check_edition(catalog, doc, today=dt.date(2030, 3, 1)).issues
    assert issue.code == "edition_outdated" and issue.is_error
    assert "2030-03-01" in issue.message and "coc forms update" in issue.message
    past = load(new_defs(tmp_path / "past", cutoff="2001-01-01"))
    assert "edition_outdated" in {i.code for i in list(verdict(doc, past).issues)}


def test_an_old_edition_still_known_is_checked_as_it_was(tmp_path: Path) -> None:
    doc = old_doc(tmp_path)
    old = load(old_defs(tmp_path / "old2"))
    new = load(new_defs(tmp_path / "new"))
    both = Catalog(
        new.agreements,
        new.forms,
        new.root,
        previous=lambda form, edition: old.forms[form] if edition == old.forms[form].edition else None,
    )
    issues = list(verdict(doc, both).issues)
    assert [i.code for i in issues if i.is_error] == []  # its own edition asks no phone
    assert [i.code for i in issues] == ["old_edition"]


def test_a_request_in_an_edition_newer_than_any_known_is_refused(tmp_path: Path) -> None:
    catalog = load(new_defs(tmp_path))
    doc = RequestDoc(form="zz-employee", edition="2099-01-01", answers={})
    (issue,) = check_edition(catalog, doc).issues
    assert issue.code == "edition_unknown" and issue.is_error


def test_an_undated_edition_gets_the_old_warning_only(tmp_path: Path) -> None:
    catalog = load(new_defs(tmp_path))
    doc = RequestDoc(form="zz-employee", edition="x", answers={"person.name": "Ann"})
    check_ = check_edition(catalog, doc)
    assert [i.code for i in check_.issues] == ["old_edition"]
    assert check_.doc.answers == {"person.full_name": "Ann"}


def test_an_agreement_declares_migrations_of_its_own_form(tmp_path: Path) -> None:
    section = minidefs.PERSON + ROLE_OLD.replace('"emp", "mgr"', '"employee", "manager"')
    agreement = minidefs.AGREEMENT + (
        '\n[[forms.employee.migrations]]\nedition = "2026-01-03"\n'
        '[forms.employee.migrations.values."person.role"]\nemp = "employee"\n'
    )
    spec = load(
        minidefs.write(tmp_path, {"sections/person.toml": section, "agreements/zz.toml": agreement})
    ).form("zz-employee")
    doc = RequestDoc(form=spec.id, edition="2026-01-01", answers={"person.role": "emp"})
    assert migrate(spec, doc).answers == {"person.role": "employee"}


BROKEN_STEPS = [
    ("rename to an unknown field", '"person.full_name" }', '"person.fullname" }', DefCode.UNKNOWN_REFERENCE),
    ("rename a field still there", '"person.name" = ', '"person.start" = ', DefCode.BAD_VALUE),
    (
        "remove a field still there",
        'removed = ["person.second_name"]',
        'removed = ["person.end"]',
        DefCode.BAD_VALUE,
    ),
    (
        "add an unknown field",
        'added = ["person.phone"]',
        'added = ["person.fone"]',
        DefCode.UNKNOWN_REFERENCE,
    ),
    ("map to a value that is no choice", 'mgr = "manager"', 'mgr = "boss"', DefCode.BAD_VALUE),
    (
        "step newer than its file",
        'edition = "2027-01-01"\nrenamed',
        'edition = "2028-01-01"\nrenamed',
        DefCode.BAD_VALUE,
    ),
    (
        "step edition not a date",
        'edition = "2027-01-01"\nrenamed',
        'edition = "soon"\nrenamed',
        DefCode.BAD_VALUE,
    ),
    ("unknown key", "note = ", "notes = ", DefCode.UNKNOWN_KEY),
    ("bad cutoff", "cutoff = 2999-01-01", 'cutoff = "someday"', DefCode.BAD_VALUE),
]


@pytest.mark.parametrize(("case", "find", "replace", "code"), BROKEN_STEPS, ids=[b[0] for b in BROKEN_STEPS])
def test_a_broken_step_is_located(tmp_path: Path, case: str, find: str, replace: str, code: DefCode) -> None:
    root = new_defs(tmp_path, cutoff="2999-01-01")
    path = root / "sections" / "person.toml"
    text = path.read_text(encoding="utf-8")
    assert find in text, case
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    errors = check(root)
    assert any(
        e.code is code and e.file == "sections/person.toml" and e.path.startswith("migrations[0]")
        for e in errors
    ), "\n".join(map(str, errors))
    with pytest.raises(DefinitionsInvalid):
        load(root)

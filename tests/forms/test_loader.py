"""Loading definitions: the model built from small inline TOML, and a corpus of broken definitions, each with
its expected code and location."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.cli import main
from app.forms import DefinitionsInvalid, FieldType, Severity, check, load
from app.forms.errors import DefCode
from app.forms.expr import Expr
from app.forms.loader import _load
from app.forms.model import FactStatus
from tests.forms import minidefs


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    return minidefs.write(tmp_path / "forms")


def test_minimal_definitions_load_into_one_form(defs: Path) -> None:
    catalog = load(defs)
    assert list(catalog.forms) == ["zz-employee"]
    spec = catalog.form("zz-employee")
    assert spec.edition == "2026-01-03"  # the latest edition of the files it was built from
    assert spec.agreement.in_force == dt.date(2000, 1, 1)
    assert spec.agreement.paper is not None and spec.agreement.paper.fax == "(000) 000-0000"
    assert [s.id for s in spec.sections] == ["person"]
    assert spec.sections[0].help == "About the person in Testland."
    name = spec.field("person.name")
    assert name.type is FieldType.NAME and name.required is True
    assert name.help == "The name.\n\nUnder the agreement with Testland: Testland wants the full name."
    assert name.flag == FactStatus.UNCONFIRMED.flag and name.source == "https://example.org/limit"
    second = spec.field("person.second_name")
    assert isinstance(second.show, Expr) and second.show.refs == ("person.citizenship",)
    group = spec.field("person")
    assert group.is_group and [c.id for c in group.columns] == ["name", "born"]
    rules = {r.id: r for r in spec.rules}
    assert rules["limit"].message == "More than 60 months." and rules["limit"].template is None
    assert rules["zz_warn"].message == "Longer than three years: they end on {last_day(person.start, 36)}."
    assert rules["zz_warn"].template is not None and rules["zz_warn"].template.refs == ("person.start",)
    assert rules["limit"].sources == ("https://example.org/limit",) and rules["limit"].flag
    assert rules["zz_warn"].severity is Severity.WARNING


def test_signed_agreement_is_listed_but_never_offered(defs: Path) -> None:
    (defs / "agreements" / "mx.toml").write_text(
        'id = "mx"\nname = "Mexico"\ncountry = "MX"\nstatus = "signed"\nedition = "2026-01-01"\n'
        'kinds = ["employee"]\n',
        encoding="utf-8",
    )
    catalog = load(defs)
    assert "mx" in catalog.agreements and "mx-employee" not in catalog.forms
    with pytest.raises(LookupError, match="signed but not in force"):
        catalog.form("mx-employee")


def test_unknown_form_suggests_the_closest(defs: Path) -> None:
    with pytest.raises(LookupError, match="did you mean 'zz-employee'"):
        load(defs).form("zz-employe")


def test_the_shipped_catalog_reads_an_agreement_when_it_is_asked_for(defs: Path) -> None:
    """The shipped catalog loads this way (`coc validate` reads the one agreement its request needs): a broken
    agreement file does not stop another agreement's form, and is refused, located, when it is asked for."""
    (defs / "agreements" / "mx.toml").write_text('id = "mx"\nname = "Mexico\n', encoding="utf-8")
    catalog, errors = _load(defs, lazy=True)
    assert catalog is not None and errors == []
    assert catalog.form("zz-employee").agreement.id == "zz"
    assert list(catalog.agreements) == ["mx", "zz"] and "mx" in catalog.agreements
    assert "zz-employee" in catalog.forms and "zz-other" not in catalog.forms
    for odd in ("xx-employee", "../zz-employee", "zz", "", 7):
        assert odd not in catalog.forms
    with pytest.raises(DefinitionsInvalid) as caught:
        catalog.agreements["mx"]
    assert [(e.code, e.file) for e in caught.value.errors] == [(DefCode.TOML_SYNTAX, "agreements/mx.toml")]
    with pytest.raises(DefinitionsInvalid):
        list(catalog.forms)  # listing the forms reads every agreement
    assert [e.code for e in check(defs)] == [DefCode.TOML_SYNTAX]  # and the whole check finds it at once


def test_the_shipped_catalog_read_lazily_is_the_whole_one() -> None:
    lazy, errors = _load(None, lazy=True)
    assert lazy is not None and errors == []
    whole = load()
    assert list(lazy.forms) == list(whole.forms) and len(lazy.forms) == len(whole.forms)
    assert list(lazy.agreements) == list(whole.agreements)
    # compared by repr: two loads of the same files build values that do not compare equal as objects
    assert [repr(lazy.agreements[a]) for a in lazy.agreements] == [repr(a) for a in whole.agreements.values()]
    for form_id in whole.forms:
        assert repr(lazy.form(form_id)) == repr(whole.form(form_id))


# ---------------------------------------------------------------------------------------------- broken corpus

# (case, file, text to find, replacement, expected code, expected key path, expected line or None)
BROKEN = [
    ("toml syntax", "sections/person.toml", 'label = "Name"', 'label = "Name', DefCode.TOML_SYNTAX, "", 10),
    (
        "misspelt key",
        "sections/person.toml",
        'label = "Start"',
        'lable = "Start"',
        DefCode.UNKNOWN_KEY,
        "fields[3].lable",
        32,
    ),
    (
        "missing label",
        "sections/person.toml",
        'label = "End"\n',
        "",
        DefCode.MISSING_KEY,
        "fields[4].label",
        36,
    ),
    (
        "unknown type",
        "sections/person.toml",
        'type = "country"',
        'type = "contry"',
        DefCode.UNKNOWN_TYPE,
        "fields[1].type",
        16,
    ),
    (
        "bad field id",
        "sections/person.toml",
        'id = "person.start"',
        'id = "other.start"',
        DefCode.BAD_ID,
        "fields[3].id",
        30,
    ),
    (
        "duplicate field",
        "sections/person.toml",
        'id = "person.end"',
        'id = "person.start"',
        DefCode.DUPLICATE_ID,
        "fields[4].id",
        37,
    ),
    (
        "unknown reference in show",
        "sections/person.toml",
        "show = \"person.citizenship == 'ES'\"",
        "show = \"person.citizenshp == 'ES'\"",
        DefCode.UNKNOWN_REFERENCE,
        "field person.second_name: show",
        26,
    ),
    (
        "expression syntax",
        "sections/person.toml",
        "required = \"person.citizenship == 'ES'\"",
        'required = "person.citizenship == "',
        DefCode.EXPRESSION_SYNTAX,
        "fields[2].required",
        27,
    ),
    (
        "unknown function",
        "kinds/employee.toml",
        "months_between(later(",
        "months_btween(later(",
        DefCode.EXPRESSION_SYNTAX,
        "rules[1].when",
        18,
    ),
    (
        "row outside a group",
        "sections/person.toml",
        'show = "person.has_kids == true"',
        'show = "row.name == true"',
        DefCode.UNKNOWN_REFERENCE,
        "field person: show",
        54,
    ),
    (
        "unknown column",
        "sections/person.toml",
        'required = "row.name != null"',
        'required = "row.nme != null"',
        DefCode.UNKNOWN_REFERENCE,
        "field person.born: required",
        70,
    ),
    (
        "unknown agreement value",
        "kinds/employee.toml",
        '> agreement.detachment_limit_months"',
        '> agreement.detachment_months"',
        DefCode.UNKNOWN_REFERENCE,
        "rule limit: when",
        18,
    ),
    (
        "unknown section",
        "kinds/employee.toml",
        'sections = ["person"]',
        'sections = ["persons"]',
        DefCode.UNKNOWN_SECTION,
        "sections[0]",
        5,
    ),
    (
        "unknown kind",
        "agreements/zz.toml",
        'kinds = ["employee"]',
        'kinds = ["employe"]',
        DefCode.UNKNOWN_KIND,
        "kinds[0]",
        9,
    ),
    (
        "unknown fact",
        "agreements/zz.toml",
        'fact = "detachment"\n\n[[forms',
        'fact = "detachmnt"\n\n[[forms',
        DefCode.UNKNOWN_FACT,
        'forms.employee.fields."person.name".fact',
        19,
    ),
    (
        "bad fact status",
        "agreements/zz.toml",
        'status = "unconfirmed"',
        'status = "maybe"',
        DefCode.BAD_VALUE,
        "facts.detachment.status",
        14,
    ),
    (
        "fact without source",
        "agreements/zz.toml",
        'sources = ["https://example.org/limit"]',
        "sources = []",
        DefCode.MISSING_KEY,
        "facts.detachment.sources",
        15,
    ),
    (
        "override of unknown field",
        "agreements/zz.toml",
        '[forms.employee.fields."person.name"]',
        '[forms.employee.fields."person.nme"]',
        DefCode.UNKNOWN_REFERENCE,
        'forms.employee.fields."person.nme"',
        17,
    ),
    (
        "rule on unknown field",
        "agreements/zz.toml",
        'field = "person.end"',
        'field = "person.ending"',
        DefCode.UNKNOWN_REFERENCE,
        "forms.employee.rules[0].field",
        25,
    ),
    (
        "bad severity",
        "agreements/zz.toml",
        'severity = "warning"',
        'severity = "info"',
        DefCode.BAD_VALUE,
        "forms.employee.rules[0].severity",
        24,
    ),
    (
        "bad in_force date",
        "agreements/zz.toml",
        "in_force = 2000-01-01",
        'in_force = "2000-13-01"',
        DefCode.BAD_VALUE,
        "in_force",
        6,
    ),
    ("agreement id not file name", "agreements/zz.toml", 'id = "zz"', 'id = "zy"', DefCode.BAD_ID, "id", 2),
    (
        "template of unknown value",
        "sections/person.toml",
        "About the person in {agreement.name}.",
        "About {agreement.nmae}.",
        DefCode.UNKNOWN_REFERENCE,
        "help",
        4,
    ),
    (
        "message placeholder syntax",
        "agreements/zz.toml",
        "{last_day(person.start, 36)}",
        "{last_day(person.start, )}",
        DefCode.EXPRESSION_SYNTAX,
        "forms.employee.rules[0].message",
        None,
    ),
    (
        "message placeholder of unknown field",
        "agreements/zz.toml",
        "{last_day(person.start, 36)}",
        "{last_day(person.begin, 36)}",
        DefCode.UNKNOWN_REFERENCE,
        "forms.employee.rules[0].message",
        None,
    ),
    (
        "message shows a name",
        "agreements/zz.toml",
        "{last_day(person.start, 36)}",
        "{person.name}",
        DefCode.BAD_VALUE,
        "forms.employee.rules[0].message",
        None,
    ),
    (
        "lone brace in a message",
        "kinds/employee.toml",
        'message = "End must follow start."',
        'message = "End must follow {start."',
        DefCode.EXPRESSION_SYNTAX,
        "rules[0].message",
        None,
    ),
    (
        "kind sender names no field of the form",
        "kinds/employee.toml",
        'sections = ["person"]',
        'sections = ["person"]\n\n[sender]\nrole = "Sender"\nname = ["person.nme"]',
        DefCode.UNKNOWN_REFERENCE,
        "sender.name",
        None,
    ),
    (
        "rule status and fact together",
        "kinds/employee.toml",
        'fact = "detachment"',
        'fact = "detachment"\nstatus = "unconfirmed"',
        DefCode.BAD_VALUE,
        "rules[1].status",
        None,
    ),
    (
        "unknown instrument",
        "agreements/zz.toml",
        'kinds = ["employee"]',
        'kinds = ["employee"]\ninstrument = "treaty"',
        DefCode.BAD_VALUE,
        "instrument",
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "file", "find", "replace", "code", "path", "line"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_definition_is_located(
    defs: Path, case: str, file: str, find: str, replace: str, code: DefCode, path: str, line: int | None
) -> None:
    target = defs / file
    text = target.read_text(encoding="utf-8")
    assert find in text, case
    target.write_text(text.replace(find, replace, 1), encoding="utf-8")
    errors = check(defs)
    matching = [e for e in errors if e.code is code and e.file == file and e.path == path]
    assert matching, f"{case}: expected {code.value} at {file}: {path}, got:\n" + "\n".join(map(str, errors))
    if line is not None:
        assert matching[0].line == line, str(matching[0])
    with pytest.raises(DefinitionsInvalid):
        load(defs)


def test_a_message_never_shows_personal_data(defs: Path) -> None:
    """A section marked personal (the worker's) lends no field to a message, not even a date."""
    person = defs / "sections" / "person.toml"
    person.write_text(
        person.read_text(encoding="utf-8").replace(
            'edition = "2026-01-01"', 'edition = "2026-01-01"\npersonal = true'
        ),
        encoding="utf-8",
    )
    errors = check(defs)
    assert [(e.code, e.file, e.path) for e in errors] == [
        (DefCode.BAD_VALUE, "agreements/zz.toml", "forms.employee.rules[0].message")
    ]
    assert "'person.start'" in errors[0].message and "personal data" in errors[0].hint


def test_misspellings_get_did_you_mean(defs: Path) -> None:
    person = defs / "sections" / "person.toml"
    person.write_text(
        person.read_text(encoding="utf-8")
        .replace('type = "country"', 'type = "contry"')
        .replace('label = "Start"', 'lable = "Start"')
        .replace("show = \"person.citizenship == 'ES'\"", "show = \"person.citizenshp == 'ES'\""),
        encoding="utf-8",
    )
    hints = {e.code: e.hint for e in check(defs)}
    assert hints[DefCode.UNKNOWN_TYPE] == "did you mean 'country'?"
    assert hints[DefCode.UNKNOWN_KEY] == "did you mean 'label'?"


def test_every_problem_of_a_file_is_reported_at_once(defs: Path) -> None:
    agreement = defs / "agreements" / "zz.toml"
    agreement.write_text(
        agreement.read_text(encoding="utf-8")
        .replace('status = "unconfirmed"', 'status = "maybe"')
        .replace('field = "person.end"', 'field = "person.ending"')
        .replace('kinds = ["employee"]', 'kinds = ["employee"]\ncolour = "red"'),
        encoding="utf-8",
    )
    codes = sorted(e.code.value for e in check(defs))
    assert codes == ["DEF002", "DEF004", "DEF007"]


def test_dependency_cycle_is_refused(defs: Path) -> None:
    person = defs / "sections" / "person.toml"
    person.write_text(
        person.read_text(encoding="utf-8").replace(
            'label = "Citizenship"', 'label = "Citizenship"\nshow = "present(person.second_name)"'
        ),
        encoding="utf-8",
    )
    errors = [e for e in check(defs) if e.code is DefCode.CYCLE]
    assert len(errors) == 1
    assert "person.citizenship -> person.second_name -> person.citizenship" in errors[0].message


def test_drop_rules_of_unknown_rule_is_reported(defs: Path) -> None:
    agreement = defs / "agreements" / "zz.toml"
    agreement.write_text(
        agreement.read_text(encoding="utf-8").replace(
            '[forms.employee.fields."person.name"]',
            '[forms.employee]\ndrop_rules = ["ordr"]\n\n[forms.employee.fields."person.name"]',
        ),
        encoding="utf-8",
    )
    errors = check(defs)
    assert [(e.code, e.path) for e in errors] == [(DefCode.UNKNOWN_REFERENCE, "forms.employee.drop_rules[0]")]


def test_missing_folder_and_unreadable_file(tmp_path: Path) -> None:
    assert check(tmp_path / "nope")[0].code is DefCode.UNREADABLE
    root = minidefs.write(tmp_path / "forms")
    (root / "sections" / "bad.toml").write_bytes(b"\xff\xfe not utf-8")
    assert [e.code for e in check(root)] == [DefCode.UNREADABLE]


def test_coc_forms_check_exit_codes_and_lines(defs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "check", str(defs)]) == 0
    assert "ok: 1 forms" in capsys.readouterr().out
    person = defs / "sections" / "person.toml"
    person.write_text(
        person.read_text(encoding="utf-8").replace('type = "country"', 'type = "contry"'), encoding="utf-8"
    )
    assert main(["forms", "check", str(defs)]) == 1
    out = capsys.readouterr().out
    assert (
        "sections/person.toml:16: fields[1].type: DEF005 unknown field type: 'contry' is not a field type"
        in out
    )
    assert main(["forms", "check", str(defs), "--json"]) == 1
    assert '"code": "DEF005"' in capsys.readouterr().out

"""`coc store ...` and `coc drafts ...`: the happy paths, and every error as one line with a non-zero exit."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.cli import main, store_cmd
from app.store import Store
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, make_doc

BACKUP_PASSPHRASE = "blue spruce 88 canyon"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("COC_DATA_DIR", str(folder))
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> None:
    assert err.startswith("coc: ") and err.count("\n") == 1 and "Traceback" not in err


def test_init_add_list_show_export(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "store", "init")
    assert code == 0 and str(data / "store.db") in out
    request = tmp_path / "request.json"
    doc = make_doc()
    request.write_text(doc.to_json(), encoding="utf-8")
    code, out, err = run(capsys, "drafts", "add", str(request))
    assert code == 0 and out == f"{doc.id}\n" and "Ready" in err
    code, out, _ = run(capsys, "drafts", "list")
    assert code == 0 and doc.id[:8] in out and "Example, Jane Q." in out and "Ready" in out
    code, out, _ = run(
        capsys, "drafts", "list", "--json", "--state", "ready", "--agreement", "de", "--search", "jane"
    )
    assert [r["id"] for r in json.loads(out)] == [doc.id]
    code, out, _ = run(capsys, "drafts", "list", "--state", "sent")
    assert out == "no requests\n"
    code, out, _ = run(capsys, "drafts", "show", doc.id[:8])
    assert code == 0 and json.loads(out)["answers"] == doc.answers
    code, out, _ = run(capsys, "drafts", "export", doc.id)
    assert code == 0 and json.loads(out)["id"] == doc.id
    target = tmp_path / "out.json"
    code, out, err = run(capsys, "drafts", "export", doc.id, "-o", str(target))
    assert code == 0 and out == "" and json.loads(target.read_text(encoding="utf-8"))["id"] == doc.id
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    code, _, err = run(capsys, "drafts", "export", doc.id, "-o", str(target))
    assert code == 2
    one_line_error(err)
    with Store.open(data, PASSPHRASE) as store:
        assert [(e.event, e.detail) for e in store.audit(doc.id)] == [
            ("created", "revision=1"),
            ("exported", "format=json to=stdout"),
            ("exported", "format=json to=file"),
        ]


def test_add_counts_errors_from_validation_and_updates(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "store", "init")
    doc = make_doc(**{"worker.ssn": "000-00-0000"})
    request = tmp_path / "r.json"
    request.write_text(doc.to_json(), encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "add", str(request))
    assert code == 0 and "Draft" in err
    doc.answers["worker.ssn"] = "123-45-6789"
    request.write_text(doc.to_json(), encoding="utf-8")
    assert run(capsys, "drafts", "add", str(request), "--base", "1")[0] == 0
    with Store.open(data, PASSPHRASE) as store:
        assert next(r.error_count for r in store.history(doc.id)) >= 1
        assert store.summary(doc.id).error_count == 0 and store.summary(doc.id).revision == 2


def test_a_stale_file_is_refused_and_replaced_only_on_request(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line's lost update: a file exported at revision 1, the request changed since (revision 2)."""
    run(capsys, "store", "init")
    doc = make_doc()
    request = tmp_path / "r.json"
    request.write_text(doc.to_json(), encoding="utf-8")
    assert run(capsys, "drafts", "add", str(request))[0] == 0
    exported = tmp_path / "exported.json"
    code, _out, err = run(capsys, "drafts", "export", doc.id, "-o", str(exported))
    assert code == 0 and "exported revision 1" in err and "--base 1" in err
    newer = tmp_path / "newer.json"
    newer.write_text(doc.to_json().replace("123-45-6789", "123-45-6780"), encoding="utf-8")
    # someone else's change: revision 2
    assert run(capsys, "drafts", "add", str(newer), "--base", "1")[0] == 0
    stale = exported.read_text(encoding="utf-8").replace('"Jane"', '"Janet"')
    exported.write_text(stale, encoding="utf-8")
    for args in ((), ("--base", "1")):  # a new copy, or one exported before the other change
        code, out, err = run(capsys, "drafts", "add", str(exported), *args)
        assert code == 5 and out == "" and err.count("\n") == 1
        assert "nothing was saved" in err and "--replace" in err
    with Store.open(data, PASSPHRASE) as store:
        kept = store.get(doc.id)
        assert kept.answers["worker.ssn"] == "123-45-6780" and kept.answers["worker.first_name"] == "Jane"
    assert run(capsys, "drafts", "add", str(exported), "--replace")[0] == 0
    with Store.open(data, PASSPHRASE) as store:
        assert store.get(doc.id).answers["worker.first_name"] == "Janet"
        assert store.revision(doc.id, 2).answers["worker.ssn"] == "123-45-6780"  # theirs, in the history
    code, _out, err = run(capsys, "drafts", "add", str(exported), str(request), "--base", "3")
    assert code == 2 and "--base" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "Not JSON"),
        ("[]", "JSON object"),
        ('{"form": "xx-employee", "answers": {}}', "xx-employee"),
        ('{"form": "de-employee", "answers": {"worker.first_name": 5}}', "must be text"),
    ],
)
def test_add_bad_documents(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    run(capsys, "store", "init")
    request = tmp_path / "r.json"
    request.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "drafts", "add", str(request))
    assert code == 2 and out == ""
    one_line_error(err)
    assert words in err


def test_errors_are_one_line(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "drafts", "list")
    assert code == 3 and "coc store init" in err
    one_line_error(err)
    run(capsys, "store", "init")
    code, _, err = run(capsys, "store", "init")
    assert code == 3 and "already exists" in err
    one_line_error(err)
    for argv, expected in (
        (("drafts", "show", "0d1c7c0e-0000-4000-8000-000000000000"), 4),
        (("drafts", "show", "zz"), 4),
        (("drafts", "export", "abc"), 4),
        (("drafts", "add", str(tmp_path / "missing.json")), 2),
        (("store", "restore", str(tmp_path / "missing.db")), 2),
    ):
        code, _out, err = run(capsys, *argv)
        assert code == expected, argv
        one_line_error(err)


def test_wrong_and_missing_passphrases(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "store", "init")
    monkeypatch.setenv("COC_PASSPHRASE", OTHER_PASSPHRASE)
    code, _, err = run(capsys, "drafts", "list")
    assert code == 3 and "does not unlock" in err
    one_line_error(err)
    monkeypatch.delenv("COC_PASSPHRASE")
    monkeypatch.setattr(store_cmd, "prompt_or_none", lambda: None)  # a script: no terminal
    code, _, err = run(capsys, "drafts", "list")
    assert code == 2 and "COC_PASSPHRASE" in err
    one_line_error(err)


def test_init_prompts_twice(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COC_PASSPHRASE")
    answers = iter(["weak"])
    monkeypatch.setattr(store_cmd, "prompt_or_none", lambda: lambda label: next(answers))
    code, _, err = run(capsys, "store", "init")
    assert code == 2 and "at least 12 characters" in err
    one_line_error(err)
    answers = iter([PASSPHRASE, PASSPHRASE + "x"])
    code, _, err = run(capsys, "store", "init")
    assert code == 2 and "differ" in err
    assert not (data / "store.db").exists()
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return PASSPHRASE

    monkeypatch.setattr(store_cmd, "prompt_or_none", lambda: prompt)
    code, _, _ = run(capsys, "store", "init")
    assert code == 0 and len(asked) == 2
    code, _out, _ = run(capsys, "drafts", "list")
    assert code == 0 and asked[-1] == "Passphrase: "


def test_passwd_backup_restore(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "store", "init")
    request = tmp_path / "r.json"
    doc = make_doc()
    request.write_text(doc.to_json(), encoding="utf-8")
    run(capsys, "drafts", "add", str(request))
    monkeypatch.setenv("COC_NEW_PASSPHRASE", "weak")
    code, _, err = run(capsys, "store", "passwd")
    assert code == 2
    one_line_error(err)
    monkeypatch.setenv("COC_NEW_PASSPHRASE", OTHER_PASSPHRASE)
    code, out, _ = run(capsys, "store", "passwd")
    assert code == 0 and "changed" in out
    monkeypatch.setenv("COC_PASSPHRASE", OTHER_PASSPHRASE)
    backup = tmp_path / "backup.db"
    monkeypatch.setenv("COC_BACKUP_PASSPHRASE", BACKUP_PASSPHRASE)
    code, out, _ = run(capsys, "store", "backup", str(backup))
    assert code == 0 and backup.exists()
    code, _, err = run(capsys, "store", "backup", str(backup))
    assert code == 3 and "already exists" in err
    one_line_error(err)
    other = tmp_path / "other-machine"
    monkeypatch.setenv("COC_PASSPHRASE", "fresh machine pass 3")
    code, out, _ = run(capsys, "--data-dir", str(other), "store", "restore", str(backup))
    assert code == 0 and "restored 1 request(s)" in out
    code, out, _ = run(capsys, "--data-dir", str(other), "drafts", "show", doc.id)
    assert json.loads(out)["answers"] == doc.answers
    code, _, err = run(capsys, "--data-dir", str(other), "store", "restore", str(backup))
    assert code == 3 and "--replace" in err
    code, out, _ = run(capsys, "--data-dir", str(other), "store", "restore", "--replace", str(backup))
    assert code == 0 and "kept as" in out
    monkeypatch.setenv("COC_BACKUP_PASSPHRASE", "not the backup 12")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "third"), "store", "restore", str(backup))
    assert code == 3 and "backup passphrase" in err
    one_line_error(err)


def test_open_store_helper_for_other_commands(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from app.cli.common import CliError

    args = argparse.Namespace(data_dir=None)
    with pytest.raises(CliError) as info:
        store_cmd.open_store(args)
    assert info.value.exit_code == 3
    run(capsys, "store", "init")
    with store_cmd.open_store(args) as store:
        assert store.count() == 0


def test_drafts_show_issues_across_requests(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`coc drafts show ID --issues [--json]`: the request's verdict with the worker's other requests in the store,
    `overlapping_request` naming the other request on both, with the fields of `coc validate --json`."""
    assert run(capsys, "store", "init")[0] == 0
    from app.forms import default_catalog

    germany = make_doc()
    france = make_doc(form="fr-employee")  # the same worker (SSN) and the same days, under another agreement
    other_worker = make_doc(worker__ssn="123-45-6780", worker__last_name="Otherperson")
    files = []
    for doc in (germany, france, other_worker):
        doc.edition = default_catalog().form(doc.form).edition
        path = tmp_path / f"{doc.id}.json"
        path.write_text(doc.to_json(), encoding="utf-8")
        files.append(str(path))
    assert run(capsys, "drafts", "add", *files)[0] == 0

    code, out, _ = run(capsys, "drafts", "show", germany.id[:8], "--issues", "--json")
    shown = json.loads(out)
    code_validate, validated, _ = run(capsys, "validate", files[0], "--json")
    assert set(shown) == set(json.loads(validated)) and code == code_validate == 0  # warnings only: exit 0
    overlaps = [i for i in shown["issues"] if i["code"] == "overlapping_request"]
    assert len(overlaps) == 1 and france.id in overlaps[0]["message"]
    assert overlaps[0]["field"] == "assignment.start_date" and overlaps[0]["severity"] == "warning"
    assert (
        set(overlaps[0]) == set(json.loads(validated)["issues"][0])
        if json.loads(validated)["issues"]
        else True
    )
    # The other request says the same about the first one; another worker's request says nothing.
    _, out, _ = run(capsys, "drafts", "show", france.id, "--issues", "--json")
    assert [i["message"] for i in json.loads(out)["issues"] if i["code"] == "overlapping_request"] == [
        overlaps[0]["message"].replace(france.id, germany.id).replace("(France, ", "(Germany, ")
    ]
    _, out, _ = run(capsys, "drafts", "show", other_worker.id, "--issues", "--json")
    assert json.loads(out)["issues"] == []
    # The text form: one line an issue, then the summary.
    code, out, _ = run(capsys, "drafts", "show", germany.id, "--issues")
    assert code == 0 and "warning  assignment.start_date  overlapping_request: " in out and france.id in out
    assert out.rstrip().endswith("0 error(s), 1 warning(s): ready")
    code, _, err = run(capsys, "drafts", "show", germany.id, "--json")
    assert code == 2 and "--json goes with --issues" in err

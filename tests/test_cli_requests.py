"""`coc new` and `coc validate`: verdicts, exit codes, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import REPO


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def new_example(capsys: pytest.CaptureFixture[str], tmp_path: Path, form: str = "de-employee") -> Path:
    code, out, _ = run(capsys, "new", form, "--example")
    assert code == 0
    path = tmp_path / f"{form}.json"
    path.write_text(out, encoding="utf-8")
    return path


def test_new_prints_an_empty_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "new", "fr-employee")
    doc = json.loads(out)
    assert code == 0 and doc["form"] == "fr-employee" and doc["answers"] == {} and doc["state"] == "draft"
    assert set(doc) == {"id", "form", "edition", "answers", "created", "updated", "state"}


def test_example_validates_and_round_trips_exactly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = new_example(capsys, tmp_path)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0 and "0 error(s)" in out
    from app.request import RequestDoc

    text = path.read_text(encoding="utf-8").strip()
    assert RequestDoc.from_json(text).to_json() == text


def test_errors_exit_1_with_the_verdict_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = new_example(capsys, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["answers"]["worker.ssn"] = "666-12-3456"
    doc["answers"]["assignment.end_date"] = "2035-01-01"
    del doc["answers"]["worker.last_name"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path), "--json")
    assert code == 1
    result = json.loads(out)
    assert (result["form"], result["ready"], result["refused"], result["errors"]) == (
        "de-employee",
        False,
        False,
        3,
    )
    issues = result["issues"]
    assert [(i["field"], i["code"], i["severity"]) for i in issues] == [
        ("worker.last_name", "required", "error"),
        ("worker.ssn", "invalid_ssn", "error"),
        ("assignment.end_date", "detachment_limit_exceeded", "error"),
    ]
    assert all(set(i) >= {"field", "code", "severity", "message"} for i in issues)


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = new_example(capsys, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["answers"]["assignment.is_extension"] = True
    doc["answers"]["assignment.previous_certificate_end"] = "2029-01-01"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0 and "extension_needs_both_countries" in out and "0 error(s), 1 warning(s)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"form": "de-employee"}', "lacks 'answers'"),
        ('{"form": "zz-employee", "answers": {}}', "Unknown form 'zz-employee'"),
        ('{"form": "mx-employee", "answers": {}}', "mx-employee"),
        ('{"form": "de-employee", "answers": {"worker.ssn": 123456789}}', "must be text, not a number"),
        ('{"form": "de-employee", "answers": []}', "'answers' must be an object"),
        ('{"form": "de-employee", "answers": {}, "state": "lost"}', "unknown state"),
        ('{"form": "de-employee", "answers": {}, "id": "42"}', "not a UUID"),
        ('{"form": "de-employee", "answers": {"worker.ssn": 1' + "0" * 5000 + "}}", "number of 5001 digits"),
        ('{"form": "de-employee", "answers": {"x": NaN}}', "NaN is not a JSON value"),
        ('{"form": "de-employee", "form": "fr-employee", "answers": {}}', "the key 'form' appears twice"),
        ('{"form": "de-employee", "answers": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}", "nested deeper"),
        ('{"form": "de-employee", "answers": {"x": "' + "a" * 300_000 + '"}}', "at most 262,144 bytes"),
        ('{"form": "de-employee", "answers": {"x": "' + "a" * 1_100_000 + '"}}', "at most 262,144 bytes"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("coc: ") and message.lower() in err.lower()


def test_unreadable_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "validate", str(tmp_path / "missing.json"))[2].strip().endswith("no such file")
    assert "is a folder" in run(capsys, "validate", str(tmp_path))[2]
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in run(capsys, "validate", str(binary))[2]
    assert run(capsys, "new", "nope-employee")[0] == 2


def test_forms_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forms", "list", "--json")
    rows = {r["form"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["de-employee"] == {
        "form": "de-employee",
        "agreement": "Germany",
        "country": "DE",
        "region": None,
        "kind": "employee",
        "edition": rows["de-employee"]["edition"],
        "origin": "bundled",
        "in_force": "1979-12-01",
        "detachment_limit_months": 60,
    }
    code, out, _ = run(capsys, "forms", "list")
    assert code == 0 and "de-employee" in out and "1979-12-01" in out
    code, out, _ = run(capsys, "forms", "show", "dk-employee")
    assert code == 0 and "family_birth_date_missing" in out and "family.has_family" in out
    code, out, _ = run(capsys, "forms", "show", "dk-employee", "--json")
    data = json.loads(out)
    assert [p["id"] for p in data["pages"]][-1] == "request"
    assert any(f["id"] == "family" and f["columns"] for p in data["pages"] for f in p["fields"])


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "validate", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("coc: ")

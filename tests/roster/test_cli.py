"""`coc import` and `coc export`: the JSON the issue promises, the exit codes, one line per bad file, undo."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from app.cli import main
from app.store import Store
from tests.roster.conftest import PASSPHRASE
from tests.roster.helpers import WORKDAY, table, worker, write_csv, write_xlsx


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_exit_codes_and_undo(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [worker(0), worker(1, worker__birth_date="13/13/1980"), worker(2, request__agreement="Narnia")]
    path = write_xlsx(tmp_path / "roster.xlsx", table(WORKDAY, rows))
    code, out, _ = run(capsys, "import", str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert (
        code == 1
        and data["created"] == 2
        and data["skipped"]
        == [{"row": 4, "reason": "'Narnia' is not a country with which the U.S. has an agreement"}]
    )
    assert {"column": "DOB", "field": "worker.birth_date", "how": "guessed"} in data["mapping"]
    with Store.open(cli_data, PASSPHRASE) as store:
        assert store.count() == 0  # a dry run changes nothing
    code, out, _ = run(capsys, "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and (data["created"], data["updated"], data["unchanged"]) == (2, 0, 0)
    assert [(r["row"], r["errors"], r["warnings"]) for r in data["rows"]] == [(2, 0, 0), (3, 1, 0)]
    assert data["rows"][1]["problems"] == [
        {
            "column": "DOB",
            "field": "worker.birth_date",
            "message": "is not a real date (read as month/day/year)",
        }
    ]
    code, out, _ = run(capsys, "import", str(path), "--json")
    assert code == 1 and json.loads(out)["unchanged"] == 2 and json.loads(out)["created"] == 0
    code, out, _ = run(capsys, "import", "--undo")
    assert code == 0 and "2 request(s) deleted" in out
    with Store.open(cli_data, PASSPHRASE) as store:
        assert store.count() == 0
    code, _out, err = run(capsys, "import", "--undo")
    assert code == 1 and err == "coc: there is no import to undo\n"


def test_import_all_rows_exit_0_and_text_output(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path / "roster.csv", table(WORKDAY, [worker(0), worker(1)]), encoding="cp1252", delimiter=";"
    )
    code, out, err = run(capsys, "import", str(path))
    assert code == 0
    assert "CSV in Windows-1252 (Western European), separated by semicolons" in out
    assert "row 2: created" in out and "2 created, 0 updated, 0 unchanged, 0 skipped" in err
    assert "coc import --undo" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty (0 bytes)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "97-2003"),
        (b"First name,first name\nA,B\n", "appears twice"),
    ],
)
def test_unreadable_file_is_one_line_and_exit_2(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, words: str
) -> None:
    path = tmp_path / "roster.xls"
    path.write_bytes(content)
    code, out, err = run(capsys, "import", str(path), "--form", "de-employee")
    assert code == 2 and out == "" and err.startswith("coc: ") and err.count("\n") == 1 and words in err


def test_export_register_with_and_without_ssn(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(
        tmp_path / "roster.xlsx", table(WORKDAY, [worker(0), worker(1, request__agreement="France")])
    )
    assert run(capsys, "import", str(path))[0] == 0
    out_file = tmp_path / "register.csv"
    code, _out, err = run(capsys, "export", str(out_file), "--agreement", "fr")
    assert code == 0 and "wrote 1 request(s) to" in err
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    text = out_file.read_text(encoding="utf-8-sig")
    assert "SSN" not in text and "123-45-" not in text and "France" in text
    code, _out, err = run(capsys, "export", str(out_file))
    assert code == 2 and "already exists" in err
    code, _out, err = run(capsys, "export", str(out_file), "--force", "--with-ssn", "--state", "Ready")
    assert code == 0 and "with SSNs" in err and "123-45-6000" in out_file.read_text(encoding="utf-8-sig")
    assert run(capsys, "export", str(tmp_path / "register.txt"))[0] == 2
    with Store.open(cli_data, PASSPHRASE) as store:
        details = [e.detail for e in store.audit() if e.event == "register_exported"]
    assert details == ["format=csv rows=1 ssn=no source=cli", "format=csv rows=1 ssn=yes source=cli"]

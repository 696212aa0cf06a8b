"""Canary personal data written through the store is found in clear nowhere: not in the database, its -wal and
-shm files, the temp folder, logs, console output, the user folders or the settings (reliability.md §6 test #7:
20 canaries, 3 scan points)."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from app.cli import main
from app.request import RequestDoc
from app.store import IdleLock, Store
from tests.store.helpers import PASSPHRASE, make_doc

CANARIES = 20


def _canaries() -> list[dict[str, str]]:
    people = []
    for i in range(CANARIES):
        people.append(
            {
                "worker.first_name": f"Qzvfirst{i:02d}",
                "worker.last_name": f"Żółćlast{i:02d}",
                "worker.middle_name": f"Xjmiddle{i:02d}",
                "worker.ssn": f"{700 + i:03d}-{50 + i:02d}-{4000 + i:04d}",
                "worker.birth_date": f"19{40 + i:02d}-0{1 + i % 9}-{10 + i:02d}",
            }
        )
    return people


def _needles(people: list[dict[str, str]]) -> list[bytes]:
    needles: list[bytes] = []
    for person in people:
        for value in person.values():
            variants = {value, value.replace("-", "")}
            for text in variants:
                needles.append(text.encode("utf-8"))
                needles.append(text.encode("utf-16-le"))
    return needles


def _scan(folders: list[Path], needles: list[bytes], texts: list[str], where: str) -> None:
    hits: list[str] = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                hits.extend(f"{path}" for needle in needles if needle in data)
    blob = "\n".join(texts).encode("utf-8")
    hits.extend(f"captured output/log: {needle!r}" for needle in needles if needle in blob)
    assert hits == [], f"{where}: personal data in clear: {sorted(set(hits))[:5]}"


def test_canaries_are_never_in_clear(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    for var in ("TMPDIR", "SQLITE_TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    caplog.set_level(logging.DEBUG)
    home = Path(os.environ["HOME"])
    data = tmp_path / "data"
    folders = [data, temp, home]
    people = _canaries()
    needles = _needles(people)
    output: list[str] = []

    def scan(where: str) -> None:
        out, err = capfd.readouterr()
        output.extend([out, err])
        _scan(folders, needles, [*output, caplog.text], where)

    store = Store.create(data, PASSPHRASE)
    clock = [0.0]
    idle = IdleLock(store, 60, clock=lambda: clock[0])
    ids = []
    for i, person in enumerate(people):
        doc = make_doc(**person)
        doc.answers["family"] = [{"name": person["worker.first_name"] + " Jr", "birth_date": "2015-01-01"}]
        store.save(doc, error_count=i % 2)
        store.save(doc, error_count=0)
        ids.append(doc.id)
    store.set_setting("token", people[0]["worker.ssn"], secret=True)  # a secret setting
    store.set_employer_profile({"employer.contact_name": people[1]["worker.first_name"]})
    store.enqueue(ids[0], store.get(ids[0]).to_json(), ids[0])
    store.list(text=people[2]["worker.first_name"])
    store.overlaps(store.get(ids[3]))
    assert (data / "store.db-wal").stat().st_size > 0  # the session's pages are in the WAL right now
    scan("during the session (store open, WAL not checkpointed)")

    store.close()
    scan("after close")

    store = Store.open(data, PASSPHRASE)
    idle.rearm(store)
    store.save(RequestDoc(form="fr-employee", edition="x", answers=dict(people[4])), error_count=3)
    store.backup(tmp_path / "data" / "backup.db", "blue spruce 88 canyon")
    clock[0] += 61
    assert idle.poll()
    scan("after the idle lock")

    # the command line too: add a request, list it, export it to a file inside the encrypted store only
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    request_file = tmp_path / "request.json"
    request_file.write_text(make_doc(**people[5]).to_json(), encoding="utf-8")
    assert main(["--data-dir", str(data), "drafts", "add", str(request_file)]) == 0
    request_file.unlink()
    assert main(["--data-dir", str(data), "drafts", "list", "--state", "queued"]) == 0
    out, _ = capfd.readouterr()
    assert people[0]["worker.first_name"] in out  # the list shows names on the terminal, as asked...
    scan("after command-line use")  # ...and nothing else did


def test_the_scan_finds_a_canary_in_clear(tmp_path: Path) -> None:
    """The control: the scanner does see plain text (UTF-8 and UTF-16), so a clean scan means something."""
    people = _canaries()
    (tmp_path / "a.txt").write_text(f"x {people[3]['worker.ssn'].replace('-', '')} y", encoding="utf-8")
    with pytest.raises(AssertionError):
        _scan([tmp_path], _needles(people), [], "control")
    (tmp_path / "a.txt").write_text(people[7]["worker.last_name"], encoding="utf-16-le")
    with pytest.raises(AssertionError):
        _scan([tmp_path], _needles(people), [], "control")
    (tmp_path / "a.txt").unlink()
    with pytest.raises(AssertionError):
        _scan([tmp_path], _needles(people), [people[9]["worker.birth_date"]], "control")

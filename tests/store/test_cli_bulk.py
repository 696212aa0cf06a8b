"""`coc drafts add` with many documents: several files, or JSON Lines (`--jsonl`) on standard input or from files;
one transaction (all saved, or none when one cannot be read), each with its counts from the form engine."""

from __future__ import annotations

import gc
import io
import json
import re
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.request import RequestDoc, State
from app.store import Store
from app.store.keys import random_key
from tests.store.helpers import PASSPHRASE, make_doc


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("COC_DATA_DIR", str(folder))
    monkeypatch.setenv("COC_PASSPHRASE", PASSPHRASE)
    assert main(["store", "init"]) == 0
    capsys.readouterr()
    return folder


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _docs(n: int) -> list[RequestDoc]:
    docs = [make_doc(**{"worker.last_name": f"Bulk{chr(65 + i)}"}) for i in range(n)]
    docs[1].answers["worker.ssn"] = "000-00-0000"  # an error: a Draft
    return docs


def _stored(data: Path) -> dict[str, State]:
    with Store.open(data, PASSPHRASE) as store:
        return {r.id: r.state for r in store.list()}


def test_several_files_in_one_call(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _docs(3)
    files = []
    for i, doc in enumerate(docs):
        files.append(tmp_path / f"r{i}.json")
        files[-1].write_text(doc.to_json(), encoding="utf-8")
    assert main(["drafts", "add", *map(str, files)]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [d.id for d in docs]  # in input order
    assert "saved 3 requests in one transaction: 2 ready, 1 draft(s)" in err
    assert _stored(data) == {docs[0].id: State.READY, docs[1].id: State.DRAFT, docs[2].id: State.READY}


def test_json_lines_on_standard_input(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = _docs(5)
    lines = "\n".join(json.dumps(d.to_dict()) for d in docs) + "\n\n"  # a blank line is skipped
    _stdin(monkeypatch, lines.encode("utf-8"))
    assert main(["drafts", "add", "--jsonl"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [d.id for d in docs]
    assert "saved 5 requests in one transaction: 4 ready, 1 draft(s)" in err
    assert len(_stored(data)) == 5
    with Store.open(data, PASSPHRASE) as store:
        assert [e.event for e in store.audit(docs[0].id)] == ["created"]
        assert store.get(docs[3].id).answers == docs[3].answers


def test_json_lines_from_files(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _docs(4)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(d.to_json().replace("\n", "") for d in docs[:2]), encoding="utf-8")
    second.write_text("\n".join(json.dumps(d.to_dict()) for d in docs[2:]), encoding="utf-8")
    assert main(["drafts", "add", "--jsonl", str(first), str(second)]) == 0
    assert capsys.readouterr().out.split() == [d.id for d in docs]


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (b"{not json", "standard input, line 3: "),
        (b'{"form": "xx-employee", "answers": {}}', "standard input, line 3: "),
        (b'{"form": "de-employee", "answers": {"worker.first_name": 5}}', "line 3: "),
        (b"\xff\xfe", "standard input, line 3: not UTF-8 text"),
    ],
)
def test_one_bad_line_saves_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bad: bytes, words: str
) -> None:
    docs = _docs(4)
    lines = [json.dumps(d.to_dict()).encode() for d in docs]
    lines.insert(2, bad)
    _stdin(monkeypatch, b"\n".join(lines))
    assert main(["drafts", "add", "--jsonl"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("coc: ") and err.count("\n") == 1
    assert words in err and "nothing was saved" in err
    assert _stored(data) == {}


def test_a_missing_file_among_several_saves_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(make_doc().to_json(), encoding="utf-8")
    assert main(["drafts", "add", str(good), str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err
    assert _stored(data) == {}


def test_one_document_keeps_the_short_message(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "r.json"
    doc = make_doc()
    request.write_text(doc.to_json(), encoding="utf-8")
    assert main(["drafts", "add", str(request)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{doc.id}\n" and re.fullmatch(r"saved \(Ready: 0 error\(s\), \d+ warning\(s\)\)\n", err)


def test_save_many_streams_what_it_is_given(tmp_path: Path) -> None:
    """A generator's documents are saved as they come and not held: a JSON Lines file of any length fits in
    memory. Documents the caller still holds get their stored state after the commit."""
    refs: list[weakref.ref[RequestDoc]] = []
    held = make_doc(**{"worker.ssn": "000-00-0000"})

    def stream() -> Iterator[tuple[RequestDoc, int, int]]:
        yield held, 1, 0
        for i in range(50):
            doc = make_doc(**{"worker.last_name": f"Stream{chr(65 + i)}"})
            refs.append(weakref.ref(doc))
            yield doc, 0, 0

    with Store.create(tmp_path / "s", key=random_key()) as store:
        assert store.save_many(stream()) == [1] * 51
        gc.collect()
        assert sum(1 for r in refs if r() is not None) <= 1  # at most the last one, still in a local
        assert held.state is State.DRAFT
        assert store.count() == 51

"""The search index (FTS5 in the encrypted file): what a query finds, and that the index stays the same as the
requests through saves, bulk saves, imports and their undo, deletes and their undo, sending, a failed transaction,
the migration from the schema version before it, and backup and restore. The oracle is a plain scan over the
requests, written from the rules in `app/store/search.py`'s docstring."""

from __future__ import annotations

import json
import re
import string
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.request import State
from app.store import InvalidValue, Store, search
from app.store import schema as schema_module
from app.store.batches import BatchItem
from app.store.columns import fold
from app.store.connection import connect
from app.store.keys import RawKey, random_key
from tests.store.helpers import OTHER_PASSPHRASE, PASSPHRASE, as_schema_version, make_doc

PARTS = [
    "Smith",
    "Smithers",
    "Núñez",
    "José",
    "O'Brien",
    "García-López",
    "Ng",
    "Li",
    "Ann",
    "Anne",
    "Zoë",
    "mc",
]
CONFIRMATION = "COC-{}-{}"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _alnum_parts(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def oracle(query: str, name: str, request_id: str, confirmation: str | None) -> bool:
    """Whether a request matches, by the documented rules, computed by scanning."""
    folded = fold(name)
    starts = [w for word in folded.split() for w in (word, *_alnum_parts(word)[1:])]
    compacts = ["".join(_alnum_parts(word)) for word in folded.split()]
    numbers = ["".join(_alnum_parts(request_id))]
    if confirmation:
        parts = _alnum_parts(fold(confirmation))
        numbers += ["".join(parts[i:]) for i in range(len(parts))]
    compact = "".join(_alnum_parts(fold(query)))
    # by number: the whole query begins the id, or the confirmation number or one of its parts
    if len(compact) >= 4 and any(n.startswith(compact) for n in numbers):
        return True
    words = fold(query).split()
    for word in words:
        if len(word) >= 3:
            hit = word in folded or any(word in c for c in compacts)
        else:
            hit = any(s.startswith(word) for s in starts)
        if not hit:
            return False
    return True  # no word at all: no filter


def _person(first: str, last: str) -> dict[str, Any]:
    return {"worker.first_name": first, "worker.last_name": last, "worker.middle_name": ""}


def _index_is_sound(store: Store) -> None:
    with store.connection() as conn:
        conn.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")
        words = conn.execute("SELECT word, request_id FROM confirmation_words ORDER BY 1, 2").fetchall()
        expected = []
        for request_id, receipt in conn.execute("SELECT request_id, receipt FROM receipts").fetchall():
            number = json.loads(receipt).get("confirmation") or ""
            parts = _alnum_parts(fold(number))
            suffixes = dict.fromkeys("".join(parts[i:]) for i in range(len(parts)))
            expected += [(w, request_id) for w in suffixes]
        assert words == sorted(expected)
        receipts = dict(conn.execute("SELECT request_id, receipt FROM receipts").fetchall())
    # the number on each row (`app.store.confirmations`) is its receipt's
    numbers = {r.id: r.confirmation for r in store.list() if r.confirmation is not None}
    given = {i: json.loads(text).get("confirmation") for i, text in receipts.items()}
    assert numbers == {i: n for i, n in given.items() if isinstance(n, str)}


def _queries(names: list[str], ids: list[str], confirmations: list[str]) -> list[str]:
    out = {
        "",
        "a",
        "s",
        "sm",
        "smi",
        "mith",
        "nunez",
        "jose nunez",
        "o",
        "brien",
        "lopez",
        "lo",
        "zoe",
        "coc",
    }
    for name in names:
        for word in fold(name).split():
            out.update({word[:1], word[:2], word[:3], word, word[1:4]})
    for request_id in ids:
        out.update({request_id[:4], request_id[:8], request_id[:13], request_id.upper()[:6]})
    for number in confirmations:
        out.update({number, number[:8], number[4:8], number[4:].replace("-", ""), number.lower()[4:9]})
    return sorted(q for q in out if q.strip() or q == "")


class SearchMachine(RuleBasedStateMachine):
    """Random saves, edits, bulk saves, deletes, undos and sends; after each step every query finds exactly what
    the oracle finds, the count agrees, and FTS5's own integrity check passes."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.store = Store.create(self.folder.name, key=random_key())
        self.docs: dict[str, Any] = {}
        self.confirmations: dict[str, str] = {}
        self.deleted: list[Any] = []
        self.batches: list[str] = []

    def teardown(self) -> None:
        self.store.close()
        self.folder.cleanup()

    def _editable(self) -> list[str]:
        # in the order they were added, never by id: ids are random, so a replay would pick other requests
        return [i for i in self.docs if self.store.summary(i).state in (State.DRAFT, State.READY)]

    @rule(first=st.sampled_from(PARTS), last=st.sampled_from(PARTS), ready=st.booleans())
    def add(self, first: str, last: str, ready: bool) -> None:
        doc = make_doc(**_person(first, last))
        self.store.save(doc, error_count=0 if ready else 2)
        self.docs[doc.id] = doc

    @rule(people=st.lists(st.tuples(st.sampled_from(PARTS), st.sampled_from(PARTS)), min_size=1, max_size=4))
    def add_many(self, people: list[tuple[str, str]]) -> None:
        docs = [make_doc(**_person(f, last)) for f, last in people]
        self.store.save_many((d, 0, 0) for d in docs)
        self.docs.update({d.id: d for d in docs})

    @rule(people=st.lists(st.sampled_from(PARTS), min_size=1, max_size=3))
    def failed_bulk_save_changes_nothing(self, people: list[str]) -> None:
        docs = [make_doc(**_person(p, p)) for p in people]
        with pytest.raises(InvalidValue):
            self.store.save_many([*((d, 0, 0) for d in docs), (make_doc(), -1, 0)])

    @rule(people=st.lists(st.tuples(st.sampled_from(PARTS), st.sampled_from(PARTS)), min_size=1, max_size=3))
    def import_batch(self, people: list[tuple[str, str]]) -> None:
        docs = [make_doc(**_person(f, last)) for f, last in people]
        batch_id, _revisions = self.store.save_batch([BatchItem(d, 0, 0, None) for d in docs])
        self.docs.update({d.id: d for d in docs})
        self.batches.append(batch_id)

    @precondition(lambda self: self.batches)
    @rule()
    def undo_import(self) -> None:
        self.store.undo_batch(self.batches.pop())
        present = {r.id for r in self.store.list()}
        for request_id in set(self.docs) - present:  # the import's requests that were not changed since
            del self.docs[request_id]
            self.confirmations.pop(request_id, None)

    @precondition(lambda self: self.docs)
    @rule(data=st.data(), first=st.sampled_from(PARTS), last=st.sampled_from(PARTS))
    def rename(self, data: st.DataObject, first: str, last: str) -> None:
        editable = self._editable()
        if not editable:
            return
        doc = self.docs[data.draw(st.sampled_from(editable))]
        doc.answers.update(_person(first, last))
        self.store.save(doc, error_count=0)

    @precondition(lambda self: self.docs)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        request_id = data.draw(st.sampled_from(list(self.docs)))  # in the order added, as `_editable`
        self.store.delete(request_id)
        doc = self.docs.pop(request_id)
        self.confirmations.pop(request_id, None)
        self.deleted.append(doc)

    @precondition(lambda self: self.deleted)
    @rule()
    def undo_delete(self) -> None:
        doc = self.deleted.pop()
        doc.revision = None  # what the GUI's Undo delete does (ui.ops.restore_request): a new request again
        self.store.save(doc, error_count=0)
        self.docs[doc.id] = doc

    @precondition(lambda self: self.docs)
    @rule(data=st.data(), body=st.text(ALPHABET, min_size=8, max_size=8))
    def send(self, data: st.DataObject, body: str) -> None:
        ready = [i for i in self._editable() if self.store.summary(i).state is State.READY]
        if not ready:
            return
        request_id = data.draw(st.sampled_from(ready))
        number = CONFIRMATION.format(body[:4], body[4:])
        self.store.enqueue(request_id, "{}", str(uuid.uuid4()))
        self.store.mark_sent(
            request_id,
            {"confirmation": number, "received_at": "2026-12-01T10:00:00Z", "request_id": request_id},
        )
        self.confirmations[request_id] = number

    @invariant()
    def finds_what_the_oracle_finds(self) -> None:
        names = [
            f"{d.answers['worker.last_name']}, {d.answers['worker.first_name']}" for d in self.docs.values()
        ]
        ids = sorted(self.docs)
        for query in _queries(names, ids, list(self.confirmations.values())):
            expected = {
                i
                for i, d in self.docs.items()
                if oracle(query, self.store.summary(i).worker_name, i, self.confirmations.get(i))
            }
            found = [r.id for r in self.store.list(text=query)]
            assert set(found) == expected, query
            assert len(found) == len(expected) == self.store.count(text=query), query
        _index_is_sound(self.store)


TestSearchMachine = pytest.mark.slow(SearchMachine.TestCase)  # a state machine of many steps
TestSearchMachine.settings = settings(
    max_examples=25, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- what a query finds ------------------------------------------------------------------------------------------


def test_names_numbers_and_ids(store: Store) -> None:
    nunez = make_doc(**_person("José", "Núñez"))
    obrien = make_doc(**_person("Lee", "O'Brien"))
    garcia = make_doc(**_person("Ana", "García-López"))
    for doc in (nunez, obrien, garcia):
        store.save(doc, error_count=0)
    store.enqueue(nunez.id, "{}", "key-1")
    store.mark_sent(nunez.id, {"confirmation": "COC-7KQ3-M9XZ", "received_at": "2026-12-01T10:00:00Z"})

    def found(text: str) -> set[str]:
        return {r.id for r in store.list(text=text)}

    assert found("nunez") == found("NÚÑEZ") == found("j") == found("jo") == found("une") == {nunez.id}
    assert found("brien") == found("br") == found("o'brien") == found("obrien") == found("o") == {obrien.id}
    assert found("lopez") == found("lo") == found("garcía-lópez") == found("garcialopez") == {garcia.id}
    assert found("ez") == set()  # 1 or 2 characters: the start of a word only
    for number in ("COC-7KQ3-M9XZ", "coc7kq3m9xz", "7KQ3", "7kq3-m9xz", "7KQ3M9XZ", "m9xz", "coc-7kq"):
        assert found(number) == {nunez.id}, number
    assert found("kq3m") == set()  # inside a part of the number: not a match
    for prefix in (garcia.id[:4], garcia.id[:13], garcia.id.upper(), garcia.id):
        assert found(prefix) == {garcia.id}, prefix
    assert found(garcia.id[:3]) == set() or found(garcia.id[:3]) <= {nunez.id, obrien.id, garcia.id}
    assert found("ana 7kq3") == found("jose 7kq3") == set()  # a name, or a number: not words of both
    assert found("COC 7KQ3 M9XZ") == {nunez.id}  # the number typed with spaces
    assert store.count(text="7kq3", state="sent") == store.count(text="jose", state="sent") == 1
    assert store.count(text="jose", state="draft") == 0


def test_the_default_order_is_newest_first_without_sorting(store: Store) -> None:
    docs = [make_doc(**_person("Ann", f"Smith{i}")) for i in range(5)]
    for doc in docs:
        store.save(doc, error_count=0)
    store.save(docs[1], error_count=0)  # edited last: first in the list
    expected = [docs[1].id, docs[4].id, docs[3].id, docs[2].id, docs[0].id]
    assert [r.id for r in store.list(text="smith")] == expected
    assert [r.id for r in store.list(text="smith", order_by="updated")] == expected[::-1]
    assert [r.id for r in store.list(text="smith", limit=2, offset=1)] == expected[1:3]
    with store.connection() as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM search JOIN requests ON requests.seq = search.rowid "
            "WHERE search MATCH ? ORDER BY search.rowid DESC LIMIT 200",
            ("smith",),
        ).fetchall()
    assert not any("TEMP B-TREE" in str(row) for row in plan), plan


def test_a_page_of_a_search_by_name_and_number_is_the_same_page_of_every_match(store: Store) -> None:
    """A query that can be a name and a number (4 characters or more) keeps only the first rows' seq before reading
    any row, when nothing else filters: every page, in both directions of the recency order and reversed, is the
    same slice of the whole list; with a state filter too (which reads every match). One short word ("Smith") is
    merged newest first and stopped at the page; several words as the union's sorted seqs."""
    docs = [make_doc(**_person("Ann", f"Smith{i % 3}")) for i in range(30)]
    for doc in docs:
        store.save(doc, error_count=0)
    for i, doc in enumerate(docs[::4]):  # some found by their number too ("smith" begins it), some by both
        store.enqueue(doc.id, "{}", f"key-{i}")
        store.mark_sent(doc.id, {"confirmation": f"SMITH{i}-77", "received_at": "2026-12-01T10:00:00Z"})
    numbered = [make_doc(**_person("Lee", "Jones")) for _ in range(6)]  # by number only
    for i, doc in enumerate(numbered):
        store.save(doc, error_count=0)
        store.enqueue(doc.id, "{}", f"key-n{i}")
        store.mark_sent(doc.id, {"confirmation": f"SMITH9{i}-88", "received_at": "2026-12-01T10:00:00Z"})
    store.save(docs[5], error_count=1)  # edited last: newest
    for text in ("Smith", "smith9", "SMITH1", "smith ann"):
        for order_by in ("-updated", "updated", "worker"):
            for reverse in (False, True):
                whole = [r.id for r in store.list(text=text, order_by=order_by, reverse=reverse)]
                assert whole, text
                for offset in (0, 1, 7, len(whole) - 1, len(whole) + 3):
                    page = store.list(text=text, order_by=order_by, reverse=reverse, limit=7, offset=offset)
                    case = (text, order_by, reverse, offset)
                    assert [r.id for r in page] == whole[offset : offset + 7], case
        drafts = [r.id for r in store.list(text=text, state="draft")]
        assert [r.id for r in store.list(text=text, state="draft", limit=1)] == drafts[:1]


# --- migration, backup and restore ---------------------------------------------------------------------------


def _fill(store: Store) -> dict[str, str]:
    """A few requests, one of them sent with a confirmation number; returns query -> expected id."""
    a = make_doc(**_person("José", "Núñez"))
    b = make_doc(**_person("Lee", "O'Brien"))
    store.save(a, error_count=0)
    store.save(b, error_count=1)
    store.enqueue(a.id, "{}", "key-a")
    store.mark_sent(a.id, {"confirmation": "COC-ABCD-EFGH", "received_at": "2026-12-01T10:00:00Z"})
    return {"nunez": a.id, "abcd": a.id, "obrien": b.id, "br": b.id, b.id[:8]: b.id}


INDEX_VERSION = next(m.version for m in schema_module.MIGRATIONS if m.apply is search.create)


def _as_before_the_index(path: Path, key: RawKey) -> None:
    as_schema_version(path, key, INDEX_VERSION - 1)
    conn = connect(path, key)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'search%'").fetchone()[0] == 0
    finally:
        conn.close()


def _assert_finds(store: Store, expected: dict[str, str]) -> None:
    for query, request_id in expected.items():
        assert [r.id for r in store.list(text=query)] == [request_id], query
    _index_is_sound(store)


def test_an_older_store_gets_its_index_when_opened(store_dir: Path, key: RawKey) -> None:
    with Store.create(store_dir, key=key) as store:
        expected = _fill(store)
    _as_before_the_index(store_dir / "store.db", key)
    with Store.open(store_dir, key=key) as store:
        with store.connection() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_module.LATEST
        _assert_finds(store, expected)
        doc = make_doc(**_person("Ann", "Newcomer"))
        store.save(doc, error_count=0)
        assert [r.id for r in store.list(text="newcomer")] == [doc.id]
        _index_is_sound(store)


def test_a_failed_migration_leaves_the_older_version_and_no_index(
    store_dir: Path, key: RawKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.create(store_dir, key=key) as store:
        _fill(store)
    _as_before_the_index(store_dir / "store.db", key)

    def broken(conn: Any) -> None:
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(schema_module.search, "rebuild", broken)
    with pytest.raises(RuntimeError):
        Store.open(store_dir, key=key)
    monkeypatch.undo()
    conn = connect(store_dir / "store.db", key)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == INDEX_VERSION - 1
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'search%'").fetchone()[0] == 0
    finally:
        conn.close()
    with Store.open(store_dir, key=key) as store:  # and the next start migrates it
        assert store.count(text="nunez") == 1


def test_backup_and_restore_keep_the_index(tmp_path: Path) -> None:
    with Store.create(tmp_path / "a", PASSPHRASE) as store:
        expected = _fill(store)
        store.backup(tmp_path / "backup.db", OTHER_PASSPHRASE)
    restored, _kept = Store.restore(tmp_path / "backup.db", OTHER_PASSPHRASE, tmp_path / "b", PASSPHRASE)
    with restored:
        _assert_finds(restored, expected)
        doc = make_doc(**_person("Ann", "Afterwards"))
        restored.save(doc, error_count=0)
        restored.delete(expected["obrien"])
        assert restored.count(text="afterwards") == 1 and restored.count(text="obrien") == 0
        _index_is_sound(restored)


def test_restoring_an_older_backup_builds_the_index(tmp_path: Path) -> None:
    with Store.create(tmp_path / "a", PASSPHRASE) as store:
        expected = _fill(store)
        store.backup(tmp_path / "backup.db", OTHER_PASSPHRASE)
    from app.store.keys import derive, read_salt

    _as_before_the_index(tmp_path / "backup.db", derive(OTHER_PASSPHRASE, read_salt(tmp_path / "backup.db")))
    restored, _kept = Store.restore(tmp_path / "backup.db", OTHER_PASSPHRASE, tmp_path / "b", PASSPHRASE)
    with restored:
        _assert_finds(restored, expected)


def test_an_index_out_of_step_is_found_and_rebuilt_by_the_check(store: Store) -> None:
    expected = _fill(store)
    with store.connection() as conn:  # a write behind the triggers' back
        conn.execute("DROP TRIGGER requests_search_update")
        conn.execute("UPDATE requests SET search_name = '  somebody  else'")
    with store.connection() as conn, pytest.raises(Exception, match="malformed"):
        conn.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")
    result = store.check()
    assert result.index_rebuilt
    assert (
        store.count(text="somebody") == 2 and store.count(text="nunez") == 0
    )  # the index follows the columns
    assert not store.check().index_rebuilt
    assert expected


def test_search_words_are_never_query_syntax(store: Store) -> None:
    store.save(make_doc(**_person("Ann", "Smith")), error_count=0)
    for text in (
        '"',
        '""',
        "smith OR",
        "NOT smith",
        "smith*",
        "^smith",
        "search_name : x",
        "NEAR(a b)",
        "\x00smith",
        "(",
        ")",
        "{search_name}",
        "-",
        "+",
        *string.punctuation,
    ):
        assert store.count(text=text) == len(store.list(text=text)) <= 1, text

"""The child process of the crash tests: runs the store's real save (or rekey) path in a loop and acknowledges
each step on stdout only after the store's call (and so its COMMIT) has returned. The parent kills it with
SIGKILL at a state it reports (after so many acknowledged saves; just after a rekey started or finished) and
checks that everything acknowledged is there.

    python tests/store/crash_child.py autosave DIR      (key in hex on stdin)
    python tests/store/crash_child.py rekey DIR         (two passphrases on stdin, one a line)
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from app.request import RequestDoc, State
from app.store import RequestNotFound, Store
from app.store.keys import RawKey, derive, read_salt

DOCS = 25
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 48  # about 3 KB per document


def doc_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crash-test-{n}"))


def base_doc(n: int) -> RequestDoc:
    return RequestDoc(
        form="de-employee",
        edition="crash",
        id=doc_id(n),
        answers={
            "worker.first_name": f"Worker{n}",
            "worker.last_name": "Crash",
            "worker.ssn": f"{100 + n:03d}-45-6789",
            "assignment.start_date": "2027-01-01",
            "assignment.end_date": "2028-12-31",
            "assignment.work_city": "",
            "request.notes": FILLER,
        },
    )


def autosave(folder: Path, start: int) -> None:
    key = RawKey.from_hex(sys.stdin.readline().strip())
    store = Store.open(folder, key=key)
    docs: list[RequestDoc] = []
    for n in range(DOCS):
        try:
            docs.append(store.get(doc_id(n)))
        except RequestNotFound:
            docs.append(base_doc(n))
    print("ready", flush=True)
    counter = start
    while True:
        counter += 1
        doc = docs[counter % DOCS]
        doc.answers["assignment.work_city"] = f"step-{counter}"
        revision = store.save(doc, error_count=counter % 3)
        print(f"save {doc.id} {revision} {counter}", flush=True)
        if counter % 7 == 0 and doc.state is State.READY:
            store.enqueue(doc.id, doc.to_json(), doc.id)
            print(f"queued {doc.id}", flush=True)


def rekey(folder: Path) -> None:
    first, second = (sys.stdin.readline().rstrip("\n") for _ in range(2))
    salt = read_salt(folder / "store.db")
    keys = {first: derive(first, salt), second: derive(second, salt)}
    store = None
    current = first
    for passphrase, key in keys.items():
        try:
            store = Store.open(folder, key=key, verify_pages=False)
            current = passphrase
            break
        except Exception:
            continue
    if store is None:
        print("neither passphrase opens the store", flush=True)
        sys.exit(2)
    print(f"ready {1 if current == first else 2}", flush=True)
    while True:
        target = second if current == first else first
        print(f"rekeying {1 if target == first else 2}", flush=True)
        store.change_passphrase(target)
        current = target
        print(f"rekeyed {1 if current == first else 2}", flush=True)


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "autosave":
        autosave(folder, int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    elif mode == "rekey":
        rekey(folder)
    else:
        sys.exit(f"unknown mode {mode}")

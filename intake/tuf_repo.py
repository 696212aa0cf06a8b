"""The receiver's repository of form updates: The Update Framework's metadata (python-tuf's Metadata API and its
`Repository` base), signed with the service's own keys, and the bundles it signs.

    DIR/keys/<role>.pem                   Ed25519 keys of root, targets, snapshot and timestamp (0600, folder 0700)
    DIR/tuf/metadata/N.root.json          every root, N.targets.json, N.snapshot.json, timestamp.json
    DIR/tuf/targets/agreements/H.xx.json  the bundles (consistent snapshots: named by their SHA-256)
    DIR/tuf/targets/H.index.json          which agreements are published, with their forms and editions
    DIR/published/                        every bundle published, written out (the receiver checks requests in
                                          earlier editions against them until their cutoff)
    DIR/forms-root.json                   the root for applications to trust

Consistent snapshots keep every version of snapshot and targets: a client that read timestamp N always finds the
snapshot and targets it names, even while a new publication is being written. The keys of this reference
service are all online (it re-signs the timestamp and, before they expire, snapshot and targets by itself); a
production receiver would keep root and targets keys offline.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp
from tuf.repository import Repository

from app.fileio import create_private, private_dir, write_private
from app.updates.bundle import Bundle, parse
from app.updates.installed import Editions

ROLES = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
EXPIRY = {
    Root.type: dt.timedelta(days=5 * 365),
    Targets.type: dt.timedelta(days=365),
    Snapshot.type: dt.timedelta(days=30),
    Timestamp.type: dt.timedelta(days=1),
}
RENEW_WITHIN = {  # re-signed when less than this is left
    Targets.type: dt.timedelta(days=90),
    Snapshot.type: dt.timedelta(days=10),
    Timestamp.type: dt.timedelta(hours=12),
}
INDEX = "index.json"
INDEX_FORMAT = 1
ROOT_FILE = "forms-root.json"
_INIT: dict[str, Callable[[], Any]] = {
    Root.type: Root,
    Targets.type: Targets,
    Snapshot.type: Snapshot,
    Timestamp.type: Timestamp,
}


class RepositoryError(Exception):
    """The repository's files cannot be used as they are (a key readable by others, a missing key)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class PublishedBundle:
    agreement: str
    target: str
    sha256: str
    forms: dict[str, str]


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ReceiverRepository(Repository):
    """The repository in `data_dir`. `now` gives the signing time (tests sign in the past to make metadata that
    has already expired)."""

    def __init__(self, data_dir: Path, *, now: Callable[[], dt.datetime] = utc_now) -> None:
        self.data_dir = data_dir
        self.keys_dir = data_dir / "keys"
        self.metadata_dir = data_dir / "tuf" / "metadata"
        self.targets_dir = data_dir / "tuf" / "targets"
        self.published = Editions(data_dir / "published")
        self.now = now
        self._signers: dict[str, CryptoSigner] = {}
        self._thread_lock = threading.Lock()

    # --- storage (the two methods `Repository` needs) ------------------------------------------------------------

    def _path(self, role: str, version: int) -> Path:
        if role == Timestamp.type:
            return self.metadata_dir / "timestamp.json"
        return self.metadata_dir / f"{version}.{role}.json"

    def _latest(self, role: str) -> Path | None:
        if role == Timestamp.type:
            path = self._path(role, 0)
            return path if path.is_file() else None
        versions = [
            int(p.name.split(".", 1)[0])
            for p in self.metadata_dir.glob(f"*.{role}.json")
            if p.name.split(".", 1)[0].isdigit()
        ]
        return self._path(role, max(versions)) if versions else None

    def open(self, role: str) -> Metadata[Any]:
        path = self._latest(role)
        if path is None:
            md: Metadata[Any] = Metadata(_INIT[role]())
            md.signed.version = 0
            return md
        return Metadata.from_bytes(path.read_bytes())

    def close(self, role: str, md: Metadata[Any]) -> None:
        md.signed.version += 1
        md.signed.expires = (self.now() + EXPIRY[role]).replace(microsecond=0)
        md.signatures.clear()
        md.sign(self.signer(role), append=True)
        delegator = md.signed if role == Root.type else self.root()
        assert isinstance(delegator, Root)
        delegator.verify_delegate(role, md.signed_bytes, md.signatures)  # never write what would not verify
        write_private(self._path(role, md.signed.version), md.to_bytes())

    @property
    def targets_infos(self) -> dict[str, MetaFile]:
        return {"targets.json": MetaFile(self.targets().version)}

    @property
    def snapshot_info(self) -> MetaFile:
        return MetaFile(self.snapshot().version)

    # --- keys --------------------------------------------------------------------------------------------------------

    def signer(self, role: str) -> CryptoSigner:
        signer = self._signers.get(role)
        if signer is None:
            path = self.keys_dir / f"{role}.pem"
            try:
                mode = path.stat().st_mode
                pem = path.read_bytes()
            except OSError as exc:
                raise RepositoryError(f"the {role} key {path} cannot be read ({exc.strerror})")
            if os.name != "nt" and mode & 0o077:
                raise RepositoryError(
                    f"the {role} key {path} can be read by other users (mode {mode & 0o777:04o}); "
                    f"make it private first: chmod 600 {path}"
                )
            key = load_pem_private_key(pem, None)
            signer = CryptoSigner(key)
            self._signers[role] = signer
        return signer

    @property
    def exists(self) -> bool:
        return self._latest(Root.type) is not None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time: threads of this service, and a `publish` run beside it (a lock file)."""
        with self._thread_lock:
            private_dir(self.metadata_dir)
            fd = os.open(self.data_dir / "tuf" / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                with contextlib.suppress(ImportError):
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def create(self) -> None:
        """New keys and the first version of every role (only where none exist yet)."""
        if self.exists:
            return
        private_dir(self.keys_dir)
        private_dir(self.targets_dir)
        for role in ROLES:
            signer = CryptoSigner.generate_ed25519()
            path = self.keys_dir / f"{role}.pem"
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # a key left by a creation that did not finish: it signed nothing
            create_private(path, signer.private_bytes)
        with self.edit_root() as root:
            root.consistent_snapshot = True
            for role in ROLES:
                root.add_key(self.signer(role).public_key, role)
        for role in (Targets.type, Snapshot.type, Timestamp.type):
            with self.edit(role):
                pass

    # --- publishing --------------------------------------------------------------------------------------------------

    def bundles(self) -> dict[str, PublishedBundle]:
        """The bundles of the current targets metadata, by agreement."""
        out: dict[str, PublishedBundle] = {}
        if not self.exists:
            return out
        for path, info in self.targets().targets.items():
            if path.startswith("agreements/"):
                agreement = path.removeprefix("agreements/").removesuffix(".json")
                forms = dict((info.custom or {}).get("forms", {}))
                out[agreement] = PublishedBundle(agreement, path, info.hashes["sha256"], forms)
        return out

    def _write_target(self, path: str, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        folder, _, name = path.rpartition("/")
        where = self.targets_dir / folder
        private_dir(where)
        file = where / f"{sha}.{name}"
        if not file.exists():
            write_private(file, data)
        return sha

    def publish(self, bundles: Sequence[Bundle]) -> None:
        """Sign `bundles` as the new targets of their agreements (with a new index), then snapshot and
        timestamp. Each file is written before the metadata that names it."""
        with self.edit_targets() as targets:
            for b in bundles:
                data = b.to_bytes()
                self._write_target(b.target, data)
                info = TargetFile.from_data(b.target, data, ["sha256"])
                info.unrecognized_fields["custom"] = {"agreement": b.agreement, "forms": dict(b.forms)}
                targets.targets[b.target] = info
            index = {
                "format": INDEX_FORMAT,
                "agreements": {
                    info.custom["agreement"]: {"target": path, "forms": info.custom["forms"]}
                    for path, info in targets.targets.items()
                    if path.startswith("agreements/") and isinstance(info.custom, dict)
                },
            }
            data = canonical(index)
            self._write_target(INDEX, data)
            targets.targets[INDEX] = TargetFile.from_data(INDEX, data, ["sha256"])
        self.do_snapshot()
        self.do_timestamp()
        self.sync_published()

    def sync_published(self) -> None:
        """Write out every signed bundle the receiver does not check requests against yet (after a publication,
        or to finish one that was interrupted after signing)."""
        have = {e.sha256 for e in self.published.entries()}
        missing = []
        for b in self.bundles().values():
            if b.sha256 not in have:
                data = (self.targets_dir / "agreements" / f"{b.sha256}.{b.agreement}.json").read_bytes()
                missing.append((parse(data), b.sha256))
        if missing:
            self.published.install(missing, keep_older=True)

    def renew(self) -> bool:
        """Re-sign what expires soon (the timestamp daily, snapshot and targets well before they expire); True
        when something was signed."""
        now = self.now()

        def expiring(role: str) -> bool:
            expires: dt.datetime = self.open(role).signed.expires
            return expires - now < RENEW_WITHIN[role]

        if expiring(Targets.type):
            with self.edit_targets():
                pass
            self.do_snapshot(force=True)
            self.do_timestamp(force=True)
            return True
        if expiring(Snapshot.type):
            self.do_snapshot(force=True)
            self.do_timestamp(force=True)
            return True
        if expiring(Timestamp.type):
            self.do_timestamp(force=True)
            return True
        return False

    def write_root_file(self) -> Path:
        """`DIR/forms-root.json`: the current root, for applications to trust."""
        path = self.data_dir / ROOT_FILE
        latest = self._latest(Root.type)
        assert latest is not None
        write_private(path, latest.read_bytes())
        return path


# --- serving -----------------------------------------------------------------------------------------------------

PREFIX = "/v1/updates/"
_METADATA = re.compile(r"(\d{1,9}\.)?(root|targets|snapshot|timestamp)\.json")
_TARGET = re.compile(r"(agreements/)?[0-9a-f]{64}\.([a-z]{2}|index)\.json")


@dataclass
class ServeFaults:
    """An attacker between the receiver and the application, for tests: `frozen` serves the files as they are,
    never re-signing the timestamp (a freeze or a replay); `cut_targets` sends half of a bundle and closes."""

    frozen: bool = False
    cut_targets: bool = False


class UpdateFiles:
    """`GET /v1/updates/metadata/<file>` and `GET /v1/updates/targets/<file>`: the repository's files, as they are."""

    def __init__(self, data_dir: Path) -> None:
        self.repository = ReceiverRepository(data_dir)
        self.faults = ServeFaults()

    def read(self, path: str) -> bytes | None:
        """The bytes to serve for a request path under PREFIX, or None (not found). Names are matched whole
        against what the repository writes, so no path can leave its folders."""
        kind, _, name = path.removeprefix(PREFIX).partition("/")
        repo = self.repository
        if kind == "metadata" and _METADATA.fullmatch(name):
            if name == "timestamp.json" and not self.faults.frozen and repo.exists:
                with repo.locked():
                    repo.renew()
            file = repo.metadata_dir / name
        elif kind == "targets" and _TARGET.fullmatch(name):
            file = repo.targets_dir / name
        else:
            return None
        try:
            return file.read_bytes()
        except OSError:
            return None

    def respond(self, handler: Any, path: str) -> bool:
        """Answer `handler`'s GET of `path` with the file's bytes; False when there is no such file."""
        data = self.read(path)
        if data is None:
            return False
        handler.send_response(200)
        handler.send_header(
            "Content-Type", "application/json" if path.endswith(".json") else "application/octet-stream"
        )
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        if handler.command == "HEAD":
            return True
        if self.faults.cut_targets and "/targets/agreements/" in path:
            handler.wfile.write(data[: len(data) // 2])
            handler.close_connection = True
            return True
        handler.wfile.write(data)
        return True

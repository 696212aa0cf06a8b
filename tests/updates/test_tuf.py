"""Signed form updates against the real intake service over HTTPS: what is newer is installed, and each of TUF's
attacks is refused with the previous editions still in use (a target changed after signing, a rollback to an
earlier publication, a frozen timestamp, metadata signed by an untrusted key), as are a download cut in the middle
and a full disk; publishing an older edition is refused, and an older edition is never installed."""

from __future__ import annotations

import datetime as dt
import errno
import json
import shutil
from pathlib import Path

import pytest
import requests
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata

from app.cli import main
from app.forms import default_catalog
from app.forms.loader import ORIGIN_UPDATED
from app.store import Store
from app.updates.catalog import updates_dir
from app.updates.client import UpdateRefused, UpdateUnavailable
from app.updates.installed import Editions, InstallFailed, write_file
from app.updates.trust import InvalidRoot, set_forms_root
from intake.publish import PublishRefused, publish
from intake.tuf_repo import ReceiverRepository
from tests.updates.conftest import TOKEN, Receiver, in_use, run_update
from tests.updates.editions import ONE, TWO, edition_one, edition_two


def test_only_what_is_newer_is_installed(tmp_path: Path, receiver: Receiver, store: Store) -> None:
    shipped = default_catalog().forms["de-employee"].edition
    result = run_update(store, receiver)
    assert result.download.installed == [] and result.root_origin == "setting"
    assert {o.agreement for o in result.download.offered} >= {"de", "fr", "qc"}
    receiver.publish(edition_one(tmp_path / "one"))
    result = run_update(store, receiver)
    assert [(e.agreement, dict(e.forms)) for e in result.download.installed] == [
        ("de", {"de-employee": ONE, "de-self_employed": ONE})
    ]
    catalog = default_catalog()
    assert catalog.forms["de-employee"].edition == ONE and catalog.origin("de-employee") == ORIGIN_UPDATED
    assert catalog.forms["fr-employee"].edition == shipped
    assert run_update(store, receiver).download.installed == []  # nothing newer the second time


def test_publishing_an_older_edition_or_a_silent_change_is_refused(
    tmp_path: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.publish(edition_two(tmp_path / "two"))
    repo = ReceiverRepository(receiver.folder)
    before = (repo.targets().version, repo.bundles()["de"].sha256)
    with pytest.raises(
        PublishRefused, match=f"de-employee: edition {ONE} is older than the published edition {TWO}"
    ):
        receiver.publish(edition_one(tmp_path / "one"))
    silent = edition_two(tmp_path / "silent")
    posting = silent / "sections" / "posting.toml"
    posting.write_text(
        posting.read_text(encoding="utf-8").replace("Name of the site", "Site name"), encoding="utf-8"
    )
    with pytest.raises(PublishRefused, match="the definitions changed but not their edition"):
        receiver.publish(silent)
    assert (repo.targets().version, repo.bundles()["de"].sha256) == before  # nothing was signed
    from intake.__main__ import main as intake_main

    assert intake_main(["publish", "--data", str(receiver.folder), "--forms", str(tmp_path / "one")]) == 1
    err = capsys.readouterr().err
    assert "older than the published edition" in err and "nothing published" in err


def test_an_older_edition_is_never_installed(tmp_path: Path, receiver: Receiver, store: Store) -> None:
    receiver.publish(edition_two(tmp_path / "two"))
    run_update(store, receiver)
    other = Receiver(tmp_path / "other", receiver.running)  # another receiver, which publishes edition one
    publish(other.folder, edition_one(tmp_path / "one"))
    shutil.rmtree(receiver.folder / "tuf")
    shutil.copytree(other.folder / "tuf", receiver.folder / "tuf")
    set_forms_root(store, other.root_file)
    before = in_use()
    result = run_update(store, receiver)
    assert result.download.installed == [] and result.download.older_at_receiver["de-employee"] == ONE
    assert in_use() == before and before[1] == TWO


# --- TUF's attacks -------------------------------------------------------------------------------------------------


def test_a_target_changed_after_signing_is_refused(tmp_path: Path, receiver: Receiver, store: Store) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    sha = ReceiverRepository(receiver.folder).bundles()["de"].sha256
    bundle = receiver.folder / "tuf" / "targets" / "agreements" / f"{sha}.de.json"
    signed = bundle.read_bytes()
    before = in_use()
    for tampered in (  # an attacker who can write to the server's files: same length, then longer
        signed.replace(b"Reason for the posting", b"Reason for the postinG"),
        signed.replace(b'"de-employee":"2027-01-01"', b'"de-employee":"2099-01-01" '),
    ):
        assert len(tampered) >= len(signed) and tampered != signed
        bundle.write_bytes(tampered)
        with pytest.raises(UpdateRefused, match="does not match what the receiver signed") as caught:
            run_update(store, receiver)
        assert "The editions in use are unchanged." in caught.value.user_text
        assert in_use() == before


def test_metadata_replayed_from_an_earlier_publication_is_refused(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    metadata = receiver.folder / "tuf" / "metadata"
    earlier = tmp_path / "earlier"
    shutil.copytree(metadata, earlier)
    receiver.publish(edition_two(tmp_path / "two"))
    run_update(store, receiver)
    before = in_use()
    assert before[1] == TWO
    receiver.files.faults.frozen = True  # the attacker serves the earlier files as they were
    shutil.rmtree(metadata)
    shutil.copytree(earlier, metadata)
    with pytest.raises(UpdateRefused, match="rollback"):
        run_update(store, receiver)
    assert in_use() == before


def test_an_expired_timestamp_is_refused(tmp_path: Path, receiver: Receiver, store: Store) -> None:
    days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    publish(receiver.folder, edition_one(tmp_path / "one"), now=lambda: days_ago)
    receiver.files.faults.frozen = True  # served as it is: nobody re-signs the timestamp (a freeze)
    before = in_use()
    with pytest.raises(UpdateRefused, match="expired"):
        run_update(store, receiver)
    assert in_use() == before
    receiver.files.faults.frozen = (
        False  # the receiver signs a fresh timestamp when asked: the update goes through
    )
    assert run_update(store, receiver).download.installed


def test_metadata_signed_by_a_key_the_root_does_not_trust_is_refused(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    attacker = tmp_path / "attacker"  # a repository of its own, with its own keys, offering edition two
    publish(attacker, edition_two(tmp_path / "two"))
    shutil.rmtree(receiver.folder / "tuf")
    shutil.copytree(attacker / "tuf", receiver.folder / "tuf")
    receiver.files.faults.frozen = True
    before = in_use()
    with pytest.raises(UpdateRefused, match="not signed by the keys this application trusts"):
        run_update(store, receiver)
    assert in_use() == before


def test_a_timestamp_re_signed_by_another_key_is_refused(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    path = receiver.folder / "tuf" / "metadata" / "timestamp.json"
    md = Metadata.from_bytes(path.read_bytes())
    md.signed.version += 1
    md.signatures.clear()
    md.sign(CryptoSigner.generate_ed25519())
    path.write_bytes(md.to_bytes())
    receiver.files.faults.frozen = True
    before = in_use()
    with pytest.raises(UpdateRefused, match="not signed by the keys"):
        run_update(store, receiver)
    assert in_use() == before


def test_a_download_cut_in_the_middle_installs_nothing(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    receiver.files.faults.cut_targets = True
    before = in_use()
    with pytest.raises(UpdateUnavailable, match="could not be downloaded completely"):
        run_update(store, receiver)
    assert in_use() == before
    receiver.files.faults.cut_targets = False
    assert run_update(store, receiver).download.installed


def test_a_full_disk_during_install_installs_nothing(
    tmp_path: Path, receiver: Receiver, store: Store
) -> None:
    receiver.publish(edition_one(tmp_path / "one"))
    count = 0

    def disk_full(path: Path, data: bytes) -> None:
        nonlocal count
        count += 1
        if count > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_file(path, data)

    before = in_use()
    with pytest.raises(InstallFailed, match="the disk is full"):
        run_update(store, receiver, editions=Editions(updates_dir(), write=disk_full))
    assert count > 2 and in_use() == before
    assert not [p for p in updates_dir().iterdir() if p.name.startswith((".new-", "de-"))]
    assert run_update(store, receiver).download.installed  # room again: it goes through


# --- trust and serving ---------------------------------------------------------------------------------------------


def test_only_a_self_signed_root_can_be_trusted(tmp_path: Path, receiver: Receiver, store: Store) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidRoot, match="not TUF metadata"):
        set_forms_root(store, bad)
    md = Metadata.from_bytes(receiver.root_file.read_bytes())
    md.signed.version = 7  # changed after signing
    bad.write_bytes(md.to_bytes())
    with pytest.raises(InvalidRoot, match="not signed by its own root keys"):
        set_forms_root(store, bad)
    timestamp = receiver.folder / "tuf" / "metadata" / "timestamp.json"
    with pytest.raises(InvalidRoot, match="not a root"):
        set_forms_root(store, timestamp)


def test_the_shipped_root_is_a_sound_root_and_updates_from_another_receiver_are_refused(
    receiver: Receiver, store: Store
) -> None:
    from app.updates.trust import clear_forms_root, trusted_root

    clear_forms_root(store)
    root = trusted_root(store, receiver.settings, env={})
    assert root.origin == "bundled" and root.expires > (dt.date.today() + dt.timedelta(days=365)).isoformat()
    with pytest.raises(UpdateRefused, match="not signed by the keys this application trusts"):
        run_update(store, receiver)


def test_the_repository_is_served_only_to_the_token_and_only_its_own_files(receiver: Receiver) -> None:
    url, ca = receiver.running.url, str(receiver.running.ca_path)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(f"{url}/v1/updates/metadata/timestamp.json", verify=ca, timeout=10).status_code == 401
    ok = requests.get(f"{url}/v1/updates/metadata/1.root.json", headers=auth, verify=ca, timeout=10)
    assert (
        ok.status_code == 200
        and ok.content == (receiver.folder / "tuf" / "metadata" / "1.root.json").read_bytes()
    )
    for path in [
        "metadata/../keys/root.pem",
        "metadata/%2e%2e/keys/root.pem",
        "targets/../../keys/root.pem",
        "keys/root.pem",
        "metadata/root.pem",
        "targets/agreements/x.de.json",
    ]:
        r = requests.get(f"{url}/v1/updates/{path}", headers=auth, verify=ca, timeout=10)
        assert r.status_code == 404 and b"PRIVATE" not in r.content, path


def test_keys_and_repository_files_are_private(receiver: Receiver) -> None:
    folder = receiver.folder
    paths = [p for sub in ("keys", "tuf", "published") for p in [folder / sub, *(folder / sub).rglob("*")]]
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_dir()} == {0o700}
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_file() and p.name != ".lock"} == {0o600}


def test_coc_forms_update_and_settings(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring.backends.fail

    monkeypatch.setenv("COC_PASSPHRASE", "harbor lamp 7 violet")
    monkeypatch.setenv("COC_TOKEN", TOKEN)
    monkeypatch.setattr(keyring, "get_keyring", lambda: keyring.backends.fail.Keyring())
    for argv in (
        ["store", "init"],
        ["settings", "set", "endpoint", receiver.running.url],
        ["settings", "set", "ca-bundle", str(receiver.running.ca_path)],
        ["settings", "set", "token"],
    ):
        assert main(argv) == 0, argv
    assert main(["forms", "update"]) == 5  # the shipped root does not sign this receiver's updates
    assert "not signed by the keys this application trusts" in capsys.readouterr().err
    assert main(["settings", "set", "forms-root"]) == 2
    assert main(["settings", "set", "forms-root", str(receiver.root_file)]) == 0
    assert "form updates are verified with this root" in capsys.readouterr().out
    receiver.publish(edition_one(tmp_path / "one"))
    assert main(["forms", "update"]) == 0
    assert f"installed Germany: de-employee {ONE}, de-self_employed {ONE}" in capsys.readouterr().out
    assert main(["forms", "update", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["installed"] == [] and out["trusted_root"] == "setting"
    assert main(["forms", "list", "--json"]) == 0
    rows = {r["form"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["de-employee"]["edition"], rows["de-employee"]["origin"]) == (ONE, "updated")

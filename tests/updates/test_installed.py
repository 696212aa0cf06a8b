"""Bundles (one agreement's definitions as one file) and installing them beside the bundled forms: the newest
edition of each form wins, nothing is ever half-installed, a full disk or a lying manifest changes nothing."""

from __future__ import annotations

import errno
import hashlib
import json
import re
from pathlib import Path

import pytest

from app.cli import main
from app.forms import default_catalog, load
from app.forms.loader import ORIGIN_BUNDLED, ORIGIN_UPDATED
from app.updates.bundle import Bundle, BundleError, build_bundles, parse
from app.updates.catalog import installed_catalog, updates_dir
from app.updates.installed import Editions, InstallFailed, write_file
from tests.updates.editions import ONE, TWO, edition_one, edition_two


def germany(root: Path) -> tuple[Bundle, str]:
    (bundle,) = [b for b in build_bundles(load(root)) if b.agreement == "de"]
    data = bundle.to_bytes()
    return parse(data), hashlib.sha256(data).hexdigest()


def folders(base: Path) -> set[str]:
    return {p.name for p in base.iterdir() if p.is_dir()} if base.exists() else set()


def test_every_agreement_in_force_is_one_bundle_that_reads_back() -> None:
    catalog = default_catalog()
    bundles = build_bundles(catalog)
    assert {b.agreement for b in bundles} == {a.id for a in catalog.in_force()}
    for b in bundles:
        assert parse(b.to_bytes()) == b
        assert dict(b.forms) == {
            s.id: s.edition for s in catalog.forms.values() if s.agreement.id == b.agreement
        }
        assert f"agreements/{b.agreement}.toml" in b.files and "kinds/employee.toml" in b.files
    de = next(b for b in bundles if b.agreement == "de")
    assert "sections/history.toml" in de.files and "sections/family.toml" not in de.files  # only what it uses
    assert de.to_bytes() == next(b for b in build_bundles(load()) if b.agreement == "de").to_bytes()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["files"].update({"../../.bashrc": "x"}), "path that is not allowed"),
        (lambda d: d["files"].update({"agreements/fr.toml": "x"}), "no other agreement"),
        (lambda d: d["files"].update({"sections/a.toml/../../x.toml": "x"}), "path that is not allowed"),
        (lambda d: d["forms"].update({"fr-employee": "2027-01-01"}), "another agreement"),
        (lambda d: d["forms"].update({"de-employee": "soon"}), "not a date"),
        (lambda d: d.update(format=2), "format 2"),
        (lambda d: d.update(extra=1), "keys"),
        (lambda d: d["files"].update({"paper.toml": "x" * (600 * 1024)}), "larger than"),
    ],
)
def test_a_malformed_bundle_is_refused_before_anything_is_written(change, why: str) -> None:  # type: ignore[no-untyped-def]
    de = next(b for b in build_bundles(default_catalog()) if b.agreement == "de")
    data = json.loads(de.to_bytes())
    change(data)
    with pytest.raises(BundleError, match=why):
        parse(json.dumps(data).encode())
    with pytest.raises(BundleError, match="not JSON"):
        parse(b"\xff not json")


def test_an_installed_edition_wins_and_says_where_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundled = default_catalog()
    old = bundled.forms["de-employee"].edition
    entries = Editions(updates_dir()).install([germany(edition_one(tmp_path / "one"))])
    assert [e.agreement for e in entries] == ["de"]
    catalog = default_catalog()
    assert catalog.forms["de-employee"].edition == ONE and catalog.origin("de-employee") == ORIGIN_UPDATED
    assert catalog.forms["de-employee"].has_field("posting.site")
    assert (
        catalog.forms["fr-employee"] is bundled.forms["fr-employee"]
        and catalog.origin("fr-employee") == ORIGIN_BUNDLED
    )
    assert (
        catalog.edition("de-employee", old) is bundled.forms["de-employee"]
    )  # the bundled one is still known
    assert main(["forms", "list", "--json"]) == 0
    rows = {r["form"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["de-employee"]["edition"], rows["de-employee"]["origin"]) == (ONE, "updated")
    assert (rows["fr-employee"]["origin"], rows["fr-employee"]["edition"]) == ("bundled", old)
    assert main(["forms", "list"]) == 0
    assert f"{ONE} (updated)" in capsys.readouterr().out


def test_a_newer_edition_replaces_the_installed_one_and_its_folder(tmp_path: Path) -> None:
    editions = Editions(updates_dir())
    editions.install([germany(edition_one(tmp_path / "one"))])
    first = folders(editions.base)
    editions.install([germany(edition_two(tmp_path / "two"))])
    assert [e.forms["de-employee"] for e in editions.entries()] == [TWO]
    assert folders(editions.base).isdisjoint(first)  # the superseded folder is gone
    assert default_catalog().forms["de-employee"].edition == TWO


def test_the_receiver_keeps_every_edition_it_published(tmp_path: Path) -> None:
    editions = Editions(tmp_path / "published")
    editions.install([germany(edition_one(tmp_path / "one"))], keep_older=True)
    editions.install([germany(edition_two(tmp_path / "two"))], keep_older=True)
    catalog = installed_catalog(load(), editions)
    assert catalog.forms["de-employee"].edition == TWO
    assert catalog.edition("de-employee", ONE) is not None
    assert catalog.edition("de-employee", ONE).has_field("posting.site")  # type: ignore[union-attr]


def test_a_bundled_edition_newer_than_the_installed_one_wins(tmp_path: Path) -> None:
    root = edition_one(tmp_path / "one")
    for path in [root / "agreements" / "de.toml", root / "sections" / "posting.toml"]:
        path.write_text(path.read_text(encoding="utf-8").replace(ONE, "2020-01-01"), encoding="utf-8")
    for path in root.rglob("*.toml"):  # every file of Germany's forms older than the bundled ones
        path.write_text(
            re.sub(
                r'^edition = "[0-9-]+"',
                'edition = "2020-01-01"',
                path.read_text(encoding="utf-8"),
                flags=re.M,
            ),
            encoding="utf-8",
        )
    bundle, sha = germany(root)
    assert set(bundle.forms.values()) == {"2020-01-01"}
    Editions(updates_dir()).install([(bundle, sha)])
    assert default_catalog().origin("de-employee") == ORIGIN_BUNDLED


def test_a_full_disk_during_install_leaves_the_editions_in_use(tmp_path: Path) -> None:
    editions = Editions(updates_dir())
    editions.install([germany(edition_one(tmp_path / "one"))])
    before = (editions.pointer.read_bytes(), folders(editions.base))
    written: list[Path] = []

    def disk_fills_up(path: Path, data: bytes) -> None:
        if len(written) == 3:  # the fourth file finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        write_file(path, data)
        written.append(path)

    full = Editions(updates_dir(), write=disk_fills_up)
    with pytest.raises(InstallFailed, match="the disk is full") as caught:
        full.install([germany(edition_two(tmp_path / "two"))])
    assert "the editions in use are unchanged" in caught.value.user_text
    assert written and not any(p.exists() for p in written)  # the partial folder is gone
    assert (editions.pointer.read_bytes(), folders(editions.base)) == before
    assert default_catalog().forms["de-employee"].edition == ONE


def test_a_bundle_whose_manifest_lies_is_not_installed(tmp_path: Path) -> None:
    bundle, _ = germany(edition_one(tmp_path / "one"))
    lying = Bundle(bundle.agreement, {**bundle.forms, "de-employee": "2099-01-01"}, bundle.files)
    data = lying.to_bytes()
    with pytest.raises(BundleError, match="do not bring the forms and editions its manifest names"):
        Editions(updates_dir()).install([(parse(data), hashlib.sha256(data).hexdigest())])
    assert not Editions(updates_dir()).pointer.exists() and folders(updates_dir()) == set()
    assert default_catalog().origin("de-employee") == ORIGIN_BUNDLED


def test_leftovers_of_a_killed_install_are_swept_and_a_damaged_list_falls_back_to_bundled(
    tmp_path: Path,
) -> None:
    base = updates_dir()
    (base / ".new-de-0123-abcd" / "sections").mkdir(parents=True)  # killed while writing
    (base / "de-0123456789abcdef01234567").mkdir()  # killed after the rename, before the list was replaced
    editions = Editions(base)
    editions.install([germany(edition_one(tmp_path / "one"))])
    assert folders(base) == {e.folder for e in editions.entries()}
    editions.pointer.write_text("{not json", encoding="utf-8")
    assert default_catalog().origin("de-employee") == ORIGIN_BUNDLED


def test_installed_files_are_private(tmp_path: Path) -> None:
    Editions(updates_dir()).install([germany(edition_one(tmp_path / "one"))])
    paths = [updates_dir(), *updates_dir().rglob("*")]
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_dir()} == {0o700}
    assert {p.stat().st_mode & 0o777 for p in paths if p.is_file()} == {0o600}

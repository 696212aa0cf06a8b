"""The index of the definitions' names kept between launches (`app.catalog_index`): what the request list shows
before the form engine loads. It is used only when it was made from the very definitions in use; anything else in
its file is no index (never an error: it is only a shortcut)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from app import catalog_index
from app.catalog_index import CACHE_DIR, INDEX_FILE, CatalogIndex
from app.forms import Catalog
from app.forms.loader import load
from app.updates.pointer import POINTER, UPDATES_DIR
from tests.conftest import REPO


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load(REPO / "forms")


@pytest.fixture
def forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped definitions, in use for the test (`COC_FORMS_DIR`)."""
    copy = tmp_path / "forms"
    shutil.copytree(REPO / "forms", copy)
    monkeypatch.setenv("COC_FORMS_DIR", str(copy))
    return copy


def test_the_index_names_what_the_catalog_names(catalog: Catalog) -> None:
    index = CatalogIndex.of(catalog)
    assert index.agreement_names() == {a.id: a.name for a in catalog.agreements.values()}
    assert index.kind_names() == {k.id: k.short for k in catalog.kinds.values()}
    assert index.in_force() == [(a.id, a.name) for a in catalog.in_force()]


def test_kept_and_read_back_private(tmp_path: Path, forms: Path, catalog: Catalog) -> None:
    stamp = catalog_index.stamp(tmp_path)
    index = CatalogIndex.of(catalog)
    catalog_index.write(tmp_path, stamp, index)
    assert catalog_index.read(tmp_path, stamp) == index
    path = tmp_path / CACHE_DIR / INDEX_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_made_from_other_definitions_it_is_no_index(tmp_path: Path, forms: Path, catalog: Catalog) -> None:
    stamp = catalog_index.stamp(tmp_path)
    catalog_index.write(tmp_path, stamp, CatalogIndex.of(catalog))
    germany = forms / "agreements" / "de.toml"
    germany.write_text(germany.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a changed definition
    assert catalog_index.stamp(tmp_path) != stamp
    assert catalog_index.read(tmp_path, catalog_index.stamp(tmp_path)) is None
    stamp = catalog_index.stamp(tmp_path)
    os.utime(germany, ns=(0, 0))  # the same size, another time
    assert catalog_index.stamp(tmp_path) != stamp
    stamp = catalog_index.stamp(tmp_path)
    (tmp_path / UPDATES_DIR).mkdir()
    (tmp_path / UPDATES_DIR / POINTER).write_text("{}", encoding="utf-8")  # an edition installed
    assert catalog_index.stamp(tmp_path) != stamp


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"stamp": 1}',
        b'{"stamp": "S", "agreements": [["de", "Germany"]], "kinds": []}',
        b'{"stamp": "S", "agreements": [["de", "Germany", "yes"]], "kinds": []}',
        b'{"stamp": "S", "agreements": [["de", 7, true]], "kinds": []}',
        b'{"stamp": "S", "agreements": {"de": 1}, "kinds": []}',
        b'{"stamp": "S", "agreements": [], "kinds": [["employee"]]}',
        b'{"stamp": "S", "agreements": ' + b"[" * 5000 + b"]" * 5000 + b', "kinds": []}',
        b"\xff\xfe garbage",
    ],
)
def test_a_damaged_index_is_no_index(tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    (folder / INDEX_FILE).write_bytes(content)
    assert catalog_index.read(tmp_path, "S") is None


def test_an_oversize_file_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    entry = ["de", "Germany", True]
    (folder / INDEX_FILE).write_text(
        json.dumps({"stamp": "S", "agreements": [entry] * 20_000, "kinds": []}), encoding="utf-8"
    )
    assert catalog_index.read(tmp_path, "S") is None


@pytest.mark.parametrize("kind", ["endless", "pipe", "link"])
def test_what_is_not_a_plain_file_is_not_read(
    tmp_path: Path, forms: Path, catalog: Catalog, kind: str
) -> None:
    """A device that never ends, a pipe nobody writes to, a link planted where the index goes: no index, at once."""
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    path = folder / INDEX_FILE
    if kind == "endless":
        path.symlink_to("/dev/zero")
    elif kind == "pipe":
        os.mkfifo(path)
    else:  # a link to a sound index elsewhere is still not ours
        stamp = catalog_index.stamp(tmp_path)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        catalog_index.write(elsewhere, stamp, CatalogIndex.of(catalog))
        path.symlink_to(elsewhere / CACHE_DIR / INDEX_FILE)
        assert catalog_index.read(elsewhere, stamp) is not None
        assert catalog_index.read(tmp_path, stamp) is None
        return
    assert catalog_index.read(tmp_path, "S") is None


def test_an_unwritable_folder_only_costs_the_shortcut(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / CACHE_DIR).write_text("a file where the folder would be", encoding="utf-8")
    catalog_index.write(tmp_path, "S", CatalogIndex.of(catalog))  # no exception
    assert catalog_index.read(tmp_path, "S") is None

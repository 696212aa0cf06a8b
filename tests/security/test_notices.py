"""The third-party notices (issue 13, "Shipping"): every distribution the program needs at run time is listed with
its licence, with the texts its package ships, and the components compiled into them (Qt, SQLCipher, SQLite,
OpenSSL, Python) with theirs; the LGPL and MPL components the issue names among them. `make build-check` checks
the file is in the packaged program (`coc notices` there)."""

from __future__ import annotations

import importlib.metadata as metadata
import re

from app.cli import main
from app.notices import bundled_distributions, components, render


def test_every_run_time_dependency_is_listed() -> None:
    required = {
        re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0].lower().replace("_", "-")
        for r in metadata.distribution("coc-request").requires or []
        if "extra ==" not in r
    }
    listed = {c.name.lower().replace("_", "-") for c in components()}
    assert required <= listed
    assert {"shiboken6", "cffi", "idna", "urllib3"} <= listed  # dependencies of dependencies too
    assert "pytest" not in listed and "mypy" not in listed  # the test extras are not shipped


def test_the_lgpl_mpl_and_bsd_components_carry_their_texts() -> None:
    items = {c.name.lower(): c for c in components()}
    for name in ("pyside6_essentials", "shiboken6", "qt"):
        texts = "".join(t for _, t in items[name].texts)
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in texts and "GNU GENERAL PUBLIC LICENSE" in texts
    for name in ("pycountry", "python-stdnum"):
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in "".join(t for _, t in items[name].texts).upper()
    assert "Mozilla Public License" in "".join(t for _, t in items["certifi"].texts)
    assert "ZETETIC LLC" in "".join(t for _, t in items["sqlcipher"].texts)
    assert "Apache License" in "".join(t for _, t in items["openssl"].texts)
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in "".join(t for _, t in items["python"].texts)
    assert all(c.licence for c in items.values())


def test_the_text_lists_everything_and_each_licence_text_once(capsys: object) -> None:
    items = components()
    text = render(items)
    contents = text.split("=" * 79, 1)[0]
    assert all(f"  {c.name} {c.version}" in contents for c in items)
    assert text.count("GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3") == 1
    assert len(bundled_distributions()) == len(
        [
            c
            for c in items
            if c.name not in {"Python", "Qt", "SQLCipher", "SQLite", "OpenSSL", "PyInstaller bootloader"}
        ]
    )
    assert main(["notices"]) == 0

"""Third-party notices: every component the packaged program carries, its licence, and the licence texts.

Made from the installed distributions' own metadata (`importlib.metadata`): the runtime dependencies of
`coc-request`, followed transitively (extras only where asked, environment markers evaluated), each with its
version, licence (License-Expression, License, or the classifiers), home page, and the licence files it ships
(`*.dist-info/licenses/`, and LICENSE/COPYING/NOTICE files in the package). Components compiled into those
distributions, which no metadata describes (Qt, SQLCipher, SQLite, OpenSSL, the Python runtime, PyInstaller's
bootloader), follow from a short table here, with texts from `resources/licenses/` where their wheels ship none.

`build.spec` writes the result as `THIRD-PARTY-NOTICES.txt` into the packaged program, whose About box shows that
file; run from the source tree, the About box makes the same text on the fly. `python -m app.notices` prints it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.paths import install_root, resources_dir

ROOT_DISTRIBUTION = "coc-request"
NOTICES_FILE = "THIRD-PARTY-NOTICES.txt"
_LICENCE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice)[^/]*$", re.IGNORECASE)
_SEPARATOR = "=" * 79


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    home: str
    note: str = ""
    texts: tuple[tuple[str, str], ...] = field(
        default=(), repr=False
    )  # (where the text comes from, the text)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: metadata.PackageMetadata, key: str) -> str:
    return str(meta[key] or "") if key in meta else ""


def _licence_of(meta: metadata.PackageMetadata, has_text: bool) -> str:
    expression = _field(meta, "License-Expression")
    if expression:
        return str(expression)
    text = _field(meta, "License").strip()
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    if text and "\n" not in text and len(text) <= 100:
        return text
    if classifiers:
        return " / ".join(classifiers)
    return "see the licence text below" if text or has_text else "not stated in its metadata"


def _home_of(meta: metadata.PackageMetadata) -> str:
    if _field(meta, "Home-page"):
        return _field(meta, "Home-page")
    urls = [str(u).split(",", 1) for u in meta.get_all("Project-URL") or []]
    for wanted in ("homepage", "source", "repository"):
        for label, url in urls:
            if label.strip().lower() == wanted:
                return url.strip()
    return urls[0][1].strip() if urls and len(urls[0]) == 2 else ""


def _shipped_texts(dist: metadata.Distribution) -> tuple[tuple[str, str], ...]:
    texts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in dist.files or []:
        name = str(entry)
        if "/licenses/" not in name and not _LICENCE_FILE.search(name):
            continue
        if name.endswith((".py", ".pyc", ".pyi", ".so", ".dll", ".pyd")):
            continue
        try:
            text = Path(str(entry.locate())).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if text and text.strip() and text.strip() not in seen:
            seen.add(text.strip())
            texts.append((name.split(".dist-info/", 1)[-1], text.strip()))
    return tuple(texts)


def _requirements(dist: metadata.Distribution, extras: Iterable[str]) -> Iterator[tuple[str, set[str]]]:
    """The distributions `dist` needs at run time here: (name, extras asked of it)."""
    from packaging.requirements import Requirement  # comes with pip, PyInstaller and pytest

    wanted = set(extras) or {""}
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": extra}) for extra in wanted):
            yield req.name, set(req.extras)


def bundled_distributions(root: str = ROOT_DISTRIBUTION) -> list[metadata.Distribution]:
    """`root`'s run-time dependencies, transitively, as installed (not `root` itself), sorted by name."""
    found: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, set[str]]] = [(root, set())]
    asked: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (_canonical(name), frozenset(extras)) in asked:
            continue
        asked.add((_canonical(name), frozenset(extras)))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not for this platform, or an optional extra that is not installed
        if _canonical(name) != _canonical(root):
            found[_canonical(name)] = dist
        todo.extend(_requirements(dist, extras))
    return [found[k] for k in sorted(found)]


def _resource_text(name: str) -> tuple[str, str]:
    return (
        f"resources/licenses/{name}",
        (resources_dir() / "licenses" / name).read_text(encoding="utf-8").strip(),
    )


_LGPL3 = (
    "LGPL-3.0.txt",
    "GPL-3.0.txt",
)  # the LGPL 3 is the GPL 3 with additional permissions: both texts apply


def _python_runtime() -> Component:
    base = Path(sys.base_prefix)
    candidates = [
        base / "LICENSE.txt",
        base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt",
    ]
    found = next((p for p in candidates if p.is_file()), None)  # Windows keeps it at the top, POSIX in lib/
    texts = (("Python's LICENSE.txt", found.read_text(encoding="utf-8").strip()),) if found else ()
    return Component(
        "Python",
        ".".join(map(str, sys.version_info[:3])),
        "PSF-2.0 (and the licences of the parts it includes, listed in its text)",
        "https://www.python.org",
        "The interpreter and its standard library, carried by the packaged program.",
        texts,
    )


def _sqlcipher_versions() -> tuple[str, str, str]:
    """(SQLCipher, SQLite, OpenSSL) versions compiled into sqlcipher3, asked of the library itself."""
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        try:
            conn.execute(
                "PRAGMA key = 'notices'"
            )  # a throw-away in-memory database, so that the provider answers
            rows = [
                conn.execute(q).fetchone()
                for q in (
                    "PRAGMA cipher_version",
                    "SELECT sqlite_version()",
                    "PRAGMA cipher_provider_version",
                )
            ]
        finally:
            conn.close()
        return tuple(str(r[0]) if r and r[0] else "" for r in rows)  # type: ignore[return-value]
    except Exception:
        return "4", "3", "3"


def embedded_components(dists: Iterable[metadata.Distribution]) -> list[Component]:
    """Components compiled into the distributions, which their metadata does not describe."""
    names = {_canonical(d.metadata["Name"]): d for d in dists}
    out = [_python_runtime()]
    pyside = names.get("pyside6-essentials")
    if pyside is not None:
        out.append(
            Component(
                "Qt",
                pyside.version,
                "LGPL-3.0-only",
                "https://www.qt.io",
                "The Qt libraries inside the PySide6 wheels, used under the LGPL 3. They stay separate shared "
                "libraries in the program's folder, so they can be replaced; their source is at "
                "https://download.qt.io/official_releases/qt/.",
                tuple(_resource_text(n) for n in _LGPL3),
            )
        )
    if "sqlcipher3" in names:
        sqlcipher, sqlite, openssl = _sqlcipher_versions()
        out.append(
            Component(
                "SQLCipher",
                f"{sqlcipher} (compiled into sqlcipher3)",
                "BSD-3-Clause",
                "https://www.zetetic.net/sqlcipher/",
                "",
                (_resource_text("SQLCipher.txt"),),
            )
        )
        out.append(
            Component(
                "SQLite",
                f"{sqlite} (compiled into sqlcipher3)",
                "public domain",
                "https://sqlite.org/copyright.html",
                "The author disclaims copyright to this source code.",
            )
        )
        out.append(
            Component(
                "OpenSSL",
                f"{openssl} (compiled into sqlcipher3; cryptography and Python's ssl module carry their own)",
                "Apache-2.0",
                "https://www.openssl.org",
                "",
                (_resource_text("Apache-2.0.txt"),),
            )
        )
    try:
        pyinstaller = metadata.distribution("pyinstaller")
    except metadata.PackageNotFoundError:
        pyinstaller = None
    if getattr(sys, "frozen", False) or pyinstaller is not None:
        out.append(
            Component(
                "PyInstaller bootloader",
                pyinstaller.version if pyinstaller is not None else "",
                "GPL-2.0-or-later WITH Bootloader-exception",
                "https://pyinstaller.org",
                "The small program that starts the packaged application. Its licence's exception allows it to be "
                "distributed with programs under any licence.",
                _shipped_texts(pyinstaller) if pyinstaller is not None else (),
            )
        )
    return out


def components(root: str = ROOT_DISTRIBUTION) -> list[Component]:
    dists = bundled_distributions(root)
    listed = []
    for d in dists:
        texts = _shipped_texts(d)
        listed.append(
            Component(
                str(d.metadata["Name"]),
                d.version,
                _licence_of(d.metadata, bool(texts)),
                _home_of(d.metadata),
                texts=texts,
            )
        )
    pyside = {"pyside6-essentials", "pyside6-addons", "pyside6-pdf", "shiboken6"}
    listed = [
        c
        if c.texts or _canonical(c.name) not in pyside
        else Component(
            c.name,
            c.version,
            c.licence + " (used under LGPL-3.0-only)",
            c.home,
            "Its wheel ships no licence text; the LGPL 3 (and the GPL 3 it builds on) follow.",
            tuple(_resource_text(n) for n in _LGPL3),
        )
        for c in listed
    ]
    return listed + embedded_components(dists)


def render(items: Iterable[Component]) -> str:
    items = list(items)
    lines = [
        f"Certificates of Coverage {__version__}: third-party software",
        "",
        "This program includes the components below, each with its version, licence",
        "and home page, followed by the licence texts it ships. Made from the installed",
        "packages' metadata.",
        "",
        "Contents:",
        *(f"  {c.name} {c.version} ({c.licence})" for c in items),
    ]
    first_shown: dict[str, str] = {}  # a text shown once (the GPL 3 would otherwise come four times)
    for c in items:
        lines += ["", _SEPARATOR, f"{c.name} {c.version}".rstrip(), _SEPARATOR, f"Licence: {c.licence}"]
        if c.home:
            lines.append(f"Home page: {c.home}")
        if c.note:
            lines.append(c.note)
        for where, text in c.texts:
            if text in first_shown:
                lines += ["", f"--- {where}: the same text as under {first_shown[text]} above ---"]
                continue
            first_shown[text] = c.name
            lines += ["", f"--- {where} ---", text]
        if not c.texts:
            lines += ["", "(No licence text is shipped with this component.)"]
    return "\n".join(lines) + "\n"


def notices_text() -> str:
    """The notices: the packaged program's file when there is one, else made from what is installed."""
    bundled = install_root() / NOTICES_FILE
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8")
    return render(components())


def main(argv: list[str] | None = None) -> int:
    """`python -m app.notices [FILE]`: print the notices, or write them to FILE (what build.spec does)."""
    args = sys.argv[1:] if argv is None else argv
    text = render(components())
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

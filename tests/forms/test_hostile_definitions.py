"""Definitions that are valid TOML but hostile, as a receiver could sign them into a form update.

Found: a rule whose `when` nests 50,000 `not`s or parentheses, a chain `x + 1 + 1 + ...` of 60,000 terms, and a
file nesting 50,000 arrays each made the loader raise RecursionError (not a definitions problem: `coc forms update`
would end with an internal error); a rule using `matches(worker.first_name, '(a|aa)+$')` loaded, and each verdict
of a 41-character name then took 33 s (every keystroke of the wizard). Each is now a definitions problem with its
code and key path, and a form update carrying one is refused with the editions in use unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from app.forms import DefinitionsInvalid, default_catalog, load
from app.forms.errors import DefCode
from app.updates.bundle import BundleError, build_bundles, parse
from app.updates.installed import Editions

FORMS = Path(__file__).parents[2] / "forms"
RULE = """
[[forms.employee.rules]]
id = "hostile"
code = "hostile_rule"
severity = "warning"
field = "worker.first_name"
when = '''{when}'''
message = "Hostile."
"""


def with_rule(tmp_path: Path, when: str = "", extra: str = "") -> Path:
    root = tmp_path / "forms"
    shutil.copytree(FORMS, root)
    de = root / "agreements" / "de.toml"
    de.write_text(de.read_text(encoding="utf-8") + (RULE.format(when=when) if when else "") + extra, "utf-8")
    return root


def problems(root: Path) -> list[tuple[DefCode, str]]:
    with pytest.raises(DefinitionsInvalid) as caught:
        load(root)
    return [(e.code, e.message) for e in caught.value.errors]


@pytest.mark.parametrize(
    "when",
    [
        pytest.param("not " * 50_000 + "present(worker.first_name)", id="50000-nots"),
        pytest.param("(" * 50_000 + "present(worker.first_name)" + ")" * 50_000, id="50000-parentheses"),
        pytest.param("- " * 50_000 + "1 > 0", id="50000-signs"),
        pytest.param("length(worker.first_name)" + " + 1" * 60_000 + " > 3", id="chain-of-60000"),
        pytest.param("length(worker.first_name)" + " + 1" * 150 + " > 3", id="chain-of-150"),
        pytest.param("[" * 40 + "1" + "]" * 40 + " == null", id="40-nested-lists"),
    ],
)
def test_huge_and_deep_expressions_are_definition_problems(tmp_path: Path, when: str) -> None:
    found = problems(with_rule(tmp_path, when))
    assert [code for code, _ in found] == [DefCode.EXPRESSION_SYNTAX], found


def test_deeply_nested_toml_is_a_definition_problem(tmp_path: Path) -> None:
    found = problems(with_rule(tmp_path, extra="\n[values2]\nx = " + "[" * 50_000 + "]" * 50_000 + "\n"))
    assert found and found[0][0] is DefCode.TOML_SYNTAX and "nested too deeply" in found[0][1]


@pytest.mark.parametrize(
    "pattern",
    [
        "(a|aa)+$",  # alternatives that overlap, repeated: exponential
        "(a+)+b",  # a repeat inside a repeat
        "(a?){30}a{30}",  # optional parts repeated a fixed number of times: 2^30
        ".*.*.*x",  # three unbounded repeats: the cube of the answer's length
        "a{0,2000}a{0,2000}a{0,2000}",  # as costly as unbounded ones
        "(x)\\\\1",  # a backreference
        "(?=a)a",  # a lookaround
        "(",  # not a regular expression
        "a" * 201,  # too long
    ],
)
def test_regular_expressions_that_can_take_too_long_are_refused(tmp_path: Path, pattern: str) -> None:
    found = problems(with_rule(tmp_path, f"matches(worker.first_name, '{pattern}')"))
    assert [code for code, _ in found] == [DefCode.EXPRESSION_SYNTAX], found
    assert "matches()" in found[0][1]


def test_a_pattern_must_be_written_in_the_definition(tmp_path: Path) -> None:
    """A pattern taken from an answer would let a document choose the regular expression."""
    found = problems(with_rule(tmp_path, "matches(worker.first_name, worker.last_name)"))
    assert found == [(DefCode.EXPRESSION_SYNTAX, found[0][1])] and "text in quotes" in found[0][1]


def test_the_shipped_patterns_and_safe_ones_load(tmp_path: Path) -> None:
    root = with_rule(tmp_path, "matches(worker.first_name, '(?i)[a-z]+(-[a-z]+)?[0-9]{0,3}')")
    assert "de-employee" in load(root).forms
    assert default_catalog().forms  # the zip code and the United Kingdom's parts


def test_a_signed_update_carrying_a_regex_bomb_is_not_installed(tmp_path: Path) -> None:
    """What a hostile receiver can sign is still checked: the bundle does not load, so nothing is installed."""
    good = next(b for b in build_bundles(default_catalog()) if b.agreement == "de")
    data = json.loads(good.to_bytes())
    data["files"]["agreements/de.toml"] += RULE.format(when="matches(worker.first_name, '(a|aa)+$')")
    raw = json.dumps(data).encode()
    editions = Editions(tmp_path / "form-updates")
    with pytest.raises(BundleError, match="do not load"):
        editions.install([(parse(raw), hashlib.sha256(raw).hexdigest())])
    assert not editions.pointer.exists()
    assert not [p for p in editions.base.iterdir() if p.is_dir()] if editions.base.exists() else True


def test_deeply_nested_bundles_and_update_lists_are_refused(tmp_path: Path) -> None:
    """json reads nested arrays recursively: a signed bundle, or the receiver's list of updates, nesting 200,000
    arrays raised RecursionError out of `coc forms update`."""
    from app.updates.client import UpdateRefused, parse_index

    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(BundleError, match="nested too deeply"):
        parse(deep)
    with pytest.raises(UpdateRefused, match="cannot be read"):
        parse_index(deep)

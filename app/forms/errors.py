"""The catalog of definition errors: a stable code, the location first, then the reason and a hint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class DefCode(Enum):
    """Stable codes of problems in `forms/`. The value is the code printed; never renumber."""

    TOML_SYNTAX = "DEF001"
    UNKNOWN_KEY = "DEF002"
    MISSING_KEY = "DEF003"
    BAD_VALUE = "DEF004"
    UNKNOWN_TYPE = "DEF005"
    DUPLICATE_ID = "DEF006"
    UNKNOWN_REFERENCE = "DEF007"
    EXPRESSION_SYNTAX = "DEF008"
    CYCLE = "DEF009"
    UNKNOWN_SECTION = "DEF010"
    UNKNOWN_KIND = "DEF011"
    BAD_ID = "DEF012"
    UNREADABLE = "DEF013"
    UNKNOWN_FACT = "DEF014"

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    DefCode.TOML_SYNTAX: "not valid TOML",
    DefCode.UNKNOWN_KEY: "unknown key",
    DefCode.MISSING_KEY: "required key missing",
    DefCode.BAD_VALUE: "bad value",
    DefCode.UNKNOWN_TYPE: "unknown field type",
    DefCode.DUPLICATE_ID: "duplicate id",
    DefCode.UNKNOWN_REFERENCE: "unknown reference",
    DefCode.EXPRESSION_SYNTAX: "expression syntax error",
    DefCode.CYCLE: "dependency cycle",
    DefCode.UNKNOWN_SECTION: "unknown section",
    DefCode.UNKNOWN_KIND: "unknown request kind",
    DefCode.BAD_ID: "badly formed id",
    DefCode.UNREADABLE: "file cannot be read",
    DefCode.UNKNOWN_FACT: "unknown fact",
}


@dataclass(frozen=True)
class DefinitionError:
    code: DefCode
    file: str  # path relative to the forms folder
    path: str  # key path inside the file, e.g. `kinds.employee.rules[2].when`
    message: str
    hint: str = ""
    line: int | None = None

    def location(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path}" if self.path else where

    def __str__(self) -> str:
        text = f"{self.location()}: {self.code.value} {self.code.title}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "file": self.file,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }


class DefinitionsInvalid(Exception):
    """Raised when definitions cannot be used; carries every problem found, not only the first."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the form definitions")
        self.errors = errors


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choice, or nothing when none is close."""
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""

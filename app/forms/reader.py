"""Reading TOML tables with every problem collected, located by file, key path and (where found) line."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from app.forms.errors import DefCode, DefinitionError, did_you_mean

Table = Mapping[str, Any]
E = TypeVar("E", bound=Enum)


class FileReader:
    """One definition file: its parsed table, its text (for line numbers), and the problems found in it."""

    def __init__(self, path: Path, root: Path, errors: list[DefinitionError]) -> None:
        self.path = path
        self.name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        self.errors = errors
        self.text = ""
        self.data: Table | None = None
        self.memo: dict[str, Any] = {}  # what was read from this file once, for every form built from it
        try:
            self.text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error(DefCode.UNREADABLE, "", f"cannot be read: {exc}")
            return
        try:
            self.data = _parse(self.text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            self.error(DefCode.TOML_SYNTAX, "", str(exc), line=int(m.group(1)) if m else None)
        except RecursionError:  # tomllib reads nested arrays and tables recursively: an update may nest deep
            self.error(DefCode.TOML_SYNTAX, "", "arrays or tables nested too deeply to be a definition")

    # -------------------------------------------------------------------------------------------- errors

    def error(
        self,
        code: DefCode,
        path: str,
        message: str,
        hint: str = "",
        line: int | None = None,
        near: Iterable[str] = (),
    ) -> None:
        if line is None:
            line = self.line_of_path(path) or (self.line_of(*near) if near else None)
        self.errors.append(DefinitionError(code, self.name, path, message, hint, line))

    def line_of(self, *needles: str) -> int | None:
        """The line of the first needle found (tried in order), 1-based."""
        for needle in needles:
            if not needle:
                continue
            idx = self.text.find(needle)
            if idx >= 0:
                return self.text.count("\n", 0, idx) + 1
        return None

    def line_of_path(self, path: str) -> int | None:
        """The line of a key path such as `fields[3].type` or `forms.employee.rules[0].when`, walking the file
        from each part to the next; None when the path does not name keys of this file."""
        parts = re.findall(r'"[^"]*"|[A-Za-z0-9_]+|\[\d+\]', path)
        if not parts or " " in path:
            return None
        pos, found = 0, None
        table = ""
        for part in parts:
            if part.startswith("["):
                n = int(part[1:-1])
                headers = list(
                    re.finditer(
                        rf"^[ \t]*\[\[[ \t]*{re.escape(table)}[ \t]*\]\]", self.text[pos:], re.MULTILINE
                    )
                )
                if len(headers) <= n:
                    return found
                pos += headers[n].start()
            else:
                key = re.escape(part)
                table = f"{table}.{part}" if table else part
                # A plain key belongs to the current table: look for it only up to the next table header.
                line_end = self.text.find("\n", pos) + 1 or len(self.text)
                nxt = re.search(r"^[ \t]*\[", self.text[line_end:], re.MULTILINE)
                end = line_end + nxt.start() if nxt else len(self.text)
                m = re.search(rf"^[ \t]*{key}[ \t]*=", self.text[pos:end], re.MULTILINE)
                if m is None:  # else a table header that names it
                    m = re.search(
                        rf"^[ \t]*\[+[^\]\n]*(?<![\w\"]){key}(?![\w\"])[^\]\n]*\]+",
                        self.text[pos:],
                        re.MULTILINE,
                    )
                if m is None:
                    return found
                pos += m.start()
            found = self.text.count("\n", 0, pos) + 1
        return found

    # -------------------------------------------------------------------------------------------- typed gets

    def keys(self, table: Table, path: str, allowed: Iterable[str], required: Iterable[str] = ()) -> bool:
        """Report unknown and missing keys of `table`; False when a required one is missing."""
        allowed = tuple(allowed)
        ok = True
        for key in table:
            if key not in allowed:
                self.error(
                    DefCode.UNKNOWN_KEY,
                    join(path, key),
                    f"{key!r} is not a key here",
                    did_you_mean(key, allowed) or f"allowed: {', '.join(allowed)}",
                )
        for key in required:
            if key not in table:
                self.error(DefCode.MISSING_KEY, join(path, key), f"{key!r} is required", near=(path,))
                ok = False
        return ok

    def get_str(self, table: Table, key: str, path: str, default: str = "") -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            self.error(DefCode.BAD_VALUE, join(path, key), f"must be text, not {_kind(value)}")
            return default
        return value

    def get_bool(self, table: Table, key: str, path: str, default: bool = False) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.error(DefCode.BAD_VALUE, join(path, key), f"must be true or false, not {_kind(value)}")
            return default
        return value

    def get_int(self, table: Table, key: str, path: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.error(DefCode.BAD_VALUE, join(path, key), f"must be a whole number ≥ 0, not {value!r}")
            return None
        return value

    def get_date(self, table: Table, key: str, path: str) -> dt.date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(DefCode.BAD_VALUE, join(path, key), f"must be a date like 2001-04-01, not {value!r}")
        return None

    def get_str_list(self, table: Table, key: str, path: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(DefCode.BAD_VALUE, join(path, key), "must be a list of texts")
            return ()
        return tuple(value)

    def get_enum(
        self,
        table: Table,
        key: str,
        path: str,
        kind: type[E],
        default: str,
        *,
        code: DefCode = DefCode.BAD_VALUE,
        what: str = "value",
        near: Iterable[str] = (),
    ) -> E | None:
        """`table[key]` as a member of the enum `kind`; None (and an error with "did you mean") otherwise."""
        text = self.get_str(table, key, path, default)
        try:
            return kind(text)
        except ValueError:
            choices = [str(m.value) for m in kind]
            self.error(
                code,
                join(path, key),
                f"{text!r} is not a {what}",
                did_you_mean(text, choices) or f"{what}s: " + ", ".join(choices),
                near=near,
            )
            return None

    def get_table(self, table: Table, key: str, path: str) -> Table:
        value = table.get(key, {})
        if not isinstance(value, Mapping):
            self.error(DefCode.BAD_VALUE, join(path, key), f"must be a table, not {_kind(value)}")
            return {}
        return value

    def get_tables(self, table: Table, key: str, path: str) -> list[Table]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.error(DefCode.BAD_VALUE, join(path, key), "must be an array of tables ([[...]])")
            return []
        return value


@lru_cache(maxsize=512)
def _parse(text: str) -> Table:
    """A file's TOML, parsed once per distinct text (installed form updates repeat the same shared files); the
    tables are only ever read."""
    return tomllib.loads(text)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not re.fullmatch(r"[A-Za-z0-9_]+", key):
        key = f'"{key}"'
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)

"""What every command shares: the error that becomes one clear line, and reading input files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


class CliError(Exception):
    """A problem with the user's input or environment: printed as one line, never a traceback."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def read_text(path: str) -> str:
    """The text of a file (or of standard input for `-`), as UTF-8."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file")
    except IsADirectoryError:
        raise CliError(f"{path}: is a folder, not a file")
    except PermissionError:
        raise CliError(f"{path}: permission denied")
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text")
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror})")


def read_limited(path: str, limit: int) -> bytes:
    """The bytes of a file (or of standard input for `-`), at most `limit + 1` of them: a larger input is read
    no further than needed to say that it is too large."""
    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    try:
        with Path(path).open("rb") as f:
            return f.read(limit + 1)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file")
    except IsADirectoryError:
        raise CliError(f"{path}: is a folder, not a file")
    except PermissionError:
        raise CliError(f"{path}: permission denied")
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror})")


def print_json(data: Any) -> None:
    from app.visible import json_safe

    print(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


class VisibleOutput:
    """Standard output or error as `coc` writes them: what a command prints may come from a hostile roster, a
    document or a draft (a name holding an escape sequence), so every unsafe character (`app.visible`) but line
    breaks, tabs and form feeds reaches the terminal as U+FFFD, never as terminal control. JSON output is not
    changed by this: it escapes those characters itself (`print_json`, `RequestDoc.to_json`)."""

    KEEP = "\n\t\f"

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    @classmethod
    def around(cls, stream: Any) -> Any:
        """`stream` wrapped; None stays None (a windowed program on Windows has no console: print does nothing)."""
        return stream if stream is None else cls(stream)

    def write(self, text: str) -> int:
        from app.visible import visible

        self._stream.write(visible(text, keep=self.KEEP))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

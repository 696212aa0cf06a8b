"""The base of every known problem a coordinator may meet: what happened, and what to do next.

Environment problems (a wrong passphrase, a damaged file, a receiver that is down) are `UserError`s with a message
and a way forward; anything else is a bug and is left to reach the crash handler. No message ever contains
personal data: they name files, counts and codes, never answers.
"""

from __future__ import annotations


class UserError(Exception):
    """A known problem: `message` says what happened, `hint` what to do next, `exit_code` what `coc` exits with."""

    message: str = "The operation could not be done."
    hint: str = ""
    exit_code: int = 1

    def __init__(self, message: str | None = None, hint: str | None = None) -> None:
        if message is not None:
            self.message = message
        if hint is not None:
            self.hint = hint
        super().__init__(self.user_text)

    @property
    def user_text(self) -> str:
        """The message and the way forward, as one line."""
        return f"{self.message} {self.hint}".strip()

"""What can be wrong with a roster file as a whole: one clear line, and what to do about it."""

from __future__ import annotations

from app.errors import UserError


class RosterError(UserError):
    """The roster cannot be read at all (exit code 2); no request was created or changed."""

    message = "The roster cannot be read."
    exit_code = 2


class MappingError(RosterError):
    """A mapping file (TOML) that is not usable: the message names the key."""

    message = "The mapping file cannot be used."


class ImportConflict(UserError):
    """A request changed between reading the roster and saving it (another window or program saved it)."""

    message = "A request was changed elsewhere while the roster was being imported; nothing was imported."
    hint = "Import the roster again: it starts from the requests as they are now."
    exit_code = 3


class NothingToUndo(UserError):
    message = "There is no import to undo."
    exit_code = 1

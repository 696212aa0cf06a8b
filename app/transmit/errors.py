"""What can go wrong with transmission, each with a message a coordinator understands and a way forward.

Like the store's errors: `message` says what happened, `hint` what to do next, `user_text` both in one line, and
`exit_code` is what the command line exits with. No message ever contains personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.errors import UserError
from app.forms import Issue


class TransmitError(UserError):
    message: str = "The request could not be transmitted."
    exit_code: int = 5


class NotConfigured(TransmitError):
    message = "Transmission is not set up."
    hint = "Set the receiving service's address and access token (coc settings set endpoint URL; coc settings set token)."
    exit_code = 2


class InvalidSetting(TransmitError):
    message = "The setting is not accepted."
    exit_code = 2


class NotReady(TransmitError):
    """The request has errors: it is not queued, or not sent. `issues` holds every problem found."""

    exit_code = 1

    def __init__(self, issues: Sequence[Issue], doing: str = "queued") -> None:
        self.issues = list(issues)
        errors = self.errors
        super().__init__(
            f"The request has {len(errors)} error(s), so it was not {doing}.",
            "Correct them (coc validate, or the review page) and queue it again.",
        )

    @property
    def errors(self) -> list[dict[str, str]]:
        """The errors as the receiver reports them: {field, code, message}."""
        return [{"field": i.field, "code": i.code, "message": i.message} for i in self.issues if i.is_error]


class NotQueued(TransmitError):
    message = "The request is not in the outbox."
    hint = "Queue it first (coc outbox queue ID)."
    exit_code = 4


class AlreadySent(TransmitError):
    message = "The request was already sent."
    hint = "Check its status with coc status ID."
    exit_code = 4


class ReceiverUnavailable(TransmitError):
    """The receiving service could not be reached or gave no usable answer (network, TLS, server error)."""

    message = "The receiving service could not be reached."
    exit_code = 5


class ReceiverRefused(TransmitError):
    """The receiving service refused the access token (401/403)."""

    message = "The receiving service refused the access token."
    hint = "Check the token (coc settings set token)."
    exit_code = 5


class NotAtReceiver(TransmitError):
    message = "The receiving service has no request with this id."
    hint = "Only a sent request has a status at the receiver."
    exit_code = 4

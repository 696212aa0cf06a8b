"""When to try again: exponential backoff with full jitter, and `Retry-After` honoured up to a cap.

Two layers (see docs/transmission.md): a send makes a few quick tries in a row (`tries_per_send`, sleeping only
waits up to `inline_max_wait`), then gives the item back to the outbox with its next try's time. The backoff
window grows with every try the item has had, `base * 2**n` up to `cap`; the wait is drawn uniformly from
[0, window] ("full jitter", so clients that failed together do not retry together). A `Retry-After` from the
receiver raises the wait to at least what it asks, up to `retry_after_cap`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

_SECONDS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class RetryPolicy:
    tries_per_send: int = 3  # HTTP tries in one send before the item goes back to the outbox
    base: float = 1.0  # the first backoff window, in seconds
    cap: float = 900.0  # the largest backoff window (15 minutes)
    retry_after_cap: float = 3600.0  # Retry-After is honoured up to 1 hour
    inline_max_wait: float = 10.0  # a longer wait ends the send; the outbox tries again later

    def __post_init__(self) -> None:
        if self.tries_per_send < 1:
            raise ValueError("tries_per_send must be at least 1")
        if not (0 < self.base <= self.cap) or self.retry_after_cap < 0 or self.inline_max_wait < 0:
            raise ValueError("backoff times must be positive, with base <= cap")

    def window(self, n: int) -> float:
        """The backoff window after the item's `n`-th failed try (0 for the first)."""
        return min(self.cap, self.base * 2.0 ** min(max(n, 0), 60))

    def wait(self, n: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before the next try: full jitter, raised to `Retry-After` (capped) when given."""
        wait = rng.uniform(0.0, self.window(n))
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.retry_after_cap))
        return wait


def parse_retry_after(
    value: str | None, now: float, cap: float = RetryPolicy.retry_after_cap
) -> float | None:
    """Seconds a `Retry-After` header asks to wait: delay-seconds or an HTTP-date (RFC 9110), at most `cap`.

    None when the header is absent or unreadable (garbage is ignored, never an error); a date in the past is 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _SECONDS.fullmatch(text):
        return float(min(int(text), cap))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        seconds = when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(seconds, 0.0), cap)

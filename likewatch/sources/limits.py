"""Reading platforms' rate-limit signals, so that a source slows down before it is refused.

Platforms announce their budget in headers with three numbers: the limit of a window, what
is left of it, and when it resets. The spellings differ:

- X: `x-rate-limit-limit`, `x-rate-limit-remaining`, `x-rate-limit-reset` (epoch seconds);
- Mastodon: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (ISO 8601);
- the IETF draft and Bluesky: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
  (seconds from now in the draft, epoch seconds at Bluesky) or one `RateLimit` header with
  `limit=, remaining=, reset=`;
- any refusal may carry `Retry-After` (seconds, or an HTTP date).

A source turns the window into a moment before which it sends nothing (`cooldown_until`,
which the poller honours): nothing while plenty is left, then the remaining requests spread
evenly over the rest of the window, then the reset itself when none is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Below this share of the window left, requests are spread out over the rest of the window.
SLOWDOWN_SHARE = 0.2
# Epoch seconds are this large; smaller reset values are seconds from now.
EPOCH_THRESHOLD = 1_000_000_000
MAX_WAIT = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """A platform's rate-limit window as its headers describe it."""

    limit: int | None
    remaining: int
    reset_at: datetime


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _moment(value: str | None, now: datetime) -> datetime | None:
    """A reset time given as epoch seconds, seconds from now, or ISO 8601."""
    if value is None:
        return None
    value = value.strip()
    number = _int(value) if re.fullmatch(r"\d+(\.\d+)?", value) else None
    if number is not None:
        if number >= EPOCH_THRESHOLD:
            return datetime.fromtimestamp(number, UTC)
        return now + timedelta(seconds=number)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window(headers, now: datetime | None = None) -> Window | None:
    """The rate-limit window the headers announce, whatever their spelling; None if none."""
    now = now or datetime.now(UTC)
    for prefix in ("x-rate-limit-", "x-ratelimit-", "ratelimit-"):
        remaining = _int(headers.get(prefix + "remaining"))
        reset_at = _moment(headers.get(prefix + "reset"), now)
        if remaining is not None and reset_at is not None:
            return Window(_int(headers.get(prefix + "limit")), remaining, reset_at)
    combined = headers.get("ratelimit")
    if combined:
        fields = dict(re.findall(r"(\w+)=([^,;\s]+)", combined))
        remaining = _int(fields.get("remaining") or fields.get("r"))
        reset_at = _moment(fields.get("reset") or fields.get("t"), now)
        if remaining is not None and reset_at is not None:
            return Window(_int(fields.get("limit")), remaining, reset_at)
    return None


def retry_after(headers, now: datetime | None = None) -> datetime | None:
    """When a `Retry-After` header says to come back (seconds or an HTTP date)."""
    now = now or datetime.now(UTC)
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + min(timedelta(seconds=int(value)), MAX_WAIT)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cooldown(win: Window | None, now: datetime | None = None) -> datetime | None:
    """The moment before which the next request should wait, or None to go ahead now."""
    if win is None:
        return None
    now = now or datetime.now(UTC)
    left = win.reset_at - now
    if left <= timedelta(0):
        return None
    if win.remaining <= 0:
        return min(win.reset_at, now + MAX_WAIT)
    plenty = max(2, int((win.limit or 0) * SLOWDOWN_SHARE))
    if win.remaining >= plenty:
        return None
    # Spread what is left evenly, keeping the last request for just before the reset.
    return now + left / (win.remaining + 1)


def refusal_time(headers, now: datetime | None = None, default: timedelta = timedelta(minutes=1)):
    """When to retry after a refusal: Retry-After, else the window's reset, else `default`."""
    now = now or datetime.now(UTC)
    explicit = retry_after(headers, now)
    if explicit:
        return explicit
    win = window(headers, now)
    if win and win.reset_at > now:
        return min(win.reset_at, now + MAX_WAIT)
    return now + default

"""When the platform produced an answer, by the answer's own HTTP metadata.

A count that stays the same for hours is either a quiet page or an answer served again and
again from a cache that stopped (likewatch.events.quiet tells them apart). The answer itself
often says which: HTTP caches keep the origin's `Date` and add an `Age` (RFC 9111, 5.1 and
4.2.3), so the moment the origin produced the answer is

    received - max(received - Date, Age)

and a `Last-Modified` later than that moves it forwards (the resource changed then, so the
answer was produced no earlier). A fresh answer says "now"; an answer from a cache that stopped
says the moment the cache last filled, however often it is fetched since.

`ETag` alone cannot date an answer: an origin serving an unchanged count sends the same ETag
as a cache that stopped. `Cache-Control: max-age` says how long a cache may serve it, not when
it was produced. Neither is kept. An answer with none of the three says nothing (None).

This module knows HTTP, not events: it dates answers; what a date means is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def _http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seconds(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    return min(int(text), 10 * 365 * 86400)  # an absurd Age is a decade, never an overflow


def produced_at(headers: Mapping[str, str], received: datetime) -> datetime | None:
    """The moment the platform produced this answer, received at `received`, by its own
    `Date`, `Age` and `Last-Modified` headers; None when it carries none of them (or only
    unreadable ones). Never later than `received`: a platform's clock ahead of ours does not
    make its answers come from the future."""
    date = _http_date(headers.get("date"))
    age = _seconds(headers.get("age"))
    modified = _http_date(headers.get("last-modified"))
    if date is None and age is None and modified is None:
        return None
    lag = max(
        (received - date).total_seconds() if date is not None else 0.0,
        float(age or 0),
        0.0,
    )
    moment = received - timedelta(seconds=lag) if date is not None or age is not None else None
    if modified is not None and (moment is None or modified > moment):
        moment = modified
    return min(moment, received)

"""Rates of change and their signs: the one home of both rules.

A *change* and a *rate* keep the count's own sign: a page that loses followers has a negative
change and a negative rate, on the board, the API, cards and exports alike. A *moved* figure
counts people who went the way a campaign wants, so it is positive when a leave campaign's page
falls; `toward` is the only place that turns one into the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from likewatch.tracking.models import Direction

HOUR = timedelta(hours=1)


def per_hour(before: int, before_at: datetime, after: int, after_at: datetime) -> float | None:
    """(after - before) per hour between two measurements; None when no time passed."""
    hours = (after_at - before_at) / HOUR
    if hours <= 0:
        return None
    return (after - before) / hours


def toward(value: float | None, direction: str) -> float | None:
    """A count's change (or rate) as people moving the way the campaign wants: a leave
    campaign's page losing 120 an hour is +120 moved an hour; a join campaign's, −120."""
    if value is None:
        return None
    return -value if direction == Direction.LEAVE else value


def total(values: Iterable[float | None]) -> float | None:
    """The sum of the known values; None when none is known (never a made-up zero)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None

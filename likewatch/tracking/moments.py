"""Moments the store can hold: the one check every reader of a user's date applies.

ISO 8601 allows `0001-01-01T00:00:00+05:00`, five hours before the first moment a datetime can
hold in UTC, and the store keeps UTC. A moment UTC cannot hold names nothing stored; asking the
database about it fails, so readers turn it into a clear "out of range" first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def in_utc(moment: datetime) -> datetime | None:
    """`moment` (aware) in UTC, or None when UTC cannot hold it."""
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def storable(moment: datetime) -> datetime | None:
    """`moment` in UTC, a naive one read as UTC (what the API's users send without an
    offset), or None when UTC cannot hold it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return in_utc(moment)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (a naive datetime is taken as UTC): how packed
    history and raw answers keep a moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int) -> datetime:
    """The moment `micros` gave `us` for (in UTC)."""
    return EPOCH + timedelta(microseconds=us)

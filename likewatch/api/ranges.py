"""Time-range query parameters shared by the history and events endpoints."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Schema
from pydantic import Field

from likewatch.analytics.series import MAX_RANGE, InvalidRange
from likewatch.tracking.moments import in_utc, storable

# After this long, no open span still ends inside a past range.
SETTLED = timedelta(hours=1)


class RangeQuery(Schema):
    start: datetime | None = Field(
        None, description="ISO 8601; without a zone it is UTC. Default: the beginning."
    )
    end: datetime | None = Field(
        None, description="ISO 8601; without a zone it is UTC. Default: now."
    )


class HistoryQuery(RangeQuery):
    resolution: int | None = Field(
        None,
        ge=1,
        le=int(MAX_RANGE.total_seconds()),
        description=(
            "Wanted seconds per bucket (60, 3600, 86400...). The server coarsens it so that "
            "no answer holds more than 1,000 points; the answer says what it used."
        ),
    )


def aware(moment: datetime | None) -> datetime | None:
    """A naive time is read as UTC; a moment that is not a storable UTC time is InvalidRange.

    `0001-01-01T00:00:00+05:00` is a valid ISO 8601 time, but five hours before the first
    moment a datetime can hold in UTC: the database cannot be asked about it.
    """
    if moment is None:
        return None
    utc = storable(moment)
    if utc is None:
        raise InvalidRange(_("The time %(time)s is out of range.") % {"time": moment.isoformat()})
    # In UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601 (and Python) allow.
    return utc


def bounds(query: RangeQuery) -> tuple[datetime | None, datetime | None]:
    """The range as aware datetimes; InvalidRange when it ends before it starts."""
    start, end = aware(query.start), aware(query.end)
    if start and end and end < start:
        raise InvalidRange(_("The range ends before it starts."))
    return start, end


def cache_for_range(request: HttpRequest, end: datetime | None, now: datetime) -> str:
    """Cache-Control for a range: a range that ended a while ago no longer changes (spans
    overlapping it have been sealed or moved on), so shared caches may keep it for a day."""
    if end is not None and end < now - SETTLED:
        return "public, max-age=86400"
    return "public, max-age=30, stale-while-revalidate=30"


__all__ = ["HistoryQuery", "Query", "RangeQuery", "aware", "bounds", "cache_for_range", "in_utc"]

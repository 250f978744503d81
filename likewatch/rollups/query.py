"""Reading rollups for a chart: at most `points` points over any range, from buckets.

A chart `points` wide over a year cannot show minute samples anyway; it shows one point per
group of buckets, with the group's low and high for a band. `series` picks the coarsest grain
that still gives `points` points (days for a year, hours for a week) and merges neighbouring
buckets when there are still too many, so the cost depends on `points`, not on how often the
page was fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from likewatch.rollups.models import Grain, Rollup
from likewatch.tracking.models import Page

GRAIN_LENGTH = {Grain.HOUR: timedelta(hours=1), Grain.DAY: timedelta(days=1)}


@dataclass(frozen=True)
class Point:
    """One chart point: the last value of a group of buckets, and their extremes."""

    at: datetime  # when `value` was measured
    value: int
    low: int
    high: int
    first: int
    first_at: datetime


def grain_for(start: datetime, end: datetime, points: int) -> str | None:
    """The coarsest grain giving at least `points` buckets over the range; None: use raw history.

    None means even hourly buckets would be fewer than the points asked for, so the raw
    history (at most a few hundred spans per hour) is the better source.
    """
    length = end - start
    for grain in (Grain.DAY, Grain.HOUR):
        if length / GRAIN_LENGTH[grain] >= points:
            return grain
    return None


def series(
    page: Page | int, start: datetime, end: datetime, points: int = 1000, grain: str | None = None
) -> list[Point]:
    """At most `points` points summarising `page` between `start` and `end`, oldest first."""
    grain = grain or grain_for(start, end, points) or Grain.HOUR
    page_id = page if isinstance(page, int) else page.pk
    rows = list(
        Rollup.objects.filter(
            page_id=page_id, grain=grain, start__gte=_floor(grain, start), start__lt=end
        )
        .order_by("start")
        .values_list("first", "first_at", "last", "last_at", "low", "high")
    )
    if not rows:
        return []
    size = max(1, math.ceil(len(rows) / max(1, points)))
    result = []
    for index in range(0, len(rows), size):
        group = rows[index : index + size]
        result.append(
            Point(
                at=group[-1][3],
                value=group[-1][2],
                low=min(r[4] for r in group),
                high=max(r[5] for r in group),
                first=group[0][0],
                first_at=group[0][1],
            )
        )
    return result


def _floor(grain: str, at: datetime) -> datetime:
    from likewatch.rollups.update import bucket_start

    return bucket_start(grain, at)

"""A page's points over a time range at a resolution: what every chart, card and API reads.

This is the single entry point for drawing a page's history. Requests read the page's spans
(`likewatch.tracking.records`: compressed segments, decoded column-wise, and the tail's rows)
and downsample them on the fly (see `downsample`). Coarse requests (buckets of half a day or
more: any range longer than about eight months at MAX_BUCKETS buckets) read the daily rollups
instead (`likewatch.rollups`), which keep each day's lowest and highest value and when they
were first seen: the same envelope, from 365 rows for a year instead of 525,600 spans of
minute samples. Such buckets are widened to whole days.

A span of identical values becomes two points, where it was first and last seen, clipped to
the range. Hidden counts become gap points (value None); failed fetches become gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.analytics.downsample import MAX_BUCKETS, Point, bucket_width, min_max
from likewatch.analytics.envelope import envelope
from likewatch.analytics.tail_envelope import tail_envelope
from likewatch.rollups.models import Grain, Rollup
from likewatch.rollups.update import bucket_start
from likewatch.tracking import records
from likewatch.tracking.models import Page

# Longest range a request may ask for; far beyond any real history, it only keeps arithmetic
# on datetimes safe.
MAX_RANGE = timedelta(days=366 * 50)
GRAIN_SECONDS = {Grain.HOUR: 3600, Grain.DAY: 86400}


class InvalidRange(ValueError):
    """The requested range or resolution cannot be answered (the message says why)."""


class SeriesPoint(NamedTuple):
    """One point of a chart: `t` seconds since the epoch (a whole number of microseconds),
    its value (None: a gap). The moment stays a number until someone asks for `at`: the API
    writes it straight from the seconds (likewatch.api.json_times), and a datetime per point
    cost a day's chart a fifth of its server time."""

    t: float
    value: int | None

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.t, tz=UTC)


@dataclass
class Series:
    """Points of one page between `start` and `end`, `resolution` seconds per bucket."""

    page_id: int
    start: datetime
    end: datetime
    resolution: int
    points: list[SeriesPoint] = field(default_factory=list)
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)


def default_start(page: Page) -> datetime:
    """Where a page's history begins: its first measurement, else when it was added."""
    first = next(records.spans(page), None)
    return first.first_seen if first is not None else page.created_at


def default_end(page: Page) -> datetime:
    """Where a page's history ends: its newest record (now when it has none). Answers for
    "until now" then only change when the history does, so their ETags hold."""
    moments = [m for m in (page.last_success_at, page.last_error_at) if m is not None]
    return max(moments) if moments else timezone.now()


def page_series(
    page: Page,
    start: datetime | None = None,
    end: datetime | None = None,
    resolution: int | None = None,
) -> Series:
    """The page's points between `start` and `end` (default: all of its history).

    `resolution` is the wanted bucket width in seconds; it is coarsened when needed so that
    the answer never holds more than 2 * MAX_BUCKETS points. Raises InvalidRange for an
    inverted or absurd range or resolution.
    """
    end = end or default_end(page)
    start = start or min(default_start(page), end)
    _check(start, end, resolution)
    width = bucket_width(start.timestamp(), end.timestamp(), resolution)
    grain = _rollup_grain(page, start, width)
    if grain is not None:
        width = _whole(width, GRAIN_SECONDS[grain])
        source = _rollup_points(page, start, end, grain, width)
    else:
        source = min_max(_span_points(page, start, end, width), width)
    points = [SeriesPoint(t, None if value is None else int(value)) for t, value in source]
    return Series(
        page_id=page.pk,
        start=start,
        end=end,
        resolution=width,
        points=points,
        gaps=_gaps(page, start, end, width),
    )


def _check(start: datetime, end: datetime, resolution: int | None) -> None:
    if end < start:
        raise InvalidRange(_("The range ends before it starts."))
    if end - start > MAX_RANGE:
        raise InvalidRange(_("The range is longer than 50 years."))
    if resolution is not None and not 1 <= resolution <= MAX_RANGE.total_seconds():
        raise InvalidRange(_("The resolution must be between 1 second and 50 years."))


def _span_points(
    page: Page, start: datetime, end: datetime, width: int
) -> Iterator[tuple[float, int | None]]:
    """What `min_max` reads in `width`-second buckets: the segments' spans as points, and
    the tail's candidates grouped by the database (`tail_envelope`), in time order (a
    backfill in the tail among the segments' points: `records.interleave`)."""
    # The tail first (see `records.records` on compaction meanwhile).
    tail, oldest_seq = tail_envelope(page.pk, start, end, width)
    runs = (
        list(_clipped(spans, start, end))
        for spans in records.segment_span_points(page, start, end, below_seq=oldest_seq)
    )
    return records.interleave(runs, tail)


def _clipped(
    spans: Iterable[tuple[float, float, int | None]], start: datetime, end: datetime
) -> Iterator[tuple[float, int | None]]:
    # Every time here is a whole number of microseconds divided by 1e6 (the store keeps
    # microseconds), which is already the float closest to that decimal: no rounding needed.
    low, high = start.timestamp(), end.timestamp()
    for first_seen, last_seen, value in spans:
        begin = first_seen if first_seen > low else low
        finish = last_seen if last_seen < high else high
        # Plain tuples, not Points: `min_max` unpacks them, and a named tuple costs a Python
        # call each.
        yield (begin, value)
        if finish > begin:
            yield (finish, value)


def _rollup_grain(page: Page, start: datetime, width: int) -> str | None:
    """The rollup grain to draw from, or None to read the spans.

    Daily rollups serve buckets of half a day or more, and only when they cover the page's
    history from the range's start (a history recorded before rollups existed, and not rebuilt
    since, is read from the spans).
    """
    if width < GRAIN_SECONDS[Grain.DAY] // 2:
        return None
    grain = Grain.DAY
    # One look at the rollups (their first bucket through the index, the newest moment they
    # hold among one row a day) instead of four queries for the newest span and the first
    # bucket: the rollups are fed every fetch that measured a value, so the newest moment they
    # hold is the newest known span's last sighting.
    extent = Rollup.objects.filter(page=page, grain=grain).aggregate(
        bucket=Min("start"), newest=Max("last_at")
    )
    bucket, newest = extent["bucket"], extent["newest"]
    if bucket is None or newest < start:
        return None  # nothing to draw, hidden counts only, or not yet rolled up: the spans
    if bucket <= bucket_start(grain, start):
        return grain  # the usual case
    # The rollups begin inside the range: they serve it if no value was seen before them.
    # (Usually the range starts before the history: the first span is the first one read.)
    span = next((s for s in records.spans(page, start=start) if s.value is not None), None)
    first = span.first_seen if span is not None else start
    return grain if bucket <= bucket_start(grain, max(first, start)) else None


def _whole(width: int, unit: int) -> int:
    # Rollup buckets are whole hours or days since the epoch: coarsen the width to a multiple
    # of them, so every chart bucket is made of whole rollup buckets.
    return -(-width // unit) * unit


def _rollup_points(
    page: Page, start: datetime, end: datetime, grain: str, width: int
) -> list[Point]:
    """What `min_max` keeps of the rollups' extremes, from one row per bucket (`envelope`)."""
    low, high = start.timestamp(), end.timestamp()
    points = []
    for low_value, low_at, high_value, high_at in envelope(
        page.pk, grain, bucket_start(grain, start), end, width
    ):
        # Each bucket gives its two extremes where they were first seen, clipped to the range.
        low_at = round(min(max(low_at, low), high), 6)
        high_at = round(min(max(high_at, low), high), 6)
        if low_value == high_value:
            points.append(Point(low_at, low_value))
        elif high_at < low_at:
            points += [Point(high_at, high_value), Point(low_at, low_value)]
        else:
            points += [Point(low_at, low_value), Point(high_at, high_value)]
    return points


def _gaps(
    page: Page, start: datetime, end: datetime, width: int
) -> list[tuple[datetime, datetime]]:
    """Failed fetches in the range, merged when closer than one bucket (a chart cannot tell
    them apart), so a page failing for a year answers with few gaps, not thousands."""
    gaps: list[tuple[datetime, datetime]] = []
    merge = timedelta(seconds=max(width, page.interval * 1.5))
    # Two plain queries (the tail's failures, the segments holding failures), not the record
    # stream's server-side cursor: three round trips on PostgreSQL for the day's few segments.
    for at in (f.at for f in records.failures_many([page.pk], start, end)):
        if gaps and at - gaps[-1][1] <= merge:
            gaps[-1] = (gaps[-1][0], at)
        else:
            gaps.append((at, at))
    return gaps


__all__ = [
    "MAX_BUCKETS",
    "InvalidRange",
    "Series",
    "SeriesPoint",
    "default_end",
    "default_start",
    "page_series",
]

"""Fewer points that still draw the same chart: the lowest and highest point of each bucket.

A chart a few hundred pixels wide cannot show a year of minute samples, and averaging them
would erase exactly what matters (a sudden purge, a burst of bought likes). Keeping, for each
time bucket, the point with the lowest value and the point with the highest value, in the order
they happened, draws the same envelope as the full series: every peak and every trough survives.
Buckets are aligned on multiples of their width since the Unix epoch, so the same request
always cuts the same buckets and answers can be cached.

The functions stream: they read their input once and hold only one bucket at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from math import ceil
from typing import NamedTuple

# At most two points per bucket: a chart receives at most 2 * MAX_BUCKETS points.
MAX_BUCKETS = 500


class Point(NamedTuple):
    """One point of a series: seconds since the epoch and a value (None: a gap).

    A named tuple, not a dataclass: a year of minutes makes a million of them."""

    t: float
    value: float | None


def bucket_width(start: float, end: float, requested: float | None = None) -> int:
    """The bucket width in seconds: the requested one, coarsened so there are at most
    MAX_BUCKETS buckets between `start` and `end` (whole seconds, at least one)."""
    span = max(0.0, end - start)
    # Buckets are aligned on the epoch, not on `start`: a range cut into n widths can touch
    # n + 1 buckets, hence MAX_BUCKETS - 1.
    needed = ceil(span / (MAX_BUCKETS - 1)) if span else 1
    return max(1, int(ceil(requested or 1)), needed)


def min_max(points: Iterable[Point], width: int) -> Iterator[Point]:
    """Keep the lowest and highest point of each `width`-second bucket, in time order.

    `points` must come in time order; any (seconds, value) pairs will do (plain tuples are
    cheapest: a day's chart makes a couple of thousand of them per request).
    A bucket holding only gaps (value None) keeps one gap point so the chart still breaks
    its line there; a bucket with values drops its gaps.
    Of equal values, the first is kept.
    """
    # One loop with everything in local names: a day's chart passes a couple of thousand
    # points through here on every request, a year's from the spans a million.
    current = None
    low = high = gap = None
    low_value = high_value = 0.0
    for point in points:
        t, value = point
        bucket = t // width
        if bucket != current:
            if low is not None:
                yield from _ordered(low, high)
            elif gap is not None:
                yield gap
            current, low, high, gap = bucket, None, None, None
        if value is None:
            if gap is None:
                gap = point
        elif low is None:
            low = high = point
            low_value = high_value = value
        elif value < low_value:
            low, low_value = point, value
        elif value > high_value:
            high, high_value = point, value
    if low is not None:
        yield from _ordered(low, high)
    elif gap is not None:
        yield gap


def _ordered(low: Point, high: Point) -> tuple[Point, ...]:
    if low is high:
        return (low,)
    return (low, high) if low[0] <= high[0] else (high, low)

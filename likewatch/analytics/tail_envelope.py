"""A chart's envelope of the history's tail (rows not compacted yet), grouped by the database.

Compaction usually leaves a page a tail of a few rows, but a history imported or migrated and
not compacted yet may hold a year of minute rows there (525,600). Handing each row to Python,
parsing its two timestamps and passing it through `downsample.min_max` cost about 18 µs a
span (9.6 s for such a year, measured); the database groups the rows into the chart's buckets
itself and sends at most three points per bucket: its lowest point, its highest point (the
earliest of equal ones) and, for a bucket of hidden counts only, its first gap point. Fed to
`min_max` among the segments' points, they make it keep exactly what it keeps from every row,
since what it keeps of a bucket is among them.

Times are whole microseconds since the epoch in the SQL, so buckets are cut exactly where
`min_max` cuts them (`t // width` on the seconds), and spans are clipped to the range as
`series` clips them: a span gives a point where it was first seen and, if later, one where it
was last seen.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

from likewatch.analytics.downsample import Point
from likewatch.tracking.models import Observation

# Microseconds since the epoch of a timestamp column, exact: SQLite holds Django's UTC text
# "YYYY-MM-DD HH:MM:SS[.ffffff]" (the fraction, when present, has six digits); PostgreSQL's
# EXTRACT gives an exact numeric.
MICROSECONDS = {
    "sqlite": (
        "(CAST(strftime('%%s', substr({0}, 1, 19)) AS INTEGER) * 1000000"
        " + CAST(substr({0} || '000000', 21, 6) AS INTEGER))"
    ),
    "postgresql": "CAST(EXTRACT(EPOCH FROM {0}) * 1000000 AS BIGINT)",
}


def _floor_div(numerator: str, denominator: str) -> str:
    # Integer division rounding down, as Python's //, for moments before 1970 too (SQL's
    # integer division rounds toward zero).
    return (
        f"(CASE WHEN {numerator} >= 0 THEN {numerator} / {denominator} "
        f"ELSE -((-{numerator} + {denominator} - 1) / {denominator}) END)"
    )


def tail_envelope(
    page_id: int, start: datetime, end: datetime, width: int
) -> tuple[list[Point], int | None]:
    """The tail's candidate points for `min_max` in `width`-second buckets over [start, end],
    in time order, and the lowest seq of the tail's spans in the range (None: none there).

    Two passes over the rows in the range, through the (page, first_seen) index: the first
    finds each bucket's extremes, the second when each was first reached.
    """
    q = connection.ops.quote_name
    table = q(Observation._meta.db_table)
    micro = MICROSECONDS[connection.vendor]
    first, last = micro.format(q("first_seen")), micro.format(q("last_seen"))
    begin = "CASE WHEN s.f > %(lo)s THEN s.f ELSE %(lo)s END"
    finish = "CASE WHEN s.l < %(hi)s THEN s.l ELSE %(hi)s END"
    bucket = _floor_div("p.t", "%(w)s")
    sql = (
        "WITH s AS MATERIALIZED ("
        f"SELECT {q('seq')} AS seq, {q('value')} AS v, {first} AS f, {last} AS l "
        f"FROM {table} WHERE {q('page_id')} = %(page)s "
        f"AND {q('last_seen')} >= %(start)s AND {q('first_seen')} <= %(end)s), "
        "p AS MATERIALIZED ("
        f"SELECT v, {begin} AS t FROM s "
        f"UNION ALL SELECT v, {finish} AS t FROM s WHERE {finish} > {begin}), "
        f"b AS MATERIALIZED (SELECT {bucket} AS k, v, t FROM p), "
        "g AS MATERIALIZED (SELECT k, MIN(v) AS lo, MAX(v) AS hi, "
        "MIN(CASE WHEN v IS NULL THEN t END) AS gap FROM b GROUP BY k) "
        "SELECT g.k, g.lo, MIN(CASE WHEN b.v = g.lo THEN b.t END), "
        "g.hi, MIN(CASE WHEN b.v = g.hi THEN b.t END), g.gap, "
        "(SELECT MIN(seq) FROM s) "
        "FROM g JOIN b ON b.k = g.k GROUP BY g.k, g.lo, g.hi, g.gap ORDER BY g.k"
    )
    at = connection.ops.adapt_datetimefield_value
    params = {
        "page": page_id,
        "start": at(start),
        "end": at(end),
        "lo": _micro(start),
        "hi": _micro(end),
        "w": width * 1_000_000,
    }
    points: list[Point] = []
    oldest_seq = None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _bucket, low, low_at, high, high_at, gap_at, seq in cursor:
            oldest_seq = seq
            if low is None:
                points.append(Point(gap_at / 1e6, None))
                continue
            # The earliest first: min_max keeps the first of equal values.
            if high_at < low_at:
                points += [Point(high_at / 1e6, high), Point(low_at / 1e6, low)]
            else:
                points += [Point(low_at / 1e6, low), Point(high_at / 1e6, high)]
    return points, oldest_seq


def _micro(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds

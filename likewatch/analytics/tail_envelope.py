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

import sqlite3
from datetime import UTC, datetime

from django.db import connection

from likewatch.analytics.downsample import Point
from likewatch.tracking.models import Observation

# Microseconds since the epoch of a timestamp column, exact: SQLite holds Django's UTC text
# "YYYY-MM-DD HH:MM:SS[.ffffff]" (the fraction, when present, has six digits); PostgreSQL's
# EXTRACT gives an exact numeric. SQLite's unixepoch() (3.38 and later) reads the seconds five
# times faster than strftime('%s') (0.11 s against 0.57 s for a year of minutes' two columns).
MICROSECONDS = {
    "sqlite": "({seconds} * 1000000 + CAST(substr({0} || '000000', 21, 6) AS INTEGER))",
    "postgresql": "CAST(EXTRACT(EPOCH FROM {0}) * 1000000 AS BIGINT)",
}
SQLITE_SECONDS = {
    True: "unixepoch({0})",
    False: "CAST(strftime('%%s', substr({0}, 1, 19)) AS INTEGER)",
}


def _micro_sql(column: str) -> str:
    if connection.vendor == "sqlite":
        seconds = SQLITE_SECONDS[sqlite3.sqlite_version_info >= (3, 38)].format(column)
        return MICROSECONDS["sqlite"].format(column, seconds=seconds)
    return MICROSECONDS[connection.vendor].format(column)


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
    first, last = _micro_sql(q("first_seen")), _micro_sql(q("last_seen"))
    begin = f"(CASE WHEN {first} > %(lo)s THEN {first} ELSE %(lo)s END)"
    finish = f"(CASE WHEN {last} < %(hi)s THEN {last} ELSE %(hi)s END)"
    rows = (
        f"FROM {table} WHERE {q('page_id')} = %(page)s "
        f"AND {q('last_seen')} >= %(start)s AND {q('first_seen')} <= %(end)s"
    )
    value, seq = q("value"), q("seq")
    # Each span's point where it was first seen, and where it was last seen if later (most
    # spans of a busy page were seen once: the text comparison skips them cheaply).
    points = (
        f"SELECT {seq} AS seq, {value} AS v, {begin} AS t {rows} UNION ALL "
        f"SELECT {seq}, {value}, {finish} {rows} "
        f"AND {q('last_seen')} > {q('first_seen')} AND {finish} > {begin}"
    )
    sql = (
        f"WITH p AS MATERIALIZED ({points}), "
        f"b AS MATERIALIZED (SELECT {_floor_div('t', '%(w)s')} AS k, v, t, seq FROM p), "
        "g AS MATERIALIZED (SELECT k, MIN(v) AS lo, MAX(v) AS hi, "
        "MIN(CASE WHEN v IS NULL THEN t END) AS gap, MIN(seq) AS seq FROM b GROUP BY k) "
        # A bucket's gap point is kept only when it has no value: then no row joins, and the
        # LEFT JOIN keeps the bucket.
        "SELECT g.lo, MIN(CASE WHEN b.v = g.lo THEN b.t END), "
        "g.hi, MIN(CASE WHEN b.v = g.hi THEN b.t END), g.gap, g.seq "
        "FROM g LEFT JOIN b ON b.k = g.k AND (b.v = g.lo OR b.v = g.hi) "
        "GROUP BY g.k, g.lo, g.hi, g.gap, g.seq ORDER BY g.k"
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
        for low, low_at, high, high_at, gap_at, seq in cursor:
            oldest_seq = seq if oldest_seq is None else min(oldest_seq, seq)
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

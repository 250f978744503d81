"""A chart's envelope from the rollups, grouped by the database.

A chart of a year reads 8,760 hourly rollups but draws at most 500 buckets. The database
groups the rollups into the chart's buckets (whole multiples of the rollup grain, aligned on
the epoch like every bucket in `downsample`) and sends one row per bucket: its lowest value,
its highest, and the moment each was first seen. That is what `downsample.min_max` keeps when
fed every rollup's two extremes in time order, without building 17,520 points in Python.

A bucket's lowest value can only come from rollups whose own low equals it (a rollup's high is
never below its low), and the rollups of a bucket follow each other in time: the moment wanted
is the one that rollup kept, found through the (page, grain, start) index. (A rollup whose low
equals its high saw one value only, first at the moment kept as both.)
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from likewatch.analytics.epoch import epoch_sql
from likewatch.rollups.models import Rollup

# Seconds since the epoch of a rollup's `start`, a whole hour. On SQLite, julianday() reads the
# text several times faster than strftime('%s'); rounding takes away its float's error.
EPOCH_SECONDS = {
    "sqlite": "CAST(ROUND((julianday({0}) - 2440587.5) * 86400) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM {0}) AS BIGINT)",
}


def envelope(
    page_id: int, grain: str, first: datetime, end: datetime, width: int
) -> list[tuple[int, float, int, float]]:
    """(low, low_at, high, high_at) of each `width`-second bucket holding rollups of `grain`
    that start between `first` and `end`, oldest first.

    `width` must be a whole number of rollup buckets. The moments are seconds since the epoch,
    as the rollups hold them (not clipped to any range). Where the extremes are equal, both
    moments are the same one.
    """
    q = connection.ops.quote_name
    table = q(Rollup._meta.db_table)
    start = q("start")
    rows = f"{q('page_id')} = %s AND {q('grain')} = %s"

    def moment(column: str) -> str:
        # Buckets written before the moments were kept fall back to the bucket's first fetch.
        return epoch_sql(f"COALESCE({q(column)}, {q('first_at')})")

    def first_seen(extreme: str, column: str) -> str:
        return (
            f"(SELECT {moment(column + '_at')} FROM {table} WHERE {rows} AND {start} >= g.s0 "
            f"AND {start} <= g.s1 AND {q(column)} = g.{extreme} ORDER BY {start} LIMIT 1)"
        )

    bucket = EPOCH_SECONDS[connection.vendor].format(start) + " / %s"
    sql = (
        f"SELECT g.lo, {first_seen('lo', 'low')}, "
        f"g.hi, {first_seen('hi', 'high')} "
        f"FROM (SELECT MIN({start}) AS s0, MAX({start}) AS s1, "
        f"MIN({q('low')}) AS lo, MAX({q('high')}) AS hi FROM {table} "
        f"WHERE {rows} AND {start} >= %s AND {start} <= %s GROUP BY {bucket}) g "
        "ORDER BY g.s0"
    )
    at = connection.ops.adapt_datetimefield_value
    params = [page_id, grain, page_id, grain, page_id, grain, at(first), at(end), width]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(lo, float(lo_at), hi, float(hi_at)) for lo, lo_at, hi, hi_at in cursor]

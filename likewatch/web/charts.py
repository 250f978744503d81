"""A page's history as chart points: what uPlot draws on the board and the page history.

A span (one value, first and last seen) becomes two points, so a long stable span draws as a
flat line; a failed fetch becomes a gap (None), never a value. Hidden counts are gaps too, and
so is a stretch of time nobody measured (a backfilled year before tracking began, a poller that
was stopped for a day): a line drawn across it would claim a value nobody saw.
Long histories are thinned to at most `max_points` by keeping, in each time bucket, the lowest
and the highest value: a chart then still shows every peak and trough of the campaign.
"""

from __future__ import annotations

from datetime import datetime

from likewatch.tracking import records as history_records
from likewatch.tracking.models import Page
from likewatch.tracking.records import Span

Point = tuple[int, int | None]

# Time between two records is "unmeasured" when it is longer than this many times the spacing
# on either side of it (and longer than UNMEASURED_MIN): minute fetches, daily imports and a
# page's own pace all keep their lines, a year between an import and the first fetch does not.
UNMEASURED_FACTOR = 3
UNMEASURED_MIN = 3600

# A board chart is a few hundred pixels wide: more points than this only cost bytes.
BOARD_POINTS = 240
HISTORY_POINTS = 1000


def page_points(
    page: Page,
    since: datetime | None = None,
    until: datetime | None = None,
    max_points: int = BOARD_POINTS,
) -> list[Point]:
    """(unix seconds, value or None) in time order, at most about `max_points` of them."""
    return pages_points([page.pk], since, until, max_points).get(page.pk, [])


def pages_points(
    page_ids: list[int],
    since: datetime | None = None,
    until: datetime | None = None,
    max_points: int = BOARD_POINTS,
) -> dict[int, list[Point]]:
    """`page_points` of many pages in a fixed number of queries (a board's charts), by id."""
    records: dict[int, list[tuple[int, datetime, datetime, int | None]]] = {
        pk: [] for pk in page_ids
    }
    for pk, rows in history_records.many(page_ids, start=since).items():
        for r in rows:
            if until is not None and r.at > until:
                continue
            if isinstance(r, Span):
                records[pk].append(
                    (
                        r.seq,
                        max(r.first_seen, since) if since else r.first_seen,
                        r.last_seen,
                        r.value,
                    )
                )
            else:
                records[pk].append((r.seq, r.at, r.at, None))
    return {pk: _points(rows, max_points) for pk, rows in records.items()}


def _points(records: list, max_points: int) -> list[Point]:
    # By time, then seq: a backfill numbers old counts after new ones.
    records.sort(key=lambda r: (r[1], r[0]))
    unmeasured = _unmeasured_after(records)
    points: list[Point] = []
    for index, (_seq, first, last, value) in enumerate(records):
        points.append((int(first.timestamp()), value))
        if last > first and value is not None:
            points.append((int(last.timestamp()), value))
        if index in unmeasured:
            following = records[index + 1][1]
            points.append((int((last.timestamp() + following.timestamp()) / 2), None))
    return thin(points, max_points)


def _unmeasured_after(records: list) -> set[int]:
    """Indexes of the records followed by time that no fetch or import measured."""
    gaps = [(records[i + 1][1] - records[i][2]).total_seconds() for i in range(len(records) - 1)]
    unmeasured = set()
    for i, gap in enumerate(gaps):
        around = max(gaps[i - 1] if i > 0 else 0, gaps[i + 1] if i + 1 < len(gaps) else 0)
        if gap > UNMEASURED_MIN and gap > UNMEASURED_FACTOR * around:
            unmeasured.add(i)
    return unmeasured


def thin(points: list[Point], max_points: int) -> list[Point]:
    """Keep at most about `max_points`: per time bucket its extremes, and one gap if it had any."""
    if len(points) <= max_points or max_points < 4:
        return points
    buckets = max_points // 2
    start, end = points[0][0], points[-1][0]
    width = max(1, (end - start) / buckets)
    kept: list[Point] = []
    bucket: list[Point] = []
    current = 0
    for point in points:
        index = min(buckets - 1, int((point[0] - start) / width))
        if index != current and bucket:
            kept += _extremes(bucket)
            bucket = []
        current = index
        bucket.append(point)
    kept += _extremes(bucket)
    # The newest point is what the board's headline shows: never thin it away.
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def _extremes(bucket: list[Point]) -> list[Point]:
    known = [p for p in bucket if p[1] is not None]
    gap = [next(p for p in bucket if p[1] is None)] if len(known) < len(bucket) else []
    if not known:
        return gap
    low = min(known, key=lambda p: p[1])
    high = max(known, key=lambda p: p[1])
    chosen = {low, high, *gap}
    return sorted(chosen, key=lambda p: (p[0], p[1] is not None))


def columns(points: list[Point]) -> list[list]:
    """uPlot's column layout: [[x...], [y...]]."""
    return [[p[0] for p in points], [p[1] for p in points]]

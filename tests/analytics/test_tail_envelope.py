"""The tail grouped by the database draws exactly what every span through min_max drew.

The previous way, kept here as the reference: every span of the range (segments and tail, as
`records.span_points` gives them) clipped to the range and passed through `min_max`.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.analytics.downsample import Point, bucket_width, min_max
from likewatch.analytics.series import page_series
from likewatch.analytics.tail_envelope import tail_envelope
from likewatch.tracking import records, segments
from likewatch.tracking.models import Observation, Page

T0 = datetime(2026, 3, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def every_span(page, start, end, width) -> list[tuple[datetime, int | None]]:
    low, high = start.timestamp(), end.timestamp()

    def points():
        for first_seen, last_seen, value in records.span_points(page, start, end):
            begin, finish = max(first_seen, low), min(last_seen, high)
            yield Point(begin, value)
            if finish > begin:
                yield Point(finish, value)

    return [(datetime.fromtimestamp(p.t, tz=UTC), p.value) for p in min_max(points(), width)]


def drawn(page, start, end, resolution) -> tuple[list, int]:
    series = page_series(page, start, end, resolution)
    return [(p.at, p.value) for p in series.points], series.resolution


def store(page, spans, compacted: int = 0) -> None:
    """Spans (value or None, seconds since the previous one ended, seconds it lasted), the
    first `compacted` of them moved into segments as compaction would have moved them."""
    at, rows = T0, []
    for seq, (value, pause, length) in enumerate(spans, start=1):
        first = at + timedelta(seconds=pause)
        at = first + timedelta(seconds=length)
        rows.append(Observation(page=page, seq=seq, value=value, first_seen=first, last_seen=at))
    Observation.objects.bulk_create(rows)
    if compacted:
        # Compaction packs every record but the newest: make the newest `compacted + 1`.
        Page.objects.filter(pk=page.pk).update(last_seq=compacted + 1)
        segments.compact([page.pk], keep=0)
    Page.objects.filter(pk=page.pk).update(last_seq=len(spans))
    page.refresh_from_db()


# Few distinct values, so extremes tie often; moments to the microsecond, some on the minute.
seconds = st.one_of(
    st.sampled_from([0.0, 1.0, 59.0, 60.0]), st.floats(0, 900).map(lambda s: round(s, 6))
)
values = st.one_of(st.integers(0, 4), st.none())
spans = st.lists(st.tuples(values, seconds, seconds), min_size=1, max_size=80)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spans=spans,
    compacted=st.integers(0, 80),
    offset=st.integers(-3600, 6 * 3600),
    length=st.integers(1, 12 * 3600),
    resolution=st.integers(1, 3 * 3600),
)
def test_the_database_groups_the_tail_as_min_max_did(spans, compacted, offset, length, resolution):
    Page.objects.all().delete()
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, spans, min(compacted, len(spans) - 1))
    start = T0 + timedelta(seconds=offset)
    end = start + timedelta(seconds=length)
    points, width = drawn(page, start, end, resolution)
    assert points == every_span(page, start, end, width)


def test_a_page_with_one_span():
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, [(7, 0, 600)])
    points, _ = drawn(page, T0 - timedelta(hours=1), T0 + timedelta(hours=1), 60)
    assert points == [(T0, 7), (T0 + timedelta(seconds=600), 7)]


def test_a_range_inside_one_bucket_keeps_its_lowest_and_highest_in_time_order():
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, [(5, 0, 0), (9, 10, 0), (2, 10, 0), (9, 10, 0), (2, 10, 0)])
    points, width = drawn(page, T0, T0 + timedelta(seconds=50), 3600)
    assert width == 3600
    # The earliest of equal extremes: the 9 at 10 s, the 2 at 20 s.
    assert points == [(T0 + timedelta(seconds=10), 9), (T0 + timedelta(seconds=20), 2)]


def test_a_bucket_of_hidden_counts_only_is_one_gap_point():
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, [(5, 0, 0), (None, 3600, 60), (None, 60, 60), (6, 3600, 0)])
    points, _ = drawn(page, T0, T0 + timedelta(hours=3), 3600)
    assert points == [
        (T0, 5),
        (T0 + timedelta(hours=1), None),
        (T0 + timedelta(hours=2, minutes=3), 6),
    ]


def test_a_range_given_in_another_time_zone_draws_the_same_points():
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, [(v % 5, 30, 30) for v in range(200)], compacted=120)
    start, end = T0 + timedelta(minutes=7), T0 + timedelta(hours=3)
    casablanca = timezone(timedelta(hours=1))
    assert drawn(page, start.astimezone(casablanca), end.astimezone(casablanca), 300) == drawn(
        page, start, end, 300
    )
    assert drawn(page, start, end, 300)[0] == every_span(page, start, end, 300)


def test_a_long_tail_costs_one_query_and_few_rows():
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store(page, [(v % 97, 0, 60) for v in range(5000)])
    start, end = T0, T0 + timedelta(days=4)
    width = bucket_width(start.timestamp(), end.timestamp(), 3600)
    with CaptureQueriesContext(connection) as queries:
        candidates, oldest_seq = tail_envelope(page.pk, start, end, width)
    assert len(queries) == 1
    assert oldest_seq == 1
    # At most two candidates a bucket instead of two points a span.
    assert len(candidates) <= 2 * (end - start).total_seconds() // width + 2


def test_both_ways_of_reading_sqlite_seconds_agree():
    # unixepoch() where SQLite has it (3.38+), strftime('%s') before: the same seconds.
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's two ways only")
    from likewatch.analytics.tail_envelope import SQLITE_SECONDS

    moments = ["1969-12-31 23:59:59", "2016-03-12 12:00:00.000001", "2038-01-19 03:14:08.5"]
    with connection.cursor() as cursor:
        for moment in moments:
            found = set()
            for sql in SQLITE_SECONDS.values():
                cursor.execute("SELECT " + sql.format("%s"), [moment])
                found.add(cursor.fetchone()[0])
            expected = int(datetime.fromisoformat(moment).replace(tzinfo=UTC).timestamp() // 1)
            assert found == {expected}


def test_a_backfill_in_the_tail_goes_among_the_segments_points():
    # Compacted recent minutes, then an archive's older counts still in the tail: they are the
    # newest seqs but the oldest moments.
    from likewatch.sources.base import Count
    from likewatch.tracking.history import Entry, record_backfill, record_count
    from likewatch.tracking.models import Provenance

    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    for minute in range(600):
        record_count(page, Count(1000 + minute % 37), T0 + timedelta(minutes=minute))
    segments.compact([page.pk], keep=0)
    older = [T0 - timedelta(minutes=30 * n) for n in range(20, 0, -1)]
    record_backfill(
        [
            Entry(page, Count(900 + n), at, provenance=Provenance.IMPORTED)
            for n, at in enumerate(older)
        ]
    )
    start, end = T0 - timedelta(hours=12), T0 + timedelta(hours=10)
    for resolution in (60, 600, 3600):
        points, width = drawn(page, start, end, resolution)
        assert points == every_span(page, start, end, width)
        assert points[0][1] == 900  # the archive's oldest count leads


def store_backfilled(page, spans, cuts, compacted: int) -> None:
    """Spans as `store` lays them out in time, but written as a history and its backfills
    are: the newest run first, then each older run after it (older counts, newer seqs); the
    first `compacted` seqs moved into segments. A run may end at the moment the next begins."""
    at, laid = T0, []
    for value, pause, length in spans:
        first = at + timedelta(seconds=pause)
        at = first + timedelta(seconds=length)
        laid.append((value, first, at))
    edges = sorted({0, len(laid), *(c for c in cuts if 0 < c < len(laid))})
    runs = [laid[a:b] for a, b in zip(edges, edges[1:], strict=False)]
    rows = []
    for seq, (value, first, last) in enumerate((s for run in reversed(runs) for s in run), 1):
        rows.append(Observation(page=page, seq=seq, value=value, first_seen=first, last_seen=last))
    Observation.objects.bulk_create(rows)
    if compacted:
        Page.objects.filter(pk=page.pk).update(last_seq=compacted + 1)
        segments.compact([page.pk], keep=0)
    Page.objects.filter(pk=page.pk).update(last_seq=len(rows))
    page.refresh_from_db()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spans=st.lists(st.tuples(values, seconds, seconds), min_size=1, max_size=40),
    cuts=st.lists(st.integers(1, 39), max_size=3),
    compacted=st.integers(0, 40),
    offset=st.integers(-3600, 3 * 3600),
    length=st.integers(1, 6 * 3600),
    resolution=st.integers(1, 3600),
)
def test_both_readers_of_a_backfilled_history_agree_with_the_records(
    spans, cuts, compacted, offset, length, resolution, monkeypatch
):
    """The chart's two ways through `records.interleave` (every span, as `span_points` gives
    them; the tail grouped by the database, in `page_series`) give the spans' order the
    records have, backfilled runs in segments or in the tail, equal moments included."""
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 4)  # several segments a run
    Page.objects.all().delete()
    page = Page.objects.create(platform="facebook", platform_id="t", metric="likes")
    store_backfilled(page, spans, cuts, min(compacted, len(spans) - 1))
    start = T0 + timedelta(seconds=offset)
    end = start + timedelta(seconds=length)
    listed = [
        (s.first_seen.timestamp(), s.last_seen.timestamp(), s.value)
        for s in records.spans(page, start=start, end=end)
    ]
    assert list(records.span_points(page, start, end)) == listed
    points, width = drawn(page, start, end, resolution)
    assert points == every_span(page, start, end, width)

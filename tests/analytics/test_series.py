"""page_series: a page's spans as points over a range, downsampled, with failures as gaps."""

from datetime import timedelta

import pytest

from likewatch.analytics.downsample import MAX_BUCKETS
from likewatch.analytics.series import InvalidRange, page_series
from tests.sharing_data import START, fail, page, record_hourly

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def test_a_span_becomes_its_first_and_last_sighting():
    p = page("1", "A")
    record_hourly(p, [100, 100, 100, 90])
    series = page_series(p, START, START + 3 * HOUR, 60)
    assert [(pt.at, pt.value) for pt in series.points] == [
        (START, 100),
        (START + 2 * HOUR, 100),
        (START + 3 * HOUR, 90),
    ]
    assert series.resolution == 60


def test_spans_are_clipped_to_the_range():
    p = page("1", "A")
    record_hourly(p, [100, 100, 100, 100])
    series = page_series(p, START + HOUR, START + 2 * HOUR, 60)
    assert [(pt.at, pt.value) for pt in series.points] == [
        (START + HOUR, 100),
        (START + 2 * HOUR, 100),
    ]


def test_hidden_counts_are_gap_points_and_failures_are_merged_gaps():
    p = page("1", "A")
    record_hourly(p, [100, None, 80])
    fail(p, START + 3 * HOUR)
    fail(p, START + 3 * HOUR + timedelta(minutes=5))
    fail(p, START + 9 * HOUR)
    series = page_series(p, START, START + 10 * HOUR, 60)
    assert (START + HOUR, None) in [(pt.at, pt.value) for pt in series.points]
    assert series.gaps == [
        (START + 3 * HOUR, START + 3 * HOUR + timedelta(minutes=5)),
        (START + 9 * HOUR, START + 9 * HOUR),
    ]


def test_the_default_range_is_the_whole_history_and_points_stay_under_the_cap():
    p = page("1", "A")
    values = [1000 - h % 7 * 30 + h for h in range(240)]
    record_hourly(p, values)
    series = page_series(p, resolution=1)
    assert series.start == START
    assert len(series.points) <= 2 * MAX_BUCKETS
    assert min(pt.value for pt in series.points) == min(values)
    assert max(pt.value for pt in series.points) == max(values)


@pytest.mark.parametrize(
    ("start", "end", "resolution"),
    [
        (START + HOUR, START, None),
        (START, START + timedelta(days=366 * 51), None),
        (START, START + HOUR, 0),
        (START, START + HOUR, 10**12),
    ],
)
def test_inverted_or_absurd_requests_raise_invalid_range(start, end, resolution):
    with pytest.raises(InvalidRange):
        page_series(page("1", "A"), start, end, resolution)


def test_the_gaps_of_a_chart_take_one_query_from_rows_and_segments():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from likewatch.tracking import segments

    p = page("1", "A")
    record_hourly(p, [100, 101, 102, 103])
    fail(p, START + 4 * HOUR)
    record_hourly(p, [104, 105], START + 5 * HOUR)
    segments.compact([p.pk], keep=2)  # the first failure packed in a segment
    fail(p, START + 7 * HOUR)  # the second a row of the tail
    record_hourly(p, [106], START + 8 * HOUR)
    p.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        series = page_series(p, START, START + 9 * HOUR, 60)
    assert series.gaps == [(START + 4 * HOUR, START + 4 * HOUR), (START + 7 * HOUR,) * 2]
    # The tail's failure rows and the segments holding failures, read together.
    reads = [q["sql"] for q in queries.captured_queries]
    failures = [sql for sql in reads if "fetchfailure" in sql or '"failures" >' in sql]
    assert len(failures) == 1

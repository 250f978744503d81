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

"""A page's history as chart points: spans as flat lines, failures as gaps, thinned with care."""

from datetime import timedelta

from django.utils import timezone

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.web.charts import columns, page_points, thin

from .conftest import make_page


def test_spans_become_flat_lines_and_failures_gaps(pages, campaign):
    telecom = pages[0]
    points = page_points(telecom, max_points=1000)
    values = [v for _, v in points]
    assert values == [100_000, 100_000, 99_000, None, 98_000, 97_000]
    times = [t for t, _ in points]
    assert times == sorted(times)


def test_since_clips_the_span_open_at_the_start(pages, campaign):
    points = page_points(pages[0], since=campaign.starts_at, max_points=1000)
    assert points[0] == (int(campaign.starts_at.timestamp()), 100_000)


def test_until_leaves_out_what_came_after(pages, campaign):
    until = campaign.starts_at + timedelta(minutes=90)
    values = [v for _, v in page_points(pages[0], until=until, max_points=1000)]
    assert values == [100_000, 100_000, 99_000, None]


def test_thinning_keeps_peaks_troughs_gaps_and_the_newest_point():
    points = [(t, 1000 + (t % 7) * 10) for t in range(0, 10_000, 10)]
    points[500] = (points[500][0], 5)  # a trough
    points[700] = (points[700][0], 99_999)  # a peak
    points[300] = (points[300][0], None)  # a failed fetch
    kept = thin(points, 100)
    assert len(kept) <= 110
    values = [v for _, v in kept]
    assert 5 in values and 99_999 in values and None in values
    assert kept[-1] == points[-1]
    assert [t for t, _ in kept] == sorted(t for t, _ in kept)


def test_short_histories_are_left_alone():
    points = [(1, 10), (2, None), (3, 12)]
    assert thin(points, 100) == points
    assert columns(points) == [[1, 2, 3], [10, None, 12]]


def test_time_nobody_measured_is_a_gap_not_a_line(db):
    """Daily counts a year ago, then minute fetches: no line across the months between."""
    page = make_page("Imported", "333")
    day_one = timezone.now().replace(microsecond=0) - timedelta(days=400)
    for day in range(5):
        record_count(page, Count(1_000 + day), day_one + timedelta(days=day))
    tracking_began = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    for minute in range(5):
        record_count(page, Count(2_000 + minute), tracking_began + timedelta(minutes=minute))

    points = page_points(page, max_points=1000)

    values = [v for _, v in points]
    assert values == [1_000, 1_001, 1_002, 1_003, 1_004, None, 2_000, 2_001, 2_002, 2_003, 2_004]
    gap_time = points[5][0]
    assert points[4][0] < gap_time < points[6][0]


def test_an_ordinary_pace_keeps_its_line(db):
    """Hourly counts with one slower hour: every stretch was measured, the line stays whole."""
    page = make_page("Hourly", "444")
    start = timezone.now().replace(microsecond=0) - timedelta(hours=10)
    for hour in [0, 1, 2, 4, 5, 6]:
        record_count(page, Count(5_000 + hour), start + timedelta(hours=hour))
    assert None not in [v for _, v in page_points(page, max_points=1000)]

"""Downsampling keeps the envelope of a series: every peak and trough, in time order."""

import random

from likewatch.analytics.downsample import MAX_BUCKETS, Point, bucket_width, min_max

MINUTE = 60
YEAR = 365 * 24 * 3600


def test_each_bucket_keeps_its_lowest_and_highest_point_in_time_order():
    points = [Point(0, 5), Point(10, 9), Point(20, 1), Point(30, 4), Point(60, 7), Point(70, 7)]
    assert list(min_max(points, 60)) == [Point(10, 9), Point(20, 1), Point(60, 7)]


def test_a_bucket_of_gaps_keeps_one_gap_and_a_bucket_with_values_drops_them():
    points = [Point(0, None), Point(5, 3), Point(60, None), Point(70, None)]
    assert list(min_max(points, 60)) == [Point(5, 3), Point(60, None)]


def test_the_bucket_width_is_coarsened_to_at_most_max_buckets():
    width = bucket_width(0, YEAR, MINUTE)
    assert width == -(-YEAR // (MAX_BUCKETS - 1))
    assert YEAR // width + 1 <= MAX_BUCKETS
    assert bucket_width(0, 3600, MINUTE) == MINUTE
    assert bucket_width(0, 0, None) == 1


def test_a_year_of_minute_samples_answers_with_at_most_1000_points_keeping_extremes():
    rng = random.Random(7)
    value, points = 3_000_000, []
    for t in range(0, YEAR, MINUTE):
        value += rng.randint(-40, 30)
        points.append(Point(t, value))
    # A purge and a burst of bought likes, each lasting one minute.
    points[200_000] = Point(points[200_000].t, 1_000)
    points[400_000] = Point(points[400_000].t, 9_000_000)

    # A range that does not start on a bucket boundary still fits.
    kept = list(min_max(points, bucket_width(0, YEAR, MINUTE)))
    shifted = list(min_max((Point(p.t + 12_345, p.value) for p in points), bucket_width(0, YEAR)))
    assert len(shifted) <= 1000

    assert len(points) == 525_600
    assert len(kept) <= 1000
    assert Point(points[200_000].t, 1_000) in kept
    assert Point(points[400_000].t, 9_000_000) in kept
    assert [p.t for p in kept] == sorted(p.t for p in kept)
    assert min(p.value for p in kept) == min(p.value for p in points)
    assert max(p.value for p in kept) == max(p.value for p in points)

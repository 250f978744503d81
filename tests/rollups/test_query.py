"""Reading a chart's points from rollups: bounded by the points asked, whatever the range."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.rollups import query, update
from likewatch.rollups.models import Grain
from likewatch.tracking.models import Page

T0 = datetime(2025, 1, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return Page.objects.create(platform="facebook", platform_id="1", metric="followers")


def test_the_grain_is_the_coarsest_that_still_fills_the_chart():
    assert query.grain_for(T0, T0 + timedelta(days=365), 300) == Grain.DAY
    assert query.grain_for(T0, T0 + timedelta(days=365), 1000) == Grain.HOUR
    assert query.grain_for(T0, T0 + timedelta(days=2), 1000) is None


def test_a_year_of_hours_comes_back_as_at_most_the_points_asked(page):
    samples = [
        (page.pk, 1000 + h, T0 + timedelta(hours=h, minutes=m))
        for h in range(8760)
        for m in (0, 30)
    ]
    update.add_samples(samples)
    points = query.series(page, T0, T0 + timedelta(days=365), points=1000)
    assert len(points) <= 1000
    assert points[0].first == 1000 and points[0].first_at == T0
    assert points[-1].value == 1000 + 8759
    assert points[-1].at == T0 + timedelta(hours=8759, minutes=30)
    # Each point's band covers the values of the buckets it merged.
    assert all(p.low <= p.value <= p.high for p in points)
    assert points[1].low == points[0].high + 1


def test_a_range_asks_only_for_its_own_buckets(page):
    update.add_samples([(page.pk, d, T0 + timedelta(days=d, hours=5)) for d in range(10)])
    points = query.series(
        page, T0 + timedelta(days=3, hours=12), T0 + timedelta(days=6), points=10, grain=Grain.DAY
    )
    assert [p.value for p in points] == [3, 4, 5]

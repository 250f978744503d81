"""Coarse ranges are drawn from daily rollups: the same points as from the segments, undecoded."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from likewatch.analytics.series import page_series
from likewatch.rollups import update
from likewatch.rollups.models import Rollup
from likewatch.sources.base import Count
from likewatch.tracking import history, segments
from likewatch.tracking.models import Page

T0 = datetime(2026, 1, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    rng = random.Random(5)
    value = 50_000
    entries = []
    for step in range(30 * 12):  # thirty days, a fetch every two hours
        value += rng.randint(-30, 20) - (4000 if step == 150 else 0)
        at = T0 + timedelta(hours=2 * step)
        entries.append(history.Entry(page, Count(value), at))
    history.record_batch(entries)  # applied in the order given, as 360 fetches would be
    segments.compact(keep=0)
    update.rebuild([page])
    return page


def segment_reads(queries) -> list[str]:
    """Reads of segments' records (not of those holding failures only: the gaps, none here)."""
    return [
        q["sql"]
        for q in queries
        if '"tracking_segment"."data"' in q["sql"] and '"failures" > 0' not in q["sql"]
    ]


def test_a_month_by_days_is_drawn_from_rollups_with_the_same_points_as_from_the_spans(page):
    end = T0 + timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        rolled = page_series(page, T0, end, 86400)
    assert not segment_reads(queries)
    assert rolled.resolution % 86400 == 0

    Rollup.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        spans = page_series(page, T0, end, rolled.resolution)
    assert segment_reads(queries)

    assert rolled.points == spans.points
    values = [p.value for p in rolled.points]
    assert min(values) < 50_000 - 4000  # the purge survives the downsampling


def test_a_history_older_than_its_rollups_is_drawn_from_the_spans(page):
    # As after an upgrade, before `likewatch rollups` ran: only the last week has buckets.
    Rollup.objects.filter(start__lt=T0 + timedelta(days=23)).delete()
    end = T0 + timedelta(days=30)
    partial = page_series(page, T0, end, 86400)
    Rollup.objects.all().delete()
    assert partial.points == page_series(page, T0, end, partial.resolution).points
    assert partial.points[0].at < T0 + timedelta(days=1)


def test_ranges_finer_than_half_a_day_read_the_segments(page):
    with CaptureQueriesContext(connection) as queries:
        page_series(page, T0, T0 + timedelta(days=30))
    assert not any('"rollups_rollup"' in q["sql"] for q in queries)
    assert segment_reads(queries)


def test_a_range_starting_late_in_the_history_is_drawn_from_rollups(page):
    start, end = T0 + timedelta(days=8), T0 + timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        rolled = page_series(page, start, end, 86400)
    assert any('"rollups_rollup"' in q["sql"] for q in queries)
    assert not segment_reads(queries)

    Rollup.objects.all().delete()
    assert rolled.points == page_series(page, start, end, rolled.resolution).points

"""The envelope grouped by the database draws exactly what grouping the rollups in Python drew."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.analytics.downsample import Point, min_max
from likewatch.analytics.envelope import envelope
from likewatch.analytics.epoch import Epoch
from likewatch.analytics.series import page_series
from likewatch.rollups import update
from likewatch.rollups.models import Grain, Rollup
from likewatch.tracking.models import Observation, Page

T0 = datetime(2026, 3, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def python_grouped(page, start, end, grain, width) -> list[tuple[datetime, int]]:
    """The previous way: every rollup's two extremes, clipped, in time order, through min_max."""
    rows = (
        Rollup.objects.filter(
            page=page, grain=grain, start__gte=update.bucket_start(grain, start), start__lte=end
        )
        .order_by("start")
        .values_list(
            Epoch(Coalesce("low_at", "first_at")),
            "low",
            Epoch(Coalesce("high_at", "first_at")),
            "high",
        )
    )

    def points():
        low, high = start.timestamp(), end.timestamp()
        for low_at, low_value, high_at, high_value in rows:
            low_at = round(min(max(float(low_at), low), high), 6)
            high_at = round(min(max(float(high_at), low), high), 6)
            yield from sorted([Point(low_at, low_value), Point(high_at, high_value)])

    return [(datetime.fromtimestamp(p.t, tz=UTC), p.value) for p in min_max(points(), width)]


def store(page, spans) -> None:
    """Chained spans (value, seconds since the previous one ended, seconds it lasted), and
    their rollups."""
    at, rows = T0, []
    for seq, (value, pause, length) in enumerate(spans, start=1):
        first = at + timedelta(seconds=pause)
        at = first + timedelta(seconds=length)
        rows.append(Observation(page=page, seq=seq, value=value, first_seen=first, last_seen=at))
    Observation.objects.bulk_create(rows)
    update.rebuild([page])


# Few distinct values, so extremes tie often; moments to the microsecond, some on the hour.
seconds = st.one_of(
    st.sampled_from([0.0, 1.0, 3599.0, 3600.0]),
    st.floats(0, 8000).map(lambda s: round(s, 6)),
)
spans = st.lists(st.tuples(st.integers(0, 4), seconds, seconds), min_size=1, max_size=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spans=spans,
    offset=st.integers(-86400, 3 * 86400),
    length=st.integers(3600, 6 * 86400),
    resolution=st.one_of(st.integers(3600, 6 * 3600), st.integers(3600, 2 * 86400)),
    legacy=st.booleans(),
)
def test_the_database_groups_as_python_did(spans, offset, length, resolution, legacy):
    Page.objects.all().delete()
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    store(page, spans)
    if legacy:
        # Buckets written before the moments of the extremes were kept.
        Rollup.objects.filter(pk__in=list(Rollup.objects.values_list("pk", flat=True))[::2]).update(
            low_at=None, high_at=None
        )
    start = T0 + timedelta(seconds=offset, microseconds=offset % 7 * 123_457)
    end = start + timedelta(seconds=length)
    with CaptureQueriesContext(connection) as queries:
        series = page_series(page, start, end, resolution)
    if not any(" g.lo" in q["sql"] and "rollups_rollup" in q["sql"] for q in queries):
        return  # the range starts after the history: drawn from the spans (nothing)
    grain = Grain.DAY
    expected = python_grouped(page, start, end, grain, series.resolution)
    assert [(p.at, p.value) for p in series.points] == expected


def test_each_bucket_gives_its_extremes_where_first_seen():
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    hour = timedelta(hours=1)
    samples = [(5, T0), (3, T0 + 10 * hour), (9, T0 + 11 * hour), (3, T0 + 12 * hour)]
    samples += [(4, T0 + 30 * hour), (4, T0 + 31 * hour)]
    update.add_samples([(page.pk, value, at) for value, at in samples])
    rows = envelope(page.pk, Grain.DAY, T0, T0 + 48 * hour, 24 * 3600)
    at = datetime.timestamp
    # The second 3 (hour 12) is not where the low was first seen; a flat day has one moment.
    assert rows == [(3, at(T0 + 10 * hour), 9, at(T0 + 11 * hour)), (4, at(T0 + 30 * hour)) * 2]

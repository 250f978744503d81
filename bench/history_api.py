"""A year of minute samples through the history API: how many points, how fast, how much memory.

A page whose count changed every minute for a year holds 525,600 spans. The history endpoint
must answer with at most about 1,000 points that keep the peaks and troughs, and read the
spans in a stream rather than all at once. The data goes into a throwaway test database.
The rows are bulk-inserted (their hashes are not computed): this measures reading, and the
writer's speed is not what is measured here.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

# Building a year of minutes takes minutes: one run, each timing taken several times in it
# (SAMPLES reads of the year, REVALIDATIONS conditional requests; bench/history.py times the
# compacted history's queries).
REPEATS = 1
SAMPLES = 3
REVALIDATIONS = 5
# Filling the year is this benchmark's setup, not what it measures: a second fill would only
# double the run.
ONCE = {"bulk insert": "the year's setup, filled once per run"}

MINUTES = 365 * 24 * 60


def _setup() -> None:
    import django
    from django.conf import settings

    if not settings.configured or not django.apps.apps.ready:
        django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from likewatch.warmup import warm

    warm()  # what the server does before it accepts connections (likewatch.asgi)


def _fill(page, start: datetime) -> tuple[int, int]:
    from likewatch.tracking.models import Observation

    rng = random.Random(2016)
    value, low, high, batch = 3_150_000, None, None, []
    for minute in range(MINUTES):
        value += rng.randint(-60, 40)
        if minute == 200_000:
            value -= 50_000  # a purge
        at = start + timedelta(minutes=minute)
        low = value if low is None else min(low, value)
        high = value if high is None else max(high, value)
        batch.append(
            Observation(page=page, seq=minute + 1, value=value, first_seen=at, last_seen=at)
        )
        if len(batch) == 20_000:
            Observation.objects.bulk_create(batch)
            batch = []
    Observation.objects.bulk_create(batch)
    return low, high


def run() -> list[tuple[str, object, str, str]]:
    _setup()
    from django.db import connection
    from django.test import Client

    from likewatch.analytics.series import page_series
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        start = datetime(2016, 1, 1, tzinfo=UTC)
        page = Page.objects.create(platform="facebook", platform_id="bench", metric="likes")
        campaign = Campaign.objects.create(slug="bench", title="Bench", starts_at=start)
        CampaignPage.objects.create(campaign=campaign, page=page)
        started = time.perf_counter()
        low, high = _fill(page, start)
        fill_seconds = time.perf_counter() - started
        end = start + timedelta(minutes=MINUTES)

        series_seconds = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            series = page_series(page, start, end, 60)
            series_seconds.append(time.perf_counter() - started)
        # Memory apart: tracing allocations slows everything down several times.
        tracemalloc.start()
        page_series(page, start, end, 60)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        values = [p.value for p in series.points if p.value is not None]

        client = Client()
        client.handler.load_middleware()  # as the server's handler does when it is created
        url = (
            f"/api/pages/{page.pk}/history?start=2016-01-01T00:00:00Z"
            f"&end={end:%Y-%m-%dT%H:%M:%SZ}&resolution=60"
        )
        http_seconds = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            response = client.get(url)
            http_seconds.append(time.perf_counter() - started)
        etag = response["ETag"]
        revalidate_seconds = []
        for _ in range(REVALIDATIONS):
            started = time.perf_counter()
            again = client.get(url, headers={"If-None-Match": etag})
            revalidate_seconds.append(time.perf_counter() - started)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return [
        ("history: spans stored (a year of minutes)", MINUTES, "rows", ""),
        ("history: bulk insert (setup, not a target)", fill_seconds, "s", ""),
        ("history: points answered", len(series.points), "points", "<= 1000"),
        (
            "history: lowest and highest kept",
            int(min(values) == low and max(values) == high),
            "1 = yes",
            "1",
        ),
        ("history: page_series over the year", series_seconds, "s", "< 5"),
        ("history: page_series peak Python memory", peak / 2**20, "MiB", "< 50"),
        ("history: GET /api/pages/N/history", http_seconds, "s", "< 5"),
        ("history: answer size", len(response.content) / 1024, "KiB", "< 100"),
        ("history: If-None-Match answer", again.status_code, "status", "304"),
        ("history: If-None-Match time", revalidate_seconds, "s", ""),
    ]

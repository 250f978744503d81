"""The history benchmark's measured process: a year of minute samples, drawn at 1,000 points.

Usage: python -m bench._history_worker DAYS (DATABASE_URL set). Stores one page whose count
changed every minute for DAYS days (a chained span per minute, hashes computed), compacts it
into segments as the poller does, and builds its rollups; then, in a process of its own
(`DAYS --read PAGE`), asks the history API, as a chart does, again and again, for the whole
range, for its last day and for its last month, timing the server (Django's test client: no
network). Then the whole range with the rollups removed, which is what drawing costs from the
segments alone. Prints JSON.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import django

START = datetime(2025, 1, 1, tzinfo=UTC)
REPEAT = 15


def fill(page, minutes: int) -> None:
    from likewatch.tracking import chain
    from likewatch.tracking.models import Observation, Page

    rng = random.Random(2016)
    value, prev, batch = 3_150_000, chain.GENESIS, []
    for minute in range(minutes):
        value += rng.randint(-60, 40) - (50_000 if minute == minutes // 2 else 0)
        at = START + timedelta(minutes=minute)
        obs = Observation(
            page=page, seq=minute + 1, value=value, first_seen=at, last_seen=at, prev_hash=prev
        )
        if minute < minutes - 1:
            obs.hash = prev = chain.observation_hash(obs)
        batch.append(obs)
        if len(batch) == 10_000:
            Observation.objects.bulk_create(batch)
            batch = []
    Observation.objects.bulk_create(batch)
    Page.objects.filter(pk=page.pk).update(
        last_seq=minutes, last_success_at=START + timedelta(minutes=minutes - 1), health="ok"
    )


def timed(client, url: str, repeat: int = REPEAT) -> tuple[list[float], dict]:
    times, body = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
    return times, body


def settle(connection) -> None:
    """Do at once what PostgreSQL's autovacuum does soon after compaction deletes a year of
    rows: without it, the planner still sees 525,599 dead rows in the tail's table and reads
    them all for a day's chart (163 ms instead of 21 ms, measured), which no running site has
    for more than a few minutes. SQLite has no dead rows to settle."""
    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    autocommit = connection.connection.autocommit
    connection.connection.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tracking_observation, tracking_segment")
    finally:
        connection.connection.autocommit = autocommit


def main(days: int) -> None:
    django.setup()
    from django.db import connection

    from likewatch.rollups import update
    from likewatch.tracking import segments
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    minutes = days * 24 * 60
    page = Page.objects.create(platform="facebook", platform_id="bench", metric="followers")
    # The API shows the pages of public campaigns.
    campaign = Campaign.objects.create(slug="bench", title="Bench", starts_at=START)
    CampaignPage.objects.create(campaign=campaign, page=page)
    fill(page, minutes)
    started = time.perf_counter()
    segments.compact(keep=0)
    compaction = time.perf_counter() - started
    settle(connection)
    started = time.perf_counter()
    update.rebuild([page])
    rebuild = time.perf_counter() - started
    connection.close()
    # The answers are timed in a process of their own, as a server reads what the poller's
    # process wrote: not on the connection and in the process that just wrote and deleted a
    # year of rows.
    done = subprocess.run(
        [sys.executable, "-m", "bench._history_worker", str(days), "--read", str(page.pk)],
        capture_output=True,
        text=True,
        check=True,
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps({"spans": minutes, **answers, "rebuild": rebuild, "compaction": compaction}))


def read(days: int, page_id: int) -> None:
    """Time the answers about the page the build made, as a chart asks for them."""
    django.setup()
    from django.conf import settings
    from django.test import Client

    from likewatch.rollups.models import Rollup
    from likewatch.warmup import warm

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # What the server does before it accepts connections (likewatch.asgi): the samples time
    # what readers get, not the process's start-up.
    warm()
    end = START + timedelta(minutes=days * 24 * 60)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    url = f"/api/pages/{page_id}/history?start={START:{stamp}}&end={end:{stamp}}"
    client = Client()
    client.handler.load_middleware()  # as the server's handler does when it is created
    rolled, body = timed(client, url)
    points = len(body.get("points", []))
    # Its last month, as a chart zoomed in on it asks: a range starting late in the history.
    month = (
        f"/api/pages/{page_id}/history?start={end - timedelta(days=30):{stamp}}&end={end:{stamp}}"
    )
    recent, _ = timed(client, month)
    day = f"/api/pages/{page_id}/history?start={end - timedelta(days=1):{stamp}}&end={end:{stamp}}"
    last_day, day_body = timed(client, day)
    Rollup.objects.filter(page_id=page_id).delete()
    spans, _ = timed(client, url, repeat=3)
    print(
        json.dumps(
            {
                "points": points,
                "rollups": rolled,
                "recent": recent,
                "raw": spans,
                "day": last_day,
                "day_points": len(day_body.get("points", [])),
            }
        )
    )


if __name__ == "__main__":
    if "--read" in sys.argv:
        read(int(sys.argv[1]), int(sys.argv[sys.argv.index("--read") + 1]))
    else:
        main(int(sys.argv[1]))

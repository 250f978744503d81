"""The poller benchmark's measured process: one real Poller, timed from inside.

Usage: python -m bench._poller_worker PAGES SECONDS SIMULATOR_URL (DATABASE_URL set). Creates
PAGES pages due at a 60-second interval, spread over the first minute as in a running
deployment, polls them against the simulator for SECONDS, and prints JSON: every fetch's
schedule lag (from the moment the page was due to the moment its result was committed), how
many fetches read a count and how many failed (by kind), the process's CPU seconds and peak
memory.

The simulator listens on 127.0.0.1, which the outbound guard refuses unless the operator allows
it (LIKEWATCH_OUTBOUND_ALLOW, as the demo does): without that every fetch is a failure, backed
off for longer each time, and the figures would time a poller recording refusals.

LIKEWATCH_BENCH_HISTORY_HOURS (default 0) first gives every page that many hours of history, as
after hours of running: a changing page a span per minute, a stable page one open span. Work
that reads recent history (event detection reads the last four hours) costs its steady-state
price only then. The history is written in small chunks before the clock starts, but the
peak memory figure then includes the writing.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import threading
import time
from datetime import timedelta

import django

INTERVAL = 60
HISTORY_HOURS = float(os.environ.get("LIKEWATCH_BENCH_HISTORY_HOURS", 0))
wall0 = 0.0


def main(pages: int, seconds: float, simulator: str) -> None:
    os.environ["FACEBOOK_BASE_URL"] = simulator
    os.environ["FACEBOOK_TOKEN"] = "bench-token"
    os.environ["LIKEWATCH_OUTBOUND_ALLOW"] = "127.0.0.1"
    django.setup()
    from django.utils import timezone

    from likewatch.poller.loop import Poller
    from likewatch.sources.base import Count
    from likewatch.tracking import bulk
    from likewatch.tracking.models import Observation, Page

    Page.objects.bulk_create(
        [
            Page(
                platform="facebook",
                platform_id=f"b{i}",
                handle=f"b{i}",
                name=f"Bench page {i}",
                metric="followers",
                interval=INTERVAL,
            )
            for i in range(pages)
        ],
        batch_size=2000,
    )
    rows = list(Page.objects.order_by("pk"))
    if HISTORY_HOURS:
        seed_history(rows, HISTORY_HOURS, timezone.now())
    # Spread the first fetches over the minute that starts now, once the pages exist.
    now = timezone.now()
    for i, page in enumerate(rows):
        page.next_fetch_at = now + timedelta(seconds=INTERVAL * i / pages)
    bulk.update_rows(rows, ["next_fetch_at"])

    class MeasuredPoller(Poller):
        lags: list[float] = []
        rounds: list[tuple[float, int, float]] = []
        read = 0
        failed: dict[str, int] = {}

        def _record_round(self, outcomes) -> None:
            super()._record_round(outcomes)
            committed = timezone.now()
            for o in outcomes:
                if isinstance(o.result, Count):
                    MeasuredPoller.read += 1
                elif o.result is not None:
                    kind = o.result.kind
                    MeasuredPoller.failed[kind] = MeasuredPoller.failed.get(kind, 0) + 1
            # Each outcome's page still carries the due time its claim found.
            self.lags.extend(
                (committed - o.page.next_fetch_at).total_seconds()
                for o in outcomes
                if o.result is not None
            )
            self.rounds.append((time.monotonic() - wall0, len(outcomes), self.lags[-1]))

    poller = MeasuredPoller(owner="bench")
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    global wall0
    cpu0, wall0 = time.process_time(), time.monotonic()
    poller.run_forever(stop)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    print(
        json.dumps(
            {
                "lags": poller.lags,
                "rounds": poller.rounds,
                "read": poller.read,
                "failed": poller.failed,
                "cpu": cpu,
                "wall": wall,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "observations": Observation.objects.count(),
            }
        )
    )


def seed_history(rows, hours: float, now) -> None:
    """`hours` of history before `now` for each page (the odd ones change every minute)."""
    from likewatch.rollups import update
    from likewatch.tracking import bulk, chain
    from likewatch.tracking.models import Health, Observation

    minutes = int(hours * 60)
    start = now - timedelta(minutes=minutes)
    rng = random.Random(1)
    for first in range(0, len(rows), 50):
        chunk, spans = rows[first : first + 50], []
        for page in chunk:
            i = int(page.platform_id[1:])
            values = [100_000 + i + (rng.randint(-50, 50) if i % 2 else 0) for _ in range(minutes)]
            runs = [(values[0], 0, 1)]  # (value, first minute, fetches)
            for m, value in enumerate(values[1:], 1):
                if value == runs[-1][0]:
                    runs[-1] = (value, runs[-1][1], runs[-1][2] + 1)
                else:
                    runs.append((value, m, 1))
            prev = chain.GENESIS
            for seq, (value, m, fetches) in enumerate(runs, 1):
                at = start + timedelta(minutes=m)
                span = Observation(
                    page=page,
                    seq=seq,
                    value=value,
                    first_seen=at,
                    last_seen=at + timedelta(minutes=fetches - 1),
                    fetches=fetches,
                    prev_hash=prev,
                )
                if seq < len(runs):  # every span but the newest is sealed
                    span.hash = prev = chain.observation_hash(span)
                spans.append(span)
            page.last_seq = len(runs)
            page.last_success_at = spans[-1].last_seen
            page.health = Health.OK
        Observation.objects.bulk_create(spans, batch_size=2000)
        bulk.update_rows(chunk, ["last_seq", "last_success_at", "health"])
    # The chart buckets of that history, written outside the write path (a bulk seed).
    update.rebuild()


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3])

"""The poller benchmark's measured process: one real Poller, timed from inside.

Usage: python -m bench._poller_worker PAGES SECONDS SIMULATOR_URL [PROFILE_FILE] (DATABASE_URL
set). Creates PAGES pages due at a 60-second interval, spread over the first minute as in a
running deployment, polls them against the simulator for SECONDS, and prints JSON: every fetch's
schedule lag (from the moment the page was due to the moment its result was committed), how
many fetches read a count and how many failed (by kind), the process's CPU seconds and peak
memory, and the CPU seconds of the PostgreSQL backends serving this database meanwhile (0 on
SQLite), for the whole run and for each of its windows (bench/_windows.py, as the
polling-cost benchmark samples its run). With PROFILE_FILE, the polling (not the seeding) is
profiled with cProfile, in CPU time, into that file.

The simulator listens on 127.0.0.1, which the outbound guard refuses unless the operator allows
it (LIKEWATCH_OUTBOUND_ALLOW, as the demo does): without that every fetch is a failure, backed
off for longer each time, and the figures would time a poller recording refusals.

LIKEWATCH_BENCH_HISTORY_HOURS (default 0) first gives every page that many hours of history, as
after hours of running: a changing page a span per minute, a stable page one open span. The
history is left as those hours of polling would have left it, so the clock times the steady
state, not a catch-up no running poller ever does: sealed records packed into segments with the
newest one a row (what the segments consumer keeps), each page's detector state built from its
history by the events scan itself (what live detection stores after every round), and the
chart buckets rebuilt. The seeding is done in chunks before the clock starts, but the peak
memory figure includes it.
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

from bench._processes import signing_keys
from bench._windows import Windows

INTERVAL = 60
HISTORY_HOURS = float(os.environ.get("LIKEWATCH_BENCH_HISTORY_HOURS", 0))


def main(pages: int, seconds: float, simulator: str, profile: str | None = None) -> None:
    os.environ["FACEBOOK_BASE_URL"] = simulator
    os.environ["FACEBOOK_TOKEN"] = "bench-token"
    os.environ["LIKEWATCH_OUTBOUND_ALLOW"] = "127.0.0.1"
    django.setup()
    signing_keys()  # the poller signs a checkpoint each round, as in production
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

    lags: list[float] = []
    windows = Windows(seconds, lags)

    class MeasuredPoller(Poller):
        behind: list[float] = []  # each round's commit to its delivery to every consumer
        read = 0
        failed: dict[str, int] = {}

        def _consumers_done(self, seconds: float) -> None:
            MeasuredPoller.behind.append(seconds)

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
            lags.extend(
                (committed - o.page.next_fetch_at).total_seconds()
                for o in outcomes
                if o.result is not None
            )
            windows.look_up_backends()

    poller = MeasuredPoller(owner="bench")
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    windows.start()
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(poller.run_forever, stop)
        profiler.dump_stats(profile)
    else:
        poller.run_forever(stop)
    windows.finish()
    total = windows.total()
    print(
        json.dumps(
            {
                "lags": lags,
                "behind": poller.behind,
                "windows": windows.done,
                "read": poller.read,
                "failed": poller.failed,
                "cpu": total["cpu"],
                "db_cpu": total["db_cpu"],
                "wall": total["wall"],
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "observations": Observation.objects.count(),
            }
        )
    )


def seed_history(rows, hours: float, now) -> None:
    """`hours` of history before `now` for each page (the odd ones change every minute)."""
    from likewatch.events import scan
    from likewatch.rollups import update
    from likewatch.tracking import bulk, chain, records, segments, segments_codec
    from likewatch.tracking.models import Health, Observation, Segment

    minutes = int(hours * 60)
    start = now - timedelta(minutes=minutes)
    rng = random.Random(1)
    for first in range(0, len(rows), 50):
        chunk, spans, packed = rows[first : first + 50], [], []
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
            sealed = []
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
                    sealed.append(records.span_from_row(span))
                else:
                    spans.append(span)  # the newest stays a row: the write path extends it
            # Sealed records in segments, as the segments consumer leaves them.
            for lo in range(0, len(sealed), segments.SEGMENT_RECORDS):
                part = sealed[lo : lo + segments.SEGMENT_RECORDS]
                packed.append(
                    Segment(
                        page=page,
                        data=segments_codec.encode(part),
                        **segments.summarise(part),
                    )
                )
            page.last_seq = page.segmented_seq = len(runs)
            page.segmented_seq -= 1
            page.last_success_at = spans[-1].last_seen
            page.health = Health.OK
        Segment.objects.bulk_create(packed, batch_size=500)
        Observation.objects.bulk_create(spans, batch_size=2000)
        bulk.update_rows(chunk, ["last_seq", "segmented_seq", "last_success_at", "health"])
    # The chart buckets of that history, written outside the write path (a bulk seed).
    update.rebuild()
    # Each page's detector state, as live detection would have stored it round after round
    # (the same state: live and rescan are one code path, likewatch.events.scan).
    for first in range(0, len(rows), 500):
        scan.scan_pages(rows[first : first + 500], now=now)


if __name__ == "__main__":
    main(
        int(sys.argv[1]),
        float(sys.argv[2]),
        sys.argv[3],
        sys.argv[4] if len(sys.argv) > 4 else None,
    )

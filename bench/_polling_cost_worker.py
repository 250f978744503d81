"""The polling-cost benchmark's measured process: one real Poller of single-page JSON sources.

Usage: python -m bench._polling_cost_worker PAGES SECONDS SERVER_URL [PROFILE_FILE]
(DATABASE_URL set). Creates PAGES pages of the JSON endpoint source (one page per request),
due every 60 s and spread over the first minute, polls them from the loopback server for
SECONDS, and prints JSON: fetches, every fetch's schedule lag, the process's CPU seconds, and
the CPU seconds of the PostgreSQL backends serving this database (read from /proc; 0 on
SQLite), for the whole run and for each of its windows (bench/_windows.py). With PROFILE_FILE,
the run is profiled with cProfile into that file: the poller's thread and the consumers' thread
(on PostgreSQL: rollups, the log, fan-out, alerts, live detection, the checkpoint), each on the
CPU clock of its own thread, merged into one pstats file (`profiled`).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from datetime import timedelta

import django

from bench._processes import signing_keys
from bench._windows import Windows

INTERVAL = 60


def main(pages: int, seconds: float, server: str, profile: str | None) -> None:
    os.environ["LIKEWATCH_OUTBOUND_ALLOW"] = "127.0.0.1"
    django.setup()
    signing_keys()  # the poller signs a checkpoint each round, as in production
    from django.utils import timezone

    from likewatch.poller.loop import Poller
    from likewatch.sources.jsonapi import display_name, page_id
    from likewatch.tracking import bulk
    from likewatch.tracking.models import Page

    rows = []
    for i in range(pages):
        url = f"{server}/p/{i}"
        rows.append(
            Page(
                platform="json",
                platform_id=page_id(url, "data.count"),
                metric="followers",
                name=display_name(url),  # what the source reads as its name: no rename
                interval=INTERVAL,
                options={"url": url, "expression": "data.count", "metric": "followers"},
            )
        )
    Page.objects.bulk_create(rows, batch_size=2000)
    rows = list(Page.objects.order_by("pk"))
    now = timezone.now()
    for i, page in enumerate(rows):
        page.next_fetch_at = now + timedelta(seconds=INTERVAL * i / pages)
    bulk.update_rows(rows, ["next_fetch_at"])

    lags: list[float] = []
    windows = Windows(seconds, lags)

    class MeasuredPoller(Poller):
        def _record_round(self, outcomes) -> None:
            super()._record_round(outcomes)
            committed = timezone.now()
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
        profiled(poller, stop, profile)
    else:
        poller.run_forever(stop)
    windows.finish()
    total = windows.total()
    print(
        json.dumps(
            {
                "fetches": len(lags),
                "lags": lags,
                "cpu": total["cpu"],
                "db_cpu": total["db_cpu"],
                "wall": total["wall"],
                "windows": windows.done,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def profiled(poller, stop: threading.Event, path: str) -> None:
    """Run the poller with every thread that does its work profiled, into one pstats file.

    Each thread's profiler reads that thread's own CPU clock: with the process's clock (as
    before), the consumers' CPU was charged to whatever the poller's thread was doing,
    waiting included, and the consumers' own calls were not in the file at all."""
    import cProfile
    import pstats

    from likewatch.poller.deliveries import Deliveries

    profilers = [cProfile.Profile(time.thread_time)]
    run = Deliveries._run

    def consumers_profiled(self) -> None:
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.runcall(run, self)

    Deliveries._run = consumers_profiled
    try:
        profilers[0].runcall(poller.run_forever, stop)
    finally:
        Deliveries._run = run
    stats = pstats.Stats(profilers[0])
    for other in profilers[1:]:
        stats.add(other)
    stats.dump_stats(path)


if __name__ == "__main__":
    main(
        int(sys.argv[1]),
        float(sys.argv[2]),
        sys.argv[3],
        sys.argv[4] if len(sys.argv) > 4 else None,
    )

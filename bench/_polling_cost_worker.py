"""The polling-cost benchmark's measured process: one real Poller of single-page JSON sources.

Usage: python -m bench._polling_cost_worker PAGES SECONDS SERVER_URL [PROFILE_FILE]
(DATABASE_URL set). Creates PAGES pages of the JSON endpoint source (one page per request),
due every 60 s and spread over the first minute, polls them from the loopback server for
SECONDS, and prints JSON: fetches, every fetch's schedule lag, the process's CPU seconds, and
the CPU seconds of the PostgreSQL backends serving this database (read from /proc; 0 on
SQLite). With PROFILE_FILE, the run is profiled with cProfile into that file.
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

INTERVAL = 60


def backend_cpu(pids: set[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process in `pids` still running."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def backends() -> set[int]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type IN ('client backend', 'autovacuum worker')"
        )
        return {row[0] for row in cursor.fetchall()}


def main(pages: int, seconds: float, server: str, profile: str | None) -> None:
    os.environ["LIKEWATCH_OUTBOUND_ALLOW"] = "127.0.0.1"
    django.setup()
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

    class MeasuredPoller(Poller):
        lags: list[float] = []

        def _record_round(self, outcomes) -> None:
            super()._record_round(outcomes)
            committed = timezone.now()
            self.lags.extend(
                (committed - o.page.next_fetch_at).total_seconds()
                for o in outcomes
                if o.result is not None
            )

    poller = MeasuredPoller(owner="bench")
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    pids = backends()
    db0 = backend_cpu(pids)
    cpu0, wall0 = time.process_time(), time.monotonic()
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(poller.run_forever, stop)
        profiler.dump_stats(profile)
    else:
        poller.run_forever(stop)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    pids |= backends()
    db1 = backend_cpu(pids)
    db_cpu = sum(db1[pid] - db0.get(pid, 0.0) for pid in db1)
    print(
        json.dumps(
            {
                "fetches": len(poller.lags),
                "lags": poller.lags,
                "cpu": cpu,
                "db_cpu": db_cpu,
                "wall": wall,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]),
        float(sys.argv[2]),
        sys.argv[3],
        sys.argv[4] if len(sys.argv) > 4 else None,
    )

"""The polling-cost benchmark's measured process: one real Poller of single-page JSON sources.

Usage: python -m bench._polling_cost_worker PAGES SECONDS SERVER_URL [PROFILE_FILE]
(DATABASE_URL set). Creates PAGES pages of the JSON endpoint source (one page per request),
due every 60 s and spread over the first minute, polls them from the loopback server for
SECONDS, and prints JSON: fetches, every fetch's schedule lag, the process's CPU seconds, and
the CPU seconds of the PostgreSQL backends serving this database (read from /proc; 0 on
SQLite), for the whole run and for each of its windows (class Windows). With PROFILE_FILE,
the run is profiled with cProfile into that file.
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


def window_count(seconds: float) -> int:
    """How many windows a run of `seconds` is cut into: one a polling interval, at least
    MIN_WINDOWS (a 2-minute run gives three of 40 s; every page is due at the same rate
    throughout, so a shorter window holds a fair share of them)."""
    return max(MIN_WINDOWS, round(seconds / INTERVAL))


MIN_WINDOWS = 3


class Windows:
    """The run cut into equal windows of wall-clock time, each a sample of the poller's CPU,
    its database backends' CPU, its fetches and their lags: a sustained run gives its spread
    without being run again.

    A thread of its own closes each window on time, whatever the poller is doing (a long round
    must not merge two windows), reading only the clock and /proc. The backends serving the
    database are looked up in the poller's own thread, at the end of a round, once a window
    (a backend that appears meanwhile, an autovacuum worker, counts from zero when found)."""

    def __init__(self, seconds: float, lags: list[float]) -> None:
        self.count = window_count(seconds)
        self.length = seconds / self.count
        self.lags = lags
        self.done: list[dict] = []
        self.pids: set[int] = set()
        self.looked_up = 0.0
        self.stop = threading.Event()

    def start(self) -> None:
        self.pids = backends()
        self.started = self.looked_up = time.monotonic()
        self._mark()
        self.thread = threading.Thread(target=self._close_on_time, daemon=True)
        self.thread.start()

    def look_up_backends(self) -> None:
        """At the end of a round: the backends again, once a window (one small query)."""
        if time.monotonic() - self.looked_up >= self.length:
            self.pids = self.pids | backends()
            self.looked_up = time.monotonic()

    def _close_on_time(self) -> None:
        for k in range(1, self.count):
            if self.stop.wait(max(0.0, self.started + k * self.length - time.monotonic())):
                return
            self.close()

    def finish(self) -> None:
        """After the run: stop the thread and close the last window."""
        self.stop.set()
        self.thread.join()
        self.pids = self.pids | backends()
        self.close()

    def _mark(self) -> None:
        self.wall0, self.cpu0, self.fetched0 = time.monotonic(), time.process_time(), len(self.lags)
        self.db0 = backend_cpu(self.pids)

    def close(self) -> None:
        fetched = len(self.lags)
        cpu, wall = time.process_time() - self.cpu0, time.monotonic() - self.wall0
        db1 = backend_cpu(self.pids)
        self.done.append(
            {
                "wall": wall,
                "cpu": cpu,
                "db_cpu": sum(db1[pid] - self.db0.get(pid, 0.0) for pid in db1),
                "fetches": fetched - self.fetched0,
                "lags": self.lags[self.fetched0 : fetched],
            }
        )
        self._mark()

    def total(self) -> dict:
        return {key: sum(w[key] for w in self.done) for key in ("wall", "cpu", "db_cpu")}


if __name__ == "__main__":
    main(
        int(sys.argv[1]),
        float(sys.argv[2]),
        sys.argv[3],
        sys.argv[4] if len(sys.argv) > 4 else None,
    )

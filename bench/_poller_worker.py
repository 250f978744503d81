"""The poller benchmark's measured process: one real Poller, timed from inside.

Usage: python -m bench._poller_worker PAGES SECONDS SIMULATOR_URL (DATABASE_URL set). Creates
PAGES pages due at a 60-second interval, spread over the first minute as in a running
deployment, polls them against the simulator for SECONDS, and prints JSON: every fetch's
schedule lag (from the moment the page was due to the moment its result was committed), the
process's CPU seconds and peak memory.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from datetime import timedelta

import django

INTERVAL = 60
wall0 = 0.0


def main(pages: int, seconds: float, simulator: str) -> None:
    import os

    os.environ["FACEBOOK_BASE_URL"] = simulator
    os.environ["FACEBOOK_TOKEN"] = "bench-token"
    django.setup()
    from django.utils import timezone

    from likewatch.poller.loop import Poller
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
    # Spread the first fetches over the minute that starts now, once the pages exist.
    rows = list(Page.objects.order_by("pk"))
    now = timezone.now()
    for i, page in enumerate(rows):
        page.next_fetch_at = now + timedelta(seconds=INTERVAL * i / pages)
    bulk.update_rows(rows, ["next_fetch_at"])

    class MeasuredPoller(Poller):
        lags: list[float] = []
        rounds: list[tuple[float, int, float]] = []

        def _record_round(self, outcomes) -> None:
            super()._record_round(outcomes)
            committed = timezone.now()
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
                "cpu": cpu,
                "wall": wall,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "observations": Observation.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3])

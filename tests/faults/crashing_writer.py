"""A history writer that is killed with SIGKILL at random moments, again and again.

Run as `python -m tests.faults.crashing_writer CYCLES SEED` with DATABASE_URL set. It forks a
child that records fetches as fast as it can: fetch k goes to page k % 3, at T0 + k seconds,
with a value that is a pure function of k (every eleventh fetch fails instead). After each
commit the child reports k on a pipe. The parent kills the child after a random pause (so the
kill lands anywhere: mid-transaction, mid-commit, between fetches), and forks the next one,
which resumes from what the database holds. At the end it prints, as JSON, every k a child
reported committed and the history as stored, for the test to check.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sys
import time
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PAGES = 3
READY = b"r\n"  # what a child writes on the pipe before its first fetch
READY_SECONDS = 120


def value(k: int) -> int:
    """The count fetch k reads: runs of equal values, so spans grow and seal."""
    return 5000 + (k // 9) % 5


def fails(k: int) -> bool:
    return k % 11 == 5


def fetch_moment(k: int) -> datetime:
    return T0 + timedelta(seconds=k)


def main(cycles: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from likewatch.tracking.models import Page

    call_command("migrate", verbosity=0)
    for p in range(PAGES):
        Page.objects.get_or_create(platform="facebook", platform_id=f"w{p}", metric="followers")
    rng = random.Random(seed)
    reported: list[int] = []
    for _ in range(cycles):
        connections.close_all()  # the child must open its own connection
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _write_forever(write_end)
        os.close(write_end)
        # The pause is counted from when the child starts writing, not from the fork: on a
        # busy machine starting up alone can take longer than the whole pause.
        ready, _, _ = select.select([read_end], [], [], READY_SECONDS)
        assert ready, f"the writer did not start within {READY_SECONDS} s"
        assert os.read(read_end, 2) == READY
        time.sleep(rng.uniform(0.05, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end) as pipe:
            reported += [int(line) for line in pipe.read().split()]
    from tests.faults.evidence import history_rows

    print(json.dumps({"reported": reported, "history": history_rows("w")}))


def _write_forever(pipe: int) -> None:
    from likewatch.sources.base import Count
    from likewatch.sources.errors import Transient
    from likewatch.tracking import history
    from likewatch.tracking.models import FetchFailure, Observation, Page

    pages = {p.platform_id: p for p in Page.objects.filter(platform_id__startswith="w")}
    # Every committed fetch added exactly one fetch or one failure: that count is the next k.
    k = sum(Observation.objects.values_list("fetches", flat=True)) + FetchFailure.objects.count()
    os.write(pipe, READY)
    while True:
        page = pages[f"w{k % PAGES}"]
        if fails(k):
            history.record_failure(page, Transient(f"fault {k}"), fetch_moment(k))
        else:
            history.record_count(page, Count(value(k)), fetch_moment(k))
        os.write(pipe, f"{k}\n".encode())
        k += 1


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

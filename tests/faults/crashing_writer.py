"""A history writer that is killed with SIGKILL at random moments, again and again.

Run as `python -m tests.faults.crashing_writer CYCLES SEED` with DATABASE_URL set. It forks a
child that records fetches as fast as it can: fetch k goes to page k % 3, at T0 + k seconds,
with a value that is a pure function of k (every eleventh fetch fails instead). The fetches
are written in batches of one to four (`batch_size`), the way a poller's rounds are, so a
batch can hold one page twice. After each batch commits, and its consumers have run, the child
reports its k's on a pipe.

Besides the real consumers of the history (rollups, fan-out, alerts, events), the child
registers a tallying consumer: for every record it is handed it adds 1, k and k² to three
counters stored with its cursor, slowly enough that many kills land while it works (it
reports "in" and "out" on the pipe). Once the child has written its first line, the parent
kills it after a random pause (so the kill lands anywhere: mid-transaction, mid-commit,
between the commit and the consumers, inside a consumer), and forks the next one, which
resumes from what the database holds. At the end the parent catches the consumers up, as a
starting poller does, and prints as JSON every k a child reported committed, the history as
stored, the tallies and how many kills hit the consumer.
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
MAX_BATCH = 4
TALLY = "crash-tally"
COUNTERS = ("crash-count", "crash-sum", "crash-squares")
READY_SECONDS = 60


def value(k: int) -> int:
    """The count fetch k reads: runs of equal values, so spans grow and seal."""
    return 5000 + (k // 9) % 5


def fails(k: int) -> bool:
    return k % 11 == 5


def fetch_moment(k: int) -> datetime:
    return T0 + timedelta(seconds=k)


def batch_size(k: int) -> int:
    """How many fetches the batch starting at fetch k holds (1 to MAX_BATCH)."""
    return 1 + (k // 7) % MAX_BATCH


def tally(pipe: int | None):
    """The tallying consumer: 1, k and k² of every record it is handed, in its transaction."""
    from django.db.models import F

    from likewatch.tracking.models import Cursor

    def consume(batch) -> None:
        if pipe is not None:
            os.write(pipe, b"in\n")
            time.sleep(0.01)  # a consumer with work to do: kills land inside it
        ks = [int((r.at - T0).total_seconds()) for r in batch.records]
        for name, amount in zip(COUNTERS, (len(ks), sum(ks), sum(k * k for k in ks)), strict=True):
            Cursor.objects.filter(name=name).update(position=F("position") + amount)
        if pipe is not None:
            os.write(pipe, b"out\n")

    return consume


def main(cycles: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from likewatch.tracking import consumers
    from likewatch.tracking.models import Cursor, Page

    call_command("migrate", verbosity=0)
    for p in range(PAGES):
        Page.objects.get_or_create(platform="facebook", platform_id=f"w{p}", metric="followers")
    # Before any write: the tally must see every round from the first.
    for name in (TALLY, *COUNTERS):
        Cursor.objects.get_or_create(name=name, defaults={"position": 0})
    rng = random.Random(seed)
    reported: list[int] = []
    inside_consumer = 0
    for _ in range(cycles):
        connections.close_all()  # the child must open its own connection
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _write_forever(write_end)
        os.close(write_end)
        # On a busy machine a child may take a while to write anything: wait until it has,
        # then let it run a random while more, so the kill still lands anywhere.
        ready, _, _ = select.select([read_end], [], [], READY_SECONDS)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"a writer wrote nothing in {READY_SECONDS} s")
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end) as pipe:
            lines = pipe.read().split()
        reported += [int(line) for line in lines if line.isdigit()]
        if lines and lines[-1] == "in":
            inside_consumer += 1
    # What a poller does when it starts: every consumer resumes from its cursor.
    consumers.register(TALLY, tally(None), order=99)
    caught = consumers.catch_up()
    from tests.faults.evidence import history_rows, log_problems

    counters = dict(Cursor.objects.filter(name__in=COUNTERS).values_list("name", "position"))
    print(
        json.dumps(
            {
                "reported": reported,
                "history": history_rows("w"),
                "log_problems": log_problems("w"),
                "tally": [counters[name] for name in COUNTERS],
                "inside_consumer": inside_consumer,
                "caught_up": caught,
                "behind": {s.name: s.behind for s in consumers.status() if s.registered},
            }
        )
    )


def _write_forever(pipe: int) -> None:
    from likewatch.sources.base import Count
    from likewatch.sources.errors import Transient
    from likewatch.tracking import consumers, history, records
    from likewatch.tracking.models import Page

    consumers.register(TALLY, tally(pipe), order=99)
    pages = {p.platform_id: p for p in Page.objects.filter(platform_id__startswith="w")}
    # Every committed fetch added exactly one fetch or one failure: that count is the next k
    # (read through the read API: compaction moves sealed records into segments).
    k = sum(
        record.fetches if isinstance(record, records.Span) else 1
        for page in pages.values()
        for record in records.records(page)
    )
    while True:
        ks = range(k, k + batch_size(k))
        entries = [
            history.Entry(
                pages[f"w{j % PAGES}"],
                Transient(f"fault {j}") if fails(j) else Count(value(j)),
                fetch_moment(j),
            )
            for j in ks
        ]
        if len(entries) == 1:  # a batch of one, as `likewatch add` writes
            entry = entries[0]
            if fails(k):
                history.record_failure(entry.page, entry.result, entry.at)
            else:
                history.record_count(entry.page, entry.result, entry.at)
        else:
            history.record_batch(entries)
        os.write(pipe, "".join(f"{j}\n" for j in ks).encode())
        k = ks[-1] + 1


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

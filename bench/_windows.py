"""How the polling benchmarks' measured processes sample a sustained run: windows of time.

A poller run lasts minutes, so it is run once and cut into windows of wall-clock time, one
polling interval long (at least MIN_WINDOWS): each window is a sample of the poller's CPU,
its database backends' CPU, its fetches and their schedule lags, and a sustained run gives
its spread without being run again. Both the `poller` and the `polling_cost` benchmarks'
workers sample this way (docs/benchmarks.md says what each counts of a window).

The CPU of the PostgreSQL backends serving the run's database is read from /proc (0 on
SQLite); the database server's shared background processes serve every database on the
machine and are left out.
"""

from __future__ import annotations

import os
import threading
import time

MIN_WINDOWS = 3


def window_count(seconds: float, interval: float = 60.0) -> int:
    """How many windows a run of `seconds` is cut into: one a polling `interval`, at least
    MIN_WINDOWS (a 2-minute run gives three of 40 s; every page is due at the same rate
    throughout, so a shorter window holds a fair share of them)."""
    return max(MIN_WINDOWS, round(seconds / interval))


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
    """The PostgreSQL backends serving this process's database (none on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type IN ('client backend', 'autovacuum worker')"
        )
        return {row[0] for row in cursor.fetchall()}


class Windows:
    """The run cut into equal windows of wall-clock time, each a sample of the poller's CPU
    (every thread of its process), its database backends' CPU, its fetches and their lags.

    `lags` is the list the poller appends each committed fetch's schedule lag to: a fetch
    belongs to the window it was committed in. A thread of its own closes each window on
    time, whatever the poller is doing (a long round must not merge two windows), reading
    only the clock and /proc; the last window is closed by `finish`, after the run, so the
    run's final round is in it and no CPU is left out. The backends serving the database are
    looked up in the poller's own thread, at the end of a round, once a window (a backend
    that appears meanwhile, an autovacuum worker, counts from zero when found): the sampling
    thread opens no connection of its own, whose backend would be counted."""

    def __init__(self, seconds: float, lags: list[float]) -> None:
        self.count = window_count(seconds)
        self.length = seconds / self.count
        self.lags = lags
        self.done: list[dict] = []
        self.pids: set[int] = set()
        self.looked_up = 0.0
        self.stop = threading.Event()

    def start(self) -> None:
        """Just before the run: the first window opens."""
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
        """The whole run's wall-clock time, CPU and backends' CPU: the windows' sums."""
        return {key: sum(w[key] for w in self.done) for key in ("wall", "cpu", "db_cpu")}

"""History: a year of minute samples for one page, drawn at 1,000 points; server time.

A page whose count changed every minute for a year: 525,600 spans, compacted into segments as
the poller does, with their daily rollups. The chart asks the history API for the whole year
(at most 1,000 points) and for its last day; the figures are the server's time for those
answers (median of 15; no network), on PostgreSQL and on SQLite. For comparison: the last 30
days, and the whole year from the segments alone (no rollups; median of 3).
LIKEWATCH_BENCH_HISTORY_DAYS shortens the year for a quick run.
"""

from __future__ import annotations

import os

from bench._processes import database, postgres_available, worker

# Building a year of minutes is the long part: one build, each query timed 15 times.
REPEATS = 1
# Compaction and the rollups' rebuild prepare the year the queries read: each runs once on it
# (a second compaction would find nothing left to compact).
ONCE = {
    "compacting it": "the year's setup: compacted once per run",
    "rebuilding its rollups": "the year's setup: rebuilt once per run",
}

DAYS = int(os.environ.get("LIKEWATCH_BENCH_HISTORY_DAYS", 365))


def run() -> list[tuple]:
    rows = []
    for kind in ["sqlite"] + (["postgresql"] if postgres_available() else []):
        with database(kind, "history") as url:
            result = worker("_history_worker", url, str(DAYS), timeout=3600)
        label = f"history: {result['spans']:,} minute spans, {kind}"
        rows += [
            (f"{label}: points answered", result["points"], "points", "<= 1000"),
            (
                f"{label}: server time (rollups)",
                [t * 1000 for t in result["rollups"]],
                "ms",
                "< 50",
            ),
            (
                f"{label}: server time, its last day ({result['day_points']} points)",
                [t * 1000 for t in result["day"]],
                "ms",
                "< 20",
            ),
            (
                f"{label}: server time, its last 30 days (segments)",
                [t * 1000 for t in result["recent"]],
                "ms",
                "",
            ),
            (
                f"{label}: server time (segments only, no rollups)",
                [t * 1000 for t in result["raw"]],
                "ms",
                "",
            ),
            (f"{label}: compacting it into segments", result["compaction"], "s", ""),
            (f"{label}: rebuilding its rollups", result["rebuild"], "s", ""),
        ]
    return rows

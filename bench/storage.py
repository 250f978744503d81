"""Storage: bytes on disk per fetch, on SQLite and PostgreSQL, for a changing and a stable page.

Each case records 100 pages × 100 fetches (LIKEWATCH_BENCH_STORAGE_ROUNDS changes the 100
fetches) through the poller's write path, in a fresh database, and divides the database's
growth (compacted: dead rows excluded) by the number of fetches. What is counted: history
records with their indexes, the platform answers kept as evidence, and the chart rollups.
A page whose count changes at every fetch costs a record per fetch; a stable page extends one
span, so its cost per fetch tends to zero.
"""

from __future__ import annotations

import os

from bench._processes import database, postgres_available, worker

# Bytes on disk for a fixed workload: the same (within a page) at every run.
REPEATS = 1

PAGES = 100
ROUNDS = int(os.environ.get("LIKEWATCH_BENCH_STORAGE_ROUNDS", 100))


def run() -> list[tuple]:
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    rows = []
    for kind in kinds:
        for mode in ("changing", "stable"):
            with database(kind, f"storage_{mode}") as url:
                result = worker("_storage_worker", url, mode, str(PAGES), str(ROUNDS))
            per_fetch = (result["after"] - result["before"]) / result["fetches"]
            rows.append((f"storage: {kind}, page {mode} at every fetch", per_fetch, "B/fetch", ""))
    return rows

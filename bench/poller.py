"""Poller: 10,000 pages at a 60-second interval against the local simulator, sustained.

One real poller process polls 10,000 pages (half of them changing at every fetch, half
stable) from the Graph API simulator, running in its own process, on PostgreSQL (SQLite when
no PostgreSQL answers). Figures: schedule lag (from when a page was due to when its result was
committed) p50 and p99, the poller's CPU as a share of one core and per 1,000 fetches (the
figure that holds on a loaded machine), with its PostgreSQL backends' CPU added, and its peak
memory.

LIKEWATCH_BENCH_SECONDS sets the duration (default 600, the target's ten minutes);
LIKEWATCH_BENCH_PAGES the number of pages (default 10,000); LIKEWATCH_BENCH_HISTORY_HOURS
(default 0) the hours of history the pages already have, as after hours of running (see
bench/_poller_worker.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._processes import ROOT, base_env, database, percentile, postgres_available, worker

# One run samples every fetch's lag (about 100,000 of them) over ten minutes.
REPEATS = 1

PAGES = int(os.environ.get("LIKEWATCH_BENCH_PAGES", 10_000))
SECONDS = float(os.environ.get("LIKEWATCH_BENCH_SECONDS", 600))


def scenario(pages: int) -> dict:
    return {
        "title": "bench",
        "acceleration": 60,  # the noise changes every real second: a new value at every fetch
        "pages": [
            {
                "id": f"b{i}",
                "username": f"b{i}",
                "name": f"Bench page {i}",
                "followers": 100_000 + i,
                "noise": 50 if i % 2 else 0,
            }
            for i in range(pages)
        ],
    }


def run() -> list[tuple]:
    kind = "postgresql" if postgres_available() else "sqlite"
    with tempfile.TemporaryDirectory(prefix="likewatch-bench-") as folder:
        path = Path(folder) / "scenario.json"
        path.write_text(json.dumps(scenario(PAGES)))
        simulator = subprocess.Popen(
            [sys.executable, "-m", "likewatch", "simulate", "--scenario", str(path), "--port", "0"],
            env=base_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            first = simulator.stdout.readline()
            url = next(w for w in first.split() if w.startswith("http://")).rstrip(";,")
            with database(kind, "poller") as db:
                result = worker(
                    "_poller_worker", db, str(PAGES), str(SECONDS), url, timeout=SECONDS + 600
                )
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
    lags = result["lags"]
    failed = sum(result["failed"].values())
    if failed > 0.01 * max(1, len(lags)):
        # The simulator answers every page: failures mean the run timed something else
        # (refused addresses, a broken answer), whose figures would mislead.
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(result["failed"].items()))
        raise RuntimeError(f"{failed:,} of {len(lags):,} fetches failed ({kinds}): not measured")
    history = os.environ.get("LIKEWATCH_BENCH_HISTORY_HOURS")
    after = f", after {float(history):g} h" if history and float(history) else ""
    label = f"poller: {PAGES:,} pages/60 s, {result['wall']:.0f} s{after}, {kind}"
    return [
        (f"{label}: fetches", len(lags), "", f"~{PAGES * result['wall'] / 60:,.0f}"),
        (f"{label}: schedule lag p50", percentile(lags, 50), "s", ""),
        (f"{label}: schedule lag p99", percentile(lags, 99), "s", "< 2"),
        (f"{label}: CPU", result["cpu"] / result["wall"], "cores", "< 0.5"),
        # CPU-seconds hold under load where the lag, a wall-clock figure, does not.
        (f"{label}: CPU per 1,000 fetches", result["cpu"] * 1000 / max(1, len(lags)), "s", ""),
        (
            f"{label}: poller + database CPU",
            (result["cpu"] + result["db_cpu"]) / result["wall"],
            "cores",
            "",
        ),
        (f"{label}: peak memory", result["max_rss_kb"] / 1024, "MB", ""),
    ]

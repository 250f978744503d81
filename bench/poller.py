"""Poller: 10,000 pages at a 60-second interval against the local simulator, sustained.

One real poller process polls 10,000 pages (half of them changing at every fetch, half
stable) from the Graph API simulator, running in its own process, on PostgreSQL (SQLite when
no PostgreSQL answers). Figures: schedule lag (from when a page was due to when its result was
committed) p50 and p99, the poller's CPU as a share of one core and per 1,000 fetches (the
figure that holds on a loaded machine), with its PostgreSQL backends' CPU added, each minute's
(their median, min-max and the number of minutes) beside the whole run's p99; how long the
history's consumers trail the write (they take each round on a thread of their own); and the
peak memory.

LIKEWATCH_BENCH_SECONDS sets the duration (default 600, the target's ten minutes);
LIKEWATCH_BENCH_PAGES the number of pages (default 10,000); LIKEWATCH_BENCH_HISTORY_HOURS
(default 4) the hours of history the pages already have, as after hours of running (see
bench/_poller_worker.py). The lag's and the CPU's spread are taken over the run's windows of
a polling interval, its minutes (`windows`; bench/_windows.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._processes import ROOT, base_env, database, percentile, postgres_available, worker

# One sustained run, its spread taken over its minutes: each minute's lag p99 and CPU is a
# sample (`windows`). Three runs would triple a benchmark whose point is to be sustained,
# and each run would begin with the same start-up; a minute holds some 10,000 fetches, enough
# for its own p99.
REPEATS = 1
# Figures over the whole run, each one number by nature: their spread is in the per-minute rows.
ONCE = {
    "schedule lag p99, whole run": "all the run's fetches in one; spread: each minute's p99",
    "CPU per 1,000 fetches": "the whole run's; spread: each minute's CPU",
    "consumers behind the write": "all the run's rounds in one percentile",
}

PAGES = int(os.environ.get("LIKEWATCH_BENCH_PAGES", 10_000))
SECONDS = float(os.environ.get("LIKEWATCH_BENCH_SECONDS", 600))
# The targets are the poller's after hours of running (issue 14): by default every page first
# has four hours of history, seeded before the clock starts (bench/_poller_worker.py).
HISTORY_HOURS = float(os.environ.get("LIKEWATCH_BENCH_HISTORY_HOURS", 4))


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
                    "_poller_worker",
                    db,
                    str(PAGES),
                    str(SECONDS),
                    url,
                    # The seeding of the history included: about 2 minutes on a quiet
                    # machine, 16 under a load average of 7-9 (which timed a run out at 20).
                    timeout=SECONDS + 3600,
                    LIKEWATCH_BENCH_HISTORY_HOURS=str(HISTORY_HOURS),
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
    after = f", after {HISTORY_HOURS:g} h" if HISTORY_HOURS else ""
    label = f"poller: {PAGES:,} pages/60 s, {result['wall']:.0f} s{after}, {kind}"
    minutes = windows(result)
    # A window is a polling interval, a minute, at least three of them (bench/_windows.py): a
    # run shorter than three minutes, not the benchmark's shape, gives shorter ones.
    length = round(result["wall"] / max(1, len(minutes)))
    each = f"{label}, each minute" if length == 60 else f"{label}, each window of {length} s"
    rows = [
        (f"{label}: fetches", len(lags), "", f"~{PAGES * result['wall'] / 60:,.0f}"),
        (f"{each}: schedule lag p50", _lagged(minutes, "p50"), "s", ""),
        (f"{each}: schedule lag p99", _lagged(minutes, "p99"), "s", "< 2"),
        (f"{label}: schedule lag p99, whole run", percentile(lags, 99), "s", "< 2"),
        (f"{each}: CPU", [m["cpu"] for m in minutes], "cores", "< 0.5"),
        # CPU-seconds hold under load where the lag, a wall-clock figure, does not.
        (f"{label}: CPU per 1,000 fetches", result["cpu"] * 1000 / max(1, len(lags)), "s", ""),
        (f"{each}: poller + database CPU", [m["with_db"] for m in minutes], "cores", ""),
        (f"{label}: peak memory", result["max_rss_kb"] / 1024, "MB", ""),
    ]
    if result["behind"]:
        # The consumers (rollups, fan-out, live detection…) take each round on a thread of
        # their own after its commit (on PostgreSQL; on SQLite they run in the poller's
        # thread, inside the lag): how long a round's boards and events trail its write.
        behind = (f"{label}: consumers behind the write p99", percentile(result["behind"], 99))
        rows.insert(-1, (*behind, "s", ""))
    return rows


def _lagged(minutes: list[dict], key: str) -> list[float]:
    return [m[key] for m in minutes if m[key] is not None]


def windows(result: dict) -> list[dict]:
    """Each window of the run (a minute: bench/_windows.py): its fetches' lag p50 and p99,
    its CPU in cores, the poller's alone and with its database backends'.

    A fetch's lag belongs to the window it was committed in; a window without fetches (a
    poller stalled for a whole minute) has no lag percentiles to give and is left out of them,
    not counted as a lag of 0.
    """
    return [
        {
            "p50": percentile(w["lags"], 50) if w["lags"] else None,
            "p99": percentile(w["lags"], 99) if w["lags"] else None,
            "cpu": w["cpu"] / w["wall"],
            "with_db": (w["cpu"] + w["db_cpu"]) / w["wall"],
        }
        for w in result["windows"]
    ]

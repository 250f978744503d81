"""The conditions a figure was measured under, recorded beside it in bench/results.json.

A figure without its machine, its load and its shape cannot be compared with anyone's
re-measurement: cores and CPU model, the load average before and after the benchmark, the
databases and their versions, Python's and the main libraries' versions, the commit measured,
and the benchmark's shape (its docstring's first line and the LIKEWATCH_BENCH_* variables in
effect).
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "LIKEWATCH_BENCH"  # the variables that change a benchmark's shape


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


# The CPU reference: a fixed piece of pure-Python work (arithmetic, a dict, a JSON round trip
# and a sort: what the poller, the detector and the web process spend their time on) timed on
# the machine a benchmark ran on. The same code measured 3-4x slower on one two-core cloud
# machine than on another, with nothing else changed; a timing divided by the reference
# compares across machines, where the raw timing does not. The fastest of REFERENCE_RUNS is
# kept: other work can only make a run slower, never faster.
REFERENCE_RUNS = 5


def cpu_reference() -> float:
    """Milliseconds the fixed reference work takes here (fastest of REFERENCE_RUNS)."""
    return round(min(_reference_run() for _ in range(REFERENCE_RUNS)) * 1000, 1)


def _reference_run() -> float:
    started = time.perf_counter()
    total = 0
    for i in range(200_000):
        total += i * i % 7
    counts: dict[int, int] = {}
    for i in range(100_000):
        counts[i % 1009] = counts.get(i % 1009, 0) + 1
    rows = [
        {"page": i, "count": i * 37 % 10_007, "at": f"2016-05-{i % 28 + 1:02d}"}
        for i in range(5_000)
    ]
    rows = json.loads(json.dumps(rows))
    rows.sort(key=lambda row: (row["count"], row["page"]))
    if total < 0 or len(counts) != 1009 or len(rows) != 5_000:  # keeps the work observable
        raise AssertionError("the reference work computed something else")
    return time.perf_counter() - started


def machine() -> dict:
    """What does not change between two benchmarks of one run."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_mb": _memory_mb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "packages": {name: _version(name) for name in ("Django", "uvicorn", "psycopg")},
        "commit": _commit(),
    }


def shape(module) -> dict:
    """The benchmark's shape: its first docstring line, the variables that change it, its
    sizes (every upper-case number of the module, defaults included, as it ran: PAGES,
    ROUNDS, SECONDS…) and any SHAPE the module declares. A run shortened by a variable or by
    a new default says so beside its figures."""
    return {
        "what": summary(module),
        "settings": {
            k: v for k, v in sorted(os.environ.items()) if k.startswith("LIKEWATCH_BENCH")
        },
        "sizes": {
            name: value
            for name, value in sorted(vars(module).items())
            if name.isupper()
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and name not in NOT_SIZES
        },
        **getattr(module, "SHAPE", {}),
    }


# Upper-case numbers of a benchmark that do not shape what it measures.
NOT_SIZES = {"PORT", "REPEATS", "SEED"}


def summary(module) -> str:
    """The first paragraph of a benchmark's docstring, on one line."""
    paragraph = (module.__doc__ or "").strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or module.__name__


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def postgres_version() -> str | None:
    """The version of the PostgreSQL server the benchmarks use, or None when none answers."""
    from bench._processes import PG_SERVER, postgres_available

    if not postgres_available():
        return None
    import psycopg

    with psycopg.connect(PG_SERVER + "/postgres", connect_timeout=3) as db:
        return db.execute("SHOW server_version").fetchone()[0]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None

"""Board: the campaign board and its JSON under 100 concurrent clients (wrk), and 5,000 live
listeners held by one web process, each told of a new value.

One web process (`likewatch serve`, one uvicorn worker) serves a campaign of three pages with
a day of history, on SQLite (where live updates come from watching the database) and then on
PostgreSQL (LISTEN/NOTIFY) when a server answers; LIKEWATCH_BENCH_BOARD_DB=sqlite|postgresql
runs one. wrk (`apt-get install wrk`) runs 2 threads and 100
connections for LIKEWATCH_BENCH_WRK_SECONDS (default 10) against the board page and against
its JSON (/api/campaigns/SLUG, with the API's per-address rate limit lifted: all the load
comes from one address), WRK_RUNS times each, after one request has filled the cache. Beside
requests per second and p99, the web process's own CPU time per 10,000 requests (from
/proc): what a request costs, which a busy machine changes far less than it changes latency.
The counts stand still while wrk runs unless LIKEWATCH_BENCH_BOARD_MOVE_SECONDS is set: then a
writer commits a new count every that many seconds, as a poller would, so that the
micro-cache's refreshes find a changed board and render it instead of revalidating it.
Then LIKEWATCH_BENCH_LISTENERS (5,000) connections open the board's event stream (the cap of
streams per address lifted, as the rate limit is); a new count is committed, as by a
poller, and the figure is how long until each listener received it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench._processes import (
    ROOT,
    base_env,
    database,
    percentile,
    postgres_available,
    worker,
)

# wrk runs WRK_RUNS times per address inside one run; the listeners are held once.
REPEATS = 1
# The delivery is one new count told to LISTENERS listeners at once: its p50 and max are over
# their 5,000 delays, from one broadcast (holding the listeners again would double the run).
ONCE = {"delivery": "one broadcast; p50 and max of its listeners' delays"}

LISTENERS = int(os.environ.get("LIKEWATCH_BENCH_LISTENERS", 5000))
WRK_SECONDS = int(os.environ.get("LIKEWATCH_BENCH_WRK_SECONDS", 10))
WRK_RUNS = 3
PORT = int(os.environ.get("LIKEWATCH_BENCH_PORT", 8601))
MOVE_SECONDS = float(os.environ.get("LIKEWATCH_BENCH_BOARD_MOVE_SECONDS", 0))


def run() -> list[tuple]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    only = os.environ.get("LIKEWATCH_BENCH_BOARD_DB")
    rows: list[tuple] = []
    for kind in [only] if only in kinds else kinds:
        rows += _run(kind)
    return rows


def _run(kind: str) -> list[tuple]:
    rows: list[tuple] = []
    with database(kind, "board") as url:
        setup = worker("_board_setup", url, "setup")
        env = base_env(
            DATABASE_URL=url,
            LIKEWATCH_API_RATE="100000000/m",
            LIKEWATCH_LIVE_STREAMS_PER_CLIENT=str(LISTENERS + 100),
            LIKEWATCH_LIVE_KEEPALIVE="15",
            LIKEWATCH_LIVE_BROKER="likewatch.fanout.broker.PubSubBroker",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "likewatch", "serve", "--port", str(PORT), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{PORT}"
            _wait_for(base + "/")
            slug = setup["slug"]
            broker = "LISTEN/NOTIFY" if kind == "postgresql" else "database watch"
            label = f"board ({kind}, {broker}, 1 web process)"
            if MOVE_SECONDS:
                label += f", a count moving every {MOVE_SECONDS:g} s"
            if shutil.which("wrk"):
                for name, path in (("page", f"/c/{slug}/"), ("JSON", f"/api/campaigns/{slug}")):
                    urllib.request.urlopen(base + path, timeout=60).read()
                    with _moving(url):
                        runs = [_wrk(base + path, server.pid) for _ in range(WRK_RUNS)]
                    rps = [r for r, _, _ in runs]
                    p99 = [p for _, p, _ in runs]
                    cpu = [c for _, _, c in runs]
                    rows.append((f"{label}: {name}, 100 clients", rps, "req/s", "> 2000"))
                    rows.append((f"{label}: {name}, p99 latency", p99, "ms", "< 50"))
                    rows.append(
                        (f"{label}: {name}, web process CPU per 10,000 requests", cpu, "CPU-s", "")
                    )
            else:
                rows.append((f"{label}: wrk not installed (apt-get install wrk)", "-", "", ""))
            # The listeners' own event loop as fast as the server's: what is timed is the
            # server's delivery, not the benchmark's reading of 5,000 streams.
            delays, held = _run_async(_listeners(slug, url))
            within = sum(d <= 1.0 for d in delays)
            rows += [
                (f"{label}: live listeners held", held, "", f">= {LISTENERS:,}"),
                (f"{label}: listeners told within 1 s", within, "", f"{LISTENERS:,}"),
                (f"{label}: delivery p50", percentile(delays, 50) * 1000, "ms", ""),
                (f"{label}: delivery max", max(delays, default=0) * 1000, "ms", "< 1000"),
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


@contextlib.contextmanager
def _moving(url: str):
    """A writer committing a new count every MOVE_SECONDS while the block runs (if set)."""
    if not MOVE_SECONDS:
        yield
        return
    writer = subprocess.Popen(
        [sys.executable, "-m", "bench._board_setup", "keep-moving", str(MOVE_SECONDS)],
        env=base_env(DATABASE_URL=url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        writer.stdout.readline()  # its first count is committed: the board has moved
        yield
    finally:
        writer.terminate()
        writer.wait(timeout=30)


def _run_async(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _wrk(url: str, pid: int) -> tuple[float, float, float]:
    """wrk's requests per second and p99 (ms), and the server's CPU-seconds per 10,000."""
    before = _cpu_seconds(pid)
    done = subprocess.run(
        ["wrk", "-t2", "-c100", f"-d{WRK_SECONDS}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = _cpu_seconds(pid) - before
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error answers from {url}:\n{out}")
    return rps, float(match.group(1)) * scale, cpu * 10_000 / max(requests, 1)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _listeners(slug: str, url: str) -> tuple[list[float], int]:
    """Open LISTENERS event streams, wait for each one's first event, move a count, time it."""
    ready = 0
    got: list[float] = []
    all_ready = asyncio.Event()
    writers = []

    async def listen() -> None:
        nonlocal ready
        for attempt in range(5):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
                break
            except OSError:  # a full accept queue: try again, as a browser's EventSource does
                await asyncio.sleep(1 + attempt)
        else:
            return
        writers.append(writer)
        writer.write(
            f"GET /c/{slug}/live/?v=outdated HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        events = 0
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event:"):
                events += 1
                if events == 1:
                    ready += 1
                    if ready == LISTENERS:
                        all_ready.set()
                else:
                    got.append(time.time())
                    return

    tasks = []
    for _ in range(LISTENERS):
        tasks.append(asyncio.create_task(listen()))
        if len(tasks) % 200 == 0:
            await asyncio.sleep(0.05)  # do not flood the accept queue
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_ready.wait(), 180)
    held = ready
    moved = await asyncio.to_thread(worker, "_board_setup", url, "move")
    deadline = time.monotonic() + 10
    while len(got) < held and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    for writer in writers:
        writer.close()
    return [max(0.0, t - moved["at"]) for t in got], held

"""Polling cost: CPU-seconds per 1,000 fetches of single-page JSON sources, and its peers.

Most platforms a campaign watches are read one page per request (Instagram, Telegram,
Mastodon, JSON endpoints, web pages), so the cost of a poll round for such sources decides how
many pages one machine holds. One real poller polls PAGES JSON endpoint pages (the `json:`
source, one page per request, half of them changing every minute) every 60 s from a loopback
server (bench/_json_server.py, its own process) on PostgreSQL, for SECONDS. The figure is the
poller's CPU plus the CPU of the PostgreSQL backends serving its database (read from /proc),
per 1,000 fetches; the server's own CPU is left out, as it is for the peers. The shared
server's background processes (WAL writer, checkpointer) serve every database on the machine
and are left out too.

Beside it, when installed (`make peers`), the same work done by two peers against the same
loopback server, their whole process trees' CPU per 1,000 fetches:

- changedetection.io (PyPI, in var/peers/changedetection): PAGES watches of the same URLs,
  rechecked every 60 s;
- Prometheus (Debian): PAGES targets scraped every 60 s.

A peer that is not installed or cannot be run gets a row saying so.

A second run measures scale: 10,000 single-page sources at 60 s, schedule lag p99 (target
< 2 s) and the poller's CPU in cores (target < 0.5).

LIKEWATCH_BENCH_POLL_PAGES (default 200), LIKEWATCH_BENCH_POLL_SECONDS (default 300),
LIKEWATCH_BENCH_SCALE_PAGES (default 10,000; 0 skips the scale run) and
LIKEWATCH_BENCH_SCALE_SECONDS (default 300) set the sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._processes import ROOT, base_env, database, percentile, postgres_available, worker
from bench._windows import MIN_WINDOWS, window_count

PAGES = int(os.environ.get("LIKEWATCH_BENCH_POLL_PAGES", 200))
SECONDS = float(os.environ.get("LIKEWATCH_BENCH_POLL_SECONDS", 300))
# One run measures CPU over minutes of polling, for likewatch and each peer: repeating it
# would triple a run that is already the longest of `make bench`. Its spread comes from
# windows instead: each run is cut into windows of one polling interval (at least three), and
# each window is a sample (bench/_windows.py, Windows).
REPEATS = 1
# changedetection.io rechecks its watches in bursts (about 100 fetches in 5 minutes whatever
# the load): when fewer than MIN_WINDOWS windows hold fetches, its figure is the whole run's.
ONCE = {"changedetection.io": "checks in bursts: too few windows hold fetches"}
SCALE_PAGES = int(os.environ.get("LIKEWATCH_BENCH_SCALE_PAGES", 10_000))
SCALE_SECONDS = float(os.environ.get("LIKEWATCH_BENCH_SCALE_SECONDS", 300))
PEERS = ROOT / "var" / "peers"
WARMUP = 20.0  # seconds of a peer's start left out of its figures
TARGET = "<= 2.5"


class JSONServer:
    """bench/_json_server.py in its own process."""

    def __enter__(self) -> JSONServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench._json_server"],
            env=base_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        self.url = line.split()[-1]
        return self

    def served(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/served", timeout=10) as answer:
            return json.loads(answer.read())

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system, children reaped included) of a process and its children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / ticks
        pending += [int(child) for child in children]
    return total


def run() -> list[tuple]:
    rows: list[tuple] = []
    kind = "postgresql" if postgres_available() else "sqlite"
    with JSONServer() as server:
        ours = likewatch_rows(server, kind)
        peers = {
            "changedetection.io": changedetection_row(server),
            "Prometheus": prometheus_row(server),
        }
        # Each peer's figure beside likewatch's in the tables, with the ratio (bench/tables.py).
        figure, value, unit, target = ours[-1]
        measured = {name: row[1] for name, row in peers.items() if row[1] != "-"}
        rows += [*ours[:-1], (figure, value, unit, target, measured), *peers.values()]
    if SCALE_PAGES:
        with JSONServer() as server:
            rows += scale_rows(server, kind)
    return rows


def likewatch_rows(server: JSONServer, kind: str) -> list[tuple]:
    with database(kind, "polling_cost") as db:
        result = worker(
            "_polling_cost_worker",
            db,
            str(PAGES),
            str(SECONDS),
            server.url,
            timeout=SECONDS + 600,
        )
    label = f"polling cost: likewatch, {PAGES} single-page JSON sources/60 s, {kind}"
    windows = [w for w in result["windows"] if w["fetches"]]
    return [
        (f"{label}: fetches in {result['wall']:.0f} s", result["fetches"], "", ""),
        (
            f"{label}: poller CPU per 1,000 fetches, each {_window(result)}",
            [w["cpu"] * 1000 / w["fetches"] for w in windows],
            "CPU-s",
            "",
        ),
        (
            f"{label}: poller + database CPU per 1,000 fetches, each {_window(result)}",
            [(w["cpu"] + w["db_cpu"]) * 1000 / w["fetches"] for w in windows],
            "CPU-s",
            TARGET,
        ),
    ]


def _window(result: dict) -> str:
    """How the run was cut into samples, for a row's label: "of 5 windows of 60 s"."""
    windows = result["windows"]
    return f"of {len(windows)} windows of {result['wall'] / len(windows):.0f} s"


def scale_rows(server: JSONServer, kind: str) -> list[tuple]:
    with database(kind, "polling_scale") as db:
        result = worker(
            "_polling_cost_worker",
            db,
            str(SCALE_PAGES),
            str(SCALE_SECONDS),
            server.url,
            timeout=SCALE_SECONDS + 900,
        )
    label = f"polling cost: {SCALE_PAGES:,} single-page sources/60 s, {kind}"
    windows = result["windows"]
    return [
        (f"{label}: fetches in {result['wall']:.0f} s", result["fetches"], "", ""),
        (
            f"{label}: schedule lag p99, each {_window(result)}",
            [percentile(w["lags"], 99) for w in windows if w["lags"]],
            "s",
            "< 2",
        ),
        (
            f"{label}: poller CPU, each {_window(result)}",
            [w["cpu"] / w["wall"] for w in windows],
            "cores",
            "< 0.5",
        ),
        (
            f"{label}: poller + database CPU, each {_window(result)}",
            [(w["cpu"] + w["db_cpu"]) / w["wall"] for w in windows],
            "cores",
            "",
        ),
    ]


def measure_peer(name: str, command: list[str], server: JSONServer, kind: str, **popen):
    """Run a peer; its tree's CPU per 1,000 answers of `kind` the server gave it, one sample
    per window (the SECONDS cut as the poller's run is, window_count), and its fetches.

    The first WARMUP seconds (starting up, its first checks) are left out: the figures are
    taken over the SECONDS after them.
    """
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, **popen
    )
    count = window_count(SECONDS)
    samples, fetches = [], 0
    try:
        time.sleep(WARMUP)
        cpu0, before = tree_cpu(process.pid), server.served()[kind]
        # Consecutive windows, each closed at the first window end with fetches since the
        # last: a window without any (a peer that checks in bursts) is charged to the next
        # one that has some, or to the last, so no CPU is left out of the samples.
        stretches: list[tuple[float, int]] = []
        pending_cpu, pending = 0.0, 0
        for _ in range(count):
            time.sleep(SECONDS / count)  # a measured window, not a wait for readiness
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace").strip().splitlines()
                return f"{name}: could not be run ({(error or ['exited'])[-1][:120]})"
            cpu, served = tree_cpu(process.pid), server.served()[kind]
            pending_cpu, pending = pending_cpu + cpu - cpu0, pending + served - before
            cpu0, before = cpu, served
            if pending:
                stretches.append((pending_cpu, pending))
                pending_cpu, pending = 0.0, 0
        if stretches and pending_cpu:
            spent, done = stretches.pop()
            stretches.append((spent + pending_cpu, done))
        fetches = sum(done for _, done in stretches)
        samples = [spent * 1000 / done for spent, done in stretches]
        if len(samples) < MIN_WINDOWS and fetches:
            # Too few windows with fetches to give a spread: the whole run's figure, once
            # (the module's ONCE says so beside it).
            samples = [sum(spent for spent, _ in stretches) * 1000 / fetches]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if not fetches:
        return f"{name}: ran but fetched nothing in {SECONDS:.0f} s"
    return samples, fetches


def _peer_row(label: str, outcome) -> tuple:
    if isinstance(outcome, str):
        return (outcome, "-", "", "")
    value, fetches = outcome
    return (f"{label} ({fetches:,} fetches)", value, "CPU-s", "")


def changedetection_row(server: JSONServer) -> tuple:
    label = f"polling cost: changedetection.io, {PAGES} watches/60 s, per 1,000 fetches"
    python = PEERS / "changedetection" / "bin" / "python"
    script = PEERS / "changedetection" / "bin" / "changedetection.py"
    if not script.exists():
        return ("polling cost: changedetection.io not installed (`make peers`)", "-", "", "")
    urls = []
    for i in range(PAGES):
        # Each watch rechecked every minute, as likewatch's pages are fetched.
        every = {"time_between_check": {"minutes": 1}, "time_between_check_use_default": False}
        urls += ["-u", f"{server.url}/p/{i}", f"-u{i}", json.dumps(every)]
    with tempfile.TemporaryDirectory(prefix="likewatch-peer-") as folder:
        port = _free_port()
        command = [str(python), str(script), "-C", "-d", folder, "-p", str(port)]
        command += ["-h", "127.0.0.1", "-l", "WARNING", *urls]
        # It refuses loopback addresses unless told: the server it watches is on 127.0.0.1.
        env = {**os.environ, "ALLOW_IANA_RESTRICTED_ADDRESSES": "true"}
        outcome = measure_peer("changedetection.io", command, server, "json", env=env)
    return _peer_row(label, outcome)


def prometheus_row(server: JSONServer) -> tuple:
    label = f"polling cost: Prometheus, {PAGES} targets/60 s, per 1,000 scrapes"
    binary = shutil.which("prometheus")
    if binary is None:
        return ("polling cost: Prometheus not installed (`make peers`)", "-", "", "")
    address = server.url.removeprefix("http://")
    config = {
        "global": {"scrape_interval": "60s", "scrape_timeout": "10s"},
        "scrape_configs": [
            {
                "job_name": "pages",
                "metrics_path": "/metrics",
                "static_configs": [
                    {"targets": [address], "labels": {"page": str(i)}} for i in range(PAGES)
                ],
                "relabel_configs": [
                    {"source_labels": ["page"], "target_label": "__param_page"},
                ],
            }
        ],
    }
    with tempfile.TemporaryDirectory(prefix="likewatch-peer-") as folder:
        path = Path(folder) / "prometheus.yml"
        path.write_text(json.dumps(config))  # JSON is YAML
        command = [
            binary,
            f"--config.file={path}",
            f"--storage.tsdb.path={folder}/data",
            f"--web.listen-address=127.0.0.1:{_free_port()}",
        ]
        outcome = measure_peer("Prometheus", command, server, "metrics")
    return _peer_row(label, outcome)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

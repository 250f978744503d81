"""PostgreSQL restarted under running pollers and a running web server: both recover alone.

The server restarted is a private one (`tests/faults/private_postgres.py`), started for this
test alone, so the test runs in every suite without disturbing the shared server. Two real
pollers and one real web server run against it while it restarts (`pg_ctl restart -m fast`).
Afterwards: all three processes are still running; the web server answers again; every page is
being fetched again; the outage is a gap in each page's history (no span claims to have watched
through it) and every chain recomputes; the history's consumers catch up from their cursors.
The history is read by a child process, as JSON: the test's own database is not involved.
"""

import json
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

from django.utils import timezone

from likewatch.simulator.scenario import Scenario, SimPage
from likewatch.simulator.server import GraphSimulator
from tests.faults.evidence import verify_chain
from tests.faults.private_postgres import PrivatePostgres, free_port
from tests.processes import ROOT, child_env, likewatch
from tests.waiting import wait_until

PAGES = 30


def _run(module: str, *args: str, env: dict[str, str]) -> str:
    """Run `python -m MODULE ARGS` against the private server; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Probe:
    """GET a URL every 0.2 s from a thread, logging (moment, status or error)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.log: list[tuple[float, object]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=3) as response:
                    outcome = response.status
            except urllib.error.HTTPError as exc:
                outcome = exc.code
            except OSError as exc:
                outcome = type(exc).__name__
            self.log.append((time.monotonic(), outcome))
            self.stop.wait(0.2)

    def answered(self, status: int, *, since: float = 0.0, times: int = 1) -> bool:
        """Whether the last `times` outcomes logged after `since` are all `status`."""
        recent = [outcome for moment, outcome in list(self.log) if moment > since][-times:]
        return len(recent) == times and all(outcome == status for outcome in recent)


def _fetched_since(moment: datetime | None, env: dict[str, str]) -> bool:
    """Whether every page has a span seen after `moment` (or any span), as stored."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.evidence"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:  # the server may still be starting: ask again
        return False
    histories = json.loads(done.stdout)
    if len(histories) < PAGES:
        return False
    return all(
        any(
            r["type"] == "observation" and (moment is None or _when(r["last_seen"]) > moment)
            for r in rows
        )
        for rows in histories.values()
    )


def test_pollers_and_web_ride_out_a_postgres_restart(private_postgres: PrivatePostgres):
    pages = {
        f"r{i}": SimPage(f"r{i}", f"r{i}", f"Page {i}", {"followers": 5000 + i})
        for i in range(PAGES)
    }
    port = free_port()
    with GraphSimulator(Scenario("restart", "", 1.0, pages, [])) as sim:
        env = child_env(
            DATABASE_URL=private_postgres.url,
            FACEBOOK_BASE_URL=sim.base_url,
            FACEBOOK_TOKEN="t",
            LIKEWATCH_MIN_INTERVAL="1",
        )
        assert likewatch("migrate", "--verbosity", "0", env=env).wait(timeout=60) == 0
        _run("tests.faults.due_pages", "r", str(PAGES), env=env)
        processes = [likewatch("poll", "--name", f"p{n}", env=env) for n in (1, 2)]
        processes.append(
            likewatch(
                "serve",
                "--port",
                str(port),
                "--no-collectstatic",
                env=env,
                stdout=subprocess.DEVNULL,
            )
        )
        probe = Probe(f"http://127.0.0.1:{port}/")
        probe.thread.start()
        try:
            # Ready means: the web server answers and every page has been fetched once. On a
            # busy machine that may take far longer than on a quiet one: wait for it.
            wait_until(
                lambda: probe.answered(200),
                what="the web server to answer 200",
                detail=lambda: f"last answers {probe.log[-5:]}",
            )
            wait_until(
                lambda: _fetched_since(None, env),
                what=f"the pollers to fetch all {PAGES} pages",
                every=1,
            )
            down = time.monotonic()
            outage_start = timezone.now()
            private_postgres.restart()
            outage_end = timezone.now()
            up = time.monotonic()
            wait_until(
                lambda: _fetched_since(outage_end, env),
                what=f"the pollers to fetch all {PAGES} pages again after the restart",
                every=1,
            )
            wait_until(
                lambda: probe.answered(200, since=up + 2, times=5),
                what="the web server to answer 200 five times in a row after the restart",
                detail=lambda: f"last answers {probe.log[-10:]}",
            )
            alive = [p.poll() is None for p in processes]
        finally:
            probe.stop.set()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
        histories = json.loads(_run("tests.faults.evidence", env=env))
        # The consumers of the history resume from their cursors, as a starting poller's do:
        # none fails, and afterwards none is behind.
        _run("likewatch", "consumers", "catch-up", env=env)
        status = json.loads(_run("likewatch", "consumers", "status", "--json", env=env))

    assert alive == [True, True, True], "a process did not survive the restart"
    behind = {row["consumer"]: row["behind"] for row in status if row["registered"]}
    assert set(behind) >= {"rollups", "fanout", "alerts", "events"}, status
    assert set(behind.values()) == {0}, status
    assert all(row["position"] > 0 for row in status), status
    after = [outcome for moment, outcome in probe.log if moment > up + 2]
    assert after and all(outcome == 200 for outcome in after[-5:]), probe.log[-10:]
    assert any(outcome == 200 for moment, outcome in probe.log if moment < down)

    assert sorted(histories) == sorted(pages)
    for key, rows in histories.items():
        spans = [r for r in rows if r["type"] == "observation"]
        # Fetched again after the restart.
        assert any(_when(r["last_seen"]) > outage_end for r in spans), key
        # No span claims to have watched through the outage: it is a gap, recorded as one.
        assert not any(
            _when(r["first_seen"]) < outage_start and _when(r["last_seen"]) > outage_end
            for r in spans
        ), key
        assert any(
            r["type"] == "failure"
            and "likewatch was not polling" in r["message"]
            and _when(r["at"]) >= outage_start
            for r in rows
        ), key
        verify_chain(rows)

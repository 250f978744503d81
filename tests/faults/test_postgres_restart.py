"""PostgreSQL restarted under running pollers and a running web server: both recover alone.

Opt-in (LIKEWATCH_FAULT_PG_RESTART=1): it restarts the machine's PostgreSQL cluster with
pg_ctlcluster, which would break the tests of anyone else using that server at the same
moment, so neither `make test` nor CI runs it unasked. Run it on a machine of your own:

    LIKEWATCH_FAULT_PG_RESTART=1 DATABASE_URL=postgres://… pytest tests/faults/test_postgres_…

Two real pollers and one real web server run against the test database while the server
restarts. Afterwards: all three processes are still running; the web server answers again;
every page is being fetched again; the outage is a gap in each page's history (no span claims
to have watched through it) and every chain recomputes.
"""

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from likewatch.simulator.scenario import Scenario, SimPage
from likewatch.simulator.server import GraphSimulator
from likewatch.tracking.models import FetchFailure, Observation, Page
from tests.faults.evidence import history_rows, verify_chain
from tests.processes import child_env, likewatch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PAGES = 30


def _restart_command() -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql"))
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]


@pytest.fixture
def allowed():
    if os.environ.get("LIKEWATCH_FAULT_PG_RESTART") != "1":
        pytest.skip("restarts the shared PostgreSQL server: set LIKEWATCH_FAULT_PG_RESTART=1")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")
    if not shutil.which("pg_ctlcluster") or not os.path.isdir("/etc/postgresql"):
        pytest.skip("needs a Debian PostgreSQL cluster (pg_ctlcluster)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def test_pollers_and_web_ride_out_a_postgres_restart(allowed):
    pages = {
        f"r{i}": SimPage(f"r{i}", f"r{i}", f"Page {i}", {"followers": 5000 + i})
        for i in range(PAGES)
    }
    now = timezone.now()
    for i, key in enumerate(pages):
        Page.objects.create(
            platform="facebook",
            platform_id=key,
            metric="followers",
            interval=1,
            next_fetch_at=now + timedelta(seconds=i / PAGES),
        )
    port = _free_port()
    with GraphSimulator(Scenario("restart", "", 1.0, pages, [])) as sim:
        env = child_env(
            FACEBOOK_BASE_URL=sim.base_url, FACEBOOK_TOKEN="t", LIKEWATCH_MIN_INTERVAL="1"
        )
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
        try:
            time.sleep(4)
            probe.thread.start()
            time.sleep(1)
            down = time.monotonic()
            outage_start = timezone.now()
            subprocess.run(_restart_command(), check=True, timeout=120)
            outage_end = timezone.now()
            up = time.monotonic()
            time.sleep(10)
            alive = [p.poll() is None for p in processes]
        finally:
            probe.stop.set()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
    connection.close()  # the test's own connection died with the server

    assert alive == [True, True, True], "a process did not survive the restart"
    after = [outcome for moment, outcome in probe.log if moment > up + 2]
    assert after and all(outcome == 200 for outcome in after[-5:]), probe.log[-10:]
    assert any(outcome == 200 for moment, outcome in probe.log if moment < down)

    for page in Page.objects.all():
        # Fetched again after the restart.
        assert Observation.objects.filter(page=page, last_seen__gt=outage_end).exists(), page
        # No span claims to have watched through the outage: it is a gap, recorded as one.
        assert not Observation.objects.filter(
            page=page, first_seen__lt=outage_start, last_seen__gt=outage_end
        ).exists(), page
        assert FetchFailure.objects.filter(
            page=page, message__contains="likewatch was not polling", at__gte=outage_start
        ).exists(), page
    for rows in history_rows("r").values():
        verify_chain(rows)

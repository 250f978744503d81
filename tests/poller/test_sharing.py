"""Three real poller processes share the pages through PostgreSQL; one is killed mid-batch.

Every page must be fetched once per interval by exactly one poller: never twice in one
interval (the claim moves `next_fetch_at` before the fetch), and never left unfetched for more
than one extra interval when its poller dies (the lease never outlasts the interval). The
simulator's request log is the witness: each poller uses its own token, so every request says
which poller made it and which pages it asked for.
"""

import signal
import threading
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from likewatch.simulator.scenario import Scenario, SimPage
from likewatch.simulator.server import GraphSimulator
from likewatch.tracking.models import Observation, Page
from tests.processes import child_env, likewatch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAGES = 120
INTERVAL = 4.0
RUN_SECONDS = 16.0
REQUEST_DELAY = 0.15  # seconds each answer takes, so a batch is in flight long enough to kill


class LoggingSimulator(GraphSimulator):
    """The Graph API simulator, logging (moment, token, ids) for every request."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[float, str, list[str]]] = []
        self.in_flight: dict[str, int] = defaultdict(int)

    def answer(self, path, query):
        token = (query.get("access_token") or [""])[0]
        ids = [k for k in (query.get("ids") or [""])[0].split(",") if k]
        with self._lock:
            self.log.append((time.monotonic(), token, ids))
            self.in_flight[token] += 1
        try:
            time.sleep(REQUEST_DELAY)
            return super().answer(path, query)
        finally:
            with self._lock:
                self.in_flight[token] -= 1


@pytest.fixture
def simulator():
    pages = {
        f"p{i}": SimPage(f"p{i}", f"p{i}", f"Page {i}", {"followers": 10_000 + i}, noise=50)
        for i in range(PAGES)
    }
    with LoggingSimulator(Scenario("sharing", "", 1.0, pages, [])) as sim:
        yield sim


STARTUP_DEADLINE = 120.0  # seconds for three pollers to make their first requests


def _all_working(simulator: LoggingSimulator, pollers: dict) -> float:
    """The moment every poller has asked the simulator for something; fails, saying who did not."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    tokens = {f"token-{name}" for name in pollers}
    while time.monotonic() < deadline:
        with simulator._lock:
            seen = {token for _, token, _ in simulator.log}
        if tokens <= seen:
            return time.monotonic()
        exited = {name: p.returncode for name, p in pollers.items() if p.poll() is not None}
        assert not exited, f"pollers exited before their first request: {exited}"
        time.sleep(0.05)
    raise AssertionError(
        f"within {STARTUP_DEADLINE:.0f} s only {sorted(seen)} of {sorted(tokens)} made a request"
    )


def test_three_pollers_share_the_pages_and_survive_a_sigkill(simulator):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SKIP LOCKED): run with DATABASE_URL=postgres://…")
    now = timezone.now()
    for i in range(PAGES):
        # Spread the first fetches over one interval, as a running deployment's are.
        Page.objects.create(
            platform="facebook",
            platform_id=f"p{i}",
            metric="followers",
            interval=int(INTERVAL),
            next_fetch_at=now + timedelta(seconds=INTERVAL * i / PAGES),
        )
    env = child_env(
        FACEBOOK_BASE_URL=simulator.base_url,
        LIKEWATCH_MIN_INTERVAL="1",
        # Time runs fifteen times faster than at a 60 s interval: so does the batch wait.
        LIKEWATCH_BATCH_WAIT_SECONDS="0.07",
    )
    pollers = {
        name: likewatch("poll", "--name", name, env={**env, "FACEBOOK_TOKEN": f"token-{name}"})
        for name in ("poller-1", "poller-2", "poller-3")
    }
    killed_at, orphans = None, []
    try:
        # The run's clock starts when all three are at work: on a busy machine starting three
        # Django processes can take longer than the whole run.
        started = _all_working(simulator, pollers)
        # Wait until poller-1 holds claims it has not recorded yet, with a request in flight
        # if the busy machine lets us catch one, then SIGKILL it.
        deadline = started + RUN_SECONDS / 2
        while time.monotonic() < deadline:
            orphans = list(
                Page.objects.filter(lease_owner="poller-1").values_list("platform_id", flat=True)
            )
            in_flight = simulator.in_flight["token-poller-1"] > 0
            if orphans and (in_flight or time.monotonic() > started + RUN_SECONDS / 4):
                pollers["poller-1"].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
                break
            time.sleep(0.02)
        assert killed_at is not None, "poller-1 never had a batch in flight to kill"
        threading.Event().wait(max(0.0, started + RUN_SECONDS - time.monotonic()))
        ended = time.monotonic()
    finally:
        for process in pollers.values():
            process.terminate()
        for process in pollers.values():
            process.wait(timeout=20)
    assert pollers["poller-1"].returncode == -signal.SIGKILL
    assert pollers["poller-2"].returncode == 0 and pollers["poller-3"].returncode == 0

    fetches: dict[str, list[float]] = defaultdict(list)
    by_poller: dict[str, int] = defaultdict(int)
    for moment, token, ids in simulator.log:
        by_poller[token] += 1
        for key in ids:
            fetches[key].append(moment)
    # All three worked; the dead one asked nothing after it died.
    assert all(by_poller[f"token-poller-{n}"] > 0 for n in (1, 2, 3))
    assert all(m <= killed_at for m, token, _ in simulator.log if token == "token-poller-1")
    assert orphans, "the kill landed while poller-1 held no claim"

    assert set(fetches) == {f"p{i}" for i in range(PAGES)}
    for key, moments in fetches.items():
        gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
        # Never twice in one interval: a second claim would be ~0 s apart, while the schedule
        # keeps at least half an interval between claims (claims.next_due); a busy machine may
        # delay one fetch after its claim and not the next, hence the margin.
        assert min(gaps) > INTERVAL / 4, (key, gaps)
        # Never starved: at most one fetch lost (the dead poller's), plus scheduling slack.
        assert max(gaps) < 2 * INTERVAL + 1.5, (key, gaps)
        assert ended - moments[-1] < 2 * INTERVAL + 1.5, key
    # The dead poller's claimed pages were fetched again by the others within two intervals.
    for key in orphans:
        after = [m for m in fetches[key] if m > killed_at]
        assert after and after[0] - killed_at < 2 * INTERVAL + 1.5, key

    # What the survivors fetched was recorded, each page's chain numbered without a gap.
    for page in Page.objects.all():
        seqs = list(Observation.objects.filter(page=page).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        assert sum(Observation.objects.filter(page=page).values_list("fetches", flat=True)) >= (
            len(fetches[page.platform_id]) - 1
        )

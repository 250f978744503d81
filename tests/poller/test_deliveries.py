"""The history's consumers take a poller's rounds on a thread of their own (PostgreSQL).

The next round must not wait for the consumers of the one before, and every round recorded
must still reach every consumer, in order, by the time the poller has stopped.
"""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from likewatch.poller import loop
from likewatch.poller.loop import Poller
from likewatch.tracking import consumers
from likewatch.tracking.models import Cursor, Page
from tests.poller.test_rounds import count, json_page

pytestmark = pytest.mark.django_db(transaction=True)

CONSUMER_HOLD = 20.0  # seconds the slow consumer holds the first round at most


@pytest.fixture
def endpoints(settings):
    from tests.replay import ReplayServer

    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    settings.LIKEWATCH_BATCH_WAIT_SECONDS = 0
    with ReplayServer() as server:
        yield server


@pytest.mark.postgres
def test_the_next_round_does_not_wait_for_the_consumers_of_the_last(endpoints):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (on SQLite the consumers run in the poller's thread)")
    first = json_page(endpoints, 1, next_fetch_at=timezone.now() - timedelta(seconds=1))
    endpoints.route("/p/1", lambda request: count(11))
    endpoints.route("/p/2", lambda request: count(22))
    busy, release, stop = threading.Event(), threading.Event(), threading.Event()
    handed: list[list[tuple[int, int | None]]] = []
    second_recorded_while_busy: list[bool] = []

    def slow(batch: consumers.Batch) -> None:
        handed.append([(r.page_id, r.value) for r in batch.records])
        if len(handed) == 1:  # holds the first round until the second one was recorded
            busy.set()
            release.wait(CONSUMER_HOLD)
            busy.clear()

    class Watched(Poller):
        def _record_round(self, outcomes) -> None:
            super()._record_round(outcomes)
            if outcomes[0].page.pk == first.pk:
                # Once the slow consumer holds the first round, a page due now, for the next
                # round: with the consumers in this thread, the slow one would have let the
                # first round go before this line is reached.
                busy.wait(CONSUMER_HOLD)
                json_page(endpoints, 2, next_fetch_at=timezone.now() - timedelta(seconds=1))
            else:
                second_recorded_while_busy.append(busy.is_set())
                release.set()
                stop.set()

    consumers.register("test-slow", slow, order=99)
    poller = Watched(owner="test", limit=1)
    guard = threading.Timer(60, stop.set)  # a broken loop fails the test instead of hanging
    guard.daemon = True
    guard.start()
    try:
        poller.run_forever(stop)
    finally:
        guard.cancel()
        release.set()
        poller.close()
        consumers.unregister("test-slow")
    second = Page.objects.get(platform_id__contains="/p/2")
    assert second_recorded_while_busy == [True]
    # Both rounds reached the consumer, each once, in the order they were committed, before
    # run_forever returned; its cursor is at the newest round.
    assert handed == [[(first.pk, 11)], [(second.pk, 22)]]
    head = Cursor.objects.get(name=Cursor.WRITTEN).position
    assert Cursor.objects.get(name="test-slow").position == head


def test_the_jitter_before_a_round_is_a_share_of_the_sleep(monkeypatch, settings):
    # Pollers sharing the pages are parted by a random share of their sleep. At 10,000 pages
    # a minute a round is due a fraction of a second after the last: a share of the 10 s batch
    # wait (up to a second) would be added to every page's lag.
    settings.LIKEWATCH_BATCH_WAIT_SECONDS = 10.0
    start_in = 0.3
    monkeypatch.setattr(
        loop.claims,
        "round_start",
        lambda full, wait: timezone.now() + timedelta(seconds=start_in),
    )
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # the largest jitter drawn
    poller = Poller(owner="test")
    try:
        seconds = poller._wait_seconds()
    finally:
        poller.close()
    assert start_in - 0.05 < seconds <= start_in * (1 + loop.JITTER)


def test_a_poller_woken_at_its_round_claims_it_without_reading_the_schedule_again(
    endpoints, monkeypatch
):
    # The sleep before a round lasts until it (claims.round_horizon); reading the schedule
    # again on waking, only to find the round due, was a query a round.
    from likewatch.tracking import chores

    poller = Poller(owner="test")  # first: loading what its chores need takes a while
    # Due in 3 s: the poller has time to spare before it (the stop below looks then too).
    page = json_page(endpoints, 1, next_fetch_at=timezone.now() + timedelta(seconds=3))
    endpoints.route("/p/1", lambda request: count(11))
    looks = []
    real_round_start = loop.claims.round_start
    monkeypatch.setattr(
        loop.claims,
        "round_start",
        lambda *args, **kw: looks.append(1) or real_round_start(*args, **kw),
    )
    stop = threading.Event()
    fetched = []

    def idle() -> bool:  # the idle pass after a round: stop there
        fetched.append(Page.objects.get(pk=page.pk).last_seq)
        if fetched[-1]:
            stop.set()
        return False

    chores.register("test-stop", idle, when=chores.SPARE_TIME, order=0)
    guard = threading.Timer(60, stop.set)
    guard.daemon = True
    guard.start()
    try:
        poller.run_forever(stop)
    finally:
        guard.cancel()
        poller.close()
        chores.unregister("test-stop")
    # One look before the sleep, one after the round (the next is a minute away); none on
    # waking. The page was read once, in the round the poller slept for.
    assert fetched == [0, 1]
    assert len(looks) == 2
    assert len(endpoints.requests) == 1
